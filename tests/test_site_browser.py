"""The course's website in a real browser: `cnncourse build` of a few lessons (lesson 3 for
its animation and its widget), served on localhost and driven in headless Chromium.

Every page loads with no JavaScript error and requests nothing but the site itself (the
browser cannot resolve any other host, so a CDN would fail loudly); every image has a size;
MathJax typesets every formula; the animation's frame changes when Play is pressed; every
link of the table of contents resolves, and previous/next walk the pages in order; the search
box finds a lesson. Screenshots of two pages go to build/test-artifacts/.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them as root);
skipped, saying so, where there is no browser.
"""

import functools
import http.server
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import ROOT

from cnncourse.site import build_site

pytestmark = pytest.mark.slow

#: Lesson 3 has the animation and the interactive explorer; lesson 1 makes a second page.
LESSONS = (1, 3)
ARTIFACTS = ROOT / "build" / "test-artifacts"
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900",
    # no host but this machine resolves: anything fetched from a CDN fails, and is logged
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)  # fmt: skip


def _browser_paths():
    browser = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
    )
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip(
            "no headless browser: the site's browser test needs Debian's chromium and "
            "chromium-driver (apt-get install chromium chromium-driver; .ci/run does as root)"
        )
    return browser, driver


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _browser_paths()  # skip before spending minutes on the build
    out = tmp_path_factory.mktemp("site")
    started = time.perf_counter()
    index = build_site(ROOT, out, only=LESSONS, progress=False)
    print(f"built a site of lessons {LESSONS} in {time.perf_counter() - started:.0f} s")
    return index.parent


@pytest.fixture(scope="module")
def base_url(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # the browser leaving a page mid-transfer resets its connection: no noise

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


# ----------------------------------------------------------------------------- helpers

WAIT_FOR_PAGE = """
const done = arguments[arguments.length - 1];
(async () => {
  const images = Array.from(document.images);
  await Promise.all(images.map(img => img.complete ? null :
      new Promise(ok => { img.onload = ok; img.onerror = ok; })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  done(true);
})();
"""

PAGE_FACTS = """
return {
  images: Array.from(document.images).map(img => ({
      src: img.src.slice(0, 80), width: img.naturalWidth, height: img.naturalHeight})),
  resources: performance.getEntriesByType('resource').map(e => e.name),
  math: document.querySelectorAll('.math').length,
  typeset: document.querySelectorAll('mjx-container').length,
  mathErrors: document.querySelectorAll('mjx-merror').length,
  prev: (document.querySelector('a.left-prev') || {}).href || null,
  next: (document.querySelector('a.right-next') || {}).href || null,
  title: document.title,
  stderr: Array.from(document.querySelectorAll('div.output.stderr')).map(
      e => e.innerText.slice(0, 300)),
};
"""


def _open(driver, url):
    """Load ``url``, wait for its images and MathJax; its facts and the browser's errors."""
    driver.get(url)
    driver.execute_async_script(WAIT_FOR_PAGE)
    facts = driver.execute_script(PAGE_FACTS)
    logs = driver.get_log("browser")
    facts["errors"] = [e["message"] for e in logs if e["level"] == "SEVERE"]
    return facts


def _status(url):
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    try:
        with direct.open(url.split("#")[0], timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _toc_links(driver):
    """Every link of the tables of contents: the home page's, the site's (left sidebar) and
    the page's own (right sidebar: its sections)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.toctree-wrapper a.reference, "
        ".bd-sidebar-primary nav a.reference, .bd-sidebar-secondary nav a')).map(a => a.href)"
    )


# ----------------------------------------------------------------------------- the test


def test_the_site_works_in_a_real_browser(site, base_url, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    home = _open(browser, base_url + "index.html")
    browser.save_screenshot(str(ARTIFACTS / "site-index.png"))
    toc = _toc_links(browser)
    pages = [base_url + "index.html"] + [
        u for u in dict.fromkeys(toc) if "/lessons/" in u and "#" not in u
    ]
    assert [urllib.parse.urlparse(u).path for u in pages] == ["/index.html"] + [
        f"/lessons/{p.name}" for p in sorted((site / "lessons").glob("*.html"))
    ], "the table of contents lists every lesson of the site, in order"
    assert len(pages) == 1 + len(LESSONS)

    problems = []
    seen = {base_url + "index.html": home}
    for url in pages[1:]:
        seen[url] = _open(browser, url)
    for url, facts in seen.items():
        name = urllib.parse.urlparse(url).path
        problems += [f"{name}: JavaScript error: {e}" for e in facts["errors"]]
        problems += [
            f"{name}: requested {r}" for r in facts["resources"] if not r.startswith(base_url)
        ]
        problems += [f"{name}: red stderr output: {t}" for t in facts["stderr"]]
        problems += [f"{name}: empty image {i}" for i in facts["images"] if not i["width"]]
        problems += [f"{name}: empty image {i}" for i in facts["images"] if not i["height"]]
        if facts["math"] and (facts["typeset"] < facts["math"] or facts["mathErrors"]):
            problems.append(f"{name}: MathJax typeset {facts['typeset']} of {facts['math']}")
    assert not problems, "\n".join(problems)
    lesson_pages = [seen[u] for u in pages[1:]]
    assert all(p["images"] for p in lesson_pages), "every lesson shows figures"
    assert any(p["typeset"] for p in lesson_pages), "lesson 3's formulas are typeset"

    # every link of the tables of contents resolves, on every page (anchors included)
    anchors = 0
    for url in pages:
        browser.get(url)
        for link in _toc_links(browser):
            anchors += "#" in link
            assert _status(link) == 200, f"{url}: table of contents link {link} is broken"
            fragment = urllib.parse.urlparse(link).fragment
            if fragment and link.split("#")[0] == browser.current_url.split("#")[0]:
                found = browser.execute_script(
                    "return !!document.getElementById(arguments[0])", fragment
                )
                assert found, f"{url}: table of contents link {link} points nowhere"
    assert anchors > 10, "the lessons' own tables of contents list their sections"

    # previous / next walk the pages in the table of contents' order
    for before, page, after in zip([None] + pages[:-1], pages, pages[1:] + [None], strict=True):
        assert seen[page]["prev"] == before, f"{page}: previous link"
        assert seen[page]["next"] == after, f"{page}: next link"

    # the animation plays: its frame changes after Play
    lesson3 = next(u for u in pages if "/lessons/03_" in u)
    browser.get(lesson3)
    browser.execute_async_script(WAIT_FOR_PAGE)
    frame = browser.find_element("css selector", "img[id^='_anim_img']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    first = frame.get_attribute("src")
    assert first.startswith("data:image/png;base64,")
    play = browser.find_element("css selector", ".animation button[title='Play']")
    play.click()
    deadline = time.monotonic() + 10
    while frame.get_attribute("src") == first and time.monotonic() < deadline:
        time.sleep(0.1)
    assert frame.get_attribute("src") != first, "the animation's frame did not change on Play"
    browser.find_element("css selector", ".animation button[title='Pause']").click()
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    browser.save_screenshot(str(ARTIFACTS / "site-lesson03-animation.png"))

    # the search box finds a lesson, offline
    browser.get(base_url + "search.html?q=stride")
    deadline = time.monotonic() + 20
    hits = []
    while not hits and time.monotonic() < deadline:
        time.sleep(0.2)
        hits = browser.execute_script(
            "return Array.from(document.querySelectorAll('#search-results li a')).map(a => a.href)"
        )
    assert any("/lessons/03_" in h for h in hits), f"search for 'stride' found {hits}"
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    print("screenshots:", ARTIFACTS / "site-index.png", ARTIFACTS / "site-lesson03-animation.png")

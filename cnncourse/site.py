"""The course as a static website: every lesson executed, rendered by Sphinx with MyST-NB and
the Sphinx Book Theme.

``build_site`` runs each notebook top to bottom in a fresh kernel (a cell that raises stops
the build with the notebook and the cell named), makes its outputs static, and lets Sphinx
write one page per lesson with a table of contents, previous/next links and a search box.
The site needs no network: MathJax is copied from the ``django-static-mathjax`` package, and
an interactive widget (which needs a running kernel) is shown as the picture it drew, with a
note, instead of loading the widget manager from a CDN. Serve ``build/site`` with any static
web server (``python -m http.server -d build/site``) or open its ``index.html``.

The table of contents is made from the notebooks found (``NN_name.ipynb`` in ``lessons/``,
and in ``solutions/`` only when asked), so a new lesson appears without editing anything.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import nbformat

from ._startup import without_chatter
from .notebooks import NAME_PATTERN, lesson_number

__all__ = [
    "SiteError",
    "Source",
    "build_site",
    "find_notebooks",
    "make_static",
    "render_index",
    "title_of",
]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: The parts of the site, in the order of the table of contents: folder -> caption.
PARTS = {"lessons": "Lessons", "solutions": "Solutions"}


class SiteError(RuntimeError):
    """The site could not be built: a notebook failed, or a tool is missing.

    Examples
    --------
    >>> raise SiteError("lessons/03_padding_stride.ipynb, cell 12: ValueError")
    Traceback (most recent call last):
    ...
    cnncourse.site.SiteError: lessons/03_padding_stride.ipynb, cell 12: ValueError
    """


class Source:
    """One notebook of the site: its folder (``lessons`` or ``solutions``) and path.

    Examples
    --------
    >>> s = Source("lessons", Path("lessons/03_padding_stride.ipynb"))
    >>> s.docname, s.lesson
    ('lessons/03_padding_stride', 3)
    """

    def __init__(self, folder: str, path: Path) -> None:
        self.folder = folder
        self.path = Path(path)
        self.lesson = lesson_number(self.path)
        self.docname = f"{folder}/{self.path.stem}"

    def __repr__(self) -> str:
        return f"Source({self.folder!r}, {str(self.path)!r})"


def find_notebooks(
    root: str | Path = ".", solutions: bool = False, only: Iterable[int] | None = None
) -> list[Source]:
    """The notebooks of the site, found by their names: ``lessons/NN_*.ipynb`` (then
    ``solutions/NN_*.ipynb`` when ``solutions``), each part sorted by file name.

    ``only`` keeps the lessons with these numbers (every number must match a notebook).

    Examples
    --------
    >>> import tempfile
    >>> course = Path(tempfile.mkdtemp())
    >>> for name in ("00_why.ipynb", "01_images.ipynb", "03_pads.ipynb", "notes.ipynb"):
    ...     _ = (course / "lessons").mkdir(exist_ok=True), (course / "lessons" / name).touch()
    >>> [s.docname for s in find_notebooks(course, only=[3])]
    ['lessons/03_pads']
    >>> find_notebooks(course, only=[99])
    Traceback (most recent call last):
    ...
    ValueError: only must name lessons that exist; got 99 (found: 0, 1, ...)
    """
    root = Path(root)
    folders = ("lessons", "solutions") if solutions else ("lessons",)
    found: list[Source] = []
    for folder in folders:
        paths = sorted(p for p in (root / folder).glob("*.ipynb") if NAME_PATTERN.match(p.name))
        if not paths:
            raise ValueError(
                f"root must be a course folder with notebooks in {folder}/; got {str(root)!r}"
            )
        found.extend(Source(folder, p) for p in paths)
    if only is not None:
        wanted = sorted({int(n) for n in only})
        numbers = sorted({s.lesson for s in found})
        missing = [n for n in wanted if n not in numbers]
        if missing or not wanted:
            shown = ", ".join(map(str, numbers[:2])) + (", ..." if len(numbers) > 2 else "")
            got = ", ".join(map(str, missing)) if missing else "nothing"
            raise ValueError(f"only must name lessons that exist; got {got} (found: {shown})")
        found = [s for s in found if s.lesson in wanted]
    return found


def title_of(nb: nbformat.NotebookNode, default: str) -> str:
    """The text of the notebook's first ``# heading``, else ``default``.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lesson 3 — Pads")])
    >>> title_of(nb, "03_padding")
    'Lesson 3 — Pads'
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


# ----------------------------------------------------------------------------- static outputs


def _widget_parts(model_id: str, state: dict, seen: set[str]) -> tuple[list, list[str]]:
    """The outputs of every Output widget under ``model_id``, and its sliders as text."""
    if model_id in seen or model_id not in state:
        return [], []
    seen.add(model_id)
    model = state[model_id]
    values = model.get("state", {})
    outputs = list(values.get("outputs", [])) if model.get("model_name") == "OutputModel" else []
    settings = []
    if "description" in values and "value" in values and values["description"]:
        settings.append(f"{values['description']} = {values['value']}")
    for child in values.get("children", []):
        child_outputs, child_settings = _widget_parts(
            str(child).removeprefix("IPY_MODEL_"), state, seen
        )
        outputs += child_outputs
        settings += child_settings
    return outputs, settings


def make_static(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make an executed notebook's outputs fit a static page, in place.

    - an ipywidgets view becomes what it drew (the outputs of its Output widgets) under a
      note that it is interactive in Jupyter, with its sliders' settings; the widget state
      is dropped, so the page loads no widget manager (from a CDN);
    - TensorFlow's start-up notices (:func:`cnncourse._startup.without_chatter`) are taken
      out of stderr, which a page shows in red; any other stderr stays.

    Examples
    --------
    >>> cell = nbformat.v4.new_code_cell("import keras")
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stderr",
    ...     text="WARNING: All log messages before absl::InitializeLog() is called ...\\n")]
    >>> make_static(nbformat.v4.new_notebook(cells=[cell])).cells[0].outputs
    []
    """
    widgets = nb.metadata.pop("widgets", {}) or {}
    state = widgets.get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = without_chatter(output.text)
                if output.text:
                    outputs.append(output)
            elif WIDGET_VIEW in output.get("data", {}):
                model_id = output.data[WIDGET_VIEW].get("model_id", "")
                drawn, settings = _widget_parts(model_id, state, set())
                note = (
                    "<p class='cnncourse-widget-note'><em>Interactive in Jupyter:</em> "
                    "run the lesson to move the sliders. Shown here as first drawn"
                    + (f" ({html.escape(', '.join(settings))})" if settings else "")
                    + ".</p>"
                )
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": note}))
                outputs.extend(nbformat.from_dict(o) for o in drawn)
            else:
                outputs.append(output)
        cell.outputs = outputs
    return nb


# ----------------------------------------------------------------------------- the pages


def render_index(titles: dict[str, list[tuple[str, str]]]) -> str:
    """The home page (MyST Markdown): an introduction and one table of contents per part.

    ``titles`` maps a part's caption to its ``(docname, title)`` pairs, in order.

    Examples
    --------
    >>> print(render_index({"Lessons": [("lessons/00_why", "Lesson 0 — Why")]}))
    ... # doctest: +ELLIPSIS
    # Convolutional neural networks with Keras
    ...
    :caption: Lessons
    ...
    Lesson 0 — Why <lessons/00_why>
    ```
    <BLANKLINE>
    """
    parts = []
    for caption, pages in titles.items():
        entries = "\n".join(f"{title} <{docname}>" for docname, title in pages)
        parts.append(f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n{entries}\n```\n")
    return (
        "# Convolutional neural networks with Keras\n\n"
        "Every lesson of the course, run from top to bottom: the figures, the animations and "
        "the checks are as a notebook shows them. An exercise left blank says so under its "
        "check, and the cells after it use the course's reference answer.\n\n"
        "To work on the lessons yourself, install the course and run `cnncourse start`: it "
        "copies them into a workspace of your own and opens JupyterLab there.\n\n"
        + "\n".join(parts)
    )


def _mathjax_folder() -> Path:
    """MathJax 3's browser build (es5), from the ``django-static-mathjax`` package."""
    try:
        import mathjax
    except ImportError:
        mathjax = None
    folder = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" if mathjax else None
    if folder is None or not (folder / "tex-svg.js").is_file():
        raise SiteError(
            "MathJax is missing: pip install django-static-mathjax (the site serves MathJax "
            "itself, so that its formulas need no network)"
        )
    return folder


def _copy_mathjax(static: Path) -> None:
    """``tex-svg.js`` (fonts included) and the TeX extensions it loads on demand."""
    es5 = _mathjax_folder()
    target = static / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(es5 / "tex-svg.js", target / "tex-svg.js")
    shutil.copytree(es5 / "input" / "tex" / "extensions", target / "input" / "tex" / "extensions",
                    dirs_exist_ok=True)  # fmt: skip


CONF = """\
# Written by cnncourse.site.build_site; rebuilt on every `cnncourse build`.
project = "cnncourse"
html_title = "CNNs with Keras"
extensions = ["myst_nb"]
exclude_patterns = ["**.ipynb_checkpoints"]
html_theme = "sphinx_book_theme"
html_theme_options = {{
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "footer_content_items": [],
    "navbar_persistent": [],  # the sidebar has the search box: no second one in a header
}}
html_context = {{"default_mode": "auto"}}  # light or dark as the reader's system prefers
html_favicon = "_static/favicon.svg"
html_static_path = ["_static"]
html_css_files = ["cnncourse.css"]
html_last_updated_fmt = None
html_show_sphinx = False
mathjax_path = "mathjax/tex-svg.js"
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"       # cnncourse.site executed every notebook already
nb_ipywidgets_js = {{}}           # no widget manager from a CDN (see make_static)
nb_merge_streams = True
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]
"""

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" '
    'rx="3" fill="#1f77b4"/><path d="M3 3h7v7H3z" fill="#ff7f0e"/><path d="M6 6h7v7H6z" '
    'fill="none" stroke="#fff" stroke-width="1.5"/></svg>\n'
)

CSS = """\
/* the convolution animation's player: a frame wider than the column scrolls, never squeezes */
.output .animation { overflow-x: auto; }
.cnncourse-widget-note { color: var(--pst-color-text-muted); margin-bottom: 0.3rem; }
"""


def _execute(source: Source, timeout: int, log: Path) -> nbformat.NotebookNode:
    """Run ``source`` in a fresh kernel (its folder as working directory); the kernel's own
    stderr goes to ``log``. Raises :class:`SiteError` naming the cell that failed."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(source.path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.path.parent.resolve())}},
    )
    # figures inline, as in Jupyter, even where MPLBACKEND says Agg (tests, servers): the
    # kernel would otherwise show none
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    with open(log, "wb") as kernel_stderr:
        try:
            client.execute(stderr=kernel_stderr, env=env)
        except (CellExecutionError, CellTimeoutError) as exc:
            failed = next(
                (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
                    o.output_type == "error" for o in c.get("outputs", []))),
                None,
            )  # fmt: skip
            where = f"cell {failed}" if failed is not None else "a cell"
            summary = str(exc).strip().splitlines()
            raise SiteError(
                f"{source.folder}/{source.path.name}, {where} failed; the site was not built "
                f"(kernel log: {log}):\n" + "\n".join(summary[-12:])
            ) from None
    return nb


def build_site(
    root: str | Path | None = None,
    out: str | Path = "build",
    solutions: bool = False,
    only: Iterable[int] | None = None,
    timeout: int = 600,
    progress: bool = True,
) -> Path:
    """Execute the course's notebooks and write the website; returns its ``index.html``.

    ``root`` is the course folder (with ``lessons/``; by default this course: its checkout,
    or the lessons an installed wheel carries). Under ``out`` (relative to the working
    folder): ``site/`` (the website), ``source/`` (the executed notebooks and the
    Sphinx configuration it was built from), ``logs/`` (each kernel's stderr). ``timeout``
    is the limit in seconds for one cell. A notebook whose cell raises stops the build with
    a :class:`SiteError`; so does a Sphinx error. ``only`` builds a site of some lessons.

    Examples
    --------
    >>> index = build_site(only=[0, 3])  # doctest: +SKIP
    >>> index  # doctest: +SKIP
    PosixPath('build/site/index.html')
    """
    if root is None:
        from .workspace import course_lessons

        root = course_lessons().parent
    root, out = Path(root), Path(out).absolute()
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    sources = find_notebooks(root, solutions=solutions, only=only)
    src, site, logs = out / "source", out / "site", out / "logs"
    for folder in (src, site, out / "doctrees"):
        shutil.rmtree(folder, ignore_errors=True)
    logs.mkdir(parents=True, exist_ok=True)
    _copy_mathjax(src / "_static")
    (src / "_static" / "cnncourse.css").write_text(CSS, encoding="utf-8")
    (src / "_static" / "favicon.svg").write_text(FAVICON, encoding="utf-8")
    (src / "conf.py").write_text(CONF.format(), encoding="utf-8")

    titles: dict[str, list[tuple[str, str]]] = {}
    started = time.perf_counter()
    for source in sources:
        begin = time.perf_counter()
        nb = make_static(_execute(source, timeout, logs / f"{source.path.stem}.log"))
        target = src / f"{source.docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        titles.setdefault(PARTS[source.folder], []).append(
            (source.docname, title_of(nb, source.path.stem))
        )
        if progress:
            print(f"{time.perf_counter() - begin:6.1f} s  ran {source.folder}/{source.path.name}",
                  flush=True)  # fmt: skip
    (src / "index.md").write_text(render_index(titles), encoding="utf-8")

    begin = time.perf_counter()
    _sphinx(src, site, out / "doctrees", logs / "sphinx.log", progress)
    if progress:
        print(f"{time.perf_counter() - begin:6.1f} s  wrote the site with Sphinx "
              f"({time.perf_counter() - started:.0f} s in all)", flush=True)  # fmt: skip
    index = site / "index.html"
    if not index.is_file():
        raise SiteError(f"Sphinx wrote no {index}; see {logs / 'sphinx.log'}")
    return index


def _sphinx(src: Path, site: Path, doctrees: Path, log: Path, progress: bool) -> None:
    """``sphinx-build -b html`` in a child process (Sphinx keeps global state); its output
    goes to ``log``, its warnings are printed, and a failure raises :class:`SiteError`."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-d", str(doctrees),
               str(src), str(site)]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    log.write_text(run.stdout + run.stderr, encoding="utf-8")
    if run.returncode != 0:
        raise SiteError(
            f"Sphinx failed (exit {run.returncode}); see {log}:\n" + run.stderr.strip()[-3000:]
        )
    warnings = [line for line in run.stderr.splitlines() if "WARNING" in line]
    if warnings and progress:
        print(f"Sphinx warnings ({len(warnings)}, all in {log}):", *warnings[:10], sep="\n  ")


"""`cnncourse build`: the course as a static website (cnncourse.site).

The site in a real browser is tests/test_site_browser.py."""

import nbformat
import pytest

from cnncourse.cli import main
from cnncourse.site import SiteError, build_site, find_notebooks, make_static, render_index


def make_course(root, lessons, solutions=()):
    """A course folder with one-cell notebooks: ``{name: source}`` per folder."""
    for folder, notebooks in (("lessons", lessons), ("solutions", solutions)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, source in dict(notebooks).items():
            title = nbformat.v4.new_markdown_cell(f"# {name[:-6]}")
            nb = nbformat.v4.new_notebook(cells=[title, nbformat.v4.new_code_cell(source)])
            nbformat.write(nb, root / folder / name)
    return root


def test_the_table_of_contents_is_the_notebooks_found_in_order(tmp_path):
    course = make_course(
        tmp_path,
        {"10_late.ipynb": "", "02_conv.ipynb": "", "00_why.ipynb": "", "draft.ipynb": ""},
        {"02_conv.ipynb": ""},
    )
    assert [s.docname for s in find_notebooks(course)] == [
        "lessons/00_why", "lessons/02_conv", "lessons/10_late",
    ]  # fmt: skip
    with_solutions = find_notebooks(course, solutions=True)
    assert [s.docname for s in with_solutions][-1] == "solutions/02_conv"
    assert [s.docname for s in find_notebooks(course, solutions=True, only=[2])] == [
        "lessons/02_conv", "solutions/02_conv",
    ]  # fmt: skip


def test_only_and_root_are_checked(tmp_path):
    course = make_course(tmp_path, {"00_why.ipynb": ""})
    with pytest.raises(ValueError, match="only must name lessons that exist; got 4, 7"):
        find_notebooks(course, only=[4, 0, 7])
    with pytest.raises(ValueError, match="only must name lessons that exist; got nothing"):
        find_notebooks(course, only=[])
    with pytest.raises(ValueError, match="root must be a course folder with notebooks in"):
        find_notebooks(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="notebooks in solutions/"):
        find_notebooks(course, solutions=True)
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds; got 0"):
        build_site(course, tmp_path / "out", timeout=0)


def test_the_cli_reports_a_bad_choice_without_running_anything(tmp_path, capsys):
    course = make_course(tmp_path, {"00_why.ipynb": ""})
    out = tmp_path / "out"
    assert main(["build", "--root", str(course), "--only", "5", "--out", str(out)]) == 1
    assert "error: only must name lessons that exist; got 5" in capsys.readouterr().err
    assert not out.exists()


def test_the_index_lists_each_part_with_its_titles():
    text = render_index(
        {
            "Lessons": [("lessons/00_why", "Lesson 0 — Why"), ("lessons/03_pad", "Lesson 3")],
            "Solutions": [("solutions/00_why", "Lesson 0 — Why")],
        }
    )
    lessons, solutions = text.split("```{toctree}")[1:]
    assert ":caption: Lessons" in lessons and ":caption: Solutions" in solutions
    assert lessons.index("<lessons/00_why>") < lessons.index("Lesson 3 <lessons/03_pad>")
    assert "Lesson 0 — Why <solutions/00_why>" in solutions


def _widget_notebook():
    """An executed notebook as nbclient leaves it: a VBox of sliders and an Output widget."""
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_n", "IPY_MODEL_out"]}},
        "n": {"model_name": "IntSliderModel", "state": {"description": "input size n", "value": 7}},
        "out": {
            "model_name": "OutputModel",
            "state": {
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "output size = 4\n"},
                    {"output_type": "display_data", "metadata": {},
                     "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}},
                ]
            },
        },
    }  # fmt: skip
    view = {"application/vnd.jupyter.widget-view+json": {"model_id": "box", "version_major": 2}}
    cell = nbformat.v4.new_code_cell("plot.conv_explorer()")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={**view, "text/plain": "ConvExplorer(...)"}),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": state, "version_major": 2}
    }
    return nb


def test_a_widget_becomes_the_picture_it_drew_and_no_widget_state_is_left():
    nb = make_static(_widget_notebook())
    assert "widgets" not in nb.metadata  # so the page loads no widget manager from a CDN
    note, text, picture = nb.cells[0].outputs
    assert "Interactive in Jupyter" in note.data["text/html"]
    assert "input size n = 7" in note.data["text/html"]
    assert text.text == "output size = 4\n"
    assert picture.data["image/png"] == "iVBORw0KGgo="
    nbformat.validate(nb)


def test_only_tensorflows_startup_notices_leave_stderr():
    cell = nbformat.v4.new_code_cell("import keras")
    chatter = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1.0 3141 port.cc:153] oneDNN custom operations are on. You may see ...\n"
    )
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=chatter),
        nbformat.v4.new_output("stream", name="stderr", text=chatter + "UserWarning: real\n"),
        nbformat.v4.new_output("stream", name="stdout", text="kept\n"),
    ]
    outputs = make_static(nbformat.v4.new_notebook(cells=[cell])).cells[0].outputs
    assert [(o.name, o.text) for o in outputs] == [
        ("stderr", "UserWarning: real\n"), ("stdout", "kept\n"),
    ]  # fmt: skip


@pytest.mark.slow
def test_a_small_course_builds_into_a_site(tmp_path):
    course = make_course(
        tmp_path / "course",
        # a figure, though the tests run with MPLBACKEND=Agg (conftest), as a server might
        {"00_first.ipynb": "print(6 * 7)",
         "01_second.ipynb": "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()"},
        {"00_first.ipynb": "print('solved', 6 * 7)"},
    )
    index = build_site(course, tmp_path / "out", solutions=True, progress=False)
    assert index == tmp_path / "out" / "site" / "index.html"
    home = index.read_text()
    for page in ("lessons/00_first.html", "lessons/01_second.html", "solutions/00_first.html"):
        assert f'href="{page}"' in home
    first = (index.parent / "lessons" / "00_first.html").read_text()
    assert "42" in first and 'href="01_second.html"' in first  # its output; the next page
    second = (index.parent / "lessons" / "01_second.html").read_text()
    (picture,) = (index.parent / "_images").glob("*.png")
    assert f'src="../_images/{picture.name}"' in second
    assert "solved 42" in (index.parent / "solutions" / "00_first.html").read_text()
    assert (index.parent / "_static" / "mathjax" / "tex-svg.js").is_file()
    assert (index.parent / "searchindex.js").is_file()
    assert "https://" not in first.replace('xmlns="http://www.w3.org', "")


@pytest.mark.slow
def test_a_cell_that_raises_stops_the_build_and_names_the_cell(tmp_path):
    course = make_course(tmp_path / "course", {"00_broken.ipynb": "1 / 0"})
    with pytest.raises(SiteError, match=r"lessons/00_broken.ipynb, cell 1 failed") as caught:
        build_site(course, tmp_path / "out", progress=False)
    assert "ZeroDivisionError" in str(caught.value)
    assert not (tmp_path / "out" / "site" / "index.html").exists()


"""``grade --shard K/N`` and ``merge``: N disjoint parts of a class, merged into a single run's
output (tiny notebooks that import no Keras)."""

import json
import subprocess
import sys

import pytest
from conftest import SEED, run_cli
from submissions.tiny import TINY, tiny_notebook

from cnncourse.grading import Submission
from cnncourse.grading.shards import class_fingerprint, parse_shard, select_shard

#: What only a run's own clock decides: left out when a merge is compared with a single run.
RUN_SPECIFIC = ("started", "seconds")


def _without_timings(data):
    data = {k: v for k, v in data.items() if k not in RUN_SPECIFIC}
    data["summary"] = {k: v for k, v in data["summary"].items() if k != "seconds"}
    data["submissions"] = [
        {k: v for k, v in s.items() if k != "seconds"} for s in data["submissions"]
    ]
    return data


def _feedback(folder):
    """Every feedback file, without its last line (the time it was written)."""
    return {
        p.name: p.read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0]
        for p in sorted((folder / "feedback").glob("*.md"))
    }


def _class(folder):
    wrong = {**TINY, "to_bgr": "return image"}
    for i, student in enumerate(["ann", "bob", "cy", "dee", "eve"]):
        tiny_notebook(folder / f"{student}.ipynb", wrong if i % 2 else TINY)
    return folder


GRADE = ("--seed", SEED, "--workers", 2, "--quiet", "--lesson", 1, "--timeout", 60)


def _cnncourse(*args):
    """``cnncourse ARGS`` in a process of its own, as an instructor runs it: (code, out, err)."""
    command = "import sys; from cnncourse.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", command, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    subs = _class(root / "subs")
    runs = [_cnncourse("grade", subs, "--out", root / "whole", *GRADE)]
    for k in (1, 2):
        runs.append(_cnncourse("grade", subs, "--out", root / f"s{k}", "--shard", f"{k}/2", *GRADE))
    runs.append(_cnncourse("merge", root / "merged", root / "s2", root / "s1"))
    return root, [code for code, _, _ in runs], [err for _, _, err in runs]


@pytest.mark.slow
def test_two_shards_merged_are_the_single_run(graded):
    root, codes, errors = graded
    assert codes == [0, 0, 0, 0], errors
    whole, merged = root / "whole", root / "merged"
    csv_whole = (whole / "grades.csv").read_bytes()
    assert (merged / "grades.csv").read_bytes() == csv_whole
    for name in ("canvas.csv", "similarity.csv"):
        assert (merged / name).read_bytes() == (whole / name).read_bytes(), name
    data_whole = json.loads((whole / "grades.json").read_text())
    data_merged = json.loads((merged / "grades.json").read_text())
    assert "shard" not in data_merged
    assert _without_timings(data_merged) == _without_timings(data_whole)
    assert list(data_merged) == list(data_whole)  # the same fields, in the same order
    assert _feedback(merged) == _feedback(whole)


@pytest.mark.slow
def test_each_shard_grades_its_own_part_once(graded):
    root, _, _ = graded
    parts = [json.loads((root / f"s{k}" / "grades.json").read_text()) for k in (1, 2)]
    students = [[s["student"] for s in p["submissions"]] for p in parts]
    assert students == [["ann", "cy", "eve"], ["bob", "dee"]]
    assert [p["shard"]["positions"] for p in parts] == [[0, 2, 4], [1, 3]]


@pytest.mark.slow
def test_merge_refuses_shards_that_do_not_fit(graded):
    root, _, _ = graded
    code, _, err = run_cli("merge", root / "bad1", root / "s1")
    assert code == 2 and "each of the shards 1 to 2 once" in err
    code, _, err = run_cli("merge", root / "bad2", root / "s1", root / "s1")
    assert code == 2
    code, _, err = run_cli("merge", root / "bad3", root / "s1", root / "whole")
    assert code == 2 and "not a shard" in err
    other = root / "s2other"
    run_cli("grade", root / "subs", "--out", other, "--shard", "2/2", *GRADE[:-1], 61)
    code, _, err = run_cli("merge", root / "bad4", root / "s1", other)
    assert code == 2 and "'settings'" in err


@pytest.mark.parametrize("value", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", "1/2/3"])
def test_a_bad_shard_is_refused_naming_the_argument(value, tmp_path):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(value)
    with pytest.raises(SystemExit):
        run_cli("grade", tmp_path, "--out", tmp_path / "o", "--seed", 1, "--shard", value)


def test_a_shard_needs_the_seed(tmp_path):
    code, _, err = run_cli("grade", tmp_path, "--out", tmp_path / "o", "--shard", "1/2")
    assert code == 2 and "--shard 1/2 needs --seed" in err


def test_shards_cover_the_class_once():
    subs = [Submission(f"{i}.ipynb", f"s{i}") for i in range(11)]
    for n in (1, 2, 3, 11, 20):
        parts = [select_shard(subs, k, n) for k in range(1, n + 1)]
        positions = sorted(i for part in parts for i, _ in part)
        assert positions == list(range(11))
    assert class_fingerprint(["a"]) != class_fingerprint(["b"])

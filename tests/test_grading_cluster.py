"""``grade --scheduler ADDRESS``: the notebooks run on a Dask cluster's workers and are judged
here, so the outputs are a local run's (a ``distributed.LocalCluster`` of two processes)."""

import json

import pytest
from conftest import SEED, run_cli
from submissions.tiny import TINY, tiny_notebook
from test_grading_shards import _feedback, _without_timings

from cnncourse.grading import Grader, Settings, Submission, sandbox
from cnncourse.grading.cluster import Cluster
from cnncourse.grading.roster import GradingError

distributed = pytest.importorskip("distributed")


def _class(folder):
    """Two tiny notebooks (one wrong), lesson 1's solution and its blank lesson."""
    from conftest import ROOT

    tiny_notebook(folder / "ann.ipynb")
    tiny_notebook(folder / "bob.ipynb", {**TINY, "to_bgr": "return image"})
    for name, source in (("cy", "solutions"), ("dee", "lessons")):
        (folder / f"{name}.ipynb").write_bytes(next((ROOT / source).glob("01_*")).read_bytes())
    return folder


GRADE = ("--seed", SEED, "--workers", 2, "--quiet", "--lesson", 1, "--timeout", 120)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    subs = _class(root / "subs")
    local = run_cli("grade", subs, "--out", root / "local", *GRADE)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_cli(
            "grade", subs, "--out", root / "remote", "--scheduler", cluster.scheduler_address,
            *GRADE,
        )  # fmt: skip
    return root, local, remote


@pytest.mark.slow
def test_a_cluster_run_writes_what_a_local_run_writes(graded):
    root, local, remote = graded
    assert local[0] == remote[0] == 0, (local, remote)
    assert "2 Dask workers at tcp://" in remote[2]
    for name in ("grades.csv", "canvas.csv", "similarity.csv"):
        assert (root / "local" / name).read_bytes() == (root / "remote" / name).read_bytes()
    assert _feedback(root / "local") == _feedback(root / "remote")
    data = {
        where: _without_timings(json.loads((root / where / "grades.json").read_text()))
        for where in ("local", "remote")
    }
    assert data["local"] == data["remote"]
    results = {s["student"]: (s["total"], s["max"]) for s in data["remote"]["submissions"]}
    assert results["cy"][0] == results["cy"][1] and results["dee"][0] == 0
    assert 0 < results["bob"][0] < results["ann"][0]


def test_a_job_holds_no_seed_and_no_expected_output(tmp_path):
    """What the grader sends a worker: the cells, the answers' names, the cases' inputs and
    the limits (the worker is faked: it records the job and sends back nothing)."""
    seed = 918_273_645
    sent = []

    class Recorder:
        def run(self, job, warm=True):
            sent.append(job)
            return sandbox.Outcome()

    grader = Grader(Settings(seed=seed, lesson=1))
    grader.cluster = Recorder()
    result = grader.grade(Submission(tiny_notebook(tmp_path / "ann.ipynb"), "ann"))
    assert all("no result came back" in e.message for e in result.exercises)
    (job,) = sent
    assert sorted(job) == ["cases", "cells", "limits", "specs"]
    assert str(seed) not in repr(job)
    plan = grader.plan(1)
    for exercise in plan.exercises:
        if exercise.id in job["cases"]:  # inputs only: the same bytes the local runner gets
            assert job["cases"][exercise.id] == plan.encoded[exercise.id]


def test_no_scheduler_there_is_a_graders_error():
    with pytest.raises(GradingError, match="cannot reach the Dask scheduler"):
        Cluster("tcp://127.0.0.1:9", timeout=1)

"""One control group per run (cnncourse/grading/cgroups.py): memory, processes and CPU that
hold for the whole submission, and nothing of it left once the run is over."""

import subprocess
import sys
import textwrap

import pytest

from cnncourse.grading import cgroups, sandbox

GROUPS = cgroups.availability().startswith("cgroup")
needs_cgroups = pytest.mark.skipif(
    not GROUPS, reason=f"no control groups here: {cgroups.availability()}"
)


def test_without_a_group_the_command_is_unchanged():
    assert cgroups.join_command(None, ["python", "-V"]) == (["python", "-V"], {})


@needs_cgroups
def test_a_run_joins_its_group_before_it_starts_anything_and_nothing_outlives_close():
    group = cgroups.create(256 * 2**20, 64)
    script = "setsid sleep 300 >/dev/null 2>&1 & sleep 300 >/dev/null 2>&1 & cat /proc/self/cgroup"
    argv, env = cgroups.join_command(group, ["/bin/sh", "-c", script])
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    name = group.folders[0].name
    assert name in out.stdout  # the shell (and so all it started) was in the group
    assert len(group.pids()) == 2  # both sleeps, the setsid one too
    group.close()
    assert group.pids() == [] and not any(folder.exists() for folder in group.folders)


@needs_cgroups
def test_memory_is_counted_for_all_processes_of_a_run_together():
    group = cgroups.create(120 * 2**20, 64)
    code = textwrap.dedent(
        """
        import os, time
        children = []
        for _ in range(3):  # each alone fits the limit, together they do not
            pid = os.fork()
            if pid == 0:
                block = bytearray(80 * 2**20)
                time.sleep(2)
                os._exit(0)
            children.append(pid)
        print(sum(os.waitpid(pid, 0)[1] != 0 for pid in children))
        """
    )
    argv, env = cgroups.join_command(group, [sys.executable, "-c", code])
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    try:
        assert int(out.stdout.strip()) >= 1, out.stdout + out.stderr  # killed for memory
        assert group.peak_memory() <= 120 * 2**20
    finally:
        group.close()


@needs_cgroups
@pytest.mark.slow
def test_a_notebook_that_forks_memory_hogs_stays_within_its_memory_limit():
    cell = textwrap.dedent(
        """
        import os, time
        for _ in range(6):
            if os.fork() == 0:
                block = bytearray(400 * 2**20)  # 6 x 400 MB > the run's 1024 MB
                time.sleep(3)
                os._exit(0)
        time.sleep(4)
        x = 6 * 7
        """
    )
    spec = {"id": "q", "kind": "value", "name": "x"}
    outcome = sandbox.run_submission([cell], [spec], {}, sandbox.Limits(memory_mb=1024))
    assert 0 < outcome.peak_memory <= 1024 * 2**20

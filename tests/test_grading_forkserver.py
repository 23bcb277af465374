"""Warm runs (cnncourse/grading/forkserver.py): forked from a process that imported the
libraries once, each run sees exactly what a cold run sees, and no run sees another's."""

import os
import textwrap

import pytest

from cnncourse.grading import forkserver, isolation, sandbox

pytestmark = pytest.mark.skipif(not forkserver.supported(), reason="no fork server here")

#: What a run's process can find out about itself and its surroundings, as plain data.
PROBE = textwrap.dedent(
    """
    import json, os, resource, socket, sys
    from pathlib import Path

    def status(key):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].split()
        return None

    others = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                others.append(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\\0")[0].decode())
            except OSError:
                pass
    fds = {}
    for fd in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    try:
        Path(OUTSIDE).write_text("x")
        wrote = True
    except OSError:
        wrote = False
    try:
        open("/dev/tty").close()
        tty = True
    except OSError:
        tty = False
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
        reached = True
    except OSError:
        reached = False
    limits = {name: list(resource.getrlimit(getattr(resource, name)))
              for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_CORE",
                           "RLIMIT_NPROC")}
    report = json.dumps({
        "uid": status("Uid"), "gid": status("Gid"), "groups": status("Groups"),
        "no_new_privs": status("NoNewPrivs"), "cap_eff": status("CapEff"),
        "cap_prm": status("CapPrm"), "cap_bnd": status("CapBnd"), "seccomp": status("Seccomp"),
        "tty": tty, "small_pid": os.getpid() < 10,
        "others": sorted(set(os.path.basename(c) for c in others) - {"bwrap", "sleep"}),
        "fds": fds, "cwd": os.getcwd(), "root": sorted(os.listdir("/")),
        "environment": {k: v for k, v in os.environ.items() if k not in ("KERAS_HOME", "PWD")},
        "flags": [sys.flags.isolated, sys.flags.no_user_site, sys.flags.ignore_environment],
        "limits": limits, "wrote_outside": wrote, "reached": reached,
        "cgroup": sorted(line.split(":", 2)[2].split("/cnncourse-")[0] for line in
                         Path("/proc/self/cgroup").read_text().splitlines()),
        "hostname": socket.gethostname(), "tmp": sorted(os.listdir("/dev/shm")),
        "marker": getattr(json, "left_by_another_run", None),
    }, sort_keys=True)
    json.left_by_another_run = "yes"  # a module the server imported: the next run must not see it
    Path("/dev/shm/left-by-another-run").write_text("yes")
    """
)
SPEC = [{"id": "probe", "kind": "value", "name": "report"}]


@pytest.fixture(scope="module")
def server():
    server = sandbox.start_server()
    assert server is not None, "the fork server did not start"
    yield server
    server.close()


def _probe(server, port, outside):
    import json

    cells = [PROBE.replace("PORT", str(port)).replace("OUTSIDE", repr(str(outside)))]
    outcome = sandbox.run_submission(cells, SPEC, {}, sandbox.Limits(), server)
    assert outcome.error is None, outcome.error
    assert not outcome.cell_errors, outcome.cell_errors
    return json.loads(outcome.results["probe"]["value"]), outcome


def _same_folders(report):
    """The report with each run's own temporary folder (outside a sandbox) written <job>."""
    import json
    import re

    text = re.sub(r"/[^\"]*?cnncourse-grade-[^/\"]+/run\d+", "<job>", json.dumps(report))
    return json.loads(text)


@pytest.mark.slow
def test_a_warm_run_sees_what_a_cold_run_sees(server, tmp_path):
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        cold, _ = _probe(None, port, tmp_path / "cold.txt")
        warm, _ = _probe(server, port, tmp_path / "warm.txt")
        again, _ = _probe(server, port, tmp_path / "again.txt")
    finally:
        listener.close()
    isolated = isolation.availability() == "bubblewrap"
    # the rest of the machine (other processes, its /tmp) may change between two runs
    skip = {"fds", "cap_bnd", "cap_eff", "cap_prm"} | (set() if isolated else {"others", "tmp"})
    cold, warm = _same_folders(cold), _same_folders(warm)
    different = {k: (cold[k], warm[k]) for k in cold if cold[k] != warm[k] and k not in skip}
    assert not different, different
    for caps in ("cap_bnd", "cap_eff", "cap_prm"):  # no capability a cold run lacks
        assert int(warm[caps][0], 16) & ~int(cold[caps][0], 16) == 0, caps

    # descriptors: the same files (the output file is in each run's own temporary folder)
    def names(run):
        return {fd: os.path.basename(path) for fd, path in run["fds"].items()}

    assert names(warm) == names(cold)
    assert warm["fds"]["0"] == "/dev/null" and warm["fds"]["1"] == warm["fds"]["2"]
    assert warm["no_new_privs"] == ["1"] and warm["cap_eff"] == ["0000000000000000"]
    assert warm["marker"] is None and again["marker"] is None  # no run inherits another's
    assert "left-by-another-run" not in again["tmp"] or not isolated
    assert (tmp_path / "warm.txt").exists() == warm["wrote_outside"]
    if isolated:
        assert warm["small_pid"] and not warm["reached"] and warm["others"] == []


@pytest.mark.slow
def test_a_run_that_kills_itself_is_run_again_warm(server):
    cells = ["x = 6 * 7", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "y = 1"]
    spec = [{"id": "q", "kind": "value", "name": "x"}]
    outcome = sandbox.run_submission(cells, spec, {}, sandbox.Limits(), server)
    assert outcome.results["q"]["value"] == 42 and outcome.runs == 2
    assert "run again without it" in outcome.cell_errors[1]


@pytest.mark.slow
def test_runs_start_cold_when_the_server_is_gone():
    server = sandbox.start_server()
    assert server is not None
    server.proc.kill()
    server.proc.wait()
    spec = [{"id": "q", "kind": "value", "name": "x"}]
    outcome = sandbox.run_submission(["x = 6 * 7"], spec, {}, sandbox.Limits(), server)
    assert outcome.results["q"]["value"] == 42 and outcome.error is None
    assert not server.alive
    server.close()
    assert not os.path.exists(server.folder)


@pytest.mark.slow
@pytest.mark.skipif(
    os.geteuid() != 0 or isolation.availability() != "bubblewrap",
    reason="as root, bubblewrap can be asked for a user namespace as for a user's grader",
)
def test_a_warm_run_in_a_user_namespace_keeps_no_capability(server, tmp_path, monkeypatch):
    # the grader of an ordinary user: bubblewrap makes a user namespace, in which the forked
    # run starts with every capability; it must drop them all
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    cold, _ = _probe(None, 1, tmp_path / "cold.txt")
    warm, _ = _probe(server, 1, tmp_path / "warm.txt")
    assert warm["cap_eff"] == warm["cap_prm"] == warm["cap_bnd"] == ["0000000000000000"]
    assert warm["uid"] == cold["uid"] and warm["no_new_privs"] == ["1"]
    assert warm["others"] == [] and warm["small_pid"] and warm["root"] == cold["root"]

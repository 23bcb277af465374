"""Running one submission in its own process, within limits, and reading back what it sent.

The grader calls :func:`run_submission` from a worker thread. It makes a
temporary folder (``job/`` for the runner's inputs and results, ``work/``
the notebook's working folder), starts ``python -m cnncourse.grading.runner``
there in a new session with a small environment (no secret, no grader
paths), and watches it:

* the runner lowers its own limits before any notebook code runs (address
  space, CPU time, file size) and times cells and exercises with a timer;
* the grader watches ``progress.log`` and kills the whole process group when
  a cell or an exercise runs past its limit (plus a grace period), or the
  submission past its own;
* when the process dies in a cell (killed, crashed, ``os.kill``...), the
  notebook is run again without that cell; when it dies in an exercise, that
  exercise gets the reason and the others are graded in a new run. All of it
  within the submission's time limit.

Results come back as plain data only (:mod:`cnncourse.grading.codec`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._startup import BACKEND_ENVIRONMENT
from . import cgroups, codec, isolation
from .protocol import (
    CASES_FILE,
    CASES_FOLDER,
    CELLS_DONE,
    CELLS_FILE,
    CORRUPT,
    DONE,
    JOB_FILE,
    KILLED,
    STEP_CELL,
    STEP_EXERCISE,
    STEP_LIMITS,
    STEP_TIMEOUT,
)

#: Seconds a cell or an exercise may run past its limit before the grader kills the process
#: (the runner's own timer stops it at the limit; this is for code that ignores the timer).
GRACE = 2.0
POLL = 0.05
MAX_RUNS = 4
FILE_LIMIT_BYTES = 256 * 2**20
#: The largest result JSON the grader reads (arrays travel in .npy files, not in it).
MAX_RESULT_JSON_BYTES = 8 * 2**20
#: Processes (threads included) one submission may have, where the limit can be set.
MAX_PROCESSES = 256 + 8 * (os.cpu_count() or 1)
#: What the runner's process starts with: ``python -I`` (no working folder, no user site,
#: no PYTHON* variables on sys.path), then, as root, an unprivileged uid, before any import.
_BOOT = (
    "import os, sys\n"
    "uid = int(sys.argv[2])\n"
    "if uid >= 0:\n"
    "    os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)\n"
    "sys.path.append(sys.argv[1])\n"
    "from cnncourse.grading.runner import command_line\n"
    "command_line(sys.argv[3:])\n"
)

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Outcome",
    "encode_cases",
    "run_submission",
    "start_server",
]

#: Environment variables passed on from the grader's (when set); nothing else is.
KEEP_ENV = ("KERAS_BACKEND", "LANG", "LC_ALL", "TZ", "SYSTEMROOT")


@dataclass(frozen=True)
class Limits:
    """The limits of one submission's process; its defaults are the grader's and the CLI's.

    Examples
    --------
    >>> Limits(timeout=30).cell_timeout
    60.0
    """

    timeout: float = 120.0  # seconds of wall time for the whole submission
    cell_timeout: float = 60.0  # seconds per notebook cell
    exercise_timeout: float = 10.0  # seconds per exercise (all its cases)
    memory_mb: int = 4096  # address space (RLIMIT_AS), and all processes together (cgroup)
    cpus: float = float(os.cpu_count() or 1)  # cores' worth of CPU time at most (cgroup)


#: The default limits (``cnncourse grade --help`` shows them).
DEFAULT_LIMITS = Limits()


@dataclass
class Outcome:
    """What came back from a submission's process(es).

    Examples
    --------
    >>> Outcome().error is None
    True
    """

    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # exercise id -> result
    cell_errors: dict[int, str] = field(default_factory=dict)  # code cell index -> error
    error: str | None = None  # why the submission could not (fully) run
    runs: int = 0
    seconds: float = 0.0
    limits_missing: list[str] = field(default_factory=list)
    peak_memory: int = 0  # bytes, all processes of a run together (where a cgroup measured it)


def _environment(home: str, tmp: str, keras_home: str | None) -> dict[str, str]:
    """The child's whole environment: nothing secret, no path of the grader's."""
    env = {key: os.environ[key] for key in KEEP_ENV if key in os.environ}
    # no caps on math library threads: measured, OMP_NUM_THREADS=1 and the like made
    # grading 30 notebooks 2 at a time on 2 cores slower (71 s instead of 55 s)
    env.update(
        PATH=os.pathsep.join(p for p in ("/usr/local/bin", "/usr/bin", "/bin")),
        HOME=home,
        MPLBACKEND="Agg",
        MPLCONFIGDIR=os.path.join(home, ".matplotlib"),
        TF_CPP_MIN_LOG_LEVEL="3",
        MALLOC_ARENA_MAX="2",  # glibc reserves 64 MB of address space per arena
        CUDA_VISIBLE_DEVICES="",  # CPU: a GPU context does not fit an address-space limit
        TMPDIR=tmp,
        TEMP=tmp,
        TMP=tmp,
    )
    env.setdefault("LANG", "C.UTF-8")
    # what importing cnncourse sets (OMP_WAIT_POLICY: no spinning threads): set from the
    # start, so that a cold run sees the environment a run forked from the warm server sees
    for key, value in BACKEND_ENVIRONMENT.items():
        env.setdefault(key, value)
    if keras_home:
        env["KERAS_HOME"] = keras_home
    elif "KERAS_HOME" in os.environ:
        env["KERAS_HOME"] = os.environ["KERAS_HOME"]
    if os.name == "nt":  # pragma: no cover - Windows needs its own variables to start
        env.update({k: v for k, v in os.environ.items() if k.upper() in ("SYSTEMROOT", "PATH")})
    return env


def _signal_name(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _kill(proc) -> None:
    if not isinstance(proc, subprocess.Popen):  # a forked run: its own kill does it all
        proc.kill()
        return
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.kill()
    except OSError:
        pass


def _tail(path: Path, n: int = 1500) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - n))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


@dataclass
class _Watch:
    """The step a run is in, from its progress log, and since when (the grader's clock)."""

    path: Path
    offset: int = 0
    buffer: bytes = b""
    step: str = "start"
    since: float = field(default_factory=time.monotonic)
    done: bool = False
    limits: str = ""
    timed_out: set[int] = field(default_factory=set)  # cells the runner's timer stopped

    def poll(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read(1 << 16)
        except OSError:
            return
        self.offset += len(chunk)
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        self.buffer = self.buffer[-4096:]  # a notebook may write junk here: keep it small
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            word, _, rest = line.partition(" ")
            if word == STEP_LIMITS and rest:
                self.limits = rest
            elif word == STEP_TIMEOUT and rest.isdigit():
                self.timed_out.add(int(rest))
                continue
            elif line == DONE:
                self.done = True
                self.step = DONE
            elif (word in (STEP_CELL, STEP_EXERCISE) and rest) or line == CELLS_DONE:
                self.step = line
            else:
                continue
            self.since = time.monotonic()


def _supervise(proc, watch: _Watch, limits: Limits, deadline: float) -> str:
    """Wait for the process; kill it if a step or the submission runs too long.

    Returns why it was killed ("" if it ended by itself).
    """
    while True:
        try:
            proc.wait(timeout=POLL)
            watch.poll()
            return ""
        except subprocess.TimeoutExpired:
            pass
        watch.poll()
        now = time.monotonic()
        reason = ""
        if now > deadline:
            reason = "deadline"
        elif _is_step(watch.step, STEP_CELL) and now - watch.since > limits.cell_timeout + GRACE:
            reason = "step"
        elif _is_step(watch.step, STEP_EXERCISE) and (
            now - watch.since > limits.exercise_timeout + GRACE
        ):
            reason = "step"
        elif watch.done and now - watch.since > GRACE:
            reason = "lingering"
        if reason:
            _kill(proc)
            proc.wait()
            return reason


def _read_result(folder: Path, exercise_id: str, max_outputs: int = 1000) -> dict[str, Any]:
    """One exercise's result, its values decoded; CorruptData if anything is off.

    Everything in it shares one :class:`~.codec.Budget`; a function's result has at most
    ``max_outputs`` outputs (its number of cases).
    """
    data = codec.read_json(folder / f"{exercise_id}.json", MAX_RESULT_JSON_BYTES)
    budget = codec.Budget()
    if not isinstance(data, dict) or not isinstance(data.get("answer"), str):
        raise codec.CorruptData("the result is not a JSON object with an answer")
    arrays = folder / exercise_id
    out: dict[str, Any] = {"answer": data["answer"][:40]}
    for key in ("name", "type", "where", "error"):
        if isinstance(data.get(key), str):
            out[key] = data[key][:2000]
    if "value" in data:
        out["value"] = codec.decode(data["value"], arrays, budget=budget)
    if "summary" in data:
        out["summary"] = codec.decode(data["summary"], arrays, budget=budget)
    if out["answer"] == "found" and "outputs" in data:
        outputs = data["outputs"]
        if not isinstance(outputs, list):
            raise codec.CorruptData("outputs is not a list")
        if len(outputs) > max_outputs:
            raise codec.CorruptData(f"{len(outputs)} outputs for {max_outputs} cases")
        out["outputs"] = []
        for item in outputs:
            if not isinstance(item, dict) or "got" not in item:
                raise codec.CorruptData("an output without a value")
            out["outputs"].append(
                {
                    "got": codec.decode(item["got"], arrays, budget=budget),
                    "changed_input": item.get("changed_input") is True,
                }
            )
        stopped = data.get("stopped")
        if stopped is not None:
            if not (
                isinstance(stopped, dict)
                and isinstance(stopped.get("case"), int)
                and isinstance(stopped.get("kind"), str)
            ):
                raise codec.CorruptData("malformed stop")
            out["stopped"] = {
                "case": stopped["case"],
                "kind": stopped["kind"][:40],
                "error": str(stopped.get("error", ""))[:2000],
            }
        else:
            out["stopped"] = None
    return out


def encode_cases(cases: list) -> tuple[bytes, dict[str, np.ndarray]]:
    """The JSON and arrays of a list of :class:`~cnncourse.exercises.Case` for the runner.

    Examples
    --------
    >>> from cnncourse.exercises import Case
    >>> tree, arrays = encode_cases([Case((np.zeros(2),), {})])
    >>> tree, list(arrays)
    (b'[[[{"$array": "c0a0.npy"}], {"$dict": []}]]', ['c0a0.npy'])
    """
    trees, arrays = [], {}
    for i, case in enumerate(cases):
        args, files_a = codec.encode(list(case.args), "", prefix=f"c{i}a")
        kwargs, files_k = codec.encode(dict(case.kwargs), "", prefix=f"c{i}k")
        trees.append([args, kwargs])
        arrays.update(files_a)
        arrays.update(files_k)
    return json.dumps(trees).encode(), arrays


def run_submission(
    cells: list[str | None],
    exercises: list[dict[str, Any]],
    cases: dict[str, tuple[bytes, dict[str, np.ndarray]]],
    limits: Limits,
    server=None,
) -> Outcome:
    """Run a notebook's ``cells`` in a child process and collect each exercise's result.

    ``exercises`` are ``{"id", "kind", "name"}``; ``cases`` holds, for each function
    exercise, its encoded inputs (:func:`encode_cases`). ``server`` (:func:`start_server`)
    forks each run warm; without one (or when it fails) each run starts cold. Never
    raises for anything the submission does: problems are in the outcome.

    Examples
    --------
    >>> spec = {'id': 'q', 'kind': 'value', 'name': 'x'}
    >>> out = run_submission(['x = 6 * 7'], [spec], {}, Limits())
    >>> out.results['q']['value'], out.error
    (42, None)
    """
    outcome = Outcome()
    use_cgroups = cgroups.availability().startswith("cgroup")
    start = time.monotonic()
    deadline = start + limits.timeout
    root = Path(tempfile.mkdtemp(prefix="cnncourse-grade-"))
    isolated = isolation.availability() == "bubblewrap"
    privileged = hasattr(os, "geteuid") and os.geteuid() == 0
    slot = _take_slot() if privileged and isolated else None
    uid = isolation.uid_for_slot(slot) if slot is not None else -1
    try:
        skipped: dict[int, str] = {}  # cells left out of later runs, and why
        pending = list(exercises)
        cpu_seconds = int(math.ceil(limits.timeout * (os.cpu_count() or 1))) + 10
        n_cases = {key: len(json.loads(tree)) for key, (tree, _) in cases.items()}
        for run in range(1, MAX_RUNS + 1):
            outcome.runs = run
            # a fresh job folder for each run: nothing the last run left there is read again
            job = root / f"run{run}"
            _job_folder(job, cases, uid)
            spec = {
                "cells": [None if i in skipped else c for i, c in enumerate(cells)],
                "exercises": pending,
                "cell_timeout": limits.cell_timeout,
                "exercise_timeout": limits.exercise_timeout,
                "results": RESULTS,
                "progress": PROGRESS,
                "limits": {
                    "memory_bytes": int(limits.memory_mb) * 2**20,
                    "cpu_seconds": cpu_seconds,
                    "file_bytes": FILE_LIMIT_BYTES,
                    # RLIMIT_NPROC counts a uid's processes: only where the uid is this run's
                    "processes": MAX_PROCESSES if uid >= 0 else 0,
                },
            }
            (job / JOB_FILE).write_text(json.dumps(spec), encoding="utf-8")
            group = None
            if use_cgroups:  # memory, processes and CPU counted for the whole run
                try:
                    group = cgroups.create(limits.memory_mb * 2**20, MAX_PROCESSES, limits.cpus)
                except OSError:
                    group = None
            output = root / f"output{run}.txt"
            proc = _start_warm(server, job, uid, isolated, privileged, group, output)
            if proc is None:
                proc = _start_cold(job, uid, isolated, privileged, group, output)
            watch = _Watch(job / PROGRESS)
            try:
                killed = _supervise(proc, watch, limits, deadline)
            finally:
                _kill(proc)  # and anything it left running in its process group
                if group is not None:  # and anything else it started, wherever it went
                    outcome.peak_memory = max(outcome.peak_memory, group.peak_memory() or 0)
                    group.close()
            for index in watch.timed_out:  # a rerun would only time out there again
                skipped.setdefault(index, f"timed out after {limits.cell_timeout:g} s")
            if watch.limits and watch.limits != "all":
                outcome.limits_missing = watch.limits.split(",")
            results = job / RESULTS
            if (results / CELLS_FILE).exists():
                try:
                    errors = codec.read_json(results / CELLS_FILE).get("errors", [])
                    outcome.cell_errors = {
                        int(e["cell"]): str(e["error"])[:2000]
                        for e in errors
                        if isinstance(e, dict) and isinstance(e.get("cell"), int)
                    }
                except (codec.CorruptData, AttributeError, TypeError, ValueError):
                    pass
            for spec_ in pending:
                exercise_id = spec_["id"]
                if (results / f"{exercise_id}.json").exists():
                    try:
                        outcome.results[exercise_id] = _read_result(
                            results, exercise_id, n_cases.get(exercise_id, 0)
                        )
                    except (codec.CorruptData, RecursionError, MemoryError) as exc:
                        outcome.results[exercise_id] = {"answer": CORRUPT, "error": str(exc)}
            pending = [s for s in pending if s["id"] not in outcome.results]
            if watch.done:
                for spec_ in pending:  # the runner said it wrote them: it did not
                    outcome.results[spec_["id"]] = {"answer": CORRUPT, "error": "no result"}
                break
            # the run ended early: find where, and decide whether to run again
            step = watch.step
            if killed == "deadline":
                where = f" (while running {_step_text(step)})" if step != "start" else ""
                outcome.error = (
                    f"did not finish within the submission time limit of {limits.timeout:g} s"
                    + where
                )
                break
            how = (
                "ran past its time limit"
                if killed == "step"
                else f"the process ended ({_signal_name(proc.returncode)})"
            )
            if _is_step(step, STEP_CELL):
                index = int(step.split()[1])
                if killed == "step":
                    text = f"timed out after {limits.cell_timeout:g} s"
                else:
                    text = f"stopped the notebook: {how}"
                skipped[index] = text + "; the notebook was run again without it"
            elif _is_step(step, STEP_EXERCISE):
                exercise_id = step.split(maxsplit=1)[1]
                if killed == "step":
                    reason = f"timed out after {limits.exercise_timeout:g} s"
                else:
                    reason = f"stopped the grading: {how}"
                if any(s["id"] == exercise_id for s in pending):
                    outcome.results[exercise_id] = {"answer": KILLED, "error": reason}
                pending = [s for s in pending if s["id"] != exercise_id]
                if not pending:
                    break
            elif step == "start":
                outcome.error = (
                    f"the grader's runner could not start ({_signal_name(proc.returncode)})"
                )
                tail = _tail(output)
                if tail:
                    outcome.error += ":\n" + tail[-800:]
                break
            else:  # between cells and exercises, or after "done": run the rest again
                pass
        else:
            outcome.error = f"stopped after {MAX_RUNS} runs of the notebook"
        outcome.cell_errors.update(skipped)
    finally:
        outcome.seconds = time.monotonic() - start
        shutil.rmtree(root, ignore_errors=True)
        if slot is not None:
            _give_slot(slot)
    return outcome


def _boot(uid: int) -> list[str]:
    """The runner's command line before its job folder (a cold start)."""
    package_root = str(isolation.package_folder().parent)
    return [isolation.python(), "-I", "-B", "-X", "utf8", "-c", _BOOT, package_root, str(uid)]


def _start_cold(
    job: Path, uid: int, isolated: bool, privileged: bool, group, output: Path
) -> subprocess.Popen:
    """A new ``python -I`` for the run (through bubblewrap where ``isolated``), in ``group``."""
    boot = _boot(uid)
    if isolated:
        home = f"{isolation.JOB}/home"
        keras_home = isolation.KERAS_HOME if isolation.keras_datasets() else None
        env = _environment(home, "/tmp", keras_home)
        inner = [*boot, isolation.JOB]
        full = isolation.bwrap_command(job, inner, env, privileged)
        # bwrap's options (paths, environment) through a pipe: its command line, which
        # the notebook sees as /proc/1/cmdline, holds only --args and the runner's
        options = b"".join(a.encode() + b"\0" for a in full[1 : -len(inner)])
        args_fd, _ = _pipe_with(options)
        argv, env = [full[0], "--args", str(args_fd), *inner], {}
        pass_fds: tuple[int, ...] = (args_fd,)
    else:
        env = _environment(str(job / "home"), str(job / "work"), None)
        argv, pass_fds, args_fd = [*boot, str(job)], (), -1
    argv, joining = cgroups.join_command(group, argv)
    env = {**env, **joining}
    with open(output, "wb") as out:
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        try:
            return subprocess.Popen(
                argv,
                cwd=os.path.abspath(os.sep),  # not a folder the notebook can write
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                close_fds=True,
                pass_fds=pass_fds,
                **kwargs,
            )
        finally:
            if args_fd >= 0:
                os.close(args_fd)


def _start_warm(server, job: Path, uid: int, isolated: bool, privileged: bool, group, output: Path):
    """The run forked by ``server`` (:mod:`.forkserver`); None where it cannot (start it cold)."""
    if server is None or not server.alive:
        return None
    from .forkserver import ForkServerError

    if isolated:
        env = _environment(f"{isolation.JOB}/home", "/tmp", server.keras_home)
        where, sandbox = isolation.JOB, job
    else:
        env = _environment(str(job / "home"), str(job / "work"), None)
        where, sandbox = str(job), None
    try:
        return server.spawn(where, env, uid, output, sandbox, privileged, group)
    except ForkServerError:
        return None


def start_server():
    """A fork server (:mod:`.forkserver`) for this machine's runs, or None where there is none.

    Examples
    --------
    >>> callable(start_server)  # it imports Keras in a process of its own
    True
    """
    from .forkserver import ForkServer

    env = _environment("/job/home", "/tmp", None)  # the server replaces the folders
    if isolation.availability() == "bubblewrap":
        env.pop("KERAS_HOME", None)  # the runs' Keras home is the server's own
    return ForkServer.start(env)


RESULTS, PROGRESS = "results", "progress.log"
_slots_lock = threading.Lock()
_slots_used: set[int] = set()


def _pipe_with(data: bytes) -> tuple[int, None]:
    """The read end of a pipe that holds ``data`` (then end of file)."""
    read, write = os.pipe()
    try:
        view = memoryview(data)
        while view:  # a pipe holds 64 kB: bwrap's options are a few kB
            view = view[os.write(write, view) :]
    finally:
        os.close(write)
    return read, None


def _take_slot() -> int:
    """A worker slot no running submission has (so a uid of its own)."""
    with _slots_lock:
        slot = 0
        while slot in _slots_used:
            slot += 1
        _slots_used.add(slot)
        return slot


def _give_slot(slot: int) -> None:
    with _slots_lock:
        _slots_used.discard(slot)


def _job_folder(job: Path, cases: dict, uid: int) -> None:
    """A run's folder: the cases' inputs, ``work/`` and ``home/``; owned by ``uid`` if >= 0."""
    (job / CASES_FOLDER).mkdir(parents=True)
    for name in ("work", "home", RESULTS):
        (job / name).mkdir()
    for exercise_id, (tree, arrays) in cases.items():
        folder = job / CASES_FOLDER / exercise_id
        folder.mkdir()
        (folder / CASES_FILE).write_bytes(tree)
        codec.save_arrays(folder, arrays)
    (job / PROGRESS).write_bytes(b"")
    if uid >= 0:  # the child's own uid writes its results; the cases stay the grader's
        for path in (job / "work", job / "home", job / RESULTS, job / PROGRESS):
            os.chown(path, uid, uid)


def _is_step(step: str, word: str) -> bool:
    """Whether the progress line ``step`` is a ``word <something>`` line."""
    return step.startswith(word + " ")


def _step_text(step: str) -> str:
    if _is_step(step, STEP_CELL):
        return f"code cell {int(step.split()[1]) + 1}"
    if _is_step(step, STEP_EXERCISE):
        return f"exercise {step.split(maxsplit=1)[1]}"
    return step

"""The process a submission runs in: ``python -I -c "...command_line(...)" ROOT UID JOB``.

The grader starts one per run of a submission (:mod:`.sandbox`; through bubblewrap
where it can, :mod:`.isolation`), with a fresh job folder each time, and never
runs a student's code in its own process. ``-I`` keeps the working folder, the
user's site-packages and ``PYTHON*`` variables off ``sys.path``; as root, the
first lines switch to the unprivileged ``UID``. This runner

1. reads ``JOB_FOLDER/job.json`` and every case's inputs (before any student
   code runs, so nothing the notebook does can change them);
2. lowers its own resource limits (address space, CPU time, file size, no core
   dumps; hard limits too, so they cannot be raised again), asks Linux to
   kill it if the grader dies and, where the kernel has Landlock, confines
   its writes to its own temporary folder (and its signals to itself);
3. executes the notebook's code cells in one ``__main__`` namespace, like a
   kernel: ``check`` is a silent stub that hands its argument back, a cell that
   raises (or exits, or runs past the cell time limit) is recorded and the next
   one runs;
4. calls each function exercise's answer on each case (with a time limit for
   the whole exercise), and writes the OUTPUTS as plain data (see
   :mod:`cnncourse.grading.codec`); values are written as they are, models
   as ``model_summary(model)``.

It writes ``progress.log`` (one line as each cell or exercise starts, which
the grader watches to enforce time limits) and one result file per
exercise. It compares nothing: the grader does, in its own process, with the
expected outputs this process never sees.
"""

from __future__ import annotations

import builtins
import copy
import json
import os
import signal
import sys
import traceback
import types
from pathlib import Path
from typing import Any

from ..exercises._borrowed import Watched, watch, watched_for
from ..exercises._verdict import BORROWED, FUNCTION, MODEL, type_name
from . import codec
from .protocol import (
    CASES_FILE,
    CASES_FOLDER,
    CELLS_DONE,
    CELLS_FILE,
    DONE,
    FOUND,
    JOB_FILE,
    MISSING,
    NOT_CALLABLE,
    NOT_IMPLEMENTED,
    NOT_MODEL,
    RAISED,
    REFERENCE,
    STEP_CELL,
    STEP_EXERCISE,
    STEP_LIMITS,
    STEP_TIMEOUT,
    STUB,
    TIMED_OUT,
)

__all__ = [
    "become",
    "command_line",
    "main",
    "run_exercise",
]


# Captured before any student code runs: a notebook that monkeypatches these
# modules cannot change how this runner writes its results.
_json_dump = json.dump
_os_replace = os.replace
_real_exit = os._exit
_open = builtins.open
_encode = codec.encode
_save_arrays = codec.save_arrays
_deepcopy = copy.deepcopy
_watch = watch
_is_ndarray_type = None  # set in main (numpy is imported there)

CELL_FILE = "<code cell {}>"  # numbered from 1, as a reader counts code cells


class _GraderTimeout(BaseException):
    """Raised by the timer when a cell or an exercise runs past its time limit.

    A BaseException, so ``except Exception`` in a student's code does not swallow it.
    """


class _Progress:
    def __init__(self, path: Path) -> None:
        self.file = _open(path, "a", encoding="utf-8", buffering=1)

    def __call__(self, line: str) -> None:
        self.file.write(line + "\n")
        self.file.flush()


def _on_timer(signum, frame):  # noqa: ARG001 - the signal handler's signature
    raise _GraderTimeout()


def _arm(seconds: float) -> None:
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _on_timer)
        # fire again every half second if a student's code catches the first one
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01), 0.5)


def _disarm() -> None:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0, 0)


# --------------------------------------------------------------------------- limits


def _apply_limits(limits: dict[str, int]) -> list[str]:
    """Lower this process's resource limits (soft and hard); the names of those not applied."""
    missing = []
    try:
        import resource
    except ImportError:  # Windows
        return ["memory", "cpu", "file size"]

    def lower(name: str, which: int, value: int) -> None:
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):  # macOS refuses RLIMIT_AS, for one
            missing.append(name)

    if limits.get("memory_bytes"):
        lower("memory", resource.RLIMIT_AS, int(limits["memory_bytes"]))
    if limits.get("cpu_seconds"):
        lower("cpu", resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
    if limits.get("processes") and hasattr(resource, "RLIMIT_NPROC"):
        lower("processes", resource.RLIMIT_NPROC, int(limits["processes"]))
    elif limits:
        missing.append("processes")
    if limits.get("file_bytes"):
        lower("file size", resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
        if hasattr(signal, "SIGXFSZ"):  # a write past the limit fails instead of killing us
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    lower("core dumps", resource.RLIMIT_CORE, 0)
    if sys.platform.startswith("linux"):
        try:  # die with the grader: prctl(PR_SET_PDEATHSIG, SIGKILL)
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            missing.append("parent death signal")
    return missing


# --------------------------------------------------------------------------- the namespace


class _SilentCheck:
    """``check`` in a graded notebook: prints nothing, records the answer, hands it back."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)

        def record(answer: Any = None, *args: Any, **kwargs: Any) -> Any:
            self.answers[name] = answer
            return answer

        return record

    def __repr__(self) -> str:
        return "<check: silent while grading>"


def _blocked_exit(code: int = 0) -> None:
    raise SystemExit(code)


def _display(*objects: Any, **kwargs: Any) -> None:
    """IPython's ``display``: a notebook may call it without importing it."""


class _NoIPython:
    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def _make_namespace(silent_check: _SilentCheck) -> dict[str, Any]:
    """A fresh ``__main__`` module, as a kernel gives, with ``check`` silenced."""
    main = types.ModuleType("__main__")
    main.__dict__.update(
        __builtins__=builtins,
        display=_display,
        get_ipython=lambda: _NoIPython(),
    )
    sys.modules["__main__"] = main
    sys.argv = [""]
    try:  # `from cnncourse.exercises import check` must get the silent one
        import cnncourse.exercises as exercises

        exercises.check = silent_check
    except Exception:  # noqa: BLE001 - the notebook will say it cannot import check
        pass
    os._exit = _blocked_exit  # os._exit(0) in a cell must not end the grading
    return main.__dict__


def _close_figures() -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        try:
            pyplot.close("all")
        except Exception:  # noqa: BLE001 - a broken pyplot is the notebook's business
            pass


# --------------------------------------------------------------------------- errors


def _safe_text(value: Any, limit: int = 500) -> str:
    try:
        text = str(value)
    except BaseException:  # noqa: BLE001 - a student's __str__ may do anything
        text = "<unprintable>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_text(exc: BaseException, current: str = "") -> str:
    """The error's type and message, and the line of the notebook that raised it.

    ``current`` is the file name of the cell being run: its own top-level lines are
    given by line number only.
    """
    where = ""
    try:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith("<code cell "):
                line = f": {frame.line}" if frame.line else ""
                if frame.filename == current and frame.name == "<module>":
                    where = f" (line {frame.lineno}{line})"
                else:
                    where = f" ({frame.filename[1:-1]}, in {frame.name}, line {frame.lineno}{line})"
                break
        if isinstance(exc, SyntaxError) and str(exc.filename).startswith("<code cell "):
            where = f" (line {exc.lineno})" if exc.filename == current else ""
            where = where or f" ({exc.filename[1:-1]}, line {exc.lineno})"
            return f"SyntaxError: {_safe_text(exc.msg)}{where}"
    except BaseException:  # noqa: BLE001 - a damaged traceback: the message alone
        where = ""
    if isinstance(exc, SystemExit):
        return f"SystemExit: the code called exit ({_safe_text(exc.code, 100)}){where}"
    return f"{type(exc).__name__}: {_safe_text(exc)}{_safe_text(where, 300)}"


def _register_source(filename: str, source: str) -> None:
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


# --------------------------------------------------------------------------- running


def _run_cells(cells: list[str | None], ns: dict, timeout: float, progress: _Progress) -> list:
    """Execute each cell; the errors, as ``{"cell": index, "error": text}``."""
    errors = []
    for index, source in enumerate(cells):
        if source is None:
            continue
        progress(f"{STEP_CELL} {index}")
        filename = CELL_FILE.format(index + 1)
        _register_source(filename, source)
        try:
            code = compile(source, filename, "exec")
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
            errors.append({"cell": index, "error": _error_text(exc, filename)})
            continue
        try:
            _arm(timeout)
            try:
                exec(code, ns)
            finally:
                _disarm()
        except _GraderTimeout:
            errors.append({"cell": index, "error": f"timed out after {timeout:g} s"})
            # the grader skips this cell if it runs the notebook again
            progress(f"{STEP_TIMEOUT} {index}")
        except BaseException as exc:  # noqa: BLE001 - SystemExit and all: record, go on
            errors.append({"cell": index, "error": _error_text(exc, filename)})
        finally:
            _disarm()
        _close_figures()
    return errors


def _fingerprint(value: Any) -> Any:
    """Something equal for equal inputs (arrays by their bytes), to see if a call changed them."""
    if _is_ndarray_type is not None and isinstance(value, _is_ndarray_type):
        return ("array", value.shape, value.dtype.str, bytes(value.tobytes()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_fingerprint(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _fingerprint(v)) for k, v in value.items()))
    return ("value", repr(value))


_MISSING = object()


def _lookup(ns: dict, name: str | None, recorded: dict, exercise_id: str) -> Any:
    if name and name in ns:
        return ns[name]
    if exercise_id in recorded:
        return recorded[exercise_id]
    return _MISSING


def _watched(spec: dict) -> Watched:
    """What to watch for while the answer to ``spec``'s exercise runs (before any cell runs)."""
    try:
        from ..exercises import REGISTRY

        exercise = REGISTRY.get(spec["id"])
        return watched_for(exercise) if exercise is not None else Watched()
    except Exception:  # noqa: BLE001 - an exercise this runner does not know: nothing to watch
        return Watched()


def _run_function(
    fn: Any, cases: list, timeout: float, watched: Watched | None = None
) -> tuple[dict, dict]:
    """Call ``fn`` on each case; the result's JSON and its array files."""
    result: dict[str, Any] = {"answer": FOUND, "outputs": [], "stopped": None}
    files: dict = {}
    case_index = 0
    try:
        _arm(timeout)
        try:
            for case_index, (args, kwargs) in enumerate(cases):
                args, kwargs = _deepcopy(args), _deepcopy(kwargs)
                before = _fingerprint((args, kwargs))
                try:
                    with _watch(watched or Watched()) as seen:
                        got = fn(*args, **kwargs)
                    if seen.found:
                        result["stopped"] = {"case": case_index, "kind": BORROWED,
                                             "error": seen.found}  # fmt: skip
                        break
                except _GraderTimeout:
                    raise
                except NotImplementedError:
                    result["stopped"] = {"case": case_index, "kind": NOT_IMPLEMENTED}
                    break
                except BaseException as exc:  # noqa: BLE001 - any error is feedback
                    result["stopped"] = {
                        "case": case_index,
                        "kind": RAISED,
                        "error": _error_text(exc),
                    }
                    break
                changed = _fingerprint((args, kwargs)) != before
                tree, arrays = _encode(got, "", prefix=f"c{case_index}_")
                files.update(arrays)
                result["outputs"].append({"got": tree, "changed_input": changed})
        finally:
            _disarm()
    except _GraderTimeout:
        result["stopped"] = {"case": case_index, "kind": TIMED_OUT}
    return result, files


def _run_model(answer: Any, timeout: float) -> tuple[dict, dict]:
    """Build the model (if the answer is a function) and summarise it layer by layer."""
    try:
        _arm(timeout)
        try:
            model = answer
            if callable(answer) and not hasattr(answer, "layers"):
                model = answer()
            if model is Ellipsis or model is None:
                return {"answer": STUB}, {}
            if not hasattr(model, "layers"):
                return {"answer": NOT_MODEL, "type": type_name(model)}, {}
            from cnncourse.exercises._core import model_summary

            tree, files = _encode(model_summary(model), "", prefix="m")
            return {"answer": FOUND, "summary": tree}, files
        finally:
            _disarm()
    except _GraderTimeout:
        return {"answer": TIMED_OUT}, {}
    except NotImplementedError:
        return {"answer": STUB}, {}
    except BaseException as exc:  # noqa: BLE001 - any error is feedback
        return {"answer": RAISED, "error": _error_text(exc)}, {}


def run_exercise(
    spec: dict,
    ns: dict,
    recorded: dict,
    cases: list,
    timeout: float,
    watched: Watched | None = None,
):
    """One exercise's result JSON and array files (``watched``: see :func:`_watched`).

    Examples
    --------
    >>> run_exercise({'id': 'q', 'kind': 'value', 'name': 'n'}, {'n': 42}, {}, [], 1.0)[0]
    {'answer': 'found', 'value': 42}
    """
    kind, exercise_id = spec["kind"], spec["id"]
    name = spec.get("name") or (exercise_id if kind == FUNCTION else None)
    answer = _lookup(ns, name, recorded, exercise_id)
    if answer is _MISSING:
        return {"answer": MISSING, "name": name}, {}
    if kind == FUNCTION:
        if answer is Ellipsis or answer is None:
            return {"answer": STUB}, {}
        if not callable(answer):
            return {"answer": NOT_CALLABLE, "type": type_name(answer)}, {}
        module = _safe_text(getattr(answer, "__module__", "") or "", 200)
        if module == "cnncourse" or module.startswith("cnncourse."):
            qualname = _safe_text(getattr(answer, "__qualname__", "?"), 200)
            return {"answer": REFERENCE, "where": f"{module}.{qualname}"}, {}
        return _run_function(answer, cases, timeout, watched)
    if kind == MODEL:
        return _run_model(answer, timeout)
    try:
        _arm(timeout)
        try:
            tree, files = _encode(answer, "", prefix="v")
        finally:
            _disarm()
    except _GraderTimeout:
        return {"answer": TIMED_OUT}, {}
    except BaseException as exc:  # noqa: BLE001 - a value that cannot be read back
        return {"answer": RAISED, "error": _error_text(exc)}, {}
    return {"answer": FOUND, "value": tree}, files


def _write_result(folder: Path, exercise_id: str, result: dict, files: dict) -> None:
    target = folder / exercise_id
    target.mkdir(exist_ok=True)
    _save_arrays(target, files)
    tmp = folder / f".{exercise_id}.json.tmp"
    with _open(tmp, "w", encoding="utf-8") as f:
        _json_dump(result, f)
    _os_replace(tmp, folder / f"{exercise_id}.json")


def main(argv: list[str]) -> int:
    """Run the job in the folder ``argv[0]`` (see the module's docstring); 0 when it is done.

    Examples
    --------
    >>> callable(main)  # it runs a notebook: see tests/test_grading_runner.py
    True
    """
    global _is_ndarray_type
    import numpy as np

    _is_ndarray_type = np.ndarray
    job_folder = Path(argv[0]).resolve()
    job = json.loads((job_folder / JOB_FILE).read_text(encoding="utf-8"))
    results = job_folder / job["results"]
    results.mkdir(exist_ok=True)
    progress = _Progress(job_folder / job["progress"])
    # every input is in memory before the notebook runs
    cases: dict[str, list] = {}
    for spec in job["exercises"]:
        if spec["kind"] == FUNCTION:
            folder = job_folder / CASES_FOLDER / spec["id"]
            tree = json.loads((folder / CASES_FILE).read_text(encoding="utf-8"))
            cases[spec["id"]] = [
                (tuple(codec.decode(a, folder)), codec.decode(k, folder)) for a, k in tree
            ]
    watched = {s["id"]: _watched(s) for s in job["exercises"] if s["kind"] == FUNCTION}
    missing = _apply_limits(job.get("limits", {}))
    if job.get("confine", True):
        from . import landlock

        # files may be written only in this submission's own temporary folder
        if not landlock.restrict([str(job_folder)]):
            missing.append("filesystem")
    progress(f"{STEP_LIMITS} " + (",".join(missing) or "all"))
    os.chdir(job_folder / "work")  # the notebook's working folder (the runner's is "/")

    silent_check = _SilentCheck()
    ns = _make_namespace(silent_check)
    errors = _run_cells(job["cells"], ns, float(job["cell_timeout"]), progress)
    with _open(results / f".{CELLS_FILE}.tmp", "w", encoding="utf-8") as f:
        _json_dump({"errors": errors}, f)
    _os_replace(results / f".{CELLS_FILE}.tmp", results / CELLS_FILE)
    progress(CELLS_DONE)

    for spec in job["exercises"]:
        progress(f"{STEP_EXERCISE} {spec['id']}")
        try:
            result, files = run_exercise(
                spec,
                ns,
                silent_check.answers,
                cases.get(spec["id"], []),
                float(job["exercise_timeout"]),
                watched.get(spec["id"]),
            )
        except _GraderTimeout:
            result, files = {"answer": TIMED_OUT}, {}
        except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while encoding
            result, files = {"answer": RAISED, "error": _error_text(exc)}, {}
        try:
            _write_result(results, spec["id"], result, files)
        except BaseException as exc:  # noqa: BLE001 - e.g. over the file size limit
            _write_result(results, spec["id"], {"answer": RAISED, "error": _error_text(exc)}, {})
    progress(DONE)
    return 0


def become(uid: int) -> None:
    """Switch to the unprivileged ``uid`` (and gid) for good, dropping supplementary groups;
    nothing when ``uid`` is negative (not root, or no isolation).

    Examples
    --------
    >>> become(-1)  # stays who it is
    """
    if uid >= 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


def command_line(argv: list[str]) -> None:
    """Run :func:`main` and end the process at once with its exit code.

    The sandbox starts ``python -I -c "...; command_line(sys.argv[3:])" ROOT UID JOB``;
    the exit skips atexit hooks and threads a notebook left behind.

    Examples
    --------
    >>> callable(command_line)  # it ends the process: not called here
    True
    """
    code = main(argv)
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a notebook may have replaced or closed it
            pass
    _real_exit(code)

"""A submission's process in its own namespaces, through bubblewrap (``bwrap``), on Linux.

:func:`bwrap_command` wraps the runner's command line so that it runs

* in its own PID namespace (it sees, signals and ``prlimit``\\ s only itself and
  what it starts, and all of that dies with it), network namespace (no network,
  not even the host's 127.0.0.1), IPC and UTS namespaces, and a new session (no
  controlling terminal, so no ``TIOCSTI``);
* on a root file system of its own: read-only binds of the Python installation,
  the virtual environment, the ``cnncourse`` package folder (not the repository
  around it: no ``solutions/``, no ``tests/``, no submissions) and the system's
  libraries, bwrap's minimal ``/dev``, size-limited private ``/tmp`` and
  ``/dev/shm``, and the run's job folder as ``/job``, the only writable folder
  that outlives it;
* with a clean environment (nothing of the grader's: no seed, no paths).

As root, bubblewrap keeps only ``CAP_SETUID``/``CAP_SETGID`` and the runner's first
lines switch to an unprivileged uid (:func:`uid_for_slot`), so that ``RLIMIT_NPROC``
counts that submission's processes alone. :func:`availability` says whether this
machine can do all that (bwrap present, a trial run succeeds); where it cannot, the
sandbox runs the child without it and the grader says so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "JOB",
    "KERAS_HOME",
    "availability",
    "bwrap_command",
    "keras_datasets",
    "package_folder",
    "python",
    "read_only_paths",
    "uid_for_slot",
]

#: Where the run's job folder is inside the sandbox.
JOB = "/job"
#: ``KERAS_HOME`` inside the sandbox: the grader's downloaded datasets, read-only.
KERAS_HOME = "/opt/keras"
#: Sizes of the private in-memory folders (they count as the machine's memory).
TMP_BYTES = 256 * 2**20
SHM_BYTES = 64 * 2**20
#: The first uid the children get when the grader runs as root (one per worker slot).
FIRST_UID = 61000
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime")
_SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")


def python() -> str:
    """This Python's executable as an absolute path without ``..`` (what the sandbox runs).

    Examples
    --------
    >>> os.path.isabs(python()) and ".." not in python()
    True
    """
    return os.path.abspath(sys.executable)


def package_folder() -> Path:
    """The ``cnncourse`` package's own folder (the only part of its repository bound).

    Examples
    --------
    >>> package_folder().name
    'cnncourse'
    """
    return Path(__file__).resolve().parents[1]


def keras_datasets() -> str | None:
    """The grader's Keras dataset cache (``$KERAS_HOME/datasets``), if there is one.

    Examples
    --------
    >>> keras_datasets() is None or keras_datasets().endswith("datasets")
    True
    """
    home = os.environ.get("KERAS_HOME", "~/.keras")
    path = Path(home).expanduser() / "datasets"
    return str(path.resolve()) if path.is_dir() else None


def read_only_paths() -> list[str]:
    """The host folders and files the sandbox sees (read-only), existing ones only.

    Examples
    --------
    >>> paths = read_only_paths()
    >>> str(package_folder()) in paths and sys.base_prefix in paths
    True
    """
    wanted = [
        *_SYSTEM,
        *(f"/etc/{name}" for name in _ETC),
        os.path.abspath(sys.base_prefix),
        os.path.abspath(sys.prefix),
        os.path.dirname(python()),
        str(Path(sys.executable).resolve().parent),
        str(package_folder()),
    ]
    out: list[str] = []
    for path in wanted:
        inside = any(path == p or path.startswith(p.rstrip("/") + "/") for p in out)
        if path and os.path.lexists(path) and not inside:
            out.append(path)
    return out


def uid_for_slot(slot: int) -> int:
    """The unprivileged uid (and gid) of the children of worker slot ``slot``, as root.

    Examples
    --------
    >>> uid_for_slot(0), uid_for_slot(3)
    (61000, 61003)
    """
    return FIRST_UID + int(slot)


def _parents(path: str) -> list[str]:
    parts = Path(path).parts
    return [str(Path(*parts[:i])) for i in range(2, len(parts))]


def bwrap_command(
    job: str | Path,
    argv: list[str],
    env: dict[str, str],
    privileged: bool | None = None,
    keras_home: str = KERAS_HOME,
) -> list[str]:
    """``argv`` run through bubblewrap with ``job`` as ``/job`` and ``env`` as its environment.

    ``privileged`` (default: whether this process is root) keeps the two capabilities
    the runner needs to switch to an unprivileged uid, and no user namespace. The grader's
    Keras datasets (if any) are bound read-only at ``keras_home/datasets``.

    Examples
    --------
    >>> cmd = bwrap_command("/tmp/run1", ["python", "-I"], {"HOME": "/job"}, privileged=False)
    >>> cmd[0].endswith("bwrap"), "--unshare-net" in cmd, cmd[-2:]
    (True, True, ['python', '-I'])
    >>> cmd[cmd.index("--bind") + 1 : cmd.index("--bind") + 3]
    ['/tmp/run1', '/job']
    """
    if privileged is None:
        privileged = hasattr(os, "geteuid") and os.geteuid() == 0
    cmd = [shutil.which("bwrap") or "bwrap"]
    cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    cmd += ["--unshare-cgroup-try"]
    if privileged:  # no user namespace: the runner itself drops to an unprivileged uid
        cmd += ["--cap-add", "CAP_SETUID,CAP_SETGID"]
    else:
        cmd += ["--unshare-user"]
    cmd += ["--die-with-parent", "--new-session", "--clearenv"]
    # the private /proc, /dev, /tmp and /dev/shm first: binds made after them land on top, so
    # a course (or a venv) that lives under /tmp stays visible inside
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--size", str(TMP_BYTES), "--perms", "1777", "--tmpfs", "/tmp"]
    cmd += ["--size", str(SHM_BYTES), "--perms", "1777", "--tmpfs", "/dev/shm"]
    made: set[str] = set()
    for path in read_only_paths():
        for parent in _parents(path):
            if parent not in made:  # bwrap would make them 0700: unreadable after the uid drop
                cmd += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        cmd += ["--ro-bind", path, path]
        made.add(path)
    datasets = keras_datasets()
    if datasets:
        for parent in [*_parents(keras_home), keras_home]:
            if parent not in made:
                cmd += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        cmd += ["--ro-bind", datasets, keras_home + "/datasets"]
    cmd += ["--bind", str(job), JOB, "--chdir", "/"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd + list(argv)


@functools.lru_cache(maxsize=1)
def availability() -> str:
    """``"bubblewrap"`` where submissions can be isolated here, else ``"none (the reason)"``.

    Runs ``python -I -c pass`` through :func:`bwrap_command` once (cached).

    Examples
    --------
    >>> availability().startswith(("bubblewrap", "none ("))
    True
    """
    if not sys.platform.startswith("linux"):
        return f"none (bubblewrap needs Linux; this is {sys.platform})"
    if os.environ.get("CNNCOURSE_NO_BWRAP"):
        return "none (CNNCOURSE_NO_BWRAP is set)"
    if shutil.which("bwrap") is None:
        return "none (bubblewrap is not installed: apt-get install bubblewrap)"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="cnncourse-bwrap-") as folder:
        cmd = bwrap_command(folder, [python(), "-I", "-c", "pass"], {})
        try:
            proc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"none (bubblewrap could not start: {exc})"
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"none (bubblewrap failed here: {text[-1] if text else proc.returncode})"
    return "bubblewrap"

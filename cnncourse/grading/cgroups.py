"""Limits that hold for a whole submission: one Linux control group per run of a notebook.

An rlimit is per process: a notebook that starts 200 processes gets 200 times the memory
limit. A control group counts them together. Where the grader may make one (as root, or
with a delegated cgroup v2 subtree), each run of a notebook gets its own group with

* ``memory``: the run's memory, all processes together (``--memory-mb``), no swap;
* ``pids``: at most that many processes and threads at once;
* ``cpu``: at most one core's worth of CPU time per worker (the class shares the machine).

:func:`join_command` puts the child in its group *before* it runs anything (a shell that
writes its own pid into the group, then ``exec``\\ s the real command), so nothing it starts
escapes. :meth:`Group.close` kills whatever is still in the group and removes it. Where no
group can be made (macOS, Windows, a container without cgroup rights), :func:`availability`
says why, and the rlimits the runner sets on itself are the limits.
"""

from __future__ import annotations

import functools
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Group", "availability", "create", "join_command"]

_ROOT = Path("/sys/fs/cgroup")
_PERIOD_US = 100_000  # the CPU quota's period: 0.1 s
#: The environment variable that tells :func:`join_command`'s shell where to write its pid.
_VARIABLE = "CNNCOURSE_CGROUP_PROCS"
_JOIN = (
    'IFS=:; for f in $CNNCOURSE_CGROUP_PROCS; do echo $$ > "$f" || exit 97; done; '
    'unset CNNCOURSE_CGROUP_PROCS; exec "$@"'
)


@dataclass
class Group:
    """One run's control group: a folder per cgroup hierarchy (one for cgroup v2).

    Examples
    --------
    >>> group = Group([Path("/sys/fs/cgroup/memory/cnncourse-x")], version=1)
    >>> group.procs_files()
    ['/sys/fs/cgroup/memory/cnncourse-x/cgroup.procs']
    """

    folders: list[Path]
    version: int
    made: list[Path] = field(default_factory=list)

    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` file of each folder (a process joins by writing its pid)."""
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def pids(self) -> list[int]:
        """The processes in the group now."""
        found: list[int] = []
        for path in self.procs_files():
            try:
                found += [int(p) for p in Path(path).read_text().split()]
            except (OSError, ValueError):
                pass
        return sorted(set(found))

    def peak_memory(self) -> int | None:
        """The most memory the group's processes held together, in bytes (None if unknown)."""
        names = ("memory.max_usage_in_bytes",) if self.version == 1 else ("memory.peak",)
        for folder in self.folders:
            for name in names:
                try:
                    return int((folder / name).read_text())
                except (OSError, ValueError):
                    continue
        return None

    def close(self, timeout: float = 5.0) -> None:
        """Kill every process left in the group and remove its folders."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            left = self.pids()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)
        for folder in reversed(self.made):
            try:
                folder.rmdir()
            except OSError:
                pass


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per controller (``""`` is the cgroup v2 one)."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _write(folder: Path, name: str, value: str) -> None:
    (folder / name).write_text(value)


def create(memory_bytes: int, max_processes: int, cpus: float = 1.0) -> Group:
    """A new control group with these limits (raises ``OSError`` where none can be made).

    Examples
    --------
    >>> try:
    ...     group = create(2**30, 256)
    ... except OSError:
    ...     group = None
    >>> group is None or group.close() is None
    True
    """
    name = f"cnncourse-{uuid.uuid4().hex[:12]}"
    own = _own_paths()
    quota = str(max(int(cpus * _PERIOD_US), 1000))
    if (_ROOT / "cgroup.controllers").exists():  # cgroup v2: one tree
        folder = _ROOT / own.get("", "/").lstrip("/") / name
        group = Group([folder], version=2)
        try:
            folder.mkdir()
            group.made.append(folder)
            _write(folder, "memory.max", str(memory_bytes))
            _write(folder, "memory.swap.max", "0")
            _write(folder, "pids.max", str(max_processes))
            _write(folder, "cpu.max", f"{quota} {_PERIOD_US}")
        except OSError:
            group.close()
            raise
        return group
    settings = {  # cgroup v1: one hierarchy per controller
        "memory": {"memory.limit_in_bytes": str(memory_bytes)},
        "pids": {"pids.max": str(max_processes)},
        "cpu": {"cpu.cfs_period_us": str(_PERIOD_US), "cpu.cfs_quota_us": quota},
    }
    group = Group([], version=1)
    try:
        for controller, values in settings.items():
            folder = _ROOT / controller / own.get(controller, "/").lstrip("/") / name
            folder.mkdir()
            group.made.append(folder)
            group.folders.append(folder)
            for key, value in values.items():
                _write(folder, key, value)
        try:  # no swap either, where the kernel accounts for it
            _write(group.folders[0], "memory.memsw.limit_in_bytes", str(memory_bytes))
        except OSError:
            pass
    except OSError:
        group.close()
        raise
    return group


def join_command(group: Group | None, argv: list[str]) -> tuple[list[str], dict[str, str]]:
    """``argv`` behind a shell that first moves itself into ``group``, and its environment.

    The returned environment entries are to be added to the child's (the shell removes
    them before it ``exec``\\ s ``argv``). Without a group, ``argv`` is unchanged.

    Examples
    --------
    >>> join_command(None, ["python", "-I"])
    (['python', '-I'], {})
    >>> argv, env = join_command(Group([Path("/cg/memory/x")], 1), ["python"])
    >>> argv[-1], env
    ('python', {'CNNCOURSE_CGROUP_PROCS': '/cg/memory/x/cgroup.procs'})
    """
    if group is None:
        return list(argv), {}
    return ["/bin/sh", "-c", _JOIN, "sh", *argv], {_VARIABLE: ":".join(group.procs_files())}


@functools.lru_cache(maxsize=1)
def availability() -> str:
    """``"cgroup v1"`` / ``"cgroup v2"`` where runs get their own group, else ``"none (why)"``.

    Examples
    --------
    >>> availability().startswith(("cgroup v", "none ("))
    True
    """
    if not os.path.exists("/proc/self/cgroup") or not os.path.exists("/bin/sh"):
        return "none (no Linux control groups here)"
    if os.environ.get("CNNCOURSE_NO_CGROUPS"):
        return "none (CNNCOURSE_NO_CGROUPS is set)"
    try:
        group = create(64 * 2**20, 16)
    except OSError as exc:
        return f"none (cannot make a control group: {exc.strerror or exc})"
    group.close()
    return f"cgroup v{group.version}"

"""Warm starts: the course's libraries are imported once per class, then each run is forked.

Importing Keras (and TensorFlow behind it) costs a few seconds of CPU, and each run of a
notebook used to pay it in a process of its own. A fork server pays it once: a process
started like a run's (``python -I``, the run's clean environment, never a seed or a case)
imports the libraries the lessons use (:data:`PRELOAD`) and then only listens. For each run
of a notebook it forks a *fresh* process that serves that one run and then exits; no process
is ever reused, and the server itself never runs a student's code. The fresh process takes
every isolation step a cold start takes, before any of the notebook's code:

* with bubblewrap, the grader first starts the run's sandbox exactly as before (its own
  PID, network, IPC, UTS, mount and, unprivileged, user namespaces; read-only binds; a
  private ``/tmp``; the run's fresh job folder as ``/job``), holding it with ``sleep``; the
  forked process joins all of those namespaces (``setns``), so it sees what a cold run sees
  and nothing else: not the server, not the grader, not another run;
* it joins the run's control group (before any namespace, so that nothing escapes it);
* it starts a new session, keeps only descriptors 0-2 (``/dev/null``, the run's output file),
  sets ``no_new_privs``, takes the run's environment, reseeds NumPy's global generator,
  switches to the run's unprivileged uid (as root) or drops every capability (in a user
  namespace), and then runs :mod:`.runner` as a cold start does: it reads its job, lowers its
  rlimits, applies Landlock and runs the notebook.

The grader watches a forked run as it watches a cold one (:class:`ForkedRun` answers
``wait`` and ``kill`` like ``subprocess.Popen``); killing it kills its sandbox, and with it
everything the notebook started. Where a fork server cannot start (not Linux, no ``fork``)
or fails, the grader starts each run cold, as before.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = [
    "PRELOAD",
    "ForkServer",
    "ForkServerError",
    "ForkedRun",
    "serve",
    "supported",
]

#: What the server imports before it forks anything: the libraries the lessons import (any
#: that is missing is skipped). A notebook's own ``import keras`` then finds it loaded.
PRELOAD = (
    "numpy",
    "matplotlib",
    "matplotlib.pyplot",
    "PIL.Image",
    "skimage.data",
    "keras",
    "cnncourse.data",
    "cnncourse.env",
    "cnncourse.exercises",
    "cnncourse.images",
    "cnncourse.layers",
    "cnncourse.metrics",
    "cnncourse.models",
    "cnncourse.ops",
    "cnncourse.plot",
    "cnncourse.pooling",
    "cnncourse.shapes",
    "cnncourse.train",
    "cnncourse.grading.runner",
)

#: ``python -I -B -X utf8 -c _BOOT ROOT FD``: the server's process.
_BOOT = (
    "import sys\n"
    "sys.path.append(sys.argv[1])\n"
    "from cnncourse.grading.forkserver import serve\n"
    "serve(int(sys.argv[2]))\n"
)
#: Namespaces a forked run joins, in order (the user namespace first: it grants the rest;
#: the mount namespace last: after it, the host's files are out of reach). ``pid`` is joined
#: by the forking process, so that the run itself is born inside.
_NAMESPACES = {
    "user": 0x10000000,
    "cgroup": 0x02000000,
    "ipc": 0x08000000,
    "uts": 0x04000000,
    "net": 0x40000000,
    "mnt": 0x00020000,
}
_CLONE_NEWPID = 0x20000000
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
_START_SECONDS = 60.0
_HOLDER = ["/bin/sh", "-c", "echo ready && exec sleep 1000000"]


class ForkServerError(Exception):
    """The fork server could not start a run (the grader then starts it cold).

    Examples
    --------
    >>> str(ForkServerError("no server"))
    'no server'
    """


def supported() -> bool:
    """Whether this platform can fork warm runs (Linux: ``fork``, ``setns``, descriptor passing).

    Examples
    --------
    >>> supported() == sys.platform.startswith("linux")
    True
    """
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


# --------------------------------------------------------------------------- the server


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a library this course does not have: a cold import
            pass
    for stream in (sys.stdout, sys.stderr):
        stream.flush()


def serve(fd: int) -> None:
    """The server's loop (in its own process): preload, say ``ready``, fork a run per request.

    A request is one message on the socket ``fd``: JSON (the run's job folder, environment,
    uid, the namespaces it joins) and descriptors (its output file, the status pipe, its
    control group's ``cgroup.procs`` files, the sandbox's namespaces). The server ends when
    the grader closes its end.

    Examples
    --------
    >>> callable(serve)  # it runs in the server's process: see tests/test_grading_forkserver.py
    True
    """
    sock = socket.socket(fileno=fd)
    _preload()
    sock.sendall(b"ready")
    while True:
        _reap(block=False)
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 64)
        except OSError:
            break
        if not message:
            break  # the grader closed its end
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                sock.close()
                _middle(json.loads(message), fds)
            except BaseException as exc:  # noqa: BLE001 - say why on the status pipe, if any
                if len(fds) > 1:
                    try:
                        os.write(fds[1], f"error {type(exc).__name__}: {exc}\n".encode())
                    except OSError:
                        pass
            finally:
                os._exit(code)
        for each in fds:
            os.close(each)
    _reap(block=True)
    os._exit(0)


def _reap(block: bool) -> None:
    """Wait for the ended middle processes (so their CPU time is counted in the server's)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _middle(request: dict, fds: list[int]) -> None:
    """Between the server and the run: joins its PID namespace, forks it, reports on it."""
    _check(_libc().prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0), "prctl")
    output, status = fds[0], fds[1]
    n_procs = int(request["procs"])
    procs = fds[2 : 2 + n_procs]
    spaces = dict(zip(request["namespaces"], fds[2 + n_procs :], strict=True))
    if "pid" in spaces:
        _check(_libc().setns(spaces.pop("pid"), _CLONE_NEWPID), "setns pid")
    pid = os.fork()
    if pid == 0:
        code = 71
        try:
            _run(request, output, procs, spaces)
        except BaseException as exc:  # noqa: BLE001 - the run could not start: say why
            try:
                text = f"the forked run could not start: {type(exc).__name__}: {exc}\n"
                os.write(2, text.encode())
            except OSError:
                pass
        finally:
            os._exit(code)
    os.write(status, f"pid {pid}\n".encode())
    for each in (output, *procs, *spaces.values()):
        os.close(each)
    _, wait_status = os.waitpid(pid, 0)
    os.write(status, f"exit {os.waitstatus_to_exitcode(wait_status)}\n".encode())


def _drop_capabilities(keep_effective: bool) -> None:
    """Empty the bounding set; and the others too unless ``keep_effective`` (a root run
    keeps them until :func:`.runner.become` switches to its uid, which clears them). A
    process that joins a user namespace starts with every capability in it."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]

    libc = _libc()
    for cap in range(64):  # the bounding set first: it needs CAP_SETPCAP, which goes next
        if libc.prctl(24, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop the bounding set")
    if keep_effective:
        return
    data = (Data * 2)()
    _check(libc.capset(ctypes.byref(Header(0x20080522, 0)), data), "capset")


def _run(request: dict, output: int, procs: list[int], spaces: dict[str, int]) -> None:
    """The run's own process: isolate, then the runner (never returns)."""
    for fd in procs:  # its control group before anything else ("0" is the writer itself)
        os.write(fd, b"0")
    libc = _libc()
    for name in _NAMESPACES:
        if name in spaces:
            _check(libc.setns(spaces[name], _NAMESPACES[name]), f"setns {name}")
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536)
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl no_new_privs")
    _drop_capabilities(keep_effective=int(request["uid"]) >= 0)
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # computed from the server's TMPDIR, if at all
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # a fresh global generator, as a fresh import would draw
    os.chdir("/")
    from .runner import become, command_line

    become(int(request["uid"]))
    command_line([request["job"]])


# --------------------------------------------------------------------------- the grader's side


class ForkedRun:
    """A run forked by the server, watched like ``subprocess.Popen`` (``wait``, ``kill``).

    ``holder`` is the run's sandbox (bubblewrap holding its namespaces), killed with it.

    Examples
    --------
    >>> r, w = os.pipe()
    >>> _ = os.write(w, b"exit 3\\n"); os.close(w)
    >>> run = ForkedRun(12345678, r, None)
    >>> run.wait(1.0)
    3
    """

    def __init__(self, pid: int, status: int, holder: subprocess.Popen | None) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._status = status
        self._buffer = b""
        self.holder = holder

    def _consume(self) -> None:
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            word, _, rest = line.decode("ascii", "replace").partition(" ")
            if word == "exit" and rest.lstrip("-").isdigit():
                self.returncode = int(rest)

    def _read(self, timeout: float) -> None:
        end = time.monotonic() + max(timeout, 0.0)
        self._consume()
        while self.returncode is None and self._status >= 0:
            left = end - time.monotonic()
            ready, _, _ = select.select([self._status], [], [], max(left, 0.0))
            if not ready:
                return
            chunk = os.read(self._status, 4096)
            if not chunk:  # the middle process ended without a word: it was killed
                self.returncode = -int(signal.SIGKILL)
                break
            self._buffer += chunk
            self._consume()
        self.close()

    def close(self) -> None:
        """Close the status pipe (the run is over, or given up)."""
        if self._status >= 0:
            os.close(self._status)
            self._status = -1

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._read(1e9 if timeout is None else timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("forked run", timeout)
        return self.returncode

    def kill(self) -> None:
        """Kill the run's process group and its sandbox (everything in it dies with it)."""
        for target in (self.pid, self.holder.pid if self.holder is not None else 0):
            if target <= 0:  # never killpg(0) or killpg(-1): that would be everyone
                continue
            try:
                os.killpg(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.holder is not None:
            try:
                self.holder.kill()
            except OSError:
                pass
            self.holder.wait()
            if self.holder.stdout is not None:
                self.holder.stdout.close()


def _read_until(fd: int, stop: bytes, deadline: float) -> bytes:
    data = b""
    while stop not in data:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0.0))
        if not ready:
            raise ForkServerError(f"no answer within {_START_SECONDS:g} s")
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data


def _holder(job: Path, privileged: bool, group, keras_home: str) -> tuple[subprocess.Popen, int]:
    """The run's bubblewrap sandbox, holding its namespaces: (the process, its PID 1's pid)."""
    from . import cgroups, isolation

    info_read, info_write = os.pipe()
    try:
        full = isolation.bwrap_command(
            job, _HOLDER, {"PATH": "/usr/bin:/bin"}, privileged, keras_home=keras_home
        )
        options = ["--info-fd", str(info_write), *full[1 : -len(_HOLDER)]]
        args_read, args_write = os.pipe()
        data = b"".join(a.encode() + b"\0" for a in options)
        view = memoryview(data)
        while view:
            view = view[os.write(args_write, view) :]
        os.close(args_write)
        argv, env = cgroups.join_command(group, [full[0], "--args", str(args_read), *_HOLDER])
        try:
            proc = subprocess.Popen(
                argv,
                cwd=os.path.abspath(os.sep),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                pass_fds=(args_read, info_write),
                start_new_session=True,
            )
        finally:
            os.close(args_read)
            os.close(info_write)
            info_write = -1
        deadline = time.monotonic() + _START_SECONDS
        try:
            info = json.loads(_read_until(info_read, b"}", deadline).decode())
            ready = _read_until(proc.stdout.fileno(), b"\n", deadline)
        except (ForkServerError, ValueError) as exc:
            _stop(proc)
            raise ForkServerError(f"the sandbox did not start: {exc}") from None
        if b"ready" not in ready or not isinstance(info.get("child-pid"), int):
            _stop(proc)
            raise ForkServerError(f"the sandbox did not start (exit {proc.poll()})")
        return proc, info["child-pid"]
    finally:
        os.close(info_read)
        if info_write >= 0:
            os.close(info_write)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.kill()
    proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


class ForkServer:
    """The grader's handle on a fork server: :meth:`start`, :meth:`spawn` runs, :meth:`close`.

    Thread-safe: the grader's worker threads spawn their runs through one server.

    Examples
    --------
    >>> ForkServer.start(environment={}, timeout=0.001) is None or True
    True
    """

    def __init__(self, proc: subprocess.Popen, sock: socket.socket, folder: Path) -> None:
        self.proc = proc
        self._sock = sock
        self.folder = folder
        #: Where Keras keeps its files in the server and in every run (datasets bound there).
        self.keras_home = str(folder / "keras")
        self._lock = threading.Lock()
        self.alive = True

    @classmethod
    def start(cls, environment: dict[str, str], timeout: float = 300.0) -> ForkServer | None:
        """Start a server with ``environment`` (the runs' own); None where it cannot start.

        Waits until the server has imported :data:`PRELOAD` (at most ``timeout`` seconds).
        """
        if not supported():
            return None
        from . import isolation

        folder = Path(tempfile.mkdtemp(prefix="cnncourse-warm-"))
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(environment)
        home = folder / "home"
        home.mkdir()
        (folder / "tmp").mkdir()
        env.update(
            HOME=str(home),
            TMPDIR=str(folder / "tmp"),
            TEMP=str(folder / "tmp"),
            TMP=str(folder / "tmp"),
            MPLCONFIGDIR=str(home / ".matplotlib"),
            KERAS_HOME=str(folder / "keras"),
        )
        argv = [isolation.python(), "-I", "-B", "-X", "utf8", "-c", _BOOT]
        argv += [str(isolation.package_folder().parent), str(theirs.fileno())]
        try:
            with open(folder / "server.log", "wb") as log:
                proc = subprocess.Popen(
                    argv,
                    cwd=os.path.abspath(os.sep),
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    close_fds=True,
                    pass_fds=(theirs.fileno(),),
                    start_new_session=True,
                )
        except OSError:
            mine.close()
            theirs.close()
            return None
        theirs.close()
        server = cls(proc, mine, folder)
        mine.settimeout(timeout)
        try:
            ready = mine.recv(16)
        except OSError:
            ready = b""
        mine.settimeout(None)
        if ready != b"ready":
            server.close()
            return None
        return server

    def spawn(
        self,
        job: str,
        environment: dict[str, str],
        uid: int,
        output: Path,
        sandbox: Path | None = None,
        privileged: bool = False,
        group=None,
    ) -> ForkedRun:
        """Fork a run of the job folder ``job`` (as the runner sees it); ForkServerError if not.

        ``sandbox``: the job folder on this machine, to be bound as ``/job`` in a new
        bubblewrap sandbox (None: no isolation). ``group``: the run's control group.
        """
        if not self.alive:
            raise ForkServerError("the fork server is not running")
        holder, spaces = None, {}
        if sandbox is not None:
            holder, pid1 = _holder(sandbox, privileged, group, self.keras_home)
            try:
                for name in ("user", "cgroup", "ipc", "uts", "net", "pid", "mnt"):
                    theirs = f"/proc/{pid1}/ns/{name}"
                    if os.path.exists(theirs) and os.readlink(theirs) != os.readlink(
                        f"/proc/self/ns/{name}"
                    ):
                        spaces[name] = os.open(theirs, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                for fd in spaces.values():
                    os.close(fd)
                _stop(holder)
                raise ForkServerError(f"cannot open the sandbox's namespaces: {exc}") from None
        procs: list[int] = []
        status_read, status_write = os.pipe()
        try:
            out = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
            procs.append(out)
            for path in group.procs_files() if group is not None else []:
                procs.append(os.open(path, os.O_WRONLY | os.O_CLOEXEC))
            request = {
                "job": job,
                "env": environment,
                "uid": uid,
                "procs": len(procs) - 1,
                "namespaces": list(spaces),
            }
            fds = [out, status_write, *procs[1:], *spaces.values()]
            try:
                with self._lock:
                    socket.send_fds(self._sock, [json.dumps(request).encode()], fds)
            except OSError:
                self.alive = False
                raise
        except OSError as exc:
            os.close(status_read)
            if holder is not None:
                _stop(holder)
            raise ForkServerError(f"the run could not be forked: {exc}") from None
        finally:
            for fd in (status_write, *procs, *spaces.values()):
                os.close(fd)
        run = ForkedRun(-1, status_read, holder)
        try:
            first = _read_until(status_read, b"\n", time.monotonic() + _START_SECONDS)
        except ForkServerError as exc:
            run.kill()
            run.close()
            raise ForkServerError(f"the fork server did not fork: {exc}") from None
        word, _, rest = first.decode("utf-8", "replace").partition(" ")
        if word != "pid":
            run.kill()
            run.close()
            raise ForkServerError(f"the fork server could not fork: {first.decode()[:500]}")
        line, _, more = rest.partition("\n")
        run.pid = int(line)
        run._buffer = more.encode()
        return run

    def close(self) -> None:
        """Stop the server (its runs are over) and remove its folder."""
        import shutil

        self.alive = False
        try:
            self._sock.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _stop(self.proc)
        shutil.rmtree(self.folder, ignore_errors=True)

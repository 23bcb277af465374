"""A class spread over many machines: each run of a notebook on a Dask ``distributed`` worker.

``cnncourse grade ... --scheduler tcp://host:8786`` sends each submission's *job* (its code
cells, which answer to read, the cases' inputs and the limits; never the seed, never an
expected output) to a worker of a Dask cluster. The worker runs it exactly as the grader
would on its own machine (:func:`cnncourse.grading.sandbox.run_submission`: a sandboxed
child process per run, forked from that worker's own fork server) and sends back the
:class:`~cnncourse.grading.sandbox.Outcome` as plain data (numbers, strings, lists, dicts,
NumPy arrays, the codec's ``Unsupported`` marker), already decoded within the codec's
budget. Judging stays in the grader's process: only it holds the expected outputs, so the
grades, the files and the feedback are those of a run on one machine with the same seed.

Every worker must have the same ``cnncourse`` as the grader (its version is checked) and
its own isolation (bubblewrap, control groups), which the grader reports.

    dask scheduler                                   # on one machine
    dask worker tcp://host:8786 --nthreads 4         # on each grading machine
    cnncourse grade submissions/ --out results/ --scheduler tcp://host:8786
"""

from __future__ import annotations

import dataclasses
import os
import threading
from typing import Any

from . import sandbox

__all__ = ["Cluster", "run_job", "worker_report"]

_server_lock = threading.Lock()
_server: Any = None  # this worker's fork server (started by its first job)


def _worker_server():
    """This worker process's fork server, started once (None where it cannot run)."""
    global _server
    with _server_lock:
        if _server is None:
            _server = sandbox.start_server() or False
            if _server:
                import atexit

                atexit.register(_server.close)
        return _server or None


def worker_report() -> dict[str, str]:
    """What a worker says about itself: its cnncourse version, isolation and control groups.

    Examples
    --------
    >>> sorted(worker_report())
    ['control_groups', 'isolation', 'version']
    """
    from .. import __version__
    from . import cgroups, isolation

    return {
        "version": __version__,
        "isolation": isolation.availability(),
        "control_groups": cgroups.availability(),
    }


def run_job(job: dict[str, Any], threads: int = 1) -> dict[str, Any]:
    """Run one submission's job on this machine (a worker's task): the outcome as plain data.

    ``threads`` is how many jobs this worker runs at once: each run gets that share of the
    machine's cores in its control group, as a local grader's workers do.

    Examples
    --------
    >>> job = {"cells": ["x = 6 * 7"], "specs": [{"id": "q", "kind": "value", "name": "x"}],
    ...        "cases": {}, "limits": dataclasses.asdict(sandbox.Limits())}
    >>> run_job(job)["results"]["q"]["value"]
    42
    """
    limits = sandbox.Limits(**job["limits"])
    limits = dataclasses.replace(limits, cpus=max(1.0, (os.cpu_count() or 1) / max(threads, 1)))
    server = _worker_server() if job.get("warm", True) else None
    outcome = sandbox.run_submission(job["cells"], job["specs"], job["cases"], limits, server)
    return dataclasses.asdict(outcome)


def _outcome(data: dict[str, Any]) -> sandbox.Outcome:
    return sandbox.Outcome(**data)


class Cluster:
    """The grader's connection to a Dask scheduler (``distributed.Client``).

    Raises :class:`~cnncourse.grading.roster.GradingError` where Dask is not installed,
    the scheduler cannot be reached, it has no worker, or a worker runs another cnncourse.

    Examples
    --------
    >>> Cluster("tcp://127.0.0.1:1", timeout=0.5)
    Traceback (most recent call last):
    ...
    cnncourse.grading.roster.GradingError: cannot reach the Dask scheduler at tcp://127.0.0.1:1: ...
    """

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        from .roster import GradingError

        try:
            from distributed import Client
        except ImportError:
            raise GradingError(
                "--scheduler needs Dask: pip install 'cnncourse[distributed]' "
                "(the packages dask and distributed)"
            ) from None
        self.address = address
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise GradingError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            self.client.wait_for_workers(1, timeout=timeout)
            self.threads_per_worker = dict(self.client.nthreads())
            reports = self.client.run(worker_report)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise GradingError(f"the Dask scheduler at {address} has no worker: {exc}") from None
        from .. import __version__

        odd = {w: r["version"] for w, r in reports.items() if r["version"] != __version__}
        if odd:
            self.close()
            raise GradingError(
                f"these Dask workers run another cnncourse than the grader's {__version__}: "
                + ", ".join(f"{w} ({v})" for w, v in sorted(odd.items()))
            )
        self.reports = reports

    @property
    def threads(self) -> int:
        """The jobs the cluster runs at once (the sum of its workers' threads)."""
        return max(1, sum(self.threads_per_worker.values()))

    def said(self, key: str) -> str:
        """The workers' ``isolation`` or ``control_groups``: one value, or each one's."""
        values = sorted({r[key] for r in self.reports.values()})
        if len(values) == 1:
            return values[0]
        return "mixed: " + "; ".join(
            f"{worker}: {report[key]}" for worker, report in sorted(self.reports.items())
        )

    def run(self, job: dict[str, Any], warm: bool = True) -> sandbox.Outcome:
        """Run ``job`` on a worker (the one the scheduler picks) and wait for its outcome."""
        future = self.client.submit(_on_worker, {**job, "warm": warm}, pure=False)
        return _outcome(future.result())

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


def _on_worker(job: dict[str, Any]) -> dict[str, Any]:
    """The task a worker runs: :func:`run_job` with the worker's own thread count."""
    from distributed import get_worker

    worker = get_worker()
    threads = getattr(worker, "nthreads", None) or worker.state.nthreads
    return run_job(job, threads=threads)

"""What the benchmarks share: the best wall-clock time of a few calls (they import it as
``from _timing import best_time``: a benchmark runs as a script, from this folder)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_time(function: Callable[[], object], repeats: int = 7) -> tuple[float, object]:
    """Best wall-clock time of ``repeats`` calls (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result

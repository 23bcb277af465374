"""A class in N parts: ``cnncourse grade ... --shard K/N`` and ``cnncourse merge``.

For a batch system (a SLURM array, Kubernetes jobs): N independent runs with the same
seed, each over the K-th of N disjoint parts of the class, then one merge into the
``grades.csv``/``grades.json`` (and ``feedback/``) a single run would have written.

The split is by position in the class as the grader orders it (every shard finds the
same submissions, applies the same roster, and chooses each notebook's lesson over the
whole class, so a shard grades exactly as a single run would): submission ``i`` (from 0)
goes to shard ``i % N + 1``, so N shards cover everyone exactly once and each gets its
share. Each shard's ``grades.json`` records ``"shard"``: its K and N, the size and a
fingerprint of the whole class, and its submissions' positions; :func:`merge` refuses
shards that do not fit together (another class, another seed or settings, a part
missing or given twice).

The similarity report (``similarity.csv``) is the whole class's in every shard (it only
parses the notebooks); the merge takes the first shard's.

Only what is genuinely run-specific differs from a single run: ``started`` (the earliest
shard's), ``seconds`` (the shards' sum) and each submission's own ``seconds``, and the
time in each feedback file's last line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from .._validate import integer
from .grader import ExerciseResult, GradingError, Settings, SubmissionResult

__all__ = [
    "class_fingerprint",
    "merge",
    "parse_shard",
    "results_from_json",
    "select_shard",
    "shard_record",
]

T = TypeVar("T")


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)``, with 1 <= K <= N.

    Raises
    ------
    ValueError
        Naming ``--shard`` and the value, if it is not of that form.

    Examples
    --------
    >>> parse_shard("2/4")
    (2, 4)
    >>> parse_shard("5/4")
    Traceback (most recent call last):
    ...
    ValueError: --shard must be K/N with 1 <= K <= N (e.g. 1/4), got '5/4'
    """
    parts = str(text).strip().split("/")
    try:
        index, count = (int(p) for p in parts)
    except ValueError:
        index = count = 0
    if len(parts) != 2 or not 1 <= index <= count:
        raise ValueError(f"--shard must be K/N with 1 <= K <= N (e.g. 1/4), got {text!r}")
    return index, count


def class_fingerprint(students: Sequence[str]) -> str:
    """A short hash of the whole class in order (shards of one class share it).

    Examples
    --------
    >>> class_fingerprint(["ann", "bob"]) == class_fingerprint(["ann", "bob"])
    True
    >>> class_fingerprint(["ann", "bob"]) == class_fingerprint(["bob", "ann"])
    False
    """
    digest = hashlib.sha256("\n".join(students).encode("utf-8"))
    return digest.hexdigest()[:16]


def select_shard(items: Sequence[T], index: int, count: int) -> list[tuple[int, T]]:
    """The K-th of N parts of ``items``: ``(position, item)`` for positions ``i % N == K - 1``.

    Examples
    --------
    >>> select_shard("abcde", 1, 2)
    [(0, 'a'), (2, 'c'), (4, 'e')]
    >>> select_shard("abcde", 2, 2)
    [(1, 'b'), (3, 'd')]
    >>> select_shard("ab", 3, 2)
    Traceback (most recent call last):
    ...
    ValueError: index=3 must be from 1 to count=2
    """
    integer("count", count, minimum=1)
    if not isinstance(index, int) or not 1 <= index <= count:
        raise ValueError(f"index={index!r} must be from 1 to count={count!r}")
    return [(i, item) for i, item in enumerate(items) if i % count == index - 1]


def shard_record(
    index: int, count: int, students: Sequence[str], positions: Sequence[int]
) -> dict[str, Any]:
    """What a shard's ``grades.json`` says of itself under ``"shard"``.

    Examples
    --------
    >>> shard_record(1, 2, ["ann", "bob"], [0])["positions"]
    [0]
    """
    return {
        "index": index,
        "count": count,
        "class_size": len(students),
        "class": class_fingerprint(students),
        "positions": list(positions),
    }


def results_from_json(submissions: Sequence[dict[str, Any]]) -> list[SubmissionResult]:
    """``grades.json``'s submissions back as :class:`SubmissionResult` objects.

    Examples
    --------
    >>> r = SubmissionResult('ann', 'ann.ipynb', 1)
    >>> results_from_json([r.to_dict()]) == [r]
    True
    """
    keep = {f.name for f in fields(SubmissionResult)} - {"exercises"}
    keep_exercise = {f.name for f in fields(ExerciseResult)}
    out = []
    for data in submissions:
        result = SubmissionResult(**{k: v for k, v in data.items() if k in keep})
        result.exercises = [
            ExerciseResult(**{k: v for k, v in e.items() if k in keep_exercise})
            for e in data.get("exercises", [])
        ]
        out.append(result)
    return out


#: The fields of ``grades.json`` every shard of one run must share.
_SHARED = ("cnncourse_version", "seed", "isolation", "control_groups", "settings", "variants")


def _read_shard(folder: Path) -> dict[str, Any]:
    path = Path(folder) / "grades.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GradingError(f"cannot read the shard's {str(path)!r}: {exc}") from None
    shard = data.get("shard") if isinstance(data, dict) else None
    if not isinstance(shard, dict):
        raise GradingError(f'{str(path)!r} is not a shard\'s (no "shard": run grade --shard K/N)')
    return data


def merge(out: str | Path, folders: Sequence[str | Path]) -> list[SubmissionResult]:
    """Merge the outputs of the N shards of one run into ``out``; the results, in class order.

    Raises GradingError if the shards do not fit together.

    Examples
    --------
    >>> merge("out", [])
    Traceback (most recent call last):
    ...
    cnncourse.grading.roster.GradingError: merge needs the output folders of the shards
    """
    from .report import write_outputs

    if not folders:
        raise GradingError("merge needs the output folders of the shards")
    shards = [(str(f), _read_shard(Path(f))) for f in folders]
    first_name, first = shards[0]
    count = first["shard"].get("count")
    for name, data in shards:
        for key in (*_SHARED,):
            if data.get(key) != first.get(key):
                raise GradingError(
                    f"the shards {first_name!r} and {name!r} differ in {key!r}: "
                    "not the shards of one run"
                )
        for key in ("count", "class_size", "class"):
            if data["shard"].get(key) != first["shard"].get(key):
                raise GradingError(
                    f"the shards {first_name!r} and {name!r} differ in {key!r}: "
                    "not the shards of one class"
                )
    indices = sorted(data["shard"].get("index") for _, data in shards)
    if indices != list(range(1, int(count) + 1)):
        raise GradingError(f"merge needs each of the shards 1 to {count} once, got {indices}")
    size = int(first["shard"]["class_size"])
    placed: dict[int, dict] = {}
    exercises: dict[int, dict[str, dict]] = {}
    for name, data in shards:
        positions, submissions = data["shard"].get("positions", []), data.get("submissions", [])
        if len(positions) != len(submissions):
            raise GradingError(f"the shard {name!r} is damaged: positions and submissions differ")
        for position, submission in zip(positions, submissions, strict=True):
            if not isinstance(position, int) or not 0 <= position < size or position in placed:
                raise GradingError(f"the shard {name!r} is damaged: position {position!r}")
            placed[position] = submission
        for exercise_id, info in data.get("exercises", {}).items():
            exercises.setdefault(int(info.get("lesson", 0)), {}).setdefault(exercise_id, info)
    if len(placed) != size:
        raise GradingError(f"the shards hold {len(placed)} of the class's {size} submissions")
    results = results_from_json([placed[i] for i in range(size)])
    table = {k: v for lesson in sorted(exercises) for k, v in exercises[lesson].items()}
    settings_data = dict(first["settings"])
    settings = Settings(
        seed=first["seed"],
        timeout=settings_data["timeout"],
        cell_timeout=settings_data["cell_timeout"],
        exercise_timeout=settings_data["exercise_timeout"],
        memory_mb=settings_data["memory_mb"],
        workers=settings_data["workers"],
        lesson=settings_data["lesson"],
    )
    seconds = sum(float(data.get("seconds", 0.0)) for _, data in shards)
    started = min(str(data.get("started", "")) for _, data in shards)
    report = Path(first_name) / "similarity.csv"  # every shard's is the whole class's
    similarity = report.read_text(encoding="utf-8") if report.is_file() else None
    write_outputs(
        out,
        results,
        settings,
        first["cnncourse_version"],
        seconds,
        table,
        started,
        first.get("isolation", ""),
        control_groups=first.get("control_groups"),
        similarity=similarity,
        variants=first.get("variants", ""),
    )
    return results

"""The words a submission's process (:mod:`.runner`) writes and the grader reads back.

Each result file's ``answer`` is one of the answer tags; a function's
``stopped["kind"]`` is one of the stop kinds; ``progress.log`` has one line
per step. The tags the inline check uses too come from
:mod:`cnncourse.exercises._verdict`; those only the grader knows are here.
"""

from __future__ import annotations

from ..exercises._verdict import (
    FOUND,
    NOT_CALLABLE,
    NOT_IMPLEMENTED,
    NOT_MODEL,
    RAISED,
    STUB,
    TIMED_OUT,
)

__all__ = [
    "CASES_FILE",
    "CASES_FOLDER",
    "CELLS_DONE",
    "CELLS_FILE",
    "CORRUPT",
    "DONE",
    "FOUND",
    "JOB_FILE",
    "KILLED",
    "MISSING",
    "NOT_CALLABLE",
    "NOT_IMPLEMENTED",
    "NOT_MODEL",
    "RAISED",
    "REFERENCE",
    "STEP_CELL",
    "STEP_EXERCISE",
    "STEP_LIMITS",
    "STEP_TIMEOUT",
    "STUB",
    "TIMED_OUT",
]

# --------------------------------------------------------------------------- answer tags
# FOUND, STUB, NOT_CALLABLE, NOT_MODEL, RAISED, TIMED_OUT: see cnncourse.exercises._verdict.

MISSING = "missing"  # the notebook defines no such name (runner)
REFERENCE = "reference"  # the answer is the course's own function (runner)
KILLED = "killed"  # the process died while on this exercise (sandbox)
CORRUPT = "corrupt"  # the result could not be read back (sandbox)

# --------------------------------------------------------------------------- stop kinds
# Why a function's calls stopped: NOT_IMPLEMENTED, RAISED, TIMED_OUT or BORROWED (the same words).

# --------------------------------------------------------------------------- progress.log
# One line as each step starts: "limits <missing,...|all>", "cell <index>", "timeout <index>"
# (the runner's timer stopped that cell), "cells done", "exercise <id>", "done".

STEP_LIMITS = "limits"
STEP_CELL = "cell"
STEP_TIMEOUT = "timeout"
STEP_EXERCISE = "exercise"
CELLS_DONE = "cells done"
DONE = "done"

# --------------------------------------------------------------------------- the job folder
# JOB_FILE, and CASES_FOLDER/<exercise id>/CASES_FILE (with its .npy files), from the grader;
# CELLS_FILE and <exercise id>.json (and <exercise id>/*.npy) in the results folder, back.

JOB_FILE = "job.json"
CASES_FOLDER = "cases"
CASES_FILE = "cases.json"
CELLS_FILE = "cells.json"

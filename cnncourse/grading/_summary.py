"""Whether a model's summary read back from a submission's process has the expected form."""

from __future__ import annotations

from typing import Any


def valid_summary(summary: Any) -> bool:
    """True for a list of ``{"type", "output_shape", "params", "activation"}`` rows."""
    if not isinstance(summary, list):
        return False
    for row in summary:
        if not isinstance(row, dict) or set(row) != {
            "type",
            "output_shape",
            "params",
            "activation",
        }:
            return False
        shape = row["output_shape"]
        if not isinstance(row["type"], str) or type(row["params"]) is not int:
            return False
        if row["activation"] is not None and not isinstance(row["activation"], str):
            return False
        if shape is not None and not (
            isinstance(shape, list) and all(d is None or type(d) is int for d in shape)
        ):
            return False
    return True

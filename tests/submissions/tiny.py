"""Tiny lesson-1 notebooks that import no Keras, for the grader's quicker tests."""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["TINY", "tiny_notebook"]

#: A right body for each of lesson 1's functions.
TINY = {
    "rgb_to_grayscale": "return image.astype(float) @ np.array([0.299, 0.587, 0.114])",
    "normalize": "return (image / 255).astype(np.float32)",
    "to_bgr": "return image[..., ::-1].copy()",
    "channel_means": "return image.reshape(-1, image.shape[-1]).mean(axis=0)",
}


def tiny_notebook(path, functions=TINY, values=None, lesson=1, extra=()):
    """A lesson-1 notebook with no Keras: one cell per function, then the values."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["cnncourse"] = {"lesson": lesson, "role": "lesson"}
    cells = ["import numpy as np\nfrom cnncourse.exercises import check", *extra]
    for name, body in functions.items():
        cells.append(f"def {name}(image):\n    {body}\n\n\n{name} = check.{name}({name})")
    for exercise_id, (name, value) in (values or {}).items():
        cells.append(f"{name} = {value}\ncheck.{exercise_id}({name});")
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return Path(path)

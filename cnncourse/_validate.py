"""Argument checks shared by the package: clear ``ValueError`` messages that
name the argument, the value received and what is allowed.

This is the bottom of the package: it imports nothing of ``cnncourse``, and every
module that checks an argument calls one of these functions rather than writing its
own. The names are public inside the package (no leading underscore) but the module
itself is private: users never import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def short(value: Any) -> str:
    """A short, readable description of ``value`` for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def one_of(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is in ``allowed``, else raise a ValueError naming both."""
    allowed = list(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {short(value)}")
    return value


def integer(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int, checking its type and lower bound."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer; got {short(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def number(name: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    """Return ``value`` as a float, checking it lies in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number; got {short(value)}")
    value = float(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be between {low} and {high}; got {value}")
    return value


def image(
    name: str, value: Any, channels: Iterable[int] | None = None, ndim: Iterable[int] = (3,)
) -> np.ndarray:
    """Check that ``value`` is an image array (H, W, C) (or as ``ndim`` says).

    ``channels`` lists the allowed sizes of the last axis (for example ``(3,)``
    for RGB). Returns the value as a NumPy array.
    """
    ndim = tuple(ndim)
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name} must be a numeric array; got {short(value)}")
    layouts = {2: "(H, W)", 3: "(H, W, C)", 4: "(N, H, W, C)"}
    if array.ndim not in ndim:
        expected = " or ".join(layouts.get(n, f"{n}-D") for n in ndim)
        raise ValueError(f"{name} must have shape {expected}; got shape {array.shape}")
    if channels is not None:
        channels = tuple(channels)
        if array.shape[-1] not in channels:
            allowed = " or ".join(str(c) for c in channels)
            raise ValueError(
                f"{name} must have {allowed} channel(s) in its last axis (channels last); "
                f"got shape {array.shape}"
            )
    return array


def pair(name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """An int (used for both axes) or a pair of ints, each checked against ``minimum``."""
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a tuple of 2 values; got {short(value)}")
        return integer(name, value[0], minimum), integer(name, value[1], minimum)
    value = integer(name, value, minimum)
    return value, value


def is_sequence(value: Any) -> bool:
    """True for a tuple, list or array (one value per axis), False for a string or a scalar."""
    return isinstance(value, (tuple, list, np.ndarray)) and not isinstance(value, str)


def per_axis(name: str, value: Any, n: int) -> list[Any]:
    """``value`` repeated for ``n`` axes (a scalar) or as a list (a sequence of ``n``)."""
    if is_sequence(value):
        if len(value) != n:
            raise ValueError(f"{name} must be an int or a tuple of {n} values; got {short(value)}")
        return list(value)
    return [value] * n


def real_array(name: str, value: Any, ndim: tuple[int, ...], layout: str) -> np.ndarray:
    """``value`` as a real numeric array with one of the ranks ``ndim`` (``layout`` names them)."""
    array = np.asarray(value)
    if (
        array.dtype == object
        or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool)
        or np.iscomplexobj(array)
    ):
        raise ValueError(f"{name} must be a real numeric array; got {short(value)}")
    if array.ndim not in ndim:
        raise ValueError(f"{name} must have shape {layout}; got shape {array.shape}")
    return array


#: The layouts an image argument may have, by rank.
IMAGE_LAYOUTS = {2: "(H, W)", 3: "(H, W, C)", 4: "(N, H, W, C)"}


def image_batch(name: str, value: Any, ndim: tuple[int, ...] = (2, 3, 4)) -> np.ndarray:
    """A real image or batch, (H, W), (H, W, C) or (N, H, W, C), as a 4-D (N, H, W, C) view."""
    layouts = [IMAGE_LAYOUTS[n] for n in ndim]
    layout = " or ".join([", ".join(layouts[:-1]), layouts[-1]]) if len(layouts) > 1 else layouts[0]
    x = real_array(name, value, ndim, layout)
    if x.ndim == 2:
        return x[None, :, :, None]
    return x[None] if x.ndim == 3 else x


def float_dtype(*arrays: np.ndarray) -> type:
    """float32 when every array is float32 (fast), else float64."""
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64

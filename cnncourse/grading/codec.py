"""Plain data between the grader and a submission's process: JSON plus ``.npy`` files.

Nothing here pickles or evaluates anything. A value is encoded as a JSON tree
in which ``None``, booleans, integers, floats and strings stand for
themselves, JSON lists are Python lists, and a JSON object is always one
tagged value:

* ``{"$tuple": [...]}`` a tuple, ``{"$dict": [[key, value], ...]}`` a dict
  with string keys;
* ``{"$array": "name.npy"}`` a NumPy array, ``{"$scalar": "name.npy"}`` a
  NumPy scalar (a 0-d array in the file), both written with
  ``np.save(..., allow_pickle=False)`` beside the JSON;
* ``{"$ellipsis": true}`` the ``...`` a blank answer holds;
* ``{"$unsupported": "TypeName"}`` anything else a submission returned: only
  its type's name travels, never the object.

The encoder is used on both sides: by the grader for the inputs it sends,
and by the submission's process for the outputs it sends back. The decoder
is the grader's: it reads with ``json.loads`` and
``np.load(allow_pickle=False)``, refuses files that are links or larger than
a limit, and checks each ``.npy`` header against the file's size before
loading it.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np

from ..exercises._verdict import type_name

__all__ = [
    "Budget",
    "CorruptData",
    "Unsupported",
    "contains_unsupported",
    "decode",
    "encode",
    "read_bytes",
    "read_json",
    "save_arrays",
]


#: The largest file (JSON or .npy) the grader reads back from a submission's folder.
MAX_FILE_BYTES = 64 * 2**20
#: The most array elements one encoded value may hold in all.
MAX_ELEMENTS = 4_000_000
MAX_DEPTH = 32
#: The most bytes of ``.npy`` files one result (all its values) may have the grader load.
MAX_RESULT_BYTES = 64 * 2**20
#: The most list, tuple and dict items one result may hold in all.
MAX_ITEMS = 1_000_000
#: Array kinds that travel: bool, signed and unsigned integers, floats, complex, strings.
ARRAY_KINDS = "biufcUS"
_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,120}\.npy$")


class Unsupported:
    """What the grader holds for a returned object that is not plain data: its type's name.

    Examples
    --------
    >>> Unsupported('Model')
    <a Model object, not plain data>
    """

    def __init__(self, type_name: str) -> None:
        self.type_name = str(type_name)[:200]

    def __repr__(self) -> str:
        return f"<a {self.type_name} object, not plain data>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unsupported) and other.type_name == self.type_name

    def __hash__(self) -> int:
        return hash(self.type_name)


class CorruptData(ValueError):
    """A result file that is missing, too large, a link, or not in the format above.

    Examples
    --------
    >>> raise CorruptData('x.json is missing')
    Traceback (most recent call last):
    ...
    cnncourse.grading.codec.CorruptData: x.json is missing
    """


def contains_unsupported(value: Any) -> Unsupported | None:
    """The first :class:`Unsupported` inside a decoded value, else None.

    Examples
    --------
    >>> contains_unsupported([1, (2, Unsupported('Model'))])
    <a Model object, not plain data>
    >>> contains_unsupported([1, 2]) is None
    True
    """
    if isinstance(value, Unsupported):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            found = contains_unsupported(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        for item in value.values():
            found = contains_unsupported(item)
            if found is not None:
                return found
    return None


# --------------------------------------------------------------------------- encoding


class _Encoder:
    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.count = 0
        self.elements = 0
        self.files: dict[str, np.ndarray] = {}

    def _array(self, array: np.ndarray, tag: str) -> dict:
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.hasobject:
            return {"$unsupported": f"ndarray of dtype {array.dtype}"}
        self.elements += int(array.size)
        if self.elements > MAX_ELEMENTS:
            return {"$unsupported": f"ndarray of {array.size} elements (too large)"}
        name = f"{self.prefix}{self.count}.npy"
        self.count += 1
        self.files[name] = array if array.flags.c_contiguous else array.copy(order="C")
        return {tag: name}

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return {"$unsupported": "value nested too deeply"}
        kind = type(value)
        if value is None or kind in (bool, str):
            return value
        if kind is int:
            return value
        if kind is float:
            return value
        if value is Ellipsis:
            return {"$ellipsis": True}
        if isinstance(value, np.ndarray):  # a subclass becomes its plain ndarray
            return self._array(np.asarray(value), "$array")
        if isinstance(value, np.generic):
            return self._array(np.asarray(value), "$scalar")
        if isinstance(value, (list, tuple, dict)):
            self.elements += len(value)
            if self.elements > MAX_ELEMENTS:
                return {"$unsupported": f"{type(value).__name__} of {len(value)} items (too large)"}
        if kind in (list, tuple):
            items = [self.encode(v, depth + 1) for v in value]
            return items if kind is list else {"$tuple": items}
        if kind is dict and all(type(k) is str for k in value):
            return {"$dict": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        if isinstance(value, bool):  # pragma: no cover - bool cannot be subclassed
            return bool(value)
        if isinstance(value, int):  # an int subclass (an IntEnum, ...): its plain value
            return int.__index__(value)
        if isinstance(value, float):
            return float.__float__(value)
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, tuple):  # a namedtuple
            return {"$tuple": [self.encode(v, depth + 1) for v in tuple.__iter__(value)]}
        if isinstance(value, list):
            return [self.encode(v, depth + 1) for v in list.__iter__(value)]
        if hasattr(type(value), "__array__"):  # a tensor or other array-like
            try:
                array = np.asarray(value)
            except Exception:  # noqa: BLE001 - not convertible: report its type
                array = None
            if isinstance(array, np.ndarray) and array.dtype.kind in ARRAY_KINDS:
                return self._array(array, "$array")
        return {"$unsupported": type_name(value)}


def encode(value: Any, folder: str | Path, prefix: str = "v") -> tuple[Any, dict[str, np.ndarray]]:
    """The JSON tree of ``value`` and the arrays to save beside it, by file name.

    Array files are named ``{prefix}{n}.npy``; nothing is written (see :func:`save`).

        Examples
        --------
        >>> tree, files = encode((1, np.arange(3)), '.')
        >>> tree, list(files)
        ({'$tuple': [1, {'$array': 'v0.npy'}]}, ['v0.npy'])
    """
    encoder = _Encoder(Path(folder), prefix)
    tree = encoder.encode(value)
    return tree, encoder.files


def save_arrays(folder: str | Path, files: dict[str, np.ndarray]) -> None:
    """Write each array with ``np.save(..., allow_pickle=False)``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_arrays(folder, {'a.npy': np.zeros(2)})
    ...     decode({'$array': 'a.npy'}, folder).tolist()
    [0.0, 0.0]
    """
    for name, array in files.items():
        with open(Path(folder) / name, "wb") as f:
            np.lib.format.write_array(f, array, allow_pickle=False)


def _write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically (a temporary file, then a rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- decoding


def read_bytes(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes; CorruptData for a link, a device, a pipe or a file over ``limit``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, 'a.txt').write_bytes(b'hi')
    ...     read_bytes(Path(folder, 'a.txt'))
    b'hi'
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise CorruptData(f"{path.name} is missing") from None
    except OSError as exc:
        raise CorruptData(f"{path.name} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise CorruptData(f"{path.name} is not a regular file")
    if info.st_size > limit:
        raise CorruptData(f"{path.name} is too large ({info.st_size} bytes)")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise CorruptData(f"{path.name} cannot be read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise CorruptData(f"{path.name} is too large")
    return data


def read_json(path: str | Path, limit: int = MAX_FILE_BYTES) -> Any:
    """``json.loads`` of a file read with :func:`read_bytes`; CorruptData if it is not JSON.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, 'a.json').write_text('[1, 2]')
    ...     read_json(Path(folder, 'a.json'))
    [1, 2]
    """
    data = read_bytes(path, limit)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CorruptData(f"{Path(path).name} is not valid JSON: {exc}") from None


class Budget:
    """What the rest of one result may still make the grader load: each file once, and in all
    at most ``elements`` array elements, ``nbytes`` bytes of files, ``items`` container items.

    Examples
    --------
    >>> budget = Budget(elements=10)
    >>> budget.take_elements(4); budget.elements
    6
    >>> budget.take_elements(7)
    Traceback (most recent call last):
    ...
    cnncourse.grading.codec.CorruptData: the result holds too many array elements
    """

    def __init__(
        self,
        elements: int = MAX_ELEMENTS,
        nbytes: int = MAX_RESULT_BYTES,
        items: int = MAX_ITEMS,
    ) -> None:
        self.elements, self.nbytes, self.items = elements, nbytes, items
        self.files: set[str] = set()

    def take_elements(self, n: int) -> None:
        """Spend ``n`` array elements; CorruptData past the budget."""
        self.elements -= int(n)
        if self.elements < 0:
            raise CorruptData("the result holds too many array elements")

    def take_items(self, n: int) -> None:
        """Spend ``n`` container items; CorruptData past the budget."""
        self.items -= int(n)
        if self.items < 0:
            raise CorruptData("the result holds too many list items")

    def take_file(self, name: str, size: int) -> None:
        """Spend a file of ``size`` bytes; CorruptData for one seen before or past the budget."""
        if name in self.files:
            raise CorruptData(f"{name} is referenced more than once")
        self.files.add(name)
        self.nbytes -= int(size)
        if self.nbytes < 0:
            raise CorruptData("the result's files are too large in all")


def _load_array(path: str | Path, budget: Budget | None = None) -> np.ndarray:
    """An array from a ``.npy`` file, checked before it is loaded, never unpickled."""
    path = Path(path)
    if budget is not None:
        try:
            size = os.lstat(path).st_size
        except OSError:
            size = 0  # read_bytes says why
        budget.take_file(path.name, size)
    data = read_bytes(path)
    stream = io.BytesIO(data)
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.hasobject or dtype.kind not in ARRAY_KINDS:
            raise ValueError(f"dtype {dtype} is not allowed")
        count = 1
        for n in shape:
            count *= int(n)
        if count > MAX_ELEMENTS or count * dtype.itemsize != len(data) - stream.tell():
            raise ValueError("the header does not match the file's size")
        if budget is not None:
            budget.take_elements(count)
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, TypeError, OSError, EOFError, SyntaxError) as exc:
        raise CorruptData(f"{Path(path).name} is not a valid .npy file: {exc}") from None
    if not isinstance(array, np.ndarray):  # pragma: no cover - np.load of a .npy is an array
        raise CorruptData(f"{Path(path).name} is not an array")
    return array


def decode(tree: Any, folder: str | Path, depth: int = 0, budget: Budget | None = None) -> Any:
    """The value a JSON tree stands for, loading its arrays from ``folder``.

    ``budget`` (shared by every value of one result; a fresh :class:`Budget` if None)
    bounds what the tree can make the grader load; CorruptData past it.

    Examples
    --------
    >>> decode({"$tuple": [1, "a", {"$ellipsis": True}]}, ".")
    (1, 'a', Ellipsis)
    >>> decode([[0] * 6], ".", budget=Budget(items=5))
    Traceback (most recent call last):
    ...
    cnncourse.grading.codec.CorruptData: the result holds too many list items
    """
    if budget is None:
        budget = Budget()
    if depth > MAX_DEPTH + 2:
        raise CorruptData("value nested too deeply")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):
        budget.take_items(len(tree))
        return [decode(v, folder, depth + 1, budget) for v in tree]
    if isinstance(tree, dict) and len(tree) == 1:
        ((tag, body),) = tree.items()
        if tag == "$tuple" and isinstance(body, list):
            budget.take_items(len(body))
            return tuple(decode(v, folder, depth + 1, budget) for v in body)
        if tag == "$dict" and isinstance(body, list):
            budget.take_items(len(body))
            out = {}
            for item in body:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                    raise CorruptData("malformed $dict")
                out[item[0]] = decode(item[1], folder, depth + 1, budget)
            return out
        if tag in ("$array", "$scalar") and isinstance(body, str) and _FILE_NAME.match(body):
            array = _load_array(Path(folder) / body, budget)
            if tag == "$scalar":
                if array.ndim != 0:
                    raise CorruptData("a $scalar file must hold a 0-d array")
                return array[()]
            return array
        if tag == "$ellipsis" and body is True:
            return Ellipsis
        if tag == "$unsupported" and isinstance(body, str):
            return Unsupported(body)
    raise CorruptData(f"unknown value {str(tree)[:80]}")

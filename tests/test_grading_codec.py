"""Plain data between the grader and a submission's process (cnncourse/grading/codec.py)."""

import json

import numpy as np
import pytest

from cnncourse.exercises import for_lesson
from cnncourse.grading import (
    codec,
)

LESSON1 = [e.id for e in for_lesson(1)]


def test_plain_data_round_trips_and_anything_else_travels_as_a_type_name(tmp_path):
    class Odd:
        pass

    value = (
        np.arange(6, dtype=np.float32).reshape(2, 3).view(np.recarray),  # a subclass: plain
        np.int16(3),
        [1, 2.5, "x", None, True, (1, 2)],
        {"k": np.bool_(True)},
        ...,
        Odd(),
        np.array([Odd()], dtype=object),
    )
    tree, arrays = codec.encode(value, tmp_path)
    codec.save_arrays(tmp_path, arrays)
    back = codec.decode(json.loads(json.dumps(tree)), tmp_path)
    assert type(back[0]) is np.ndarray and back[0].dtype == np.float32
    assert back[1] == 3 and back[1].dtype == np.int16
    assert back[2] == [1, 2.5, "x", None, True, (1, 2)]
    assert back[3] == {"k": True} and back[4] is Ellipsis
    assert isinstance(back[5], codec.Unsupported) and back[5].type_name.endswith("Odd")
    assert isinstance(back[6], codec.Unsupported) and "object" in back[6].type_name


def test_results_that_are_not_plain_data_are_refused(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(codec.CorruptData):
        codec.decode({"$array": "obj.npy"}, tmp_path)
    np.save(tmp_path / "ok.npy", np.zeros(3))
    data = (tmp_path / "ok.npy").read_bytes()
    (tmp_path / "short.npy").write_bytes(data[:-8])  # the header claims more than there is
    (tmp_path / "link.npy").symlink_to(tmp_path / "ok.npy")
    for name in ("short.npy", "link.npy", "../ok.npy", "missing.npy"):
        with pytest.raises(codec.CorruptData):
            codec.decode({"$array": name}, tmp_path)
    with pytest.raises(codec.CorruptData):
        codec.decode({"$eval": "__import__('os')"}, tmp_path)
    assert codec.decode({"$array": "ok.npy"}, tmp_path).tolist() == [0.0, 0.0, 0.0]

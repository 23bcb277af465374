"""cnncourse.backprop: every backward pass against centred differences, and the tiny CNN."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncourse import backprop as bp
from cnncourse import ops, pooling

TOL = 1e-7


def _rng(seed=0):
    return np.random.default_rng(seed)


def _check_conv(x, kernel, stride, padding, seed=1):
    """Both conv backward passes against numerical gradients of sum(conv2d(...) * dout)."""
    bias = _rng(seed).normal(size=kernel.shape[3]) if kernel.ndim == 4 else 0.3
    out = ops.conv2d(x, kernel, bias, stride=stride, padding=padding)
    dout = _rng(seed).normal(size=out.shape)
    dx, dk, db = bp.conv2d_backward(dout, x, kernel, stride=stride, padding=padding)
    naive = bp.conv2d_backward_naive(dout, x, kernel, stride=stride, padding=padding)
    for fast, slow in zip((dx, dk, db), naive, strict=True):
        assert fast.shape == slow.shape
        assert bp.rel_error(fast, slow) < 1e-12

    def f_x(v):
        return np.sum(ops.conv2d(v, kernel, bias, stride, padding) * dout)

    def f_k(v):
        return np.sum(ops.conv2d(x, v, bias, stride, padding) * dout)

    def f_b(v):
        b = v.reshape(()) if kernel.ndim == 2 else v
        return np.sum(ops.conv2d(x, kernel, b, stride, padding) * dout)

    assert dx.shape == x.shape and dk.shape == kernel.shape
    assert bp.rel_error(dx, bp.numerical_gradient(f_x, x)) < TOL
    assert bp.rel_error(dk, bp.numerical_gradient(f_k, kernel)) < TOL
    assert bp.rel_error(db, bp.numerical_gradient(f_b, np.asarray(bias, float))) < TOL


CONV_CASES = [
    # (x shape, kernel shape, stride, padding)
    ((2, 5, 5, 3), (3, 3, 3, 4), 1, "valid"),
    ((2, 6, 7, 2), (3, 3, 2, 3), 2, "same"),
    ((1, 5, 6, 2), (2, 2, 2, 2), 1, "same"),  # an even kernel: the extra pad at bottom/right
    ((2, 4, 5, 1), (2, 3, 1, 2), 2, "full"),
    ((2, 7, 6, 2), (4, 2, 2, 3), (2, 3), "same"),
    ((1, 5, 5, 2), (3, 3, 2, 2), 2, 1),
    ((1, 5, 6, 1), (3, 2, 1, 2), 1, (2, 0)),
    ((2, 6, 5, 2), (3, 3, 2, 2), 2, ((0, 2), (1, 0))),
    ((2, 7, 7, 3), (3, 3, 3, 2), 3, "valid"),  # stride leaves the last row/column unused
    ((6, 5), (2, 3), 1, "same"),  # one channel, one filter
    ((5, 5, 2), (3, 3, 2, 3), 2, "full"),  # a single image
]


@pytest.mark.parametrize(("x_shape", "k_shape", "stride", "padding"), CONV_CASES)
def test_conv2d_backward_matches_numerical_gradients(x_shape, k_shape, stride, padding):
    rng = _rng(sum(x_shape) + sum(k_shape))
    _check_conv(rng.normal(size=x_shape), rng.normal(size=k_shape), stride, padding)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3),
    h=st.integers(3, 8),
    w=st.integers(4, 8),  # >= the kernel width f + 1
    c=st.integers(1, 3),
    k=st.integers(1, 3),
    f=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same", "full", 1, (0, 2)]),
    seed=st.integers(0, 1000),
)
def test_naive_and_vectorised_conv_backward_agree(n, h, w, c, k, f, stride, padding, seed):
    rng = _rng(seed)
    x, kernel = rng.normal(size=(n, h, w, c)), rng.normal(size=(f, f + 1, c, k))
    dout = rng.normal(size=ops.conv2d(x, kernel, stride=stride, padding=padding).shape)
    fast = bp.conv2d_backward(dout, x, kernel, stride, padding)
    slow = bp.conv2d_backward_naive(dout, x, kernel, stride, padding)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_conv2d_backward_keeps_float32():
    x = np.ones((1, 4, 4, 2), np.float32)
    kernel = np.ones((3, 3, 2, 1), np.float32)
    grads = bp.conv2d_backward(np.ones((1, 2, 2, 1), np.float32), x, kernel)
    assert all(g.dtype == np.float32 for g in grads)


POOL_CASES = [
    # (x shape, pool_size, stride, padding)
    ((2, 4, 4, 3), 2, None, "valid"),
    ((2, 5, 5, 2), 2, None, "same"),
    ((1, 7, 6, 2), 3, 2, "same"),  # overlapping windows
    ((2, 5, 6, 1), (2, 3), (1, 2), "valid"),
    ((1, 6, 5, 2), 3, 1, "same"),
    ((5, 7), 2, None, "same"),
    ((5, 4, 3), 2, 1, "valid"),
]


POOLS = {
    "max": (pooling.max_pool2d, bp.max_pool2d_backward),
    "avg": (pooling.avg_pool2d, bp.avg_pool2d_backward),
}


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize(("x_shape", "pool", "stride", "padding"), POOL_CASES)
def test_pooling_backward_matches_numerical_gradients(kind, x_shape, pool, stride, padding):
    forward, backward = POOLS[kind]
    rng = _rng(sum(x_shape))
    x = rng.normal(size=x_shape)  # continuous values: no ties, max pooling is differentiable
    dout = rng.normal(size=forward(x, pool, stride, padding).shape)
    dx = backward(dout, x, pool, stride, padding)
    assert dx.shape == x.shape
    numeric = bp.numerical_gradient(lambda v: np.sum(forward(v, pool, stride, padding) * dout), x)
    assert bp.rel_error(dx, numeric) < TOL


def test_max_pool_backward_gives_a_tie_to_the_first_maximum_in_row_major_order():
    x = np.array([[1.0, 3.0, 0.0, 0.0], [3.0, 3.0, 0.0, 0.0]])  # window 1: three 3s; window 2: 0s
    dx = bp.max_pool2d_backward(np.array([[5.0, 7.0]]), x)
    np.testing.assert_array_equal(dx, [[0.0, 5.0, 7.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    # per channel and per image, independently
    x = np.zeros((2, 2, 2, 2))
    x[1, 1, 0, 1] = x[1, 1, 1, 1] = 1.0  # image 1, channel 1: tie between row 1's two cells
    dx = bp.max_pool2d_backward(np.ones((2, 1, 1, 2)), x)
    assert dx[0, 0, 0].tolist() == [1.0, 1.0] and dx[0].sum() == 2
    assert dx[1, 0, 0, 0] == 1 and dx[1, 1, 0, 1] == 1 and dx[1].sum() == 2


def test_max_pool_backward_never_sends_gradient_to_the_padding():
    x = -np.ones((1, 3, 3, 1))  # all negative: a zero padding would win
    dx = bp.max_pool2d_backward(np.ones((1, 2, 2, 1)), x, padding="same")
    assert dx.sum() == 4 and dx[0, :, :, 0].tolist() == [[1, 0, 1], [0, 0, 0], [1, 0, 1]]


def test_avg_pool_backward_excludes_the_padding_from_the_count():
    dx = bp.avg_pool2d_backward(np.ones((2, 2)), np.zeros((3, 3)), padding="same")
    # every window passes on all of its dout: the total is the number of windows
    assert dx.sum() == pytest.approx(4.0)
    assert dx[2, 2] == 1.0  # a window of one real cell


def test_relu_backward_is_zero_at_zero_and_matches_numerical_gradient():
    x = np.array([-1.0, 0.0, 1e-3, 2.0])
    np.testing.assert_array_equal(bp.relu_backward(np.ones(4), x), [0, 0, 1, 1])
    x = _rng().normal(size=(3, 4, 5))
    dout = _rng(1).normal(size=x.shape)
    numeric = bp.numerical_gradient(lambda v: np.sum(bp.relu_forward(v) * dout), x)
    assert bp.rel_error(bp.relu_backward(dout, x), numeric) < TOL


def test_softmax_is_stable_and_sums_to_one():
    p = bp.softmax(np.array([[1000.0, 999.0, -1000.0], [0.0, 0.0, 0.0]]))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)
    np.testing.assert_allclose(p[0, :2], [1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1))])


def test_softmax_cross_entropy_is_stable_for_large_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 0.0]])
    loss, dlogits = bp.softmax_cross_entropy(logits, [0, 1])
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(np.log(2) / 2)  # 0 for the first row, log 2 for the second
    loss, _ = bp.softmax_cross_entropy(logits, [2, 2])
    assert loss == pytest.approx((2000.0 + 1000.0 + np.log(2)) / 2)


def test_softmax_cross_entropy_gradient_matches_numerical_gradient():
    logits, labels = _rng().normal(size=(6, 5)) * 3, np.array([0, 4, 2, 2, 1, 3])
    _, dlogits = bp.softmax_cross_entropy(logits, labels)
    numeric = bp.numerical_gradient(lambda z: bp.softmax_cross_entropy(z, labels)[0], logits)
    assert bp.rel_error(dlogits, numeric) < TOL


def test_numerical_gradient_works_on_any_shape_and_restores_x():
    x = _rng().normal(size=(2, 3, 2))
    before = x.copy()
    np.testing.assert_allclose(bp.numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2)
    np.testing.assert_array_equal(x, before)
    assert bp.numerical_gradient(lambda v: v * 2, np.array(1.5)) == pytest.approx(2.0)


def test_rel_error_follows_cs231n():
    assert bp.rel_error([0.0], [0.0]) == 0.0
    assert bp.rel_error([1.0, 0.0], [3.0, 1e-9]) == pytest.approx(0.5)
    assert bp.rel_error([0.0], [1e-9]) == pytest.approx(0.1)  # floor of 1e-8


def test_sgd_steps():
    params, grads = {"w": np.array([1.0, 2.0])}, {"w": np.array([1.0, -1.0])}
    np.testing.assert_allclose(bp.sgd_step(params, grads, 0.5)["w"], [0.5, 2.5])
    p, v = bp.sgd_momentum_step(params, grads, None, lr=0.5, momentum=0.9)
    np.testing.assert_allclose(p["w"], [0.5, 2.5])
    p, v = bp.sgd_momentum_step(p, grads, v, lr=0.5, momentum=0.9)
    np.testing.assert_allclose(v["w"], [-0.95, 0.95])
    np.testing.assert_allclose(p["w"], [-0.45, 3.45])
    np.testing.assert_array_equal(params["w"], [1.0, 2.0])  # not changed in place


def test_tiny_cnn_gradients_match_numerical_gradients():
    # (a seed with no gradient entry below 1e-4: for tiny entries round-off alone in the
    # centred differences exceeds a relative error of 1e-7)
    rng = _rng(2)
    model = bp.TinyCNN((6, 6, 2), num_classes=3, filters=3, seed=2)
    x, y = rng.normal(size=(4, 6, 6, 2)), np.array([0, 1, 2, 1])
    _, grads = model.loss(x, y)
    for name, param in model.params.items():
        numeric = bp.numerical_gradient(lambda _: model.loss(x, y)[0], param)
        assert bp.rel_error(grads[name], numeric) < TOL, name


def test_tiny_cnn_learns_the_digits_quickly():
    from cnncourse import data

    (x_train, y_train), (x_test, y_test) = data.digits(size=8)
    model = bp.TinyCNN((8, 8, 1), num_classes=10, seed=0)
    start, before = time.perf_counter(), model.loss(x_train[:256], y_train[:256])[0]
    rng, velocity = _rng(), None
    for _ in range(100):
        batch = rng.choice(len(x_train), 32, replace=False)
        _, grads = model.loss(x_train[batch], y_train[batch])
        model.params, velocity = bp.sgd_momentum_step(model.params, grads, velocity, 0.05, 0.9)
    after = model.loss(x_train[:256], y_train[:256])[0]
    assert after < 0.5 * before
    assert model.accuracy(x_test, y_test) > 0.6  # chance is 0.1
    model, losses = bp.train_tiny_cnn(x_train, y_train, epochs=3)
    assert losses[-20:].mean() < losses[:5].mean()
    assert model.accuracy(x_test, y_test) > 0.9
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bp.conv2d_backward(np.ones((1, 3, 3, 2)), np.ones((1, 5, 5, 1)),
                                    np.ones((3, 3, 1, 1))),
         r"dout.*\(1, 3, 3, 1\).*\(1, 3, 3, 2\)"),
        (lambda: bp.conv2d_backward_naive(np.ones((3, 3)), np.ones((5, 5)), np.ones((3, 3)),
                                          padding="same"), r"dout.*\(5, 5\)"),
        (lambda: bp.conv2d_backward(np.ones((1, 1)), np.ones((5, 5, 2)), np.ones((3, 3))),
         "kernel"),
        (lambda: bp.conv2d_backward(np.ones((3, 3)), np.ones((5, 5)), np.ones((3, 3)),
                                    padding="middle"), "padding"),
        (lambda: bp.conv2d_backward(np.ones((3, 3)), np.ones((5, 5)), np.ones((3, 3)),
                                    stride=0), "stride"),
        (lambda: bp.max_pool2d_backward(np.ones((3, 3)), np.ones((4, 4))), r"dout.*\(2, 2\)"),
        (lambda: bp.avg_pool2d_backward(np.ones((2, 2)), np.ones((4, 4)), padding="full"),
         "padding"),
        (lambda: bp.max_pool2d_backward(np.ones((2, 2)), np.ones((4, 4)), pool_size=0),
         "pool_size"),
        (lambda: bp.relu_backward(np.ones(3), np.ones(4)), r"dout.*\(4,\)"),
        (lambda: bp.softmax_cross_entropy(np.ones((2, 3)), [0, 3]), "labels"),
        (lambda: bp.softmax_cross_entropy(np.ones((2, 3)), [0]), "labels"),
        (lambda: bp.softmax_cross_entropy(np.ones(3), [0]), "logits"),
        (lambda: bp.numerical_gradient(lambda v: v, np.ones(2)), "scalar"),
        (lambda: bp.numerical_gradient(np.sum, np.ones(2), eps=0), "eps"),
        (lambda: bp.numerical_gradient("f", np.ones(2)), "f must"),
        (lambda: bp.rel_error(np.ones(2), np.ones(3)), "same shape"),
        (lambda: bp.sgd_step({"w": np.ones(2)}, {"v": np.ones(2)}, 0.1), "grads"),
        (lambda: bp.sgd_step({"w": np.ones(2)}, {"w": np.ones(3)}, 0.1), r"grads\['w'\]"),
        (lambda: bp.sgd_step({"w": np.ones(2)}, {"w": np.ones(2)}, -1), "lr"),
        (lambda: bp.sgd_momentum_step({"w": 1.0}, {"w": 1.0}, None, 0.1, 1.0), "momentum"),
        (lambda: bp.sgd_momentum_step({"w": 1.0}, {"w": 1.0}, [1.0], 0.1), "velocity"),
        (lambda: bp.TinyCNN((8, 8), 10), "input_shape"),
        (lambda: bp.TinyCNN((8, 8, 1), 1), "num_classes"),
        (lambda: bp.TinyCNN((8, 8, 1), 10).forward(np.ones((2, 8, 8, 3))), r"x.*\(N, 8, 8, 1\)"),
        (lambda: bp.train_tiny_cnn(np.ones((4, 8, 8, 1)), [0, 1]), "y_train"),
    ],
)  # fmt: skip
def test_bad_arguments_raise_value_errors_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()

"""Datasets: shapes, labels, geometry, determinism given a seed, and the train/test split."""

import math
import random

import pytest

from autograd_tiny.data import make_circles, make_moons, make_spirals, make_xor, train_test_split

MAKERS = [make_moons, make_circles, make_spirals, make_xor]


@pytest.mark.parametrize("make", MAKERS)
def test_plain_lists_of_points_and_int_labels_same_for_same_seed(make):
    X, y = make(n=40, noise=0.1, seed=3)
    assert len(X) == len(y) == 40
    assert all(type(p) is list and len(p) == 2 and all(type(v) is float for v in p) for p in X)
    assert all(type(label) is int for label in y)
    assert make(n=40, noise=0.1, seed=3) == (X, y)
    assert make(n=40, noise=0.1, seed=4) != (X, y)
    assert make(n=40, noise=0.1, seed=random.Random(3)) == (X, y)
    random.seed(9)
    first = make(n=40, noise=0.1)
    random.seed(9)
    assert make(n=40, noise=0.1) == first


def test_moons_without_noise_lie_on_their_two_arcs_and_are_balanced():
    X, y = make_moons(n=101, noise=0.0, seed=0)
    assert y.count(0) == 50 and y.count(1) == 51
    for (a, b), label in zip(X, y):
        cx, cy = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - cx, b - cy) == pytest.approx(1.0)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = make_circles(n=30, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)


def test_spirals_have_k_classes_spread_evenly():
    X, y = make_spirals(n=100, classes=3, noise=0.0, seed=0)
    assert sorted(set(y)) == [0, 1, 2]
    assert sorted(y.count(k) for k in range(3)) == [33, 33, 34]
    assert max(math.hypot(*p) for p in X) == pytest.approx(1.0)


def test_xor_with_four_points_is_the_truth_table():
    X, y = make_xor(seed=0)
    truth_table = [((-1.0, -1.0), 0), ((-1.0, 1.0), 1), ((1.0, -1.0), 1), ((1.0, 1.0), 0)]
    assert sorted(zip(map(tuple, X), y)) == truth_table


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_moons(n=1), "make_moons: n must be an int >= 2"),
        (lambda: make_moons(noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: make_circles(factor=1.0), "factor must lie strictly between 0 and 1"),
        (lambda: make_spirals(n=10, classes=1), "classes must be an int from 2 to n=10"),
        (lambda: make_xor(n=0), "make_xor: n must be an int >= 1"),
    ],
)
def test_bad_arguments_raise_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_train_test_split_keeps_pairs_together_and_partitions_the_data():
    X = [[float(i), 0.0] for i in range(20)]
    y = list(range(20))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert len(X_test) == 5 and len(X_train) == 15
    assert all(p[0] == label for p, label in zip(X_train + X_test, y_train + y_test))
    assert sorted(y_train + y_test) == y
    assert train_test_split(X, y, test_fraction=0.25, seed=1) == (X_train, X_test, y_train, y_test)
    with pytest.raises(ValueError, match="X has 20 points but y has 3 labels"):
        train_test_split(X, y[:3])
    with pytest.raises(ValueError, match="test_fraction must lie in"):
        train_test_split(X, y, test_fraction=1.0)

"""Tests for cfcourse/validation.py and cfcourse/errors.py: one spelling per check."""

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from cfcourse.errors import (
    ColdStartError,
    NotFittedError,
    RatingsError,
    UnknownIdError,
)
from cfcourse.validation import (
    check_indices,
    check_is_fitted,
    check_non_negative_int,
    check_one_of,
    check_positive_int,
    check_real,
    check_y_range,
)


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_positive_int_accepts_integers(value):
    assert check_positive_int(value, "n") == int(value) and type(check_positive_int(value, "n")) is int


@pytest.mark.parametrize("value", [0, -2, 2.0, 2.5, True, None, "3", np.float32(3)])
def test_positive_int_refuses_everything_else(value):
    with pytest.raises(ValueError, match=rf"n must be a positive integer, got {value!r}\.".replace("(", r"\(").replace(")", r"\)")):
        check_positive_int(value, "n")


def test_positive_int_error_class_and_hint():
    with pytest.raises(RatingsError, match="n_users must be a positive integer, got 0; try 5"):
        check_positive_int(0, "n_users", hint="try 5", error=RatingsError)


def test_non_negative_int():
    assert check_non_negative_int(0, "seed") == 0
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        check_non_negative_int(-1, "seed")
    with pytest.raises(TypeError, match="seed must be a non-negative integer, got None"):
        check_non_negative_int(None, "seed")


@pytest.mark.parametrize(
    "value, kwargs, match",
    [
        (math.nan, {}, "lr must be a finite number, got nan"),
        (math.inf, {}, "lr must be a finite number, got inf"),
        (-0.1, dict(low=0), "lr must be a number >= 0, got -0.1"),
        (0.0, dict(low=0, low_inclusive=False), "lr must be a number > 0, got 0.0"),
        (1.5, dict(low=0, high=1), r"lr must be in \[0, 1\], got 1.5"),
        (1.0, dict(low=0, high=1, high_inclusive=False), r"lr must be in \[0, 1\), got 1.0"),
        (5.0, dict(high=1), "lr must be a number <= 1, got 5.0"),
    ],
)
def test_real_refuses_non_finite_and_out_of_range(value, kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_real(value, "lr", **kwargs)


@pytest.mark.parametrize("value", [True, "0.1", None, [0.1]])
def test_real_refuses_non_numbers(value):
    with pytest.raises(TypeError, match="lr must be a number"):
        check_real(value, "lr")


def test_real_returns_float():
    assert check_real(np.float32(0.5), "x", low=0, high=1) == 0.5
    assert type(check_real(2, "x")) is float


def test_one_of():
    assert check_one_of("warn", "unknown", ("warn", "error")) == "warn"
    with pytest.raises(ValueError, match=r"unknown must be one of \('warn', 'error'\), got 'skip'"):
        check_one_of("skip", "unknown", ("warn", "error"))
    with pytest.raises(ValueError, match="one of"):
        check_one_of(["warn"], "unknown", ("warn",))  # unhashable: still a clear error


@pytest.mark.parametrize(
    "y_range, match",
    [
        ((5.0, 1.0), "low < high"),
        ((1.0, 1.0), "low < high"),
        ((1.0,), "pair of numbers"),
        ("ab", "pair of numbers"),
        ((0.0, math.nan), "finite"),
        ((-math.inf, 5.5), "finite"),
    ],
)
def test_y_range(y_range, match):
    with pytest.raises(ValueError, match=match):
        check_y_range(y_range)
    assert check_y_range((0, 5.5)) == (0.0, 5.5)


def test_indices_numpy_and_torch_alike():
    np.testing.assert_array_equal(check_indices([0, 2], 3), [0, 2])
    assert check_indices(torch.tensor([0, 2], dtype=torch.int32), 3).dtype == torch.int64
    for idx in ([0, 5, 3, 5], torch.tensor([0, 5, 3, 5])):
        with pytest.raises(ValueError, match=r"user_idx must be ids in 0\.\.2 \(there are n=3 rows\); got out-of-range ids \[3, 5\]"):
            check_indices(idx, 3, "user_idx")
    with pytest.raises(ValueError, match="cfcourse.split.encode"):
        check_indices([7], 3, "user_idx", kind="user")
    with pytest.raises(TypeError, match=r"astype\(int\)"):
        check_indices([0.0, 1.0], 3)
    with pytest.raises(TypeError, match=r"\.long\(\)"):
        check_indices(torch.tensor([0.0]), 3)


def test_is_fitted():
    class Estimator:
        pass

    est = Estimator()
    with pytest.raises(NotFittedError, match=r"This Estimator is not fitted yet, so predict\(\) has nothing to use; call \.fit"):
        check_is_fitted(est, "model_", "predict")
    est.model_ = 1
    check_is_fitted(est, "model_", "predict")


def test_error_hierarchy_keeps_builtin_catches_working():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    assert issubclass(ColdStartError, UnknownIdError) and issubclass(UnknownIdError, KeyError)
    assert str(UnknownIdError("no quotes")) == "no quotes"


def test_old_import_paths_still_work():
    import cfcourse
    from cfcourse import factorization, ratings

    assert ratings.RatingsError is RatingsError and ratings.UnknownIdError is UnknownIdError
    assert factorization.NotFittedError is NotFittedError is cfcourse.NotFittedError


def test_light_modules_do_not_import_torch_or_factorization():
    code = (
        "import sys, cfcourse.validation, cfcourse.errors, cfcourse.baselines; "
        "print('torch' in sys.modules, 'cfcourse.factorization' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]

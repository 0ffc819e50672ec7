"""Input checks written once, in the spirit of ``sklearn.utils.validation``.

Every public function of the package checks its arguments with these, so "a
positive integer" or "a finite number in [0, inf)" is spelled (and explained)
the same way everywhere. Each returns the checked value in a canonical type
(``int``, ``float``, a tuple of floats, an integer array) or raises an error
from ``cfcourse.errors`` / the built-ins naming the argument, the value and
the fix. No torch import at module level; tensors are recognised by duck
typing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np

from cfcourse.errors import NotFittedError

__all__ = [
    "check_positive_int",
    "check_non_negative_int",
    "check_real",
    "check_one_of",
    "check_y_range",
    "check_y_range_for_scale",
    "check_indices",
    "check_scalar_id",
    "check_is_fitted",
]


def _fix(hint: str) -> str:
    return f"; {hint}" if hint else ""


def _is_tensor(x) -> bool:
    return type(x).__module__.startswith("torch")


def check_positive_int(value, name: str, *, hint: str = "", error: type[Exception] = ValueError) -> int:
    """``value`` as an ``int`` >= 1; ``bool``, floats and 0-d arrays of floats are refused.

    Parameters
    ----------
    value : object
    name : str
        The argument's name, used in the message.
    hint : str, optional
        How to fix it, appended to the message.
    error : exception class, default ValueError
        Raised on a bad value (e.g. ``RatingsError``).

    Returns
    -------
    int

    Examples
    --------
    >>> check_positive_int(3, "n")
    3
    >>> check_positive_int(True, "n")
    Traceback (most recent call last):
    ...
    ValueError: n must be a positive integer, got True.
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise error(f"{name} must be a positive integer, got {value!r}{_fix(hint)}.")
    return int(value)


def check_non_negative_int(value, name: str, *, hint: str = "") -> int:
    """``value`` as an ``int`` >= 0 (a seed, a count that may be zero); ``None`` and ``bool`` refused."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise (TypeError if not isinstance(value, Real) or isinstance(value, bool) else ValueError)(
            f"{name} must be a non-negative integer, got {value!r}{_fix(hint)}."
        )
    return int(value)


def check_real(
    value,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    hint: str = "",
) -> float:
    """``value`` as a finite ``float`` inside the given bounds.

    NaN and infinities are always refused (a NaN hyperparameter trains a NaN
    model silently), as are ``bool`` and non-numbers.

    Parameters
    ----------
    value : object
    name : str
    low, high : float or None
        Bounds; ``None`` leaves that side open.
    low_inclusive, high_inclusive : bool, default True
    hint : str, optional

    Returns
    -------
    float

    Examples
    --------
    >>> check_real(0.1, "lr", low=0, low_inclusive=False)
    0.1
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}{_fix(hint)}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}{_fix(hint)}.")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        if high is None:
            where = f"a number {'>=' if low_inclusive else '>'} {low:g}"
        elif low is None:
            where = f"a number {'<=' if high_inclusive else '<'} {high:g}"
        else:
            where = f"in {'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
        raise ValueError(f"{name} must be {where}, got {value!r}{_fix(hint)}.")
    return value


def check_one_of(value, name: str, options: Iterable) -> object:
    """``value`` if it is one of ``options``, else a ValueError listing them."""
    options = tuple(options)
    if not any(value is o or (type(value) is type(o) and value == o) for o in options):
        raise ValueError(f"{name} must be one of {options}, got {value!r}.")
    return value


def check_y_range(y_range, name: str = "y_range", *, example: str = "(0.0, 5.5)") -> tuple[float, float]:
    """A sigmoid's range: a pair of finite numbers ``(low, high)`` with ``low < high``.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> check_y_range((0, 5.5))
    (0.0, 5.5)
    """
    try:
        low, high = (float(v) for v in y_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a pair of numbers (low, high), got {y_range!r}; pass e.g. {name}={example}."
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name} must be finite numbers, got {y_range!r}; pass e.g. {name}={example}.")
    if not low < high:
        raise ValueError(f"{name} needs low < high, got low={low}, high={high}; pass e.g. {name}={example}.")
    return low, high


def check_y_range_for_scale(y_range, scale) -> tuple[float, float]:
    """The sigmoid's range for a rating ``scale``: ``y_range`` checked to reach beyond it, or derived.

    ``None`` widens the scale by a ninth of its width on each side (a sigmoid
    only reaches its bounds at infinity): ``(0.0, 5.5)`` for ``(0.5, 5.0)``.

    Examples
    --------
    >>> check_y_range_for_scale(None, (0.5, 5.0))
    (0.0, 5.5)
    """
    low, high = check_y_range(scale, "scale", example="(0.5, 5.0)")
    margin = (high - low) / 9
    if y_range is None:
        return low - margin, high + margin
    y_low, y_high = check_y_range(y_range)
    if y_low >= low or y_high <= high:
        raise ValueError(
            f"y_range={y_range!r} must reach a little beyond the rating scale [{low}, {high}] (a sigmoid "
            f"only reaches its bounds at infinity); use e.g. y_range=({low - margin:g}, {high + margin:g}) "
            "or leave y_range=None."
        )
    return y_low, y_high


def check_indices(idx, n: int, name: str = "idx", *, kind: str | None = None):
    """Integer indices, every one in ``0 .. n-1``; returned as an int64 array (or long tensor).

    Parameters
    ----------
    idx : array-like or Tensor of int
    n : int
        Number of rows the indices point into.
    name : str
        The argument's name, used in the message.
    kind : str, optional
        "user" or "item": the message then explains how to encode raw ids
        (``cfcourse.split.encode``) and size the model.

    Returns
    -------
    ndarray of int64 (or a torch long tensor if ``idx`` is a tensor), same shape

    Raises
    ------
    TypeError
        Non-integer dtype.
    ValueError
        Indices outside ``0 .. n-1``; the message lists them.
    """
    tensor = _is_tensor(idx)
    if tensor:
        integer = not (idx.dtype.is_floating_point or idx.dtype.is_complex or str(idx.dtype) == "torch.bool")
    else:
        idx = np.asarray(idx)
        integer = np.issubdtype(idx.dtype, np.integer)
    if not integer:
        fix = f"{name}.long()" if tensor else f"{name}.astype(int)"
        raise TypeError(
            f"{name} must hold integer ids, got dtype {idx.dtype}; convert with {fix} "
            "(indices, not raw ids: see cfcourse.split.encode)."
        )
    bad = (idx < 0) | (idx >= n)
    if bool(bad.any()):
        bad_ids = sorted({int(v) for v in idx[bad].reshape(-1).tolist()})
        fix = (
            f"Encode raw ids to contiguous indices with cfcourse.split.encode, and build the model with "
            f"n_{kind}s equal to the number of distinct {kind}s."
            if kind
            else "Map raw ids to consecutive indices 0..n-1 first."
        )
        raise ValueError(
            f"{name} must be ids in 0..{n - 1} (there are n={n} rows); got out-of-range ids {bad_ids[:10]}. {fix}"
        )
    return idx.long() if tensor else idx.astype(np.int64, copy=False)


def check_scalar_id(value, what: str, method: str) -> None:
    """Refuse a list/array where one id is expected (``recommend([1])``), saying how to ask for several."""
    if isinstance(value, (list, tuple, set, dict)) or getattr(value, "ndim", 0) != 0:
        raise TypeError(
            f"{method}() takes one {what} (e.g. {method}(1)), got {type(value).__name__} {value!r}; "
            f"for several, loop: {{x: model.{method}(x) for x in ids}}."
        )


def check_is_fitted(estimator, attribute: str, method: str | None = None) -> None:
    """Raise ``NotFittedError`` unless ``estimator`` has ``attribute`` (set by ``fit``).

    Parameters
    ----------
    estimator : object
    attribute : str
        A learned attribute, e.g. ``"model_"``.
    method : str, optional
        The method that was called, for the message.
    """
    if not hasattr(estimator, attribute):
        what = f", so {method}() has nothing to use" if method else ""
        raise NotFittedError(
            f"This {type(estimator).__name__} is not fitted yet{what}; call .fit(ratings) first."
        )

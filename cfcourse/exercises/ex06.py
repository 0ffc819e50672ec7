"""Exercises of notebooks/06_sigmoid_range.ipynb: the scaled sigmoid, its slope, and why 5.5.

In the notebook::

    from cfcourse.exercises import ____, ex06

    def sigmoid_range(x, low, high):
        return ____

    ex06.q1.check(sigmoid_range)
"""

from numbers import Real

import numpy as np

from cfcourse.exercises import Exercise, call, expect_close, expect_type

NOTEBOOK = "06_sigmoid_range.ipynb"

X = np.array([-3.0, -0.5, 0.0, 1.0, 4.0])
"""Where the functions are checked: both tails and the middle."""

RANGES = [(1.0, 4.0), (0.0, 5.5), (0.5, 5.0), (-1.0, 1.0)]
"""Checked in this order: low != 0, high != 5 and high - low != 5 first, so every typical mistake differs there."""


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_range(x, low, high):
    return low + (high - low) / (1 + np.exp(-x))


def _check_sigmoid_range(answer):
    for low, high in RANGES:
        s = _sigmoid(X)
        expect_close(
            call(answer, X, low, high),
            sigmoid_range(X, low, high),
            name=f"sigmoid_range(x, {low:g}, {high:g})",
            hints=[
                (s, "that is the plain sigmoid, between 0 and 1: stretch it by (high - low) and shift it by low"),
                (5 * s, "the range is hard-coded to (0, 5): use the low and high you are given"),
                (5.5 * s, "the range is hard-coded to (0, 5.5): use the low and high you are given"),
                ((high - low) * s, "the low offset is missing: at very negative x the prediction should approach low, not 0"),
                (low + high * s, "the stretch should be the width of the range, high - low, not high"),
                (high * s, "that runs from 0 to high: stretch by (high - low), then add low"),
            ],
        )  # fmt: skip
    return "low + (high - low) * sigmoid(x) is the sigmoid stretched to the width of the range and shifted to start at low."


q1 = Exercise(
    "The scaled sigmoid",
    notebook=NOTEBOOK,
    section="2. Scaling the sigmoid into the rating range",
    task="Write `sigmoid_range(x, low, high)` for a numpy array `x`: squash `x` into `(low, high)` "
    "with a sigmoid. It is checked at several ranges, not only (0, 5.5).",
    reference=sigmoid_range,
    kind="function",
    checker=_check_sigmoid_range,
    hint="`1 / (1 + np.exp(-x))` lies between 0 and 1. Stretch it to the width `high - low`, then shift it up by `low`.",
    mistakes=[
        ("plain sigmoid, no scaling", lambda x, low, high: 1 / (1 + np.exp(-x))),
        ("range hard-coded to (0, 5)", lambda x, low, high: 5 / (1 + np.exp(-x))),
        ("forgot the low offset", lambda x, low, high: (high - low) / (1 + np.exp(-x))),
        ("stretched by high, not the width", lambda x, low, high: low + high / (1 + np.exp(-x))),
        ("range hard-coded to (0, 5.5)", lambda x, low, high: 5.5 / (1 + np.exp(-x))),
        ("from 0 to high", lambda x, low, high: high / (1 + np.exp(-x))),
    ],
)


def sigmoid_range_derivative(x, low, high):
    s = 1 / (1 + np.exp(-x))
    return (high - low) * s * (1 - s)


def _check_derivative(answer):
    for low, high in RANGES:
        s = _sigmoid(X)
        scaled = sigmoid_range(X, low, high)
        expect_close(
            call(answer, X, low, high),
            sigmoid_range_derivative(X, low, high),
            name=f"sigmoid_range_derivative(x, {low:g}, {high:g})",
            hints=[
                (s * (1 - s), "that is the slope of the plain sigmoid: the chain rule multiplies it by the stretch (high - low)"),
                (scaled * (1 - scaled), "sigmoid(x) * (1 - sigmoid(x)) uses the plain sigmoid, between 0 and 1, not the scaled prediction"),
                (high * s * (1 - s), "the stretch is the width of the range, high - low; low only shifts the curve and has no slope"),
                ((high - low) * s, "the slope of the sigmoid is sigmoid(x) * (1 - sigmoid(x)), not sigmoid(x)"),
                (low + (high - low) * s * (1 - s), "low shifts the curve up but does not change its slope: drop the + low"),
            ],
        )  # fmt: skip
    return "(high - low) * sigmoid(x) * (1 - sigmoid(x)): the sigmoid's slope, stretched with the curve."


q2 = Exercise(
    "The slope of the scaled sigmoid",
    notebook=NOTEBOOK,
    section="3. Why 5.5 and not 5",
    task="Write `sigmoid_range_derivative(x, low, high)`: the derivative of `low + (high - low) * sigmoid(x)` "
    "with respect to `x`, for a numpy array `x`.",
    reference=sigmoid_range_derivative,
    kind="function",
    checker=_check_derivative,
    hint="The sigmoid's own slope is `sigmoid(x) * (1 - sigmoid(x))`. Adding `low` changes no slope; "
    "multiplying by `high - low` multiplies the slope too.",
    mistakes=[
        ("forgot the (high - low) factor", lambda x, low, high: _sigmoid(x) * (1 - _sigmoid(x))),
        ("used the scaled prediction in s(1 - s)",
         lambda x, low, high: (low + (high - low) * _sigmoid(x)) * (1 - low - (high - low) * _sigmoid(x))),
        ("stretched by high", lambda x, low, high: high * _sigmoid(x) * (1 - _sigmoid(x))),
        ("kept the + low", lambda x, low, high: low + (high - low) * _sigmoid(x) * (1 - _sigmoid(x))),
    ],
)  # fmt: skip


def x_for_a_prediction():
    low, high, y = 0.0, 5.0, 4.99
    return float(np.log((y - low) / (high - y)))


def _check_x(answer):
    expect_type(answer, Real, what="a number")
    y = 4.99
    expect_close(
        answer,
        np.log(y / (5.0 - y)),
        name="x",
        rtol=1e-3,
        hints=[
            (np.log(y / (5.5 - y)), "that is the x for the range (0, 5.5); the question asks about (0, 5)"),
            (y / 5.0, "that is s, the sigmoid's output; invert the sigmoid too: x = log(s / (1 - s))"),
            (np.log(y / 5.0), "x = log(s / (1 - s)), not log(s)"),
        ],
    )  # fmt: skip
    return f"x = log(4.99 / 0.01) = {np.log(y / (5.0 - y)):.2f}; with (0, 5.5) it would be only {np.log(y / 0.51):.2f}."


q3 = Exercise(
    "How far out is 4.99?",
    notebook=NOTEBOOK,
    section="3. Why 5.5 and not 5",
    task="With `y_range = (0, 5)`, which `x` makes `sigmoid_range(x, 0, 5)` equal to 4.99? Replace `____` "
    "with the number (compute it with numpy).",
    reference=x_for_a_prediction,
    checker=_check_x,
    hint="Undo the steps in reverse: `s = (y - low) / (high - low)` is the sigmoid's output, and the sigmoid "
    "gives `s` at `x = log(s / (1 - s))`.",
    mistakes=[
        ("used the range (0, 5.5)", float(np.log(4.99 / 0.51))),
        ("stopped at s", 4.99 / 5.0),
        ("log(s)", float(np.log(4.99 / 5.0))),
        ("a string", "5.29"),
    ],
)

"""Exercises of notebooks/06_sigmoid_range.ipynb: another squashing curve, a range for another scale, a slope.

In the notebook::

    from cfcourse.exercises import ____, ex06

    def tanh_range(x, low, high):
        return ____

    ex06.q1.check(tanh_range)
"""

from numbers import Real

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, expect_type

NOTEBOOK = "06_sigmoid_range.ipynb"

X = np.array([-3.0, -0.5, 0.0, 1.0, 4.0])
"""Where the functions are checked: both tails and the middle."""

RANGES = [(1.0, 4.0), (0.0, 5.5), (0.5, 5.0), (-1.0, 1.0)]
"""Checked in this order: low != 0, high != 5 and high - low != 5 first, so every typical mistake differs there."""


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def tanh_range(x, low, high):
    return low + (high - low) * (np.tanh(x) + 1) / 2


q1 = Exercise(
    "Another S-curve: tanh",
    notebook=NOTEBOOK,
    section="2. Scaling the sigmoid into the rating range",
    task="`np.tanh` is another smooth S-shaped curve, but it runs from -1 to 1, not from 0 to 1. Write "
    "`tanh_range(x, low, high)` for a numpy array `x`: squash `x` into `(low, high)` with `np.tanh` instead of "
    "the sigmoid. It is checked at several ranges, not only (0, 5.5).",
    reference=tanh_range,
    kind="function",
    hint="`sigmoid_range` stretches a curve that runs from 0 to 1. Turn tanh's (-1, 1) into (0, 1) first; "
    "what is left is the same stretch and shift.",
    cases=[Case(f"tanh_range(x, {low:g}, {high:g})", X, low, high) for low, high in RANGES],
    praise="(tanh(x) + 1) / 2 runs from 0 to 1 (it is the sigmoid of 2x); then the same stretch by "
    "(high - low) and shift by low.",
    mistakes=[
        Mistake("plain tanh", lambda x, low, high: np.tanh(x),
                "that is tanh itself, between -1 and 1: bring it into (low, high)"),
        Mistake("stretched tanh without the shift by 1", lambda x, low, high: low + (high - low) * np.tanh(x),
                "tanh runs from -1, so low + (high - low) * tanh(x) reaches down to low - (high - low): move tanh "
                "up by 1 and halve it first, so it runs from 0 to 1"),
        Mistake("shifted by 1 but not halved", lambda x, low, high: low + (high - low) * (np.tanh(x) + 1),
                "tanh(x) + 1 runs from 0 to 2, so that reaches up to low + 2 * (high - low): halve it"),
        Mistake("forgot the low offset", lambda x, low, high: (high - low) * (np.tanh(x) + 1) / 2,
                "the low offset is missing: at very negative x the prediction should approach low, not 0"),
        Mistake("stretched by high", lambda x, low, high: low + high * (np.tanh(x) + 1) / 2,
                "the stretch should be the width of the range, high - low, not high"),
        Mistake("the sigmoid after all", lambda x, low, high: low + (high - low) * _sigmoid(x),
                "that is sigmoid_range, with the sigmoid: the task is to build it from np.tanh"),
    ],
)  # fmt: skip


def range_for_ten_stars():
    return (0.5, 10.5)


SCALE = (1, 10)
"""The other site's rating scale: whole stars from 1 to 10."""
MARGIN = 1.5
"""How far beyond each end of the scale a range may reach and still be "a little wider"."""

ON_THE_BOUNDS = Mistake("the scale itself", (1, 10),
                        "the sigmoid never reaches its bounds: with the scale itself as the range, 1 and 10 stars "
                        "need x = -infinity and +infinity, where the slope is 0. Leave room beyond both ends")
NO_ROOM_BELOW = Mistake("room only at the top", (1, 11),
                        "1 star, the lowest rating, sits on the lower bound, which the sigmoid never reaches: "
                        "leave room below 1 too")
NO_ROOM_ABOVE = Mistake("room only at the bottom", (0, 10),
                        "10 stars sits on the upper bound, which the sigmoid never reaches: leave room above 10, "
                        "as (0, 5.5) does above 5")
MOVIELENS = Mistake("MovieLens's range", (0, 5.5),
                    "(0, 5.5) is the range for MovieLens's 0.5 to 5 stars; this site's scale runs from 1 to 10")
TOO_WIDE = Mistake("far too wide", (0, 20),
                   "a range much wider than the scale lets the model predict ratings nobody can give (far above "
                   "10): keep it a little wider than the scale, about one star beyond each end")
NOT_A_RANGE = "a range is two numbers, (low, high), with low below high"


def _check_range(answer):
    # Hand-written because many ranges are right (a rule, not a value): any (low, high) a little wider than
    # 1 to 10 at both ends. Each wrong kind of range gets the message of its record.
    expect_type(answer, (tuple, list), name="your range", what="a pair (low, high)")
    if len(answer) != 2 or not all(isinstance(v, Real) and not isinstance(v, bool) for v in answer):
        raise Incorrect(f"your range is {answer!r}: {NOT_A_RANGE}")
    low, high = (float(v) for v in answer)
    if not low < high:
        raise Incorrect(f"your range is {answer!r}: {NOT_A_RANGE}")
    if (low, high) == MOVIELENS.answer:
        raise Incorrect(MOVIELENS.says)
    if low >= SCALE[0] and high <= SCALE[1]:
        raise Incorrect(ON_THE_BOUNDS.says)
    if low >= SCALE[0]:
        raise Incorrect(NO_ROOM_BELOW.says)
    if high <= SCALE[1]:
        raise Incorrect(NO_ROOM_ABOVE.says)
    if SCALE[0] - low > MARGIN or high - SCALE[1] > MARGIN:
        raise Incorrect(TOO_WIDE.says)
    return (f"({low:g}, {high:g}) reaches 1 and 10 stars at moderate x, with a healthy slope, as (0, 5.5) "
            "does for 0.5 to 5 stars.")


q2 = Exercise(
    "A range for another scale",
    notebook=NOTEBOOK,
    section="3. Why 5.5 and not 5",
    task="Another site rates movies in whole stars from 1 to 10. Which `y_range` would you give its model? "
    "Answer with a pair `(low, high)`, and be ready to say why, with the argument of this section.",
    reference=range_for_ten_stars,
    checker=_check_range,
    accepts=f"any (low, high) with room beyond both ends of 1 to 10, at most {MARGIN} beyond each: "
    "(0.5, 10.5), (0, 11), (0.5, 11)...",
    hint="Which ratings could a model with `y_range = (1, 10)` never predict? How much room does (0, 5.5) leave "
    "around MovieLens's 0.5 to 5 stars?",
    mistakes=[ON_THE_BOUNDS, NO_ROOM_BELOW, NO_ROOM_ABOVE, MOVIELENS, TOO_WIDE],
)


def slope_at_five_stars():
    low, high, y = 0.0, 5.5, 5.0
    s = (y - low) / (high - low)
    return float((high - low) * s * (1 - s))


q3 = Exercise(
    "How steep is it at 5 stars?",
    notebook=NOTEBOOK,
    section="3. Why 5.5 and not 5",
    task="With `y_range = (0, 5.5)`, how steep is the curve where it predicts exactly 5 stars? Give the slope "
    "of `sigmoid_range(x, 0, 5.5)` at the `x` that gives 5 stars, as a number (two decimals are enough), "
    "and compare it with the slopes printed above.",
    reference=slope_at_five_stars,
    answer_type=Real,
    answer_what="a number",
    answer_name="the slope",
    atol=0.005,  # "two decimals are enough": 0.45 and 0.4545 alike (the exact slope is 5/11 = 0.4545...)
    rtol=0.0,
    praise="5.5 * s * (1 - s) with s = 5 / 5.5: 0.45, still about a third of the steepest slope, 5.5 / 4. "
    "With (0, 5) it would be 0.",
    hint="Two steps you have already seen: the `x` a prediction needs (the table above), then the slope of "
    "the scaled sigmoid at that `x`.",
    mistakes=[
        Mistake("the plain sigmoid's slope", float((5 / 5.5) * (0.5 / 5.5)),
                "that is the slope of the plain sigmoid, s * (1 - s); the scaled curve is (high - low) times as steep"),
        Mistake("the slope at 4.99 stars", 0.4627,
                "that is the slope at 4.99 stars, printed above; the question asks where the prediction is exactly 5"),
        Mistake("the x, not the slope", float(np.log(10)),
                "that is the x at which the curve predicts 5 stars; the question asks for the slope there"),
        Mistake("the steepest slope", 5.5 / 4,
                "that is the slope in the middle of the range (2.75 stars), the steepest; the question asks "
                "where the curve predicts 5 stars"),
        Mistake("the range (0, 5)", 0.0,
                "with (0, 5) the slope at 5 stars is 0 (x would be infinite); the question asks about (0, 5.5)"),
    ],
)

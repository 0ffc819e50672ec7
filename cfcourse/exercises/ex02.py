"""Exercises of notebooks/02_matrix_multiplication.ipynb: shapes, and the table of predictions.

In the notebook::

    from cfcourse.exercises import ____, ex02

    answer = ____
    ex02.q1.check(answer)
"""

from numbers import Integral

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, judge

NOTEBOOK = "02_matrix_multiplication.ipynb"


def shape_of_a_times_b_transposed():
    a_shape, b_shape = (610, 10), (9742, 10)  # b.T has shape (10, 9742)
    return (a_shape[0], b_shape[0])


NOT_A_TUPLE = "a shape is a tuple of whole numbers in round brackets, like (2, 2), as numpy's `.shape` gives it"
SHAPE_MISTAKES = [
    Mistake("the other way round", (9742, 610),
            "that is the shape of b @ a.T: the rows of the result come from the left matrix, a"),
    Mistake("kept the inner size", (10, 10), "the inner size 10 is the one that disappears; keep the outer sizes"),
    Mistake("a's own shape", (610, 10),
            "that is a's own shape; the columns of the result come from b.T, which has 9742 columns"),
    Mistake("b.T's shape", (10, 9742), "that is the shape of b.T; the rows of the result come from a"),
    Mistake("three sizes", (610, 10, 9742),
            "a matrix product is a table: two sizes, the rows of a and the columns of b.T"),
]
A_LIST = Mistake("a list, not a tuple", [610, 9742], NOT_A_TUPLE)
A_STRING = Mistake("a string", "(610, 9742)", "that is text (in quotes); write the tuple itself, without quotes")


def _check_shape(answer):
    # Hand-written for one rule the generic checker has no record for: the answer must be a tuple of
    # whole numbers (a shape is what `.shape` returns; a list or (610.0, 9742.0) is not one).
    if isinstance(answer, str):
        raise Incorrect(f"your answer is {answer!r}: {A_STRING.says}")
    judge_mistakes = SHAPE_MISTAKES
    if not isinstance(answer, tuple) or not all(isinstance(d, Integral) and not isinstance(d, bool) for d in answer):
        if isinstance(answer, (tuple, list)) and any(_same(answer, m.answer) for m in judge_mistakes):
            judge(tuple(answer), shape_of_a_times_b_transposed, judge_mistakes)  # name the mistake first
        raise Incorrect(f"your answer is {answer!r}: {NOT_A_TUPLE}")
    judge(answer, shape_of_a_times_b_transposed, judge_mistakes)
    return "(610, 10) @ (10, 9742): the inner 10s agree and disappear, leaving (610, 9742)."


def _same(answer, wrong):
    return len(answer) == len(wrong) and all(a == w for a, w in zip(answer, wrong))


q1 = Exercise(
    "The shape of a @ b.T",
    notebook=NOTEBOOK,
    section="3. The rule that makes shapes line up",
    task="`a` has shape (610, 10) and `b` has shape (9742, 10). Replace `____` with the shape of "
    "`a @ b.T`, as a tuple like `(2, 2)`. Work it out before you try it.",
    reference=shape_of_a_times_b_transposed,
    checker=_check_shape,
    hint="First write the shape of `b.T` (the transpose swaps the two sizes), then apply "
    "(n, k) @ (k, p) -> (n, p).",
    mistakes=[*SHAPE_MISTAKES, A_LIST, A_STRING],
)


def predict_table(user_factors, item_factors):
    return user_factors @ item_factors.T


q2 = Exercise(
    "The table of predictions",
    notebook=NOTEBOOK,
    section="5. From two matrices to a ratings table",
    task="Write `predict_table(user_factors, item_factors)`: `user_factors` has shape (n_users, n_factors), "
    "`item_factors` has shape (n_items, n_factors); return the (n_users, n_items) table whose cell "
    "[u, i] is user u's row dotted with movie i's row.",
    reference=predict_table,
    kind="function",
    hint="Both matrices have the factors as columns. One of them must be transposed so that the "
    "inner sizes agree; which one, if users are to be the rows?",
    cases=[
        # A square case first: every typical mistake then gives a table of numbers we can recognise.
        Case("predict_table(user_factors, item_factors)", np.array([[1.0, 2.0], [3.0, -1.0]]),
             np.array([[0.5, 4.0], [2.0, 1.0]])),
        # Then the real shapes: 3 users, 4 movies, 2 factors.
        Case("predict_table of 3 users and 4 movies", np.arange(6.0).reshape(3, 2) - 2,
             np.arange(8.0).reshape(4, 2) / 4),
    ],
    praise="user_factors @ item_factors.T has one row per user and one column per movie, like the ratings table.",
    mistakes=[
        Mistake("forgot the transpose", lambda user_factors, item_factors: user_factors @ item_factors,
                "item_factors needs the transpose: each movie is a row, and @ pairs the rows of the left matrix "
                "with the columns of the right one"),
        Mistake("multiplied elementwise", lambda user_factors, item_factors: user_factors * item_factors,
                "that multiplies entry by entry (*); a prediction is a dot product: multiply along a row and "
                "add up, which is what @ does"),
        Mistake("movies as rows", lambda user_factors, item_factors: item_factors @ user_factors.T,
                "that is the table turned over: users must be the rows, so user_factors goes on the left"),
        Mistake("transposed the users", lambda user_factors, item_factors: user_factors.T @ item_factors,
                "that transposes the wrong matrix: keep users as rows, transpose the movies"),
        Mistake("forgot to return", lambda user_factors, item_factors: None,
                "did you forget to `return` the result?"),
    ],
)  # fmt: skip

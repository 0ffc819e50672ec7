"""Exercises of notebooks/02_matrix_multiplication.ipynb: shapes, and the table of predictions.

In the notebook::

    from cfcourse.exercises import ____, ex02

    answer = ____
    ex02.q1.check(answer)
"""

from numbers import Integral

import numpy as np

from cfcourse.exercises import Exercise, Incorrect, call, expect_close

NOTEBOOK = "02_matrix_multiplication.ipynb"


def shape_of_a_times_b_transposed():
    a_shape, b_shape = (610, 10), (9742, 10)  # b.T has shape (10, 9742)
    return (a_shape[0], b_shape[0])


def _check_shape(answer):
    if not isinstance(answer, (tuple, list)) or not all(
        isinstance(d, Integral) and not isinstance(d, bool) for d in answer
    ):
        raise Incorrect(f"write the shape as a tuple of whole numbers, like (2, 2); got {answer!r}")
    expect_close(
        answer,
        (610, 9742),
        name="your answer",
        hints=[
            ((9742, 610), "that is the shape of b @ a.T: the rows of the result come from the left matrix, a"),
            ((610, 10), "that is a's own shape; the columns of the result come from b.T, which has 9742 columns"),
            ((10, 10), "the inner size 10 is the one that disappears; keep the outer sizes"),
            ((10, 9742), "that is the shape of b.T; the rows of the result come from a"),
        ],
        shape_hints={(3,): "a matrix product is a table: two sizes, the rows of a and the columns of b.T"},
    )
    return "(610, 10) @ (10, 9742): the inner 10s agree and disappear, leaving (610, 9742)."


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
    mistakes=[
        ("the other way round", (9742, 610)),
        ("kept the inner size", (10, 10)),
        ("a's own shape", (610, 10)),
        ("three sizes", (610, 10, 9742)),
        ("a string", "(610, 9742)"),
    ],
)


def predict_table(user_factors, item_factors):
    return user_factors @ item_factors.T


def _check_predict_table(answer):
    # A square case first: every typical mistake then gives a table of numbers we can recognise.
    users = np.array([[1.0, 2.0], [3.0, -1.0]])
    items = np.array([[0.5, 4.0], [2.0, 1.0]])
    expect_close(
        call(answer, users, items),
        users @ items.T,
        name="predict_table(user_factors, item_factors)",
        hints=[
            (users * items, "that multiplies entry by entry (*); a prediction is a dot product: "
                            "multiply along a row and add up, which is what @ does"),
            (users @ items, "item_factors needs the transpose: each movie is a row, and @ pairs the rows "
                            "of the left matrix with the columns of the right one"),
            (items @ users.T, "that is the table turned over: users must be the rows, "
                              "so user_factors goes on the left"),
            (users.T @ items, "that transposes the wrong matrix: keep users as rows, transpose the movies"),
        ],
    )  # fmt: skip
    # Then the real shapes: 3 users, 4 movies, 2 factors.
    users = np.arange(6.0).reshape(3, 2) - 2
    items = np.arange(8.0).reshape(4, 2) / 4
    expect_close(
        call(answer, users, items),
        users @ items.T,
        name="predict_table of 3 users and 4 movies",
        shape_hints={(4, 3): "the table has one row per user: put user_factors on the left of @"},
    )
    return "user_factors @ item_factors.T has one row per user and one column per movie, like the ratings table."


q2 = Exercise(
    "The table of predictions",
    notebook=NOTEBOOK,
    section="5. From two matrices to a ratings table",
    task="Write `predict_table(user_factors, item_factors)`: `user_factors` has shape (n_users, n_factors), "
    "`item_factors` has shape (n_items, n_factors); return the (n_users, n_items) table whose cell "
    "[u, i] is user u's row dotted with movie i's row.",
    reference=predict_table,
    kind="function",
    checker=_check_predict_table,
    hint="Both matrices have the factors as columns. One of them must be transposed so that the "
    "inner sizes agree; which one, if users are to be the rows?",
    mistakes=[
        ("forgot the transpose", lambda user_factors, item_factors: user_factors @ item_factors),
        ("multiplied elementwise", lambda user_factors, item_factors: user_factors * item_factors),
        ("movies as rows", lambda user_factors, item_factors: item_factors @ user_factors.T),
        ("transposed the users", lambda user_factors, item_factors: user_factors.T @ item_factors),
        ("forgot to return", lambda user_factors, item_factors: None),
    ],
)

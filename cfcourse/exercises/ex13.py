"""Exercises of notebooks/13_scaling_up_and_out.ipynb: one ALS solve, and the rows a batch touches.

In the notebook::

    from cfcourse.exercises import ____, ex13

    def solve_user(item_factors, ratings, reg):
        return ____

    ex13.q1.check(solve_user)
"""

import numpy as np

from cfcourse.exercises import Exercise, Incorrect, call, expect_close

NOTEBOOK = "13_scaling_up_and_out.ipynb"


def solve_user(item_factors, ratings, reg):
    x = np.asarray(item_factors, dtype=float)
    y = np.asarray(ratings, dtype=float)
    return np.linalg.solve(x.T @ x + reg * len(y) * np.eye(x.shape[1]), x.T @ y)


def _check_solve(answer):
    rng = np.random.default_rng(13)
    for n, k, reg in [(6, 3, 0.1), (4, 2, 0.5), (9, 3, 0.05)]:
        x = rng.normal(size=(n, k))
        y = rng.uniform(0.5, 5.0, size=n)
        got = np.asarray(call(answer, x.copy(), y.copy(), reg), dtype=float)
        if got.shape != (k,):
            raise Incorrect(
                f"solve_user with {n} rated movies and {k} factors should return the user's {k} factors, "
                f"got shape {got.shape}: solve the k x k system (X^T X + ...), not the n x n one"
            )
        expect_close(
            got,
            solve_user(x, y, reg),
            name=f"solve_user(X of shape {x.shape}, ratings, reg={reg})",
            hints=[
                (np.linalg.solve(x.T @ x, x.T @ y), "that is plain least squares: add reg * len(ratings) * I to X^T X"),
                (np.linalg.solve(x.T @ x + reg * np.eye(k), x.T @ y),
                 "the penalty is reg per rating: reg * len(ratings) * I, as Spark's regParam"),
            ],
        )  # fmt: skip
    return "(X^T X + reg * n * I) w = X^T y: the user's exact best row with the movies held fixed."


q1 = Exercise(
    "One ALS half-step for one user",
    notebook=NOTEBOOK,
    section="4. ALS: the same equation, another optimiser",
    task="Write `solve_user(item_factors, ratings, reg)`: `item_factors` is the (n, k) array of the movies the user "
    "rated, `ratings` their n ratings; return the user's k factors minimising "
    "`|ratings - item_factors @ w|^2 + reg * n * |w|^2`.",
    reference=solve_user,
    kind="function",
    checker=_check_solve,
    hint="`np.linalg.solve(X.T @ X + reg * len(ratings) * np.eye(k), X.T @ ratings)`.",
    mistakes=[
        ("no penalty", lambda x, y, reg: np.linalg.lstsq(np.asarray(x), np.asarray(y), rcond=None)[0]),
        ("penalty not scaled by n", lambda x, y, reg: np.linalg.solve(x.T @ x + reg * np.eye(x.shape[1]), x.T @ y)),
    ],
)


def rows_touched(user_idx, item_idx):
    return len(np.unique(user_idx)) + len(np.unique(item_idx))


def _check_rows(answer):
    for users, items in [([0, 3, 3, 7], [5, 5, 5, 1]), ([2, 2, 2], [0, 1, 2]), ([1, 4, 9, 4, 1], [8, 6, 8, 6, 3])]:
        expect_close(
            call(answer, np.array(users), np.array(items)),
            rows_touched(users, items),
            name=f"rows_touched({users}, {items})",
            hints=[
                (len(users) + len(items), "a user or movie that appears twice in a batch is still one row: count distinct ids"),
                (len(np.unique(users)), "the movies' rows are updated too: add the distinct movies"),
                (len(np.unique(users + items)), "users and movies live in different tables: count them separately"),
            ],
        )  # fmt: skip
    return "distinct users plus distinct movies: the rows fit_fast gathers, updates and writes back."


q2 = Exercise(
    "Rows a batch touches",
    notebook=NOTEBOOK,
    section="1. Where the time goes",
    task="Write `rows_touched(user_idx, item_idx)`: given a batch's user and movie indices (numpy arrays), return how "
    "many table rows (user rows plus movie rows) a row-sparse step updates.",
    reference=rows_touched,
    kind="function",
    checker=_check_rows,
    hint="`len(np.unique(user_idx)) + len(np.unique(item_idx))`.",
    mistakes=[
        ("duplicates counted", lambda u, i: len(u) + len(i)),
        ("users only", lambda u, i: len(np.unique(u))),
    ],
)

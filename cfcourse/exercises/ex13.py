"""Exercises of notebooks/13_scaling_up_and_out.ipynb: where the time goes (q1), and one ALS solve (q2).

In the notebook::

    from cfcourse.exercises import ____, ex13

    def solve_user(item_factors, ratings, reg):
        return ____

    ex13.q2.check(solve_user)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Mistake

NOTEBOOK = "13_scaling_up_and_out.ipynb"


def solve_user(item_factors, ratings, reg):
    x = np.asarray(item_factors, dtype=float)
    y = np.asarray(ratings, dtype=float)
    return np.linalg.solve(x.T @ x + reg * len(y) * np.eye(x.shape[1]), x.T @ y)


def _solve_cases():
    rng = np.random.default_rng(13)
    cases = []
    for n, k, reg in [(6, 3, 0.1), (4, 2, 0.5), (9, 3, 0.05)]:
        x = rng.normal(size=(n, k))
        y = rng.uniform(0.5, 5.0, size=n)
        cases.append(Case(f"solve_user(X of shape {x.shape}, ratings, reg={reg})", x, y, reg))
    return cases


q2 = Exercise(
    "One ALS half-step for one user",
    notebook=NOTEBOOK,
    section="4. ALS: the same equation, another optimiser",
    task="Write `solve_user(item_factors, ratings, reg)`: `item_factors` is the (n, k) array of the movies the user "
    "rated, `ratings` their n ratings; return the user's k factors minimising "
    "`|ratings - item_factors @ w|^2 + reg * n * |w|^2`.",
    reference=solve_user,
    kind="function",
    hint="Section 4's normal equations for one user, with the penalty on the diagonal of `X.T @ X` (how large "
    "is it, for a user with n ratings?). Solve the system rather than inverting the matrix.",
    cases=_solve_cases(),
    praise="(X^T X + reg * n * I) w = X^T y: the user's exact best row with the movies held fixed.",
    mistakes=[
        Mistake("no penalty", lambda x, y, reg: np.linalg.lstsq(np.asarray(x), np.asarray(y), rcond=None)[0],
                "that is plain least squares: add reg * len(ratings) * I to X^T X"),
        Mistake("penalty not scaled by n",
                lambda x, y, reg: np.linalg.solve(x.T @ x + reg * np.eye(x.shape[1]), x.T @ y),
                "the penalty is reg per rating: reg * len(ratings) * I, as Spark's regParam"),
    ],
)  # fmt: skip


def rows_touched(user_idx, item_idx):
    return len(np.unique(user_idx)) + len(np.unique(item_idx))


q1 = Exercise(
    "Rows a batch touches",
    notebook=NOTEBOOK,
    section="1. Where the time goes",
    task="Write `rows_touched(user_idx, item_idx)`: given a batch's user and movie indices (numpy arrays), return how "
    "many table rows (user rows plus movie rows) a row-sparse step updates.",
    reference=rows_touched,
    kind="function",
    hint="A row-sparse step updates each distinct user row and each distinct movie row once, however often "
    "the batch repeats it.",
    cases=[Case(f"rows_touched({u}, {i})", np.array(u), np.array(i))
           for u, i in [([0, 3, 3, 7], [5, 5, 5, 1]), ([2, 2, 2], [0, 1, 2]), ([1, 4, 9, 4, 1], [8, 6, 8, 6, 3])]],
    praise="distinct users plus distinct movies: the rows fit_fast gathers, updates and writes back.",
    mistakes=[
        Mistake("duplicates counted", lambda u, i: len(u) + len(i),
                "a user or movie that appears twice in a batch is still one row: count distinct ids"),
        Mistake("users only", lambda u, i: len(np.unique(u)),
                "the movies' rows are updated too: add the distinct movies"),
        Mistake("one table", lambda u, i: len(np.unique(np.concatenate([u, i]))),
                "users and movies live in different tables: count them separately"),
    ],
)  # fmt: skip

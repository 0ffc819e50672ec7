"""Exercises of notebooks/13_scaling_up_and_out.ipynb: where the time goes (q1), and one ALS solve (q2).

In the notebook::

    from cfcourse.exercises import ____, ex13

    answer = ____
    ex13.q1.check(answer)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Mistake

NOTEBOOK = "13_scaling_up_and_out.ipynb"


def growth_of_an_epoch():
    growth = 10  # ten times the ratings, the users and the movies; batch and k unchanged
    steps = growth  # n_ratings / batch
    dense_rows_per_step = growth  # (n_users + n_movies) * (k + 1): every row of every table
    sparse_rows_per_step = 1  # at most 2 * batch rows, whatever the catalogue
    return (steps * dense_rows_per_step, steps * sparse_rows_per_step)


q1 = Exercise(
    "Ten times the data",
    notebook=NOTEBOOK,
    section="1. Where the time goes",
    task="A catalogue grows tenfold: ten times the ratings, ten times the users and ten times the movies; the batch "
    "size and k stay the same. By what factor does the work of one epoch grow (a) with dense Adam, which updates "
    "every row of every table at each step, and (b) with a row-sparse step, which updates only the rows the "
    "batch uses (at most twice the batch, whatever the catalogue)? Answer with a pair `(dense, sparse)` of "
    "numbers.",
    reference=growth_of_an_epoch,
    answer_type=tuple,
    answer_what="a pair (dense, sparse) in round brackets, e.g. (2, 3)",
    answer_name="the growth (dense, sparse)",
    hint="Section 1's formula has two factors: the number of steps in an epoch, and the rows one step updates. "
    "Ask of each factor, for each kind of step: does it grow with the ratings, with the tables, or with neither?",
    praise="dense: 10x the steps times 10x the rows per step, 100x; row-sparse: 10x the steps of a bounded size, "
    "10x. The dense epoch grows with the square of the data, the row-sparse one like the data.",
    mistakes=[
        Mistake("dense grows like the data", (10, 10),
                "dense Adam's step updates every row of the tables, and the tables grew tenfold too: more steps AND "
                "bigger steps"),
        Mistake("sparse grows like dense", (100, 100),
                "a row-sparse step updates only the batch's rows, at most twice the batch: its size does not grow "
                "with the tables"),
        Mistake("forgot that the steps grow", (10, 1),
                "an epoch has n_ratings / batch steps: with ten times the ratings, ten times as many steps"),
        Mistake("the pair swapped", (10, 100), "the dense step is the bigger one: the pair is (dense, sparse)"),
        Mistake("added, not multiplied", (20, 10),
                "the work of an epoch is steps times rows per step: multiply the two growth factors"),
    ],
)  # fmt: skip


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

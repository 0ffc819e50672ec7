"""Exercises of notebooks/11_implicit_feedback.ipynb: EASE's weights (q1), a negative sampler (q2), beyond accuracy (q3).

In the notebook::

    from cfcourse.exercises import ____, ex11

    def sample_negative(watched_row, rng):
        return ____

    ex11.q2.check(sample_negative)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, call

NOTEBOOK = "11_implicit_feedback.ipynb"


def sample_negative(watched_row, rng):
    unwatched = np.flatnonzero(np.asarray(watched_row) == 0)
    return int(rng.choice(unwatched))


ANY_MOVIE = Mistake(
    "any movie", lambda row, rng: int(rng.integers(len(row))),
    "some draws are movies the user HAS watched: a negative must be a movie they have not watched "
    "(pick among the zeros of the row)",
)  # fmt: skip
WATCHED = Mistake(
    "a watched movie", lambda row, rng: int(rng.choice(np.flatnonzero(np.asarray(row) == 1))),
    "every draw is a movie the user has watched: that is a positive; negatives are the zeros of the row",
)  # fmt: skip
FIRST_ONLY = Mistake(
    "always the first unwatched", lambda row, rng: int(np.flatnonzero(np.asarray(row) == 0)[0]),
    "it always returns the same movie: every unwatched movie should be possible (draw at random, with the rng given)",
)  # fmt: skip


def _check_sampler(answer):
    # Hand-written: any fair sampler is right (rng.choice, rng.integers over the zeros, ...), so the
    # draws are judged by what they may and must contain, not compared with the reference's draws.
    row = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1], dtype=float)
    draws = [call(answer, row.copy(), np.random.default_rng(seed)) for seed in range(400)]
    try:
        draws = np.array([int(d) for d in draws])
    except (TypeError, ValueError) as exc:
        raise Incorrect(f"sample_negative should return one movie index (an int), got {draws[0]!r}") from exc
    if ((draws < 0) | (draws >= len(row))).any():
        raise Incorrect(f"the index {draws[(draws < 0) | (draws >= len(row))][0]} is not a movie of the row (0..9)")
    watched = row[draws] == 1
    if watched.all():
        raise Incorrect(WATCHED.says)
    if watched.any():
        raise Incorrect(f"{sorted({int(d) for d in draws[watched]})}: {ANY_MOVIE.says}")
    if len(set(draws.tolist())) == 1:
        raise Incorrect(FIRST_ONLY.says)
    unwatched = set(np.flatnonzero(row == 0).tolist())
    if set(draws.tolist()) != unwatched:
        raise Incorrect(f"in 400 draws it only ever returned {sorted(set(draws.tolist()))}; every unwatched movie "
                        f"{sorted(unwatched)} should be possible (draw at random, with the rng given)")  # fmt: skip
    return "only unwatched movies, each of them possible: a fair negative."


q2 = Exercise(
    "A negative sampler",
    notebook=NOTEBOOK,
    section="4. The course's model trained to rank",
    task="Write `sample_negative(watched_row, rng)`: `watched_row` is one user's row of the watched matrix (0/1 "
    "per movie), `rng` a `np.random.Generator`. Return the index of one movie the user has not watched, "
    "drawn uniformly at random.",
    reference=sample_negative,
    kind="function",
    checker=_check_sampler,
    hint="First find every index where the row is 0; then let `rng` pick one of them, each equally likely.",
    mistakes=[ANY_MOVIE, WATCHED, FIRST_ONLY],
)


def ease_weights(X, reg):
    P = np.linalg.inv(X.T @ X + reg * np.eye(X.shape[1]))
    return np.eye(X.shape[1]) - P / np.diag(P)


def _inverse(X, reg):
    return np.linalg.inv(X.T @ X + reg * np.eye(X.shape[1]))


X_SMALL = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1], [1, 0, 0, 1]], dtype=float)

q1 = Exercise(
    "EASE's weights",
    notebook=NOTEBOOK,
    section="3. Neighbours and EASE",
    task="Write `ease_weights(X, reg)`: `X` is a watched matrix (users x movies, 0/1). Return EASE's "
    "movies x movies weights `B` with a zero diagonal, from `P = (X^T X + reg I)^-1`.",
    reference=ease_weights,
    kind="function",
    hint="Section 3's formula in two steps: `P` first, then `B` from `P` and its diagonal. Check that `B`'s "
    "diagonal comes out 0.",
    cases=[Case("ease_weights(X, reg=2.0)", X_SMALL, 2.0), Case("ease_weights(X, reg=0.5)", X_SMALL, 0.5)],
    praise="B = I - P / diag(P): a ridge regression of each movie on the others, zero diagonal.",
    mistakes=[
        Mistake("no zero diagonal", lambda X, reg: np.linalg.solve(X.T @ X + reg * np.eye(X.shape[1]), X.T @ X),
                "that is plain ridge regression, where each movie may explain itself: the diagonal must be 0 "
                "(B = I - P / diag(P))"),
        Mistake("rows divided", lambda X, reg: np.eye(X.shape[1]) - _inverse(X, reg) / np.diag(_inverse(X, reg))[:, None],
                "divide each COLUMN j by P[j, j] (P / np.diag(P)), not each row"),
        Mistake("not divided", lambda X, reg: np.eye(X.shape[1]) - _inverse(X, reg),
                "divide each column of P by its diagonal entry, P / np.diag(P)"),
    ],
)  # fmt: skip


def coverage(lists, n_items):
    return len({movie for movies in lists.values() for movie in movies}) / n_items


LISTS = {1: [10, 20, 30], 2: [20, 30, 40], 3: [10, 40, 50]}

q3 = Exercise(
    "Catalogue coverage",
    notebook=NOTEBOOK,
    section="5. Honest evaluation",
    task="Write `coverage(lists, n_items)`: `lists` maps each user to their list of recommended movie ids. "
    "Return the share of the `n_items` movies of the catalogue that appear in at least one list.",
    reference=coverage,
    kind="function",
    hint="Which movies appear in at least one list? Count each of them once, then compare with the size of "
    "the catalogue.",
    cases=[Case("coverage(lists, n_items=20)", LISTS, 20)],
    praise="distinct recommended movies over the catalogue: how much of it the lists ever show.",
    mistakes=[
        Mistake("counts repeats", lambda lists, n: sum(len(m) for m in lists.values()) / n,
                "a movie recommended to several users counts once: use a set of the movies"),
        Mistake("forgot to divide", lambda lists, n: len({x for m in lists.values() for x in m}),
                "that is the number of distinct movies; divide by n_items"),
        Mistake("divided by the slots", lambda lists, n: len({x for m in lists.values() for x in m})
                / sum(len(m) for m in lists.values()),
                "divide by the size of the catalogue (n_items), not by the number of slots in the lists"),
    ],
)  # fmt: skip

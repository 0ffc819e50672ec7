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


def mean_overlap(lists):
    sets = [set(movies) for movies in lists.values()]
    k = len(next(iter(lists.values())))
    shares = [len(a & b) / k for i, a in enumerate(sets) for b in sets[i + 1:]]
    return float(np.mean(shares))


def _pairs(lists, both_ways=False):
    """Every pair of two different users' lists (and, with ``both_ways``, each user with themselves too)."""
    values = list(lists.values())
    if both_ways:
        return [(a, b) for a in values for b in values]
    return [(a, b) for i, a in enumerate(values) for b in values[i + 1:]]


LISTS = {1: [10, 20, 30], 2: [20, 30, 40], 3: [40, 50, 10], 4: [30, 20, 10]}
"""Four users' top-3 lists: two pairs share all or most of a list, in another order."""

q3 = Exercise(
    "How alike are the lists?",
    notebook=NOTEBOOK,
    section="5. Honest evaluation",
    task="Coverage asks how much of the catalogue the lists show at all; it does not say whether every user "
    "gets the same list. Write `mean_overlap(lists)`: `lists` maps each user to their top-k list of movie ids "
    "(every list has the same length k). For two different users, their overlap is the share of a list they "
    "have in common, |A & B| / k, whatever the order. Return the mean overlap over all pairs of two different "
    "users (near 1: everyone sees the same movies; near 0: personal lists).",
    reference=mean_overlap,
    kind="function",
    hint="Turn each list into a set. Visit each pair of two different users once, and average their shares.",
    cases=[Case("mean_overlap(lists of 4 users, k=3)", LISTS),
           Case("mean_overlap({1: [7, 8], 2: [8, 7], 3: [7, 9]})", {1: [7, 8], 2: [8, 7], 3: [7, 9]})],
    praise="the share two users' lists have in common, averaged over every pair: beside coverage, a second "
    "view of whether a recommender personalises.",
    mistakes=[
        Mistake("each user paired with themselves too",
                lambda lists: float(np.mean([len(set(a) & set(b)) / len(a) for a, b in _pairs(lists, True)])),
                "every user overlaps fully with themselves: average only over pairs of two different users"),
        Mistake("not divided by k", lambda lists: float(np.mean([len(set(a) & set(b)) for a, b in _pairs(lists)])),
                "that is the number of movies in common; divide by k, the length of a list, to get a share"),
        Mistake("divided by the union (Jaccard)",
                lambda lists: float(np.mean([len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in _pairs(lists)])),
                "that divides by the union of the two lists (Jaccard); the overlap asked for is the share of "
                "one list, |A & B| / k"),
        Mistake("same position only",
                lambda lists: float(np.mean([np.mean([x == y for x, y in zip(a, b)]) for a, b in _pairs(lists)])),
                "that counts only movies at the same position; a movie in both lists counts wherever it is "
                "(compare sets)"),
        Mistake("summed over pairs, not averaged",
                lambda lists: float(sum(len(set(a) & set(b)) / len(a) for a, b in _pairs(lists))),
                "that adds up the overlaps of all pairs; divide by the number of pairs (a mean)"),
    ],
)  # fmt: skip

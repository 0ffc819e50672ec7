"""Exercises of notebooks/12_your_recommendations.ipynb: explain a score, fold in a made-up user, similar users.

In the notebook::

    from cfcourse.exercises import ____, ex12

    def contributions(q_target, K, surprise):
        return ____

    ex12.q1.check(contributions)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Mistake

NOTEBOOK = "12_your_recommendations.ipynb"

_RNG = np.random.default_rng(12)
_MOVIE = np.array([0.4, -0.2])  # (n_factors,): the movie's vector
_K = _RNG.normal(size=(3, 4))  # (n_factors + 1, n_rated): the factor rows, then the bias row
_SURPRISE = np.array([1.5, -0.5, 0.25, 2.0])  # (n_rated,)


def contributions(movie_vector, K, surprise):
    return (movie_vector @ K[:-1]) * surprise


q1 = Exercise(
    "Explain one score by hand",
    notebook=NOTEBOOK,
    section="3. Why this movie",
    task="Write `contributions(movie_vector, K, surprise)`: `movie_vector` is a movie's vector (shape "
    "`(n_factors,)`), `K` the fold-in matrix `(Q^T Q + Lambda)^-1 Q^T` (shape `(n_factors + 1, n_rated)`, its last "
    "row belongs to the user bias), `surprise` your answers' surprises `y - Q theta0` (shape `(n_rated,)`). "
    "Return the taste term of each rated movie: how much it moves this movie's score through your vector.",
    reference=contributions,
    kind="function",
    cases=[Case("contributions(movie_vector, K, surprise)", _MOVIE, _K, _SURPRISE)],
    hint="A taste term is a weight times a surprise. The weights link this movie to each rated one: its vector "
    "against the rows of `K` that make your vector (all but the last row, which makes your bias), one number per "
    "rated movie with `@`. Then multiply element-wise.",
    praise="weight times surprise, one taste term per rated movie; the bias row of K lifts every movie alike.",
    mistakes=[
        Mistake("bias row included", lambda m, K, s: (np.append(m, 1.0) @ K) * s,
                "those terms include K's last row, the user bias, which lifts every movie alike ('your bias'); "
                "the taste terms use the factor rows K[:-1] only"),
        Mistake("no surprise", lambda m, K, s: m @ K[:-1],
                "those are the weights alone: a rating moves the score by its weight times its surprise "
                "(how far the answer is from the average user's)"),
        Mistake("summed", lambda m, K, s: np.array([m @ K[:-1] @ s]),
                "that is the total of the terms in one number: return one term per rated movie"),
    ],
)

_Q = np.array([[1.0, 0.5, 1.0], [-0.5, 1.0, 1.0], [0.2, -1.0, 1.0], [0.8, 0.8, 1.0]])  # 4 rated movies, k = 3
_Y = np.array([1.2, -0.4, 0.3, 1.5])
_THETA0 = np.array([0.3, 0.1, 0.5])
_LAMBDA = np.diag([2.0, 2.0, 0.5])


def fold_in_ridge(Q, y, theta0, Lambda):
    return theta0 + np.linalg.solve(Q.T @ Q + Lambda, Q.T @ (y - Q @ theta0))


q2 = Exercise(
    "Fold in a made-up user",
    notebook=NOTEBOOK,
    section="3. Why this movie",
    task="Write `fold_in_ridge(Q, y, theta0, Lambda)`: the rated movies' rows `Q` (shape `(n_rated, k)`), the "
    "logits `y` the answers ask for, the average user `theta0` and the pull `Lambda` (shape `(k, k)`). Return "
    "the new user's `theta`, starting from the average user and pulled towards it.",
    reference=fold_in_ridge,
    kind="function",
    cases=[Case("fold_in_ridge(Q, y, theta0, Lambda)", _Q, _Y, _THETA0, _LAMBDA)],
    hint="Solve for how far you are from the average user: the matrix is `Q.T @ Q` plus the pull `Lambda`, the "
    "right-hand side `Q.T` times the surprises `y - Q @ theta0` (`np.linalg.solve` is steadier than an inverse). "
    "Then add `theta0` back.",
    praise="the average user plus the answers' surprises, each pulled back by Lambda.",
    mistakes=[
        Mistake("no pull", lambda Q, y, t, L: np.linalg.solve(Q.T @ Q, Q.T @ y),
                "that is plain least squares: without Lambda a few answers are over-read (notebook 10); add Lambda"),
        Mistake("pulled towards zero", lambda Q, y, t, L: np.linalg.solve(Q.T @ Q + L, Q.T @ y),
                "that pulls the user towards the zero vector; start from the average user theta0 (fit y - Q theta0, "
                "then add theta0 back)"),
        Mistake("theta0 not added back", lambda Q, y, t, L: np.linalg.solve(Q.T @ Q + L, Q.T @ (y - Q @ t)),
                "that is how far the user is from the average user: add theta0 back"),
    ],
)

_USERS = np.array([[2.0, 0.0], [0.0, 5.0], [3.0, 2.5], [-1.0, 0.2], [0.6, 0.55]])
_ME = np.array([1.0, 1.0])


def most_similar(me, user_factors, n):
    unit = user_factors / np.linalg.norm(user_factors, axis=1, keepdims=True)
    return np.argsort(-(unit @ (me / np.linalg.norm(me))), kind="stable")[:n]


q3 = Exercise(
    "The users most like you",
    notebook=NOTEBOOK,
    section="4. Where you are",
    task="Write `most_similar(me, user_factors, n)`: `me` is a user vector (shape `(k,)`), `user_factors` the "
    "trained users' vectors (shape `(n_users, k)`). Return the indices of the `n` users whose vectors point "
    "the most the same way as `me` (cosine), best first.",
    reference=most_similar,
    kind="function",
    cases=[Case("most_similar(me, user_factors, n=3)", _ME, _USERS, 3)],
    hint="Cosine compares directions: divide each user's vector and `me` by their lengths (`np.linalg.norm`, row "
    "by row with `axis=1` and `keepdims=True`), take the dot products, and keep the `n` highest (`np.argsort` "
    "sorts from the lowest).",
    praise="cosine: the direction of taste counts, not how strongly a user holds it.",
    mistakes=[
        Mistake("dot product", lambda me, U, n: np.argsort(-(U @ me), kind="stable")[:n],
                "ranking by the plain dot product favours long vectors (strong opinions); divide by the lengths "
                "to compare directions (cosine)"),
        Mistake("ascending", lambda me, U, n: np.argsort(U @ me / np.linalg.norm(U, axis=1), kind="stable")[:n],
                "those are the least similar users: sort from the highest similarity"),
        Mistake("nearest by distance", lambda me, U, n: np.argsort(np.linalg.norm(U - me, axis=1), kind="stable")[:n],
                "that is the nearest by distance, which mixes direction with length; use the cosine"),
    ],
)

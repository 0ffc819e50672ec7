"""Exercises of notebooks/09_what_the_model_learned.ipynb: reading movie biases (q1), and similar users from learned vectors (q2).

In the notebook::

    from cfcourse.exercises import ____, ex09

    def similar_users(user_factors, u, n):
        return ____

    ex09.q2.check(similar_users)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, expect_type

NOTEBOOK = "09_what_the_model_learned.ipynb"


def similar_users(user_factors, u, n):
    unit = user_factors / np.linalg.norm(user_factors, axis=1)[:, None]
    similarity = unit @ unit[u]
    similarity[u] = -np.inf  # not the user themselves
    return np.argsort(-similarity, kind="stable")[:n]


def _unit(f):
    return f / np.linalg.norm(f, axis=1)[:, None]


def _without(scores, u, fill):
    scores = np.array(scores, dtype=float)
    scores[u] = fill
    return scores


USER_FACTORS = np.array([[1.0, 0.2], [2.0, 0.3], [-1.0, 0.5], [0.3, 1.0], [0.9, -0.1], [4.0, 2.5], [0.5, 0.05]])
"""Seven users' learned vectors (2 factors). User 5 has a long vector (strong tastes): the dot product ranks
them first for user 0, the cosine does not; the nearest by distance are another list again."""


q2 = Exercise(
    "Users who rate like you",
    notebook=NOTEBOOK,
    section="4. People who liked X also liked",
    task="Section 4 finds similar *movies* from their learned vectors. Do it for *users*: write "
    "`similar_users(user_factors, u, n)`, where `user_factors` is the (n_users, n_factors) array of learned "
    "user vectors and `u` a user's index. Return the indices of the `n` users whose vectors point most nearly "
    "the same way as user `u`'s, most similar first, and not `u` itself. Try it on `mf.user_factors_`.",
    reference=similar_users,
    kind="function",
    hint="What section 4 does for one movie against all the others works for one row of any factor table.",
    cases=[Case("similar_users(ex09.USER_FACTORS, u=0, n=3)", USER_FACTORS, 0, 3),
           Case("similar_users(ex09.USER_FACTORS, u=3, n=2)", USER_FACTORS, 3, 2)],
    praise="unit vectors, one dot product with user u's, u left out, the n highest: the cosine ranks by "
    "direction, so a user with strong tastes is not similar to everyone.",
    mistakes=[
        Mistake("includes the user", lambda f, u, n: np.argsort(-(_unit(f) @ _unit(f)[u]), kind="stable")[:n],
                "user u is always most similar to themselves (cosine 1): leave them out of the list"),
        Mistake("dot product, not cosine",
                lambda f, u, n: np.argsort(-_without(f @ f[u], u, -np.inf), kind="stable")[:n],
                "ranked by the plain dot product, a user with a long vector (strong tastes) looks similar to "
                "everyone: divide by the lengths, as the cosine does"),
        Mistake("least similar first",
                lambda f, u, n: np.argsort(_without(_unit(f) @ _unit(f)[u], u, np.inf), kind="stable")[:n],
                "those are the least similar users: sort from the highest similarity down"),
        Mistake("nearest by distance",
                lambda f, u, n: np.argsort(_without(np.linalg.norm(f - f[u], axis=1), u, np.inf), kind="stable")[:n],
                "those are the nearest vectors by distance, which mixes direction and length; the cosine compares "
                "directions only"),
        Mistake("similarities, not users",
                lambda f, u, n: np.sort(_without(_unit(f) @ _unit(f)[u], u, -np.inf))[::-1][:n],
                "those are similarity values: return the users' indices (np.argsort gives indices)"),
    ],
)  # fmt: skip


MOVIES = {
    # title: (learned item bias, mean rating in training, number of ratings in training)
    "Heat": (0.55, 3.95, 81),
    "Casablanca": (0.78, 4.24, 90),
    "Obscure Gem": (1.10, 5.00, 2),
    "Fan Favourite": (0.62, 4.40, 24),
}
"""Four movies of a trained model: item bias, mean rating, and count of ratings."""


def highest_bias():
    trusted = {title: bias for title, (bias, _, count) in MOVIES.items() if count >= 20}
    return max(trusted, key=trusted.get)


FEW_RATINGS = Mistake("ignored the minimum number of ratings", "Obscure Gem",
                      "Obscure Gem has only 2 ratings: a bias learned from so few ratings is mostly noise, so keep "
                      "only movies with at least 20 ratings")
MEAN_NOT_BIAS = Mistake("highest mean rating, not highest bias", "Fan Favourite",
                        "Fan Favourite has the highest mean rating among the trusted movies, but not the highest "
                        "bias: its fans' tastes (the dot product) explain part of its high ratings")
LOWEST = Mistake("the lowest bias", "Heat", "Heat's bias is the lowest of the trusted movies; look for the largest")
A_NUMBER = Mistake("the bias, not the title", 0.78, "that is a number; answer with the movie's title, a string such as 'Heat'")


def _check_highest_bias(answer):
    # Hand-written for the rules no value list covers: any number is "a number, not a title", titles
    # match whatever their capitalisation, and any other string is "not one of the movies".
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        raise Incorrect(A_NUMBER.says)
    expect_type(answer, str, what="a title (a string)")
    title = next((t for t in MOVIES if t.lower() == answer.strip().lower()), None)
    if title is None:
        raise Incorrect(f"{answer!r} is not one of the movies {list(MOVIES)}")
    for mistake in (FEW_RATINGS, MEAN_NOT_BIAS, LOWEST):
        if title == mistake.answer:
            raise Incorrect(mistake.says)
    return "Casablanca: the largest bias among movies with at least 20 ratings, loved whatever your taste."


q1 = Exercise(
    "The most loved movie",
    notebook=NOTEBOOK,
    section="2. Movie and user biases, ranked",
    task="`ex09.MOVIES` maps four titles to (learned item bias, mean rating, number of ratings). Among the "
    "movies with at least 20 ratings, which has the highest bias? Replace `____` with its title, a string.",
    reference=highest_bias,
    checker=_check_highest_bias,
    hint="First drop the movies with fewer than 20 ratings, then compare the biases (the first number), "
    "not the mean ratings.",
    mistakes=[FEW_RATINGS, MEAN_NOT_BIAS, LOWEST, A_NUMBER],
)

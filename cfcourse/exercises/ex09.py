"""Exercises of notebooks/09_what_the_model_learned.ipynb: cosine similarity, and reading movie biases.

In the notebook::

    from cfcourse.exercises import ____, ex09

    def cosine_similarity(a, b):
        return ____

    ex09.q1.check(cosine_similarity)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, expect_type

NOTEBOOK = "09_what_the_model_learned.ipynb"


def cosine_similarity(a, b):
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))


q1 = Exercise(
    "Cosine similarity of two movies",
    notebook=NOTEBOOK,
    section="4. People who liked X also liked",
    task="Write `cosine_similarity(a, b)` for two movie vectors `a` and `b` (1-D numpy arrays): the cosine "
    "of the angle between them.",
    reference=cosine_similarity,
    kind="function",
    hint="The same cosine as between two users' rows in notebook 01, now between two movie vectors.",
    cases=[
        Case(f"cosine_similarity({a.tolist()}, {b.tolist()})", a, b)
        for a, b in [
            (np.array([3.0, 4.0, 0.0]), np.array([6.0, 8.0, 0.0])),  # same direction, twice as long
            (np.array([1.0, 2.0, -1.0]), np.array([-2.0, 0.5, 3.0])),
            (np.array([0.2, -0.1]), np.array([-0.4, 0.2])),  # opposite directions
        ]
    ],
    praise="the dot product of the two unit vectors: 1 for the same direction, -1 for opposite ones.",
    mistakes=[
        Mistake("forgot to normalise", lambda a, b: a @ b,
                "that is the plain dot product: divide by both lengths so that only the direction counts"),
        Mistake("normalised the first vector only", lambda a, b: a @ b / np.linalg.norm(a),
                "only the first vector was normalised: divide by the lengths of both"),
        Mistake("normalised the second vector only", lambda a, b: a @ b / np.linalg.norm(b),
                "only the second vector was normalised: divide by the lengths of both"),
        Mistake("divided by the squared lengths", lambda a, b: a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) ** 2,
                "divide by the lengths, not by the squared lengths"),
        Mistake("distance instead of angle", lambda a, b: np.linalg.norm(a - b),
                "that is the distance between the points; cosine compares directions"),
    ],
)


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


q2 = Exercise(
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

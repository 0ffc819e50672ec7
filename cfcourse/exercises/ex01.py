"""Exercises of notebooks/01_ratings_table.ipynb: density and similarity.

In the notebook::

    from cfcourse.exercises import ____, ex01

    def table_density(table):
        return ____

    ex01.q1.check(table_density)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Incorrect, Mistake, expect_type

NOTEBOOK = "01_ratings_table.ipynb"

# A 3 x 4 table with 5 ratings: density 5/12, and a zero never means "hated it".
_TABLE = np.array(
    [
        [5.0, 0.0, 3.5, 0.0],
        [0.0, 4.0, 0.0, 0.0],
        [1.0, 0.0, 0.0, 2.5],
    ]
)


def table_density(table):
    table = np.asarray(table)
    return (table != 0).sum() / table.size


q1 = Exercise(
    "The density of a table",
    notebook=NOTEBOOK,
    section="3. How empty is the table?",
    task="Write `table_density(table)`: the fraction of cells of a dense ratings table (0 = not watched) "
    "that hold a rating.",
    reference=table_density,
    kind="function",
    hint="A filled cell is one that is not 0. How many are there, and how many cells does the table have in all?",
    cases=[Case("table_density(table) on a 3 x 4 table with 5 ratings", _TABLE)],
    praise="5 of the 12 cells hold a rating: the table is 42% filled.",
    mistakes=[
        Mistake("share of empty cells", lambda t: (np.asarray(t) == 0).sum() / np.asarray(t).size,
                "that is the share of empty cells: count the filled ones (not 0)"),
        Mistake("a count, not a fraction", lambda t: (np.asarray(t) != 0).sum(),
                "that is the number of ratings; divide by the number of cells"),
        Mistake("divided by the columns only", lambda t: (np.asarray(t) != 0).sum() / np.asarray(t).shape[1],
                "divide by every cell (rows x columns), not by the number of columns"),
        Mistake("divided by the rows only", lambda t: (np.asarray(t) != 0).sum() / np.asarray(t).shape[0],
                "divide by every cell (rows x columns), not by the number of rows"),
    ],
)


def cosine(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))


q2 = Exercise(
    "Cosine similarity",
    notebook=NOTEBOOK,
    section="7. Similar users like similar movies",
    task="Write `cosine(a, b)`: the cosine similarity of two rating vectors, "
    "a . b / (|a| |b|).",
    reference=cosine,
    kind="function",
    hint="Section 7's formula, piece by piece: which numpy operation gives the dot product of two vectors, "
    "and which gives the length of one?",
    cases=[
        Case("cosine([4, 0, 3], [2, 5, 0])", np.array([4.0, 0.0, 3.0]), np.array([2.0, 5.0, 0.0])),
        Case("cosine(a, 3 * a)", np.array([4.0, 0.0, 3.0]), np.array([12.0, 0.0, 9.0])),
    ],
    praise="cosine similarity ignores how long the vectors are and keeps only their direction.",
    mistakes=[
        Mistake("dot product only", lambda a, b: np.asarray(a) @ np.asarray(b),
                "that is the dot product alone: divide by both lengths (norms)"),
        Mistake("first norm only", lambda a, b: np.asarray(a) @ np.asarray(b) / np.linalg.norm(a),
                "divide by the lengths of both vectors, not only the first"),
        Mistake("second norm only", lambda a, b: np.asarray(a) @ np.asarray(b) / np.linalg.norm(b),
                "divide by the lengths of both vectors, not only the second"),
        Mistake("sums for lengths", lambda a, b: np.asarray(a) @ np.asarray(b) / (np.sum(a) * np.sum(b)),
                "the length of a vector is the square root of its sum of squares, not its sum"),
    ],
)


def most_similar_to_ana():
    from cfcourse.ratings import cosine_similarity
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    similarity = world.label(cosine_similarity(world.table()))
    return similarity["Ana"].drop("Ana").idxmax()


ANA_HERSELF = Mistake("Ana herself", "Ana", "everyone is most similar to themselves (the diagonal is 1): leave Ana out")
LEAST_SIMILAR = Mistake("the least similar", "Eva", "that is the LEAST similar user to Ana: take the largest cosine")
NOT_A_USER = Mistake("not a user", "Zoe", "that is not a user of the toy table: answer with one of its user names")
LOWER = "someone scores higher: take the largest cosine in Ana's column"


def _check_most_similar(answer):
    # Hand-written: "any name that is not a user" and "any user but the best" are rules, not values.
    expect_type(answer, str, what="a name, as a string (for example \"Eva\")")
    from cfcourse.ratings import cosine_similarity
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    similarity = world.label(cosine_similarity(world.table()))["Ana"]
    if answer == "Ana":
        raise Incorrect(ANA_HERSELF.says)
    similarity = similarity.drop("Ana")
    if answer not in similarity.index:
        raise Incorrect(f"{answer!r}: {NOT_A_USER.says} ({', '.join(similarity.index)})")
    if answer == similarity.idxmin():
        raise Incorrect(f"{answer}'s cosine with Ana is {similarity[answer]:.2f}: {LEAST_SIMILAR.says}")
    best = similarity.idxmax()
    if answer != best:
        raise Incorrect(f"{answer}'s cosine with Ana is {similarity[answer]:.2f}: {LOWER}")
    return f"{best}'s ratings point most nearly the same way as Ana's (cosine {similarity[best]:.2f})."


q3 = Exercise(
    "Ana's nearest neighbour",
    notebook=NOTEBOOK,
    section="7. Similar users like similar movies",
    task="In the toy table of this notebook (`make_toy_world()`), which user is most similar to Ana "
    "by cosine similarity? Answer with the name, as a string.",
    reference=most_similar_to_ana,
    checker=_check_most_similar,
    hint="`cosine_similarity(world.table())` gives every pair; look at Ana's column, leaving out Ana herself.",
    mistakes=[ANA_HERSELF, LEAST_SIMILAR, NOT_A_USER, Mistake("a user who is not the nearest", "Ben", LOWER)],
)

"""Exercises of notebooks/01_ratings_table.ipynb: density and similarity.

In the notebook::

    from cfcourse.exercises import ____, ex01

    def table_density(table):
        return ____

    ex01.q1.check(table_density)
"""

import numpy as np

from cfcourse.exercises import Exercise, Incorrect, call, expect_close, expect_type

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


def _check_density(answer):
    got = call(answer, _TABLE.copy())
    expect_close(
        got,
        5 / 12,
        name="table_density(table) on a 3 x 4 table with 5 ratings",
        hints=[
            (7 / 12, "that is the share of empty cells: count the filled ones (not 0)"),
            (5, "that is the number of ratings; divide by the number of cells"),
            (5 / 4, "divide by every cell (rows x columns), not by the number of columns"),
            (5 / 3, "divide by every cell (rows x columns), not by the number of rows"),
        ],
    )
    return "5 of the 12 cells hold a rating: the table is 42% filled."


q1 = Exercise(
    "The density of a table",
    notebook=NOTEBOOK,
    section="3. How empty is the table?",
    task="Write `table_density(table)`: the fraction of cells of a dense ratings table (0 = not watched) "
    "that hold a rating.",
    reference=table_density,
    kind="function",
    checker=_check_density,
    hint="`table != 0` marks the filled cells; `.sum()` counts them and `table.size` counts all cells.",
    mistakes=[
        ("share of empty cells", lambda t: (np.asarray(t) == 0).sum() / np.asarray(t).size),
        ("a count, not a fraction", lambda t: (np.asarray(t) != 0).sum()),
        ("divided by the columns only", lambda t: (np.asarray(t) != 0).sum() / np.asarray(t).shape[1]),
    ],
)


def cosine(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))


def _check_cosine(answer):
    a, b = np.array([4.0, 0.0, 3.0]), np.array([2.0, 5.0, 0.0])
    expected = 8 / (5 * np.sqrt(29))
    expect_close(
        call(answer, a, b),
        expected,
        name="cosine([4, 0, 3], [2, 5, 0])",
        hints=[
            (8.0, "that is the dot product alone: divide by both lengths (norms)"),
            (8 / 5, "divide by the lengths of both vectors, not only the first"),
            (8 / np.sqrt(29), "divide by the lengths of both vectors, not only the second"),
            (8 / 14, "the length of a vector is the square root of its sum of squares, not its sum"),
        ],
    )
    same = call(answer, a, 3 * a)
    expect_close(same, 1.0, name="cosine(a, 3 * a)", hints=[])
    return "cosine similarity ignores how long the vectors are and keeps only their direction."


q2 = Exercise(
    "Cosine similarity",
    notebook=NOTEBOOK,
    section="7. Similar users like similar movies",
    task="Write `cosine(a, b)`: the cosine similarity of two rating vectors, "
    "a . b / (|a| |b|).",
    reference=cosine,
    kind="function",
    checker=_check_cosine,
    hint="`a @ b` is the dot product and `np.linalg.norm(a)` the length of `a`.",
    mistakes=[
        ("dot product only", lambda a, b: np.asarray(a) @ np.asarray(b)),
        ("one norm only", lambda a, b: np.asarray(a) @ np.asarray(b) / np.linalg.norm(a)),
        ("sums for lengths", lambda a, b: np.asarray(a) @ np.asarray(b) / (np.sum(a) * np.sum(b))),
    ],
)


def most_similar_to_ana():
    from cfcourse.ratings import cosine_similarity
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    similarity = world.label(cosine_similarity(world.table()))
    return similarity["Ana"].drop("Ana").idxmax()


def _check_most_similar(answer):
    expect_type(answer, str, what="a name, as a string (for example \"Eva\")")
    if answer == "Ana":
        raise Incorrect("everyone is most similar to themselves (the diagonal is 1): leave Ana out")
    from cfcourse.ratings import cosine_similarity
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    similarity = world.label(cosine_similarity(world.table()))["Ana"].drop("Ana")
    if answer not in similarity.index:
        raise Incorrect(f"{answer!r} is not a user of the toy table; the users are {', '.join(similarity.index)}")
    if answer == similarity.idxmin():
        raise Incorrect(f"{answer} is the LEAST similar to Ana (cosine {similarity[answer]:.2f}): take the largest")
    best = similarity.idxmax()
    if answer != best:
        raise Incorrect(f"{answer}'s cosine with Ana is {similarity[answer]:.2f}; someone scores higher")
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
    mistakes=[("Ana herself", "Ana"), ("the least similar", "Eva"), ("not a user", "Zoe")],
)

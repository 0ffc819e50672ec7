"""Exercises of notebooks/01_ratings_table.ipynb: density and similarity.

In the notebook::

    from cfcourse.exercises import ____, ex01

    def table_density(table):
        return ____

    ex01.q1.check(table_density)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Mistake

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


FAY = {"Laser Heist": 4.0, "Steel Fury": 1.0, "Autumn Kiss": 3.0}
"""A newcomer's ratings of three toy movies (the others she has not seen)."""


def _fay_and_table():
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    table = world.label(world.table())
    fay = np.array([FAY.get(title, 0.0) for title in table.columns])
    return fay, table


def fays_nearest_neighbour():
    fay, table = _fay_and_table()
    rows = table.to_numpy()
    cosines = rows @ fay / (np.linalg.norm(rows, axis=1) * np.linalg.norm(fay))
    return str(table.index[np.argmax(cosines)])


def _nearest_by(measure):
    """The toy user a wrong measure picks for Fay (the tests recompute each mistake's name this way)."""
    fay, table = _fay_and_table()
    rows = table.to_numpy()
    cosines = rows @ fay / (np.linalg.norm(rows, axis=1) * np.linalg.norm(fay))
    pick = {"dot": np.argmax(rows @ fay), "distance": np.argmin(np.linalg.norm(rows - fay, axis=1)),
            "least": np.argmin(cosines)}[measure]  # fmt: skip
    return str(table.index[pick])


q3 = Exercise(
    "A newcomer's nearest neighbour",
    notebook=NOTEBOOK,
    section="7. Similar users like similar movies",
    task="A new user, Fay, joins the toy world. She rated *Laser Heist* 4, *Steel Fury* 1 and *Autumn Kiss* 3 "
    "and has seen nothing else. She is not in `similarity`: build her row over the toy table's six movies "
    "(0 = not seen) and find the toy user whose ratings point most nearly the same way as hers, by cosine "
    "similarity. Answer with the name, as a string.",
    reference=fays_nearest_neighbour,
    answer_type=str,
    answer_what="a name, as a string (for example \"Eva\")",
    answer_name="Fay's nearest neighbour",
    hint="Put Fay's ratings in the same column order as `toy`, zeros elsewhere. Then you need her cosine with "
    "each of the five rows: a dot product and two lengths per user.",
    praise="Fay and Ben both like Laser Heist and Autumn Kiss more than the rest (cosine 0.72). Ana rates "
    "everything high, so her plain dot product with Fay is larger, but the cosine divides that out.",
    mistakes=[
        Mistake("the largest dot product", "Ana",
                "Ana has the largest dot product with Fay because she rates everything generously; cosine "
                "divides by both lengths, so that only the direction counts"),
        Mistake("the smallest distance", "Eva",
                "Eva's row is the closest by distance (she rated little, as Fay did); cosine compares "
                "directions, not distances"),
        Mistake("the least similar", "Dev",
                "Dev is the LEAST similar user to Fay (cosine 0.15): take the largest cosine"),
        Mistake("Ana's nearest neighbour", "Cleo",
                "Cleo is Ana's nearest neighbour in `similarity`; the question is about Fay: compute her cosine "
                "with each user"),
    ],
)  # fmt: skip

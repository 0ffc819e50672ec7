"""Exercises of notebooks/04_masked_loss.ipynb: the masked loss, dense and long.

In the notebook::

    from cfcourse.exercises import ____, ex04

    def masked_mse(predictions, ratings, mask):
        return ____

    ex04.q1.check(masked_mse)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Mistake

NOTEBOOK = "04_masked_loss.ipynb"

# 2 users x 3 movies; 4 observed ratings. Squared errors on the observed cells: 1, 4, 0.25, 1.
_PREDICTIONS = np.array([[4.0, 1.0, 2.0], [3.0, 0.5, 4.5]])
_RATINGS = np.array([[5.0, 0.0, 4.0], [0.0, 0.0, 3.5]])
_MASK = np.array([[1, 0, 1], [0, 0, 1]])
# The same table with one more observed cell and a held-out rating: the cell (1, 0) holds 2.0
# but the mask hides it (say it belongs to the validation part), so it must not count.
_RATINGS_HELD_OUT = np.array([[5.0, 0.0, 4.0], [2.0, 3.0, 3.5]])
_MASK_HELD_OUT = np.array([[1, 0, 1], [0, 1, 1]])


def masked_mse(predictions, ratings, mask):
    squared_errors = mask * (predictions - ratings) ** 2
    return squared_errors.sum() / mask.sum()


q1 = Exercise(
    "The masked loss",
    notebook=NOTEBOOK,
    section="3. Masking: only the ratings we have",
    task="Write `masked_mse(predictions, ratings, mask)`: the mean squared error over the cells where "
    "`mask` is 1, ignoring every other cell.",
    reference=masked_mse,
    kind="function",
    hint="Multiply the squared errors by the mask, add them up, and divide by the number of observed "
    "cells, `mask.sum()`.",
    cases=[
        Case("masked_mse(predictions, ratings, mask)", _PREDICTIONS, _RATINGS, _MASK),
        Case("masked_mse with a held-out rating", _PREDICTIONS, _RATINGS_HELD_OUT, _MASK_HELD_OUT),
    ],
    praise="the mask picks the observed cells, and the mean divides by their number N.",
    mistakes=[
        Mistake("mask forgotten", lambda p, r, m: ((p - r) ** 2).mean(),
                "that averages over every cell, so each unwatched 0 counts as a rating of zero stars: "
                "multiply by the mask"),
        Mistake("divides by all cells", lambda p, r, m: (m * (p - r) ** 2).sum() / m.size,
                "the unwatched cells are left out of the sum but still counted in the division: divide by "
                "N = mask.sum(), the number of observed ratings"),
        Mistake("sums instead of mean", lambda p, r, m: (m * (p - r) ** 2).sum(),
                "that is the sum of the squared errors; the loss is their mean, so divide by N = mask.sum()"),
        Mistake("absolute errors", lambda p, r, m: (m * np.abs(p - r)).sum() / m.sum(),
                "square the errors, do not take their absolute value"),
        Mistake("mask inferred from zeros", lambda p, r, m: ((p - r) ** 2)[r > 0].mean(),
                "the mask is explicit: a cell can hold a rating and still be hidden (a held-out rating), "
                "so use `mask`, not `ratings > 0`"),
    ],
)  # fmt: skip


def long_mse(predictions, user_idx, item_idx, ratings):
    return ((predictions[user_idx, item_idx] - ratings) ** 2).mean()


q2 = Exercise(
    "The loss on the long table",
    notebook=NOTEBOOK,
    section="5. The long table",
    task="Write `long_mse(predictions, user_idx, item_idx, ratings)`: row `r` of the long table says "
    "user `user_idx[r]` gave movie `item_idx[r]` the rating `ratings[r]`; return the mean squared error "
    "of the predicted table over these rows.",
    reference=long_mse,
    kind="function",
    hint="`predictions[user_idx, item_idx]` picks the predicted cell of every row at once.",
    cases=[
        Case("long_mse(predictions, user_idx, item_idx, ratings)", np.array([[4.0, 1.0, 2.0], [3.0, 0.5, 4.5]]),
             np.array([0, 0, 1, 1]), np.array([0, 2, 1, 2]), np.array([5.0, 4.0, 3.0, 3.5])),
    ],
    praise="one prediction per (user, movie, rating) row, then the mean of the squared errors.",
    mistakes=[
        Mistake("sum instead of mean", lambda p, u, i, r: ((p[u, i] - r) ** 2).sum(),
                "that is the sum over the rows; the loss is the mean, one term per rating"),
        Mistake("a grid instead of pairs", lambda p, u, i, r: ((p[u][:, i] - r) ** 2).mean(),
                "predictions[user_idx][:, item_idx] builds every user x movie combination; "
                "predictions[user_idx, item_idx] picks one cell per row"),
        Mistake("a grid, not averaged", lambda p, u, i, r: (p[u][:, i] - r) ** 2,
                "predictions[user_idx][:, item_idx] builds a grid; index with both arrays at once, "
                "predictions[user_idx, item_idx], to get one prediction per row"),
        Mistake("no mean at all", lambda p, u, i, r: (p[u, i] - r) ** 2,
                "the loss is one number: take the mean of the squared errors"),
        Mistake("indices swapped", lambda p, u, i, r: ((p[i, u] - r) ** 2).mean(),
                "the first index picks the row, which is the user: predictions[user_idx, item_idx]"),
    ],
)  # fmt: skip

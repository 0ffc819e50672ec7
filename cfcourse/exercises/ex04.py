"""Exercises of notebooks/04_masked_loss.ipynb: the masked loss user by user, and on the long table.

In the notebook::

    from cfcourse.exercises import ____, ex04

    def per_user_mse(predictions, ratings, mask):
        return ____

    ex04.q1.check(per_user_mse)
"""

import numpy as np

from cfcourse.exercises import Case, Exercise, Mistake

NOTEBOOK = "04_masked_loss.ipynb"

# 3 users x 4 movies (not square: a per-movie answer has another shape); every user and every movie has
# at least one observed rating, and each user a different number of them (2, 1, 3).
_PREDICTIONS = np.array([[4.0, 1.0, 2.0, 3.0], [3.0, 0.5, 4.5, 2.0], [2.0, 2.5, 3.0, 1.0]])
_RATINGS = np.array([[5.0, 0.0, 4.0, 0.0], [0.0, 0.0, 3.5, 0.0], [1.0, 4.0, 0.0, 2.0]])
_MASK = np.array([[1, 0, 1, 0], [0, 0, 1, 0], [1, 1, 0, 1]])
# The same table with a held-out rating: the cell (1, 3) holds 4.0 but the mask hides it (say it belongs to
# the validation part), so it must not count.
_RATINGS_HELD_OUT = np.array([[5.0, 0.0, 4.0, 0.0], [0.0, 0.0, 3.5, 4.0], [1.0, 4.0, 0.0, 2.0]])


def per_user_mse(predictions, ratings, mask):
    squared_errors = mask * (predictions - ratings) ** 2
    return squared_errors.sum(axis=1) / mask.sum(axis=1)


q1 = Exercise(
    "The masked loss, user by user",
    notebook=NOTEBOOK,
    section="3. Masking: only the ratings we have",
    task="Write `per_user_mse(predictions, ratings, mask)`: the masked mean squared error of each user "
    "separately, one number per user (shape `(n_users,)`), each the mean over that user's own observed "
    "ratings. Then try it on the toy world: which user do the random guesses serve worst?",
    reference=per_user_mse,
    kind="function",
    hint="The masked loss of section 3 adds up the observed cells of the whole table and divides by their "
    "number. For one number per user, add up and count along each row instead.",
    cases=[
        Case("per_user_mse(predictions, ratings, mask)", _PREDICTIONS, _RATINGS, _MASK),
        Case("per_user_mse with a held-out rating", _PREDICTIONS, _RATINGS_HELD_OUT, _MASK),
    ],
    praise="each row's squared errors, masked, summed along the row and divided by that row's own count.",
    mistakes=[
        Mistake("mask forgotten", lambda p, r, m: ((p - r) ** 2).mean(axis=1),
                "that averages over every cell of the row, so each unwatched 0 counts as a rating of zero stars: "
                "multiply by the mask"),
        Mistake("divides by the row length", lambda p, r, m: (m * (p - r) ** 2).sum(axis=1) / m.shape[1],
                "the unwatched cells are left out of the sum but still counted in the division: divide by the "
                "number of ratings in each row, mask.sum(axis=1)"),
        Mistake("divides by every observed rating", lambda p, r, m: (m * (p - r) ** 2).sum(axis=1) / m.sum(),
                "each user's sum is divided by the number of ratings in the whole table; a user's mean divides by "
                "that user's own count, mask.sum(axis=1)"),
        Mistake("one number for the table", lambda p, r, m: (m * (p - r) ** 2).sum() / m.sum(),
                "that is the masked loss of the whole table; the question asks for one number per user (sum "
                "along each row)"),
        Mistake("per movie, not per user", lambda p, r, m: (m * (p - r) ** 2).sum(axis=0) / m.sum(axis=0),
                "that is one number per movie (down the columns, axis=0); a user is a row: sum along axis=1"),
        Mistake("mask inferred from zeros",
                lambda p, r, m: np.array([((p[i] - r[i]) ** 2)[r[i] > 0].mean() for i in range(len(r))]),
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
    hint="Row `r` needs one predicted cell, in row `user_idx[r]` and column `item_idx[r]`. numpy picks all of "
    "them at once when you index the table with both arrays together.",
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

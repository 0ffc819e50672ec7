"""Alternating least squares (ALS): the same equation, another optimiser.

Drop the sigmoid from the course's equation and a rating is linear in the
user's row *or* in the movie's row::

    rating ~ global_mean + user_bias[u] + item_bias[i] + user_factors[u] . item_factors[i]

Hold every movie row fixed and each user's best ``[user_factors[u],
user_bias[u]]`` is a small ridge regression with a closed-form answer; then
hold the users fixed and solve for every movie; repeat. Each half-step solves
the whole problem exactly for one side, so there is no learning rate, a few
sweeps are enough, and every user (every movie) is solved independently:
what Spark MLlib's ALS spreads over a cluster.

The penalty of a row is ``reg * n_ratings_of_that_row * |row|^2`` (the
"weighted-lambda" form Spark uses for ``regParam``), so ``reg`` means the same
for a user with 5 ratings and one with 500.

Introduced in notebooks/13_scaling_up_and_out.ipynb. The fitted rows load
into ``cfcourse.models.DotProductBias(..., y_range=None)`` (``to_model``), so
predictions use the package's equation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from cfcourse.models import DotProductBias

__all__ = ["ALSResult", "solve_rows", "fit_als"]


def solve_rows(
    row_idx: np.ndarray, other: np.ndarray, targets: np.ndarray, n_rows: int, reg: float
) -> tuple[np.ndarray, np.ndarray]:
    """One half-step of ALS: the best factors and bias of every row, the other side held fixed.

    For row ``r`` with ratings ``y`` of the other side's rows ``X`` (one per
    rating), solve ``min |y - [X, 1] w|^2 + reg * len(y) * |w|^2`` for
    ``w = [factors, bias]``: ``w = ([X, 1]^T [X, 1] + reg * len(y) * I)^-1 [X, 1]^T y``.

    Parameters
    ----------
    row_idx : ndarray of shape (n_ratings,), int
        The row (user, or movie) of each rating.
    other : ndarray of shape (n_ratings, n_factors), float64
        The other side's factors for each rating (``item_factors[item_idx]``
        when solving users).
    targets : ndarray of shape (n_ratings,), float64
        What the row must explain: rating - global mean - the other side's bias.
    n_rows : int
    reg : float
        Penalty per rating of the row (Spark's ``regParam``).

    Returns
    -------
    factors : ndarray of shape (n_rows, n_factors), float64
    bias : ndarray of shape (n_rows,), float64
        Rows without ratings get zeros.
    """
    x = np.hstack([other, np.ones((len(other), 1))])  # [X, 1]: the bias is one more factor
    k1 = x.shape[1]
    gram = np.zeros((n_rows, k1, k1))
    np.add.at(gram, row_idx, x[:, :, None] * x[:, None, :])  # sum of x x^T per row
    rhs = np.zeros((n_rows, k1))
    np.add.at(rhs, row_idx, x * targets[:, None])
    counts = np.bincount(row_idx, minlength=n_rows)
    gram += (reg * np.maximum(counts, 1))[:, None, None] * np.eye(k1)
    w = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    return w[:, :-1], w[:, -1]


@dataclass
class ALSResult:
    """Rows learned by ``fit_als``.

    Attributes
    ----------
    global_mean : float
    user_factors : ndarray of shape (n_users, n_factors), float64
    item_factors : ndarray of shape (n_items, n_factors), float64
    user_bias, item_bias : ndarray of shape (n_users,) / (n_items,), float64
    train_rmse : list of float
        RMSE on the training ratings after each sweep (users, then movies).
    """

    global_mean: float
    user_factors: np.ndarray
    item_factors: np.ndarray
    user_bias: np.ndarray
    item_bias: np.ndarray
    train_rmse: list[float] = field(default_factory=list)

    def predict(self, user_idx, item_idx) -> np.ndarray:
        """``global_mean + user_bias + item_bias + user_factors . item_factors`` for pairs; shape (n,)."""
        u, i = np.asarray(user_idx), np.asarray(item_idx)
        dot = np.einsum("nk,nk->n", self.user_factors[u], self.item_factors[i])
        return self.global_mean + self.user_bias[u] + self.item_bias[i] + dot

    def to_model(self) -> DotProductBias:
        """The rows in a ``DotProductBias(y_range=None)``; the global mean goes into the movie biases."""
        n_users, k = self.user_factors.shape
        model = DotProductBias(n_users, len(self.item_factors), k, y_range=None)
        with torch.no_grad():
            model.user_factors.weight.copy_(torch.from_numpy(self.user_factors))
            model.item_factors.weight.copy_(torch.from_numpy(self.item_factors))
            model.user_bias.weight.copy_(torch.from_numpy(self.user_bias[:, None]))
            model.item_bias.weight.copy_(torch.from_numpy(self.item_bias[:, None] + self.global_mean))
        return model


def fit_als(
    user_idx,
    item_idx,
    ratings,
    n_users: int,
    n_items: int,
    *,
    n_factors: int = 10,
    reg: float = 0.1,
    sweeps: int = 10,
    init_std: float = 0.1,
    seed: int = 0,
) -> ALSResult:
    """Fit factors and biases by alternating exact least-squares solves.

    Parameters
    ----------
    user_idx, item_idx : array-like of shape (n_ratings,), int
        Contiguous indices (``cfcourse.split.encode``).
    ratings : array-like of shape (n_ratings,), float
    n_users, n_items : int
    n_factors : int, default 10
        Spark's ``rank``.
    reg : float, default 0.1
        Penalty per rating of a row (Spark's ``regParam``).
    sweeps : int, default 10
        Each sweep solves all users, then all movies (Spark's ``maxIter``).
    init_std : float, default 0.1
        Standard deviation of the movies' starting factors.
    seed : int, default 0

    Returns
    -------
    ALSResult
    """
    u, i = np.asarray(user_idx, dtype=np.int64), np.asarray(item_idx, dtype=np.int64)
    y = np.asarray(ratings, dtype=np.float64)
    if not len(u) == len(i) == len(y) > 0:
        raise ValueError(f"user_idx, item_idx and ratings need the same non-zero length, got {len(u)}, {len(i)}, {len(y)}.")
    if not reg > 0:
        raise ValueError(f"reg must be > 0 (it keeps every solve well-posed), got {reg!r}; try 0.1.")
    if int(sweeps) != sweeps or sweeps < 1:
        raise ValueError(f"sweeps must be a positive integer, got {sweeps!r}.")
    rng = np.random.default_rng(seed)
    result = ALSResult(
        global_mean=float(y.mean()),
        user_factors=np.zeros((n_users, n_factors)),
        item_factors=rng.normal(0.0, init_std, size=(n_items, n_factors)),
        user_bias=np.zeros(n_users),
        item_bias=np.zeros(n_items),
    )
    centred = y - result.global_mean
    for _ in range(int(sweeps)):
        result.user_factors, result.user_bias = solve_rows(
            u, result.item_factors[i], centred - result.item_bias[i], n_users, reg
        )
        result.item_factors, result.item_bias = solve_rows(
            i, result.user_factors[u], centred - result.user_bias[u], n_items, reg
        )
        result.train_rmse.append(float(np.sqrt(np.mean((result.predict(u, i) - y) ** 2))))
    return result

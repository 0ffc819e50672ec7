"""The masked loss: mean squared error over the ratings we actually have.

Introduced in notebooks/04_masked_loss.ipynb. A 0 in the ratings table means
"not watched", not "rated zero stars", so the loss averages only over observed
cells, and which cells are observed is said by an explicit ``mask``. The same
loss can be computed on the dense table or on the long table of
(user, movie, rating) rows; ``to_long`` and ``to_dense`` convert between them.

Every function here works on numpy arrays and on torch tensors (the notebooks
start with numpy and move to torch). The code is written once with ``xp``
standing for whichever module the inputs come from: ``xp.where`` is
``np.where`` or ``torch.where``. Torch inputs keep their gradients.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Union

import numpy as np
from numpy.typing import ArrayLike

from .validation import check_indices

if TYPE_CHECKING:  # only for the annotations: importing torch is slow
    from torch import Tensor

Array = Union[np.ndarray, "Tensor"]
"""A numpy array or a torch tensor: every function here takes either."""


def _is_tensor(x) -> bool:
    # If torch was never imported, x cannot be a tensor: no slow import here.
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _namespace(*arrays):
    """(xp, arrays): torch and tensors if any input is a tensor, else numpy and ndarrays."""
    if any(_is_tensor(a) for a in arrays):
        torch = sys.modules["torch"]
        return torch, [torch.as_tensor(a) for a in arrays]
    return np, [np.asarray(a) for a in arrays]


def _check_same_shape(**arrays) -> None:
    shapes = {name: tuple(a.shape) for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"shapes differ: {listed}; they must match cell for cell.")


def _check_mask(xp, ratings, mask):
    """``mask`` as booleans, after checking it is 0/1, not empty, and hides no NaN rating."""
    if not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError(
            "mask must hold only 0/1 or False/True (1 = observed); "
            "build it from the data, e.g. mask = ~np.isnan(ratings)."
        )
    mask = mask != 0
    if not bool(mask.any()):
        raise ValueError("mask has no observed entry (all 0): a mean over no ratings is undefined.")
    if bool(xp.isnan(ratings[mask]).any()):
        raise ValueError(
            "ratings has NaN at observed positions (mask = 1); "
            "set mask to 0 where a rating is missing."
        )
    return mask


def mse(predictions: Array, ratings: Array) -> np.float64 | Tensor:
    """Mean squared error over every entry: ``mean((predictions - ratings) ** 2)``.

    Introduced in notebooks/04_masked_loss.ipynb. On a ratings table with 0 for
    "not watched" this is the wrong loss: it rewards predicting 0.

    Parameters
    ----------
    predictions : ndarray or Tensor, any shape
    ratings : ndarray or Tensor of the same shape

    Returns
    -------
    loss : float64 scalar, or 0-d Tensor if an input is a tensor
    """
    xp, (predictions, ratings) = _namespace(predictions, ratings)
    _check_same_shape(predictions=predictions, ratings=ratings)
    return ((predictions - ratings) ** 2).mean()


def masked_mse(predictions: Array, ratings: Array, mask: Array) -> np.float64 | Tensor:
    """Mean squared error over the observed entries only.

    Introduced in notebooks/04_masked_loss.ipynb::

        loss = sum(mask * (predictions - ratings) ** 2) / sum(mask)

    Unobserved cells contribute nothing, so their gradient is exactly 0, and
    their ``ratings`` value (0, NaN, anything) does not matter.

    Parameters
    ----------
    predictions : ndarray or Tensor of shape (n_users, n_items)
    ratings : ndarray or Tensor of shape (n_users, n_items)
    mask : ndarray or Tensor of shape (n_users, n_items), bool or 0/1
        1/True where a rating is observed. Never inferred from zeros.
        (Any shape works, e.g. (batch,), as long as all three agree.)

    Returns
    -------
    loss : float64 scalar, or 0-d Tensor if an input is a tensor

    Raises
    ------
    ValueError
        If shapes differ, the mask is not 0/1 or has no observed entry, or an
        observed rating is NaN.

    Examples
    --------
    >>> masked_mse(np.array([[4.0, 1.0]]), np.array([[5.0, 0.0]]), np.array([[1, 0]]))
    np.float64(1.0)
    """
    xp, (predictions, ratings, mask) = _namespace(predictions, ratings, mask)
    _check_same_shape(predictions=predictions, ratings=ratings, mask=mask)
    mask = _check_mask(xp, ratings, mask)
    ratings = xp.where(mask, ratings, 0)  # unobserved cells: any value, even NaN, becomes 0
    squared_errors = xp.where(mask, (predictions - ratings) ** 2, 0)
    return squared_errors.sum() / mask.sum()


def long_mse(predictions: Array, user_idx: ArrayLike, item_idx: ArrayLike, ratings: Array) -> np.float64 | Tensor:
    """The same loss on the long table: one term per (user, movie, rating) row.

    Introduced in notebooks/04_masked_loss.ipynb::

        loss = mean_r (predictions[user_idx[r], item_idx[r]] - ratings[r]) ** 2

    ``long_mse(predictions, *to_long(ratings, mask))`` equals
    ``masked_mse(predictions, ratings, mask)``.

    Parameters
    ----------
    predictions : ndarray or Tensor of shape (n_users, n_items)
        The predicted table.
    user_idx, item_idx : array-like of int, shape (batch,)
    ratings : ndarray or Tensor of shape (batch,)
        The rating in each row of the long table.

    Returns
    -------
    loss : float64 scalar, or 0-d Tensor if an input is a tensor
    """
    xp, (predictions, ratings) = _namespace(predictions, ratings)
    if predictions.ndim != 2:
        raise ValueError(
            f"predictions must be the (n_users, n_items) table; got shape {tuple(predictions.shape)}."
        )
    _check_same_shape(user_idx=np.asarray(user_idx), item_idx=np.asarray(item_idx), ratings=ratings)
    user_idx = check_indices(user_idx, predictions.shape[0], "user_idx")
    item_idx = check_indices(item_idx, predictions.shape[1], "item_idx")
    return mse(predictions[user_idx, item_idx], ratings)


def to_long(ratings: Array, mask: Array) -> tuple[Array, Array, Array]:
    """Dense table to long format: one (user_idx, item_idx, rating) row per observed cell.

    Introduced in notebooks/04_masked_loss.ipynb. Rows come in table order
    (user by user, movies left to right).

    Parameters
    ----------
    ratings : ndarray or Tensor of shape (n_users, n_items)
    mask : ndarray or Tensor of shape (n_users, n_items), bool or 0/1

    Returns
    -------
    user_idx, item_idx : ndarray or Tensor of int64, shape (n_observed,)
    values : ndarray or Tensor of shape (n_observed,)
        ``ratings[user_idx, item_idx]``; a torch tensor keeps its gradient.

    Raises
    ------
    ValueError
        As ``masked_mse``: shapes differ, bad or empty mask, NaN observed rating.
    """
    xp, (ratings, mask) = _namespace(ratings, mask)
    if ratings.ndim != 2:
        raise ValueError(f"ratings must be a (n_users, n_items) table; got shape {tuple(ratings.shape)}.")
    _check_same_shape(ratings=ratings, mask=mask)
    mask = _check_mask(xp, ratings, mask)
    user_idx, item_idx = xp.where(mask)
    return user_idx, item_idx, ratings[user_idx, item_idx]


def to_dense(user_idx: ArrayLike, item_idx: ArrayLike, values: Array, shape: tuple[int, int]) -> tuple[Array, Array]:
    """Long format to a dense table and its mask; unobserved cells hold 0.

    Introduced in notebooks/04_masked_loss.ipynb. The inverse of ``to_long``.

    Parameters
    ----------
    user_idx, item_idx : array-like of int, shape (n_observed,)
    values : ndarray or Tensor of shape (n_observed,)
    shape : (n_users, n_items)

    Returns
    -------
    ratings : ndarray or Tensor of shape (n_users, n_items)
        Same dtype as ``values``; a torch tensor keeps its gradient.
    mask : ndarray or Tensor of bool, shape (n_users, n_items)

    Raises
    ------
    ValueError
        If lengths differ, an id is out of range for ``shape``, or a
        (user, movie) pair appears twice.
    """
    xp, (values,) = _namespace(values)
    n_users, n_items = shape
    _check_same_shape(user_idx=np.asarray(user_idx), item_idx=np.asarray(item_idx), values=values)
    user_idx = check_indices(user_idx, n_users, "user_idx")
    item_idx = check_indices(item_idx, n_items, "item_idx")
    pairs, counts = np.unique(np.stack([user_idx, item_idx], axis=1), axis=0, return_counts=True)
    if (counts > 1).any():
        raise ValueError(
            f"(user_idx, item_idx) pairs appear more than once: {pairs[counts > 1][:5].tolist()}; "
            f"a table holds one rating per cell, so aggregate duplicates first (e.g. keep the latest)."
        )
    ratings = xp.zeros(shape, dtype=values.dtype)
    mask = xp.zeros(shape, dtype=bool)
    ratings[user_idx, item_idx] = values
    mask[user_idx, item_idx] = True
    return ratings, mask

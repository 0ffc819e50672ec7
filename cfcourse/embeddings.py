"""Embeddings: a user or a movie as a row of a matrix, looked up by id.

Introduced in notebooks/03_embeddings.ipynb. Multiplying a one-hot row by a
matrix picks out one of its rows; ``embedding_lookup`` does the same by
indexing, without building the mostly-zero one-hot matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from cfcourse.validation import check_indices, check_positive_int

if TYPE_CHECKING:  # only for the annotations: importing torch is slow
    from torch import Tensor


def one_hot(idx: ArrayLike, n: int) -> np.ndarray:
    """One-hot rows: row ``r`` is all zeros except a 1 in column ``idx[r]``.

    Introduced in notebooks/03_embeddings.ipynb.

    Parameters
    ----------
    idx : int or array-like of int, shape (batch,)
        Ids in ``0 .. n-1``.
    n : int
        Number of columns (users or movies there are).

    Returns
    -------
    rows : ndarray of float64, shape ``idx.shape + (n,)``
        ``one_hot(idx, n) @ weights`` equals ``embedding_lookup(weights, idx)``.

    Raises
    ------
    TypeError
        If ``idx`` is not integer.
    ValueError
        If an id is outside ``0 .. n-1``; the message lists the bad ids and ``n``.

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    idx = check_indices(idx, n)
    rows = np.zeros((idx.size, n))
    rows[np.arange(idx.size), idx.ravel()] = 1.0
    return rows.reshape(idx.shape + (n,))


def embedding_lookup(weights: np.ndarray | Tensor, idx: ArrayLike) -> np.ndarray | Tensor:
    """Rows ``weights[idx]`` of an embedding matrix, checked like ``one_hot``.

    Introduced in notebooks/03_embeddings.ipynb. Same result as
    ``one_hot(idx, len(weights)) @ weights``, without the multiplication.

    Parameters
    ----------
    weights : ndarray or Tensor of shape (n, n_factors)
        One row per user (``user_factors``) or per movie (``item_factors``).
    idx : int or array-like of int, shape (batch,)
        Ids in ``0 .. n-1``.

    Returns
    -------
    rows : ndarray or Tensor of shape ``idx.shape + (n_factors,)``
        Same type as ``weights``; a torch tensor keeps its gradient.

    Raises
    ------
    TypeError, ValueError
        As ``one_hot``: non-integer ids, or ids outside ``0 .. n-1``.
    """
    if weights.ndim != 2:
        raise ValueError(
            f"weights must have shape (n, n_factors), one row per id; got shape {tuple(weights.shape)}."
        )
    return weights[check_indices(idx, weights.shape[0])]


def dot_scores(
    user_factors: np.ndarray | Tensor,
    item_factors: np.ndarray | Tensor,
    user_idx: ArrayLike,
    item_idx: ArrayLike,
) -> np.ndarray | Tensor:
    """Dot product of user ``user_idx[r]`` with movie ``item_idx[r]``, for each row ``r``.

    Introduced in notebooks/03_embeddings.ipynb:
    ``score[r] = sum_f user_factors[user_idx[r], f] * item_factors[item_idx[r], f]``.

    Parameters
    ----------
    user_factors : ndarray or Tensor of shape (n_users, n_factors)
    item_factors : ndarray or Tensor of shape (n_items, n_factors)
    user_idx, item_idx : array-like of int, shape (batch,)
        Pairs to score, e.g. the rows of a long ratings table.

    Returns
    -------
    scores : ndarray or Tensor of shape (batch,)

    Raises
    ------
    ValueError
        If ``user_idx`` and ``item_idx`` differ in length, the factor sizes
        differ, or an id is out of range.

    Examples
    --------
    >>> user_factors = np.array([[100.0, 0.0, 50.0]])  # (action, romance, comedy)
    >>> item_factors = np.array([[0.0, 73.0, 27.0]])   # mostly romance, some comedy
    >>> dot_scores(user_factors, item_factors, [0], [0])
    array([1350.])
    """
    if np.shape(user_idx) != np.shape(item_idx):
        raise ValueError(
            f"user_idx and item_idx must pair up one to one; got shapes "
            f"{np.shape(user_idx)} and {np.shape(item_idx)}."
        )
    users = embedding_lookup(user_factors, check_indices(user_idx, len(user_factors), "user_idx"))
    items = embedding_lookup(item_factors, check_indices(item_idx, len(item_factors), "item_idx"))
    if users.shape[-1] != items.shape[-1]:
        raise ValueError(
            f"user_factors has {users.shape[-1]} factors but item_factors has {items.shape[-1]}; "
            f"both need the same n_factors to take dot products."
        )
    return (users * items).sum(-1)


def pca(vectors: ArrayLike, n_components: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal components of a set of vectors: the movie map of notebooks/09_what_the_model_learned.ipynb.

    Centre the rows, take the SVD ``X_c = U S V^T``, and project on the first
    ``n_components`` rows of ``V^T``: the directions along which the vectors
    differ most.

    Parameters
    ----------
    vectors : array-like of shape (n, k)
        E.g. movie factors; computed in float64.
    n_components : int, default 2
        At most ``min(n, k)``.

    Returns
    -------
    coords : ndarray of shape (n, n_components)
        ``X_c @ components.T``: each vector's place on the map.
    components : ndarray of shape (n_components, k)
        The directions (unit rows of ``V^T``); any other vector of the same
        space, a user's say, points along ``vector @ components.T`` on the map.
    explained : ndarray of shape (min(n, k),)
        Each direction's share of the variance, ``S**2 / sum(S**2)``, largest first.
    """
    X = np.asarray(vectors, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"vectors must have shape (n, k), got {X.shape}.")
    check_positive_int(n_components, "n_components")
    if n_components > min(X.shape):
        raise ValueError(f"n_components={n_components}, but {X.shape[0]} vectors of size {X.shape[1]} have at most "
                         f"{min(X.shape)} components; ask for fewer.")  # fmt: skip
    X_c = X - X.mean(axis=0)
    _, S, Vt = np.linalg.svd(X_c, full_matrices=False)
    components = Vt[:n_components]
    return X_c @ components.T, components, S**2 / np.sum(S**2)

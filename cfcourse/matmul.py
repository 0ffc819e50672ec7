"""Matrix multiplication by hand, and the table it builds.

Introduced in notebooks/02_matrix_multiplication.ipynb. ``matmul`` and
``transpose`` are written with plain loops so you can read every step; numpy's
``a @ b`` and ``a.T`` compute the same thing, much faster. ``matmul_shape`` applies
the shape rule ``(n, k) @ (k, p) -> (n, p)`` to shapes alone. ``predict_table``
multiplies the user matrix by the transpose of the movie matrix: the result has
the shape of the ratings table, one predicted rating per (user, movie) cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:  # only for the annotations: importing torch is slow
    from torch import Tensor


def _check_2d(shape: tuple[int, ...], name: str) -> None:
    """A ValueError saying why ``shape`` is not the shape of a 2-D table."""
    if len(shape) != 2:
        raise ValueError(
            f"{name} must be a 2-D table (rows x columns); got shape {shape}. "
            f"Write a single row as [[1, 2, 3]], not [1, 2, 3]."
        )


def _as_table(a, name: str) -> np.ndarray:
    """``a`` as a 2-D numpy array, or a ValueError saying why it is not one."""
    a = np.asarray(a)
    _check_2d(a.shape, name)
    return a


def matmul_shape(a_shape: tuple[int, int], b_shape: tuple[int, int]) -> tuple[int, int]:
    """The shape of ``a @ b`` from the two shapes alone: ``(n, k) @ (k, p) -> (n, p)``.

    Introduced in notebooks/02_matrix_multiplication.ipynb. The inner sizes
    (the two ``k``) must agree and disappear; the outer sizes are the answer.

    Parameters
    ----------
    a_shape, b_shape : tuple of two ints
        ``(n, k)`` and ``(k, p)``, e.g. ``a.shape`` and ``b.shape``.

    Returns
    -------
    shape : tuple of two ints
        ``(n, p)``.

    Raises
    ------
    ValueError
        If a shape does not have two sizes, or if the inner sizes differ; the
        message names both shapes and suggests the transpose that would fit.

    Examples
    --------
    >>> matmul_shape((610, 10), (10, 9742))
    (610, 9742)
    """
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    _check_2d(a_shape, "a")
    _check_2d(b_shape, "b")
    (n, k), (k_b, p) = a_shape, b_shape
    if k != k_b:
        if a_shape[1] == b_shape[1]:
            hint = "did you mean a @ b.T?"
        elif a_shape[0] == b_shape[0]:
            hint = "did you mean a.T @ b?"
        else:
            hint = "transpose or reshape one of them so the inner sizes agree."
        raise ValueError(
            f"{a_shape} @ {b_shape}: the inner sizes {k} and {k_b} differ; "
            f"an (n, k) @ (k, p) product needs the columns of a to match the rows of b; {hint}"
        )
    return int(n), int(p)


def matmul(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Multiply two matrices with three loops: ``out[i, j] = sum_k a[i, k] * b[k, j]``.

    Introduced in notebooks/02_matrix_multiplication.ipynb.

    Parameters
    ----------
    a : array-like of shape (n, k)
    b : array-like of shape (k, p)
        Lists of lists work too. The inner sizes must agree: the number of
        columns of ``a`` equals the number of rows of ``b``.

    Returns
    -------
    out : ndarray of shape (n, p)
        Equal to ``a @ b`` (same dtype numpy would give).

    Raises
    ------
    ValueError
        If an input is not 2-D, or if the inner sizes differ; the message names
        both shapes and suggests the transpose that would fit.

    Examples
    --------
    >>> matmul([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1], [1, 1]])
    array([[ 4,  5],
           [10, 11]])
    """
    a, b = _as_table(a, "a"), _as_table(b, "b")
    n, p = matmul_shape(a.shape, b.shape)
    k = a.shape[1]
    out = np.zeros((n, p), dtype=np.result_type(a, b))
    for i in range(n):  # each row of a ...
        for j in range(p):  # ... against each column of b
            total = 0
            for step in range(k):
                total += a[i, step] * b[step, j]
            out[i, j] = total
    return out


def transpose(a: ArrayLike) -> np.ndarray:
    """Swap rows and columns by hand: ``out[j, i] = a[i, j]``.

    Introduced in notebooks/02_matrix_multiplication.ipynb.

    Parameters
    ----------
    a : array-like of shape (n, p)

    Returns
    -------
    out : ndarray of shape (p, n)
        Equal to ``a.T``.
    """
    a = _as_table(a, "a")
    n, p = a.shape
    out = np.zeros((p, n), dtype=a.dtype)
    for i in range(n):
        for j in range(p):
            out[j, i] = a[i, j]
    return out


def predict_table(user_factors: ArrayLike | Tensor, item_factors: ArrayLike | Tensor) -> np.ndarray | Tensor:
    """Every user's vector dotted with every movie's vector: ``user_factors @ item_factors.T``.

    Introduced in notebooks/02_matrix_multiplication.ipynb. Cell ``[u, i]`` of
    the result is the dot product of user ``u``'s row with movie ``i``'s row, so
    the result has the shape of the ratings table.

    Parameters
    ----------
    user_factors : ndarray or Tensor of shape (n_users, n_factors)
    item_factors : ndarray or Tensor of shape (n_items, n_factors)
        Lists are turned into arrays; torch tensors stay tensors (and keep
        their gradients).

    Returns
    -------
    predictions : ndarray or Tensor of shape (n_users, n_items)

    Raises
    ------
    ValueError
        If an input is not 2-D, or if the two have different numbers of factors.
    """
    if isinstance(user_factors, list):
        user_factors = np.asarray(user_factors, dtype=float)
    if isinstance(item_factors, list):
        item_factors = np.asarray(item_factors, dtype=float)
    for name, factors in [("user_factors", user_factors), ("item_factors", item_factors)]:
        if factors.ndim != 2:
            raise ValueError(
                f"{name} must have shape (n, n_factors), one row per user or movie; "
                f"got shape {tuple(factors.shape)}."
            )
    if user_factors.shape[1] != item_factors.shape[1]:
        raise ValueError(
            f"user_factors {tuple(user_factors.shape)} and item_factors {tuple(item_factors.shape)} "
            f"must have the same number of factors (columns), got {user_factors.shape[1]} "
            f"and {item_factors.shape[1]}; pass movies as rows: item_factors has shape (n_items, n_factors)."
        )
    return user_factors @ item_factors.T

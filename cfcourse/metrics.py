"""How far predictions are from the real ratings: RMSE and MAE.

Introduced in notebooks/05_gradient_descent.ipynb, where the validation RMSE
becomes the number every later step has to beat. Both metrics take numpy
arrays or torch tensors (or a mix) and return a plain Python float, computed in
float64.
"""

from __future__ import annotations

import numpy as np
import torch

from cfcourse.columns import RATING_MAX, RATING_MIN

__all__ = ["rmse", "mae"]


def _as_float64(x, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"{name} must be numeric, got dtype {x.dtype}.")
    return x.astype(np.float64)


def _errors(predictions, ratings, clip) -> np.ndarray:
    pred = _as_float64(predictions, "predictions")
    true = _as_float64(ratings, "ratings")
    if pred.shape != true.shape:
        raise ValueError(
            f"predictions and ratings must have the same shape, got {pred.shape} and {true.shape}; "
            "pass one prediction per rating (flatten both, or select the observed entries with the mask)."
        )
    if pred.size == 0:
        raise ValueError("predictions and ratings are empty: there is nothing to score.")
    for name, arr in (("predictions", pred), ("ratings", true)):
        if np.isnan(arr).any():
            raise ValueError(f"{name} contains {int(np.isnan(arr).sum())} NaN value(s); score only observed ratings.")
    if clip is True:
        clip = (RATING_MIN, RATING_MAX)
    if clip is not False and clip is not None:
        low, high = clip
        pred = np.clip(pred, low, high)
    return pred - true


def rmse(predictions, ratings, *, clip: bool | tuple[float, float] = False) -> float:
    """Root mean squared error, ``sqrt(mean((predictions - ratings) ** 2))``.

    Parameters
    ----------
    predictions, ratings : ndarray or Tensor of the same shape, non-empty
    clip : bool or (float, float), default False
        ``True`` clips predictions to the rating scale
        ``[RATING_MIN, RATING_MAX]`` = [0.5, 5.0] first; a pair clips to that
        range; ``False`` scores predictions as they are.

    Returns
    -------
    float

    Examples
    --------
    >>> rmse(np.array([3.0, 4.0]), np.array([4.0, 4.0]))
    0.7071067811865476
    """
    return float(np.sqrt(np.mean(_errors(predictions, ratings, clip) ** 2)))


def mae(predictions, ratings, *, clip: bool | tuple[float, float] = False) -> float:
    """Mean absolute error, ``mean(|predictions - ratings|)``.

    Parameters are as for ``rmse``.

    Examples
    --------
    >>> mae(np.array([3.0, 4.0]), np.array([4.0, 4.0]))
    0.5
    """
    return float(np.mean(np.abs(_errors(predictions, ratings, clip))))

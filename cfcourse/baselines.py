"""Baselines: what a model has to beat, each a tiny ``fit`` / ``predict`` estimator.

Introduced in notebooks/08_training.ipynb, where every model of the course is
compared with them on the same split. From the simplest to the strongest:

- ``GlobalMean``: the mean training rating, for everyone;
- ``UserMean``: each user's mean rating (generous raters get more stars);
- ``ItemMean``: each movie's mean rating (loved movies get more stars);
- ``BiasBaseline``: ``global_mean + user_bias[u] + item_bias[i]``, the regularised
  bias-only model of ``cfcourse.factorization.baseline_biases``.

All take frames with the columns ``userId``, ``movieId`` (and ``rating`` for
``fit``), as ``cfcourse.data.load_ratings`` and the parts of
``cfcourse.split.train_valid_split`` have. A user or movie never seen in
``fit`` falls back to the global mean (for ``BiasBaseline``: its unknown bias
counts as 0). Like scikit-learn estimators, ``__init__`` only stores the
arguments, learned state ends in ``_`` and ``fit`` returns ``self``.

>>> from cfcourse.baselines import UserMean            # doctest: +SKIP
>>> UserMean().fit(split.train).predict(split.valid)    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.ratings import check_ratings
from cfcourse.validation import check_is_fitted, check_positive_int, check_real, check_y_range

__all__ = ["GlobalMean", "UserMean", "ItemMean", "BiasBaseline", "baseline_biases"]


def baseline_biases(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    ratings: np.ndarray,
    n_users: int,
    n_items: int,
    *,
    reg_user: float = 5.0,
    reg_item: float = 5.0,
    sweeps: int = 5,
) -> tuple[float, np.ndarray, np.ndarray]:
    """The bias-only baseline: ``rating ~ global_mean + user_bias[u] + item_bias[i]``.

    Regularised least squares solved by alternating exact sweeps: each movie's
    bias is the shrunk mean of its residuals, ``sum(r - mean - user_bias) /
    (count + reg_item)``, then each user's likewise, ``sweeps`` times.

    Parameters
    ----------
    user_idx, item_idx : ndarray of shape (n_ratings,), int
        Contiguous indices (``cfcourse.split.encode``).
    ratings : ndarray of shape (n_ratings,), float
    n_users, n_items : int
    reg_user, reg_item : float, default 5.0
        Shrinkage: how many ratings' worth of "the bias is 0" each bias starts with.
    sweeps : int, default 5

    Returns
    -------
    global_mean : float
    user_bias : ndarray of shape (n_users,), float64
    item_bias : ndarray of shape (n_items,), float64
    """
    ratings = np.asarray(ratings, dtype=np.float64)
    user_idx, item_idx = np.asarray(user_idx), np.asarray(item_idx)
    mean = float(ratings.mean())
    user_count = np.bincount(user_idx, minlength=n_users)
    item_count = np.bincount(item_idx, minlength=n_items)
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    for _ in range(sweeps):
        residual = ratings - mean - user_bias[user_idx]
        item_bias = np.bincount(item_idx, weights=residual, minlength=n_items) / (item_count + reg_item)
        residual = ratings - mean - item_bias[item_idx]
        user_bias = np.bincount(user_idx, weights=residual, minlength=n_users) / (user_count + reg_user)
    return mean, user_bias, item_bias



class _Baseline:
    """Shared checks: ``fit`` validates ratings, ``predict`` needs a fitted estimator."""

    def _fit_check(self, ratings: pd.DataFrame) -> pd.DataFrame:
        return check_ratings(ratings)

    def _predict_check(self, frame: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "global_mean_", "predict")
        return check_ratings(frame, columns=(USER, ITEM), scale=None, allow_duplicates=True)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"


class GlobalMean(_Baseline):
    """Predict the mean training rating for every (user, movie) pair.

    Attributes
    ----------
    global_mean_ : float
        Mean of the training ratings.
    """

    def fit(self, ratings: pd.DataFrame) -> GlobalMean:
        """Learn the mean rating.

        Parameters
        ----------
        ratings : DataFrame with columns ``userId``, ``movieId``, ``rating``

        Returns
        -------
        self
        """
        self._fit_check(ratings)
        self.global_mean_ = float(ratings[RATING].mean())
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The global mean for each row of ``frame``.

        Parameters
        ----------
        frame : DataFrame with columns ``userId``, ``movieId``

        Returns
        -------
        ndarray of shape (len(frame),), float64
        """
        self._predict_check(frame)
        return np.full(len(frame), self.global_mean_)


class _GroupMean(_Baseline):
    _column: str

    def fit(self, ratings: pd.DataFrame):
        """Learn the global mean and the mean rating of each id.

        Parameters
        ----------
        ratings : DataFrame with columns ``userId``, ``movieId``, ``rating``

        Returns
        -------
        self
        """
        self._fit_check(ratings)
        self.global_mean_ = float(ratings[RATING].mean())
        self.means_ = ratings.groupby(self._column)[RATING].mean().astype(np.float64)
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The mean rating of each row's id; the global mean for ids not seen in ``fit``.

        Parameters
        ----------
        frame : DataFrame with columns ``userId``, ``movieId``

        Returns
        -------
        ndarray of shape (len(frame),), float64
        """
        self._predict_check(frame)
        return self.means_.reindex(frame[self._column].to_numpy()).fillna(self.global_mean_).to_numpy(np.float64)


class UserMean(_GroupMean):
    """Predict each user's mean training rating, whatever the movie.

    Attributes
    ----------
    global_mean_ : float
        Mean of all training ratings: the prediction for unknown users.
    means_ : Series of float64, indexed by userId
        Each user's mean rating.
    """

    _column = USER


class ItemMean(_GroupMean):
    """Predict each movie's mean training rating, whoever the user.

    Attributes
    ----------
    global_mean_ : float
        Mean of all training ratings: the prediction for unknown movies.
    means_ : Series of float64, indexed by movieId
        Each movie's mean rating.
    """

    _column = ITEM


class BiasBaseline(_Baseline):
    """Biases only: ``global_mean + user_bias[u] + item_bias[i]``, regularised.

    Fitted by ``cfcourse.factorization.baseline_biases`` (alternating exact
    sweeps of shrunk means). Unknown users or movies get a bias of 0, so a
    pair with both unknown gets the global mean. Predictions are clipped to the
    rating scale [0.5, 5].

    Parameters
    ----------
    reg_user, reg_item : float, default 5.0
        Shrinkage: how many ratings' worth of "the bias is 0" each bias starts
        with. A movie with 2 ratings gets 2/7 of its mean residual.
    sweeps : int, default 5
    scale : (float, float), default (0.5, 5.0)
        The rating scale: ratings outside it are refused, predictions clipped to it.

    Attributes
    ----------
    global_mean_ : float
    user_bias_ : Series of float64, indexed by userId
    item_bias_ : Series of float64, indexed by movieId
    """

    def __init__(
        self, reg_user: float = 5.0, reg_item: float = 5.0, sweeps: int = 5, scale: tuple[float, float] = (RATING_MIN, RATING_MAX)
    ) -> None:
        self.reg_user = reg_user
        self.reg_item = reg_item
        self.sweeps = sweeps
        self.scale = scale

    def fit(self, ratings: pd.DataFrame) -> BiasBaseline:
        """Learn the global mean and the regularised biases.

        Parameters
        ----------
        ratings : DataFrame with columns ``userId``, ``movieId``, ``rating``

        Returns
        -------
        self
        """
        check_ratings(ratings, scale=check_y_range(self.scale, "scale", example="(0.5, 5.0)"))
        for name in ("reg_user", "reg_item"):
            check_real(getattr(self, name), name, low=0, hint="5.0 is a good start")
        check_positive_int(self.sweeps, "sweeps")
        user_ids, user_idx = np.unique(ratings[USER].to_numpy(), return_inverse=True)
        item_ids, item_idx = np.unique(ratings[ITEM].to_numpy(), return_inverse=True)
        mean, user_bias, item_bias = baseline_biases(
            user_idx, item_idx, ratings[RATING].to_numpy(np.float64), len(user_ids), len(item_ids),
            reg_user=self.reg_user, reg_item=self.reg_item, sweeps=self.sweeps,
        )  # fmt: skip
        self.global_mean_ = mean
        self.user_bias_ = pd.Series(user_bias, index=pd.Index(user_ids, name=USER), name="user_bias")
        self.item_bias_ = pd.Series(item_bias, index=pd.Index(item_ids, name=ITEM), name="item_bias")
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Global mean plus the known biases, clipped to [0.5, 5].

        Parameters
        ----------
        frame : DataFrame with columns ``userId``, ``movieId``

        Returns
        -------
        ndarray of shape (len(frame),), float64
        """
        self._predict_check(frame)
        user_bias = self.user_bias_.reindex(frame[USER].to_numpy()).fillna(0.0).to_numpy()
        item_bias = self.item_bias_.reindex(frame[ITEM].to_numpy()).fillna(0.0).to_numpy()
        return np.clip(self.global_mean_ + user_bias + item_bias, *self.scale)

"""Why this movie: a new user's score split exactly into one piece per movie they rated.

Introduced in notebooks/12_your_recommendations.ipynb. Notebook 10 folded a new
user in "by hand" as a ridge regression in logit units (its optional box "the
formula behind the pull"): with the movies' weights fixed, stack the rated
movies' vectors with a column of ones into ``Q`` (one row ``q_j = (m_j, 1)``
per rated movie), turn each rating into the logit the sigmoid must reach,
``y_j = logit((r_j - low) / (high - low)) - b_j``, and pull towards the average
trained user ``theta0`` with the Bayesian-ridge strengths ``Lambda``::

    theta = theta0 + K (y - Q theta0),    K = (Q^T Q + Lambda)^-1 Q^T     (K: (n_factors + 1, n_rated))

``theta = (p, b_u)`` is **linear in the ratings' surprises** ``s_j = y_j - q_j . theta0``
(how far each answer is from what the average user would give). Split ``K``
into its factor rows ``K_p`` and its bias row ``K_b``; the logit of any movie
``i``, ``x_i = m_i . p + b_u + b_i``, is then exactly

    x_i = b_i                        (the movie's bias)
        + q_i . theta0               (the average user)
        + K_b . s                    (your bias: how much more generous than the average user you are)
        + sum_j (m_i . K_p[:, j]) s_j   (one taste term per rated movie j)

and the predicted rating is ``low + (high - low) * sigmoid(x_i)``. A taste term
is large when you rated ``j`` above what the average user would (the surprise)
*and* the model links ``j`` and ``i`` (``m_i . K_p[:, j]``); the bias term lifts
every movie alike. The sum is an identity of linear algebra, not an
approximation: ``explain`` returns every term and their sum,
``fold_in_linear`` the user it explains. ``MatrixFactorization.fold_in``
solves the same problem with the sigmoid kept exact (Gauss-Newton steps), so
its vector is close but not the same one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cfcourse.coldstart import FoldedUser, average_user_prior
from cfcourse.columns import ITEM, RATING
from cfcourse.errors import ColdStartError
from cfcourse.gradients import sigmoid_range, x_needed
from cfcourse.ratings import check_ratings
from cfcourse.validation import check_is_fitted, check_positive_int

__all__ = ["fold_in_linear", "explain", "reasons", "BASE_TERMS"]

BASE_TERMS = ("movie bias", "average user", "your bias")
"""The columns of ``explain`` that do not belong to one rated movie."""


def _as_frame(ratings) -> pd.DataFrame:
    """``{movieId: stars}`` or a frame with ``movieId`` and ``rating`` -> a frame with those two columns."""
    if isinstance(ratings, Mapping):
        ratings = pd.DataFrame({ITEM: list(ratings.keys()), RATING: list(ratings.values())})
    if not isinstance(ratings, pd.DataFrame):
        raise TypeError(
            f"ratings must be a dict {{movieId: stars}} or a DataFrame with columns {[ITEM, RATING]}, "
            f"got {type(ratings).__name__}."
        )
    return ratings


def _solve(mf, ratings) -> dict:
    """The pieces of the linear fold-in: rated indices, Q, theta0, K and the surprises."""
    check_is_fitted(mf, "model_", "explain")
    frame = _as_frame(ratings)
    check_ratings(frame.assign(_user=0), columns=("_user", ITEM, RATING), scale=mf.scale)
    idx = mf.item_index_.get_indexer(frame[ITEM].to_numpy())
    if (idx < 0).any():
        raise ColdStartError(
            f"{ITEM} {frame[ITEM].to_numpy()[idx < 0][:5].tolist()} never seen in training, so they have no "
            "vector to explain with; leave them out of the ratings."
        )
    low, high = mf.y_range_
    item_factors, item_bias = mf.item_factors_, mf.item_bias_
    Q = np.hstack([item_factors[idx], np.ones((len(idx), 1))])  # (n_rated, k)
    y = x_needed(frame[RATING].to_numpy(np.float64), low, high) - item_bias[idx]  # minus the movie's bias
    theta0, strengths = average_user_prior(mf.user_factors_, mf.user_bias_, noise=mf.history_.train_rmse[-1] ** 2)
    K = np.linalg.solve(Q.T @ Q + np.diag(strengths), Q.T)  # (k, n_rated)
    return {"frame": frame, "idx": idx, "theta0": theta0, "K": K, "surprise": y - Q @ theta0,
            "item_factors": item_factors, "item_bias": item_bias, "y_range": (low, high)}  # fmt: skip


def fold_in_linear(mf, ratings) -> FoldedUser:
    """A new user from a few ratings by notebook 10's linear fold-in (ridge in logit units).

    Parameters
    ----------
    mf : MatrixFactorization
        Fitted.
    ratings : dict {movieId: stars} or DataFrame with columns ``movieId``, ``rating``
        Movies seen in training, ratings inside ``mf.scale``, one per movie.

    Returns
    -------
    FoldedUser
        For ``mf.recommend`` / ``mf.predict_user``; its vector is ``theta0 + K (y - Q theta0)``.
    """
    parts = _solve(mf, ratings)
    theta = parts["theta0"] + parts["K"] @ parts["surprise"]
    return FoldedUser(user_factors=theta[:-1].copy(), user_bias=float(theta[-1]),
                      item_ids=parts["frame"][ITEM].to_numpy().copy())  # fmt: skip


def explain(mf, ratings, movie_ids) -> pd.DataFrame:
    """Each movie's score for the user of ``fold_in_linear(mf, ratings)``, split into exact terms.

    Parameters
    ----------
    mf : MatrixFactorization
        Fitted.
    ratings : dict {movieId: stars} or DataFrame with columns ``movieId``, ``rating``
    movie_ids : array-like of movieId, shape (n,)
        The movies to explain (e.g. the recommended ones).

    Returns
    -------
    DataFrame of shape (n, 3 + n_rated + 2), float64, index ``movieId``
        Columns ``"movie bias"``, ``"average user"`` and ``"your bias"``
        (``BASE_TERMS``), one column per rated movieId (its taste term), then ``"score"`` (the
        logit, exactly the sum of the terms before it) and ``"predicted"``
        (``sigmoid_range(score, *mf.y_range_)`` clipped to ``mf.scale``: the
        predicted rating).

    Examples
    --------
    >>> table = explain(mf, {260: 5.0, 1721: 1.5}, [1196])          # doctest: +SKIP
    >>> table.drop(columns=["score", "predicted"]).sum(axis=1)      # doctest: +SKIP  (== table["score"])
    """
    parts = _solve(mf, ratings)
    movie_ids = np.atleast_1d(np.asarray(movie_ids))
    target = mf.item_index_.get_indexer(movie_ids)
    if (target < 0).any():
        raise ColdStartError(f"{ITEM} {movie_ids[target < 0][:5].tolist()} never seen in training; nothing to explain.")
    m = parts["item_factors"][target]  # (n, n_factors)
    K, surprise, theta0 = parts["K"], parts["surprise"], parts["theta0"]
    terms = (m @ K[:-1]) * surprise  # (n, n_rated): m_i . K_p[:, j] * surprise_j
    table = pd.DataFrame(terms, index=pd.Index(movie_ids, name=ITEM), columns=parts["frame"][ITEM].to_numpy())
    table.insert(0, BASE_TERMS[2], float(K[-1] @ surprise))
    table.insert(0, BASE_TERMS[1], m @ theta0[:-1] + theta0[-1])
    table.insert(0, BASE_TERMS[0], parts["item_bias"][target])
    table["score"] = table.sum(axis=1)
    table["predicted"] = np.clip(sigmoid_range(table["score"].to_numpy(), *parts["y_range"]), *mf.scale)
    return table


def reasons(table: pd.DataFrame, ratings, titles: Mapping | pd.Series, n: int = 3) -> pd.Series:
    """Each explained movie's biggest positive contributions, in words.

    Parameters
    ----------
    table : DataFrame
        From ``explain``.
    ratings : dict {movieId: stars} or DataFrame with ``movieId``, ``rating``
        The same ratings ``table`` was explained from.
    titles : mapping or Series movieId -> title
    n : int, default 3
        At most this many reasons per movie.

    Returns
    -------
    Series of str, index ``movieId``
        E.g. "because you rated Matrix, The 5 stars (+0.031) and Star Wars 4.5 stars (+0.012)"; a movie
        no rating pushed up reads "mostly its movie bias: people like it whatever their taste".
    """
    check_positive_int(n, "n")
    frame = _as_frame(ratings)
    given = dict(zip(frame[ITEM].to_numpy().tolist(), frame[RATING].to_numpy().tolist()))
    rated = [c for c in table.columns if c not in (*BASE_TERMS, "score", "predicted")]
    lines = {}
    for movie_id, row in table[rated].iterrows():
        top = row[row > 0].sort_values(ascending=False, kind="stable").head(n)
        if top.empty:
            lines[movie_id] = "mostly its movie bias: people like it whatever their taste"
            continue
        parts = [f"{titles[j]} {given[j]:g} star{'' if given[j] == 1 else 's'} ({value:+.3f})" for j, value in top.items()]
        lines[movie_id] = "because you rated " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    return pd.Series(lines, name="why", dtype=object).rename_axis(ITEM)

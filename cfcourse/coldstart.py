"""The cold-start problem: what to ask a new user, and where to put a new movie.

Introduced in notebooks/10_recommending.ipynb. A trained model knows the users
and movies it was trained on. A **new user** has no vector: we ask a few
onboarding questions (rate these movies) and fold the answers in with
``MatrixFactorization.fold_in``; which movies to ask is a choice
(``onboarding_order``). A **new movie** has no ratings, but it has metadata
(genres, year): a ridge regression from the metadata of the known movies to
their learned factors and biases gives it a starting vector
(``movie_features``, ``ridge_regression``). When nothing is known, the
fallbacks are the global mean and the most popular movies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING
from cfcourse.data import GENRES, YEAR, genre_matrix

__all__ = [
    "STRATEGIES",
    "onboarding_order",
    "onboarding_answers",
    "movie_features",
    "ridge_regression",
    "genre_mean_baseline",
]

def _check_columns(frame: pd.DataFrame, name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame with columns {[ITEM, RATING]}, got {type(frame).__name__}.")
    missing = [c for c in (ITEM, RATING) if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {missing}; it has {list(frame.columns)}.")
    if frame[[ITEM, RATING]].isna().any().any():
        raise ValueError(f"{name} contains NaN in {ITEM!r} or {RATING!r}; drop those rows first.")


STRATEGIES = ("popular", "informative", "random")
"""The onboarding strategies of ``onboarding_order``."""


def onboarding_order(ratings: pd.DataFrame, strategy: str = "popular", *, seed: int = 0) -> np.ndarray:
    """The order in which to ask a new user about movies, best question first.

    Parameters
    ----------
    ratings : DataFrame with columns ``movieId``, ``rating``
        The training ratings.
    strategy : {"popular", "informative", "random"}, default "popular"
        - "popular": most-rated first; a new user has most likely seen them.
        - "informative": highest ``std(rating) * log(1 + count)`` first: movies
          people disagree about (a high spread) tell tastes apart, and enough
          people must have seen them for the question to be answerable.
        - "random": a seeded random order (the control).
    seed : int, default 0
        Seed of the "random" order.

    Returns
    -------
    ndarray of movieId, one per movie of ``ratings``
        Ties are broken by movieId, smallest first.

    Examples
    --------
    >>> frame = pd.DataFrame({"movieId": [1, 1, 2, 2, 2], "rating": [1.0, 5.0, 4.0, 4.0, 4.5]})
    >>> onboarding_order(frame, "popular").tolist(), onboarding_order(frame, "informative").tolist()
    ([2, 1], [1, 2])
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}.")
    _check_columns(ratings, "ratings")
    stats = ratings.groupby(ITEM)[RATING].agg(["count", "std"]).fillna(0.0).sort_index()
    ids = stats.index.to_numpy()
    if strategy == "random":
        return np.random.default_rng(seed).permutation(ids)
    score = stats["count"].to_numpy(float)
    if strategy == "informative":
        score = stats["std"].to_numpy(float) * np.log1p(score)
    return ids[np.lexsort((ids, -score))]


def onboarding_answers(user_ratings: pd.DataFrame, order: np.ndarray, k: int) -> pd.DataFrame:
    """The first ``k`` answers of a user asked about the movies in ``order``, skipping unseen ones.

    Simulates onboarding with a user whose ratings we hold: we ask about the
    movies in ``order`` one by one; a movie the user has not rated is skipped
    ("haven't seen it"); we stop after ``k`` answers. Movies not in ``order``
    are never asked.

    Parameters
    ----------
    user_ratings : DataFrame with columns ``movieId``, ``rating``
        One user's ratings (the pool of possible answers).
    order : ndarray of movieId
        From ``onboarding_order``.
    k : int >= 1

    Returns
    -------
    DataFrame
        At most ``k`` rows of ``user_ratings``, in the order they were asked.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer (the number of answers), got {k!r}.")
    _check_columns(user_ratings, "user_ratings")
    position = pd.Series(np.arange(len(order)), index=pd.Index(order)).reindex(user_ratings[ITEM]).to_numpy()
    askable = np.flatnonzero(~np.isnan(position))
    asked = askable[np.argsort(position[askable], kind="stable")][:k]
    return user_ratings.iloc[asked]


def movie_features(movies: pd.DataFrame, *, year_center: float = 1995.0, year_scale: float = 10.0) -> pd.DataFrame:
    """The metadata of each movie as numbers: its genres one-hot, and its year.

    Parameters
    ----------
    movies : DataFrame
        From ``cfcourse.data.load_movies``: columns ``movieId``, ``genres``
        (a list per movie) and ``year`` (nullable).
    year_center, year_scale : float, default 1995 and 10
        ``year`` becomes ``(year - year_center) / year_scale`` (decades from 1995),
        so its weight is on the scale of a genre's.

    Returns
    -------
    DataFrame of shape (n_movies, n_genres + 2), float64
        Index ``movieId``; the columns of ``cfcourse.data.genre_matrix``, then
        ``year`` (0 when unknown) and ``no year`` (1 when unknown, else 0).
    """
    missing = [c for c in (ITEM, GENRES, YEAR) if c not in movies.columns]
    if missing:
        raise ValueError(f"movies is missing column(s) {missing}; pass the frame of cfcourse.data.load_movies().")
    features = genre_matrix(movies).astype(np.float64)
    year = pd.to_numeric(movies[YEAR], errors="coerce").astype(float).to_numpy()
    unknown = np.isnan(year)
    features["year"] = np.where(unknown, 0.0, (year - year_center) / year_scale)
    features["no year"] = unknown.astype(np.float64)
    features.columns.name = "feature"
    return features


def ridge_regression(features, targets, alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Least squares with an L2 penalty, and an unpenalised intercept.

    Minimises ``|targets - features @ coef - intercept|**2 + alpha * |coef|**2``
    (squared Frobenius norms). Centring both sides removes the intercept, and
    the minimum is the solution of the normal equations::

        coef = (Xc.T @ Xc + alpha * I)^-1 @ Xc.T @ Yc
        intercept = mean(targets) - mean(features) @ coef

    with ``Xc``, ``Yc`` the centred features and targets. Predict with
    ``features @ coef + intercept``.

    Parameters
    ----------
    features : ndarray or DataFrame of shape (n_samples, n_features)
    targets : ndarray or DataFrame of shape (n_samples, n_targets) or (n_samples,)
    alpha : float >= 0, default 1.0
        Strength of the penalty; 0 is ordinary least squares (needs independent features).

    Returns
    -------
    coef : ndarray of shape (n_features, n_targets) (or (n_features,) for 1-D targets)
    intercept : ndarray of shape (n_targets,) (or a 0-d array)
    """
    X = np.asarray(features, dtype=np.float64)
    Y = np.asarray(targets, dtype=np.float64)
    if X.ndim != 2 or Y.ndim not in (1, 2) or len(X) != len(Y) or len(X) == 0:
        raise ValueError(
            f"features must be (n_samples, n_features) and targets (n_samples, n_targets) with the same "
            f"non-zero n_samples; got shapes {X.shape} and {Y.shape}."
        )
    if not alpha >= 0:
        raise ValueError(f"alpha must be >= 0, got {alpha!r}.")
    if np.isnan(X).any() or np.isnan(Y).any():
        raise ValueError("features or targets contain NaN; fill or drop those rows first.")
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    Xc, Yc = X - x_mean, Y - y_mean
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ Yc)
    return coef, y_mean - x_mean @ coef


def genre_mean_baseline(ratings: pd.DataFrame, genres: pd.DataFrame, movie_ids) -> np.ndarray:
    """Predict a movie's rating from its genres alone: the average of its genres' mean ratings.

    A genre's mean rating is the mean of all training ratings of movies with
    that genre. A movie with several genres gets the plain average of their
    means; a movie without genres (or whose genres were never rated) gets the
    global mean.

    Parameters
    ----------
    ratings : DataFrame with columns ``movieId``, ``rating``
        The training ratings; every movieId must be in ``genres``.
    genres : DataFrame of 0/1, indexed by movieId
        ``cfcourse.data.genre_matrix(movies)``.
    movie_ids : array-like of movieId, shape (n,)
        The movies to predict (typically new ones); must be in ``genres``.

    Returns
    -------
    ndarray of shape (n,), float64
    """
    _check_columns(ratings, "ratings")
    for name, ids in (("ratings", ratings[ITEM].unique()), ("movie_ids", np.asarray(movie_ids))):
        unknown = ~pd.Index(ids).isin(genres.index)
        if unknown.any():
            raise KeyError(f"{int(unknown.sum())} movieId(s) of {name} are not in genres, e.g. "
                           f"{np.asarray(ids)[unknown][:5].tolist()}; build genres from the full movies table.")  # fmt: skip
    rated = genres.loc[ratings[ITEM]].to_numpy(np.float64)
    y = ratings[RATING].to_numpy(np.float64)
    counts = rated.sum(axis=0)
    genre_means = np.divide(rated.T @ y, counts, out=np.full(len(counts), np.nan), where=counts > 0)
    wanted = genres.loc[np.asarray(movie_ids)].to_numpy(np.float64) * (counts > 0)
    n_genres = wanted.sum(axis=1)
    sums = wanted @ np.nan_to_num(genre_means)
    return np.where(n_genres > 0, sums / np.maximum(n_genres, 1), y.mean())

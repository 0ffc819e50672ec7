"""The cold-start problem: what to ask a new user, and where to put a new movie.

Introduced in notebooks/10_recommending.ipynb. A trained model knows the users
and movies it was trained on. A **new user** has no vector: we ask a few
onboarding questions (rate these movies) and fold the answers in with
``MatrixFactorization.fold_in`` (the solver is ``fold_in_user``); which movies to ask is a choice
(``onboarding_order``). A **new movie** has no ratings, but it has metadata
(genres, year): a ridge regression from the metadata of the known movies to
their learned factors and biases gives it a starting vector
(``movie_features``, ``ridge_regression``). When nothing is known, the
fallbacks are the global mean and the most popular movies.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING
from cfcourse.data import GENRES, YEAR, genre_matrix
from cfcourse.gradients import predict_pairs
from cfcourse.errors import ColdStartError, ColdStartWarning
from cfcourse.validation import check_one_of, check_positive_int, check_real, check_y_range

__all__ = [
    "FOLD_IN_PRIOR",
    "FoldedUser",
    "average_user_prior",
    "fold_in_user",
    "UNKNOWN_MODES",
    "report_unknown_ids",
    "STRATEGIES",
    "onboarding_order",
    "onboarding_answers",
    "movie_features",
    "ridge_regression",
    "genre_mean_baseline",
]

FOLD_IN_PRIOR = "auto"
"""How strongly a folded-in user is pulled towards the average user (see ``fold_in_user``).

Measured on 60 MovieLens users held out of training, revealing 1, 2, 5, 10 and
20 of their ratings: with the training penalty alone one answer is badly
over-read (RMSE 1.24 on the rest); "auto" gives 0.95, 0.95, 0.93, 0.91, 0.89.
"""


@dataclass(frozen=True, eq=False)
class FoldedUser:
    """A new user placed in a fitted model's factor space by ``MatrixFactorization.fold_in``.

    Attributes
    ----------
    user_factors : ndarray of shape (n_factors,), float64
        The user's factor vector (a row like ``MatrixFactorization.user_factors_``).
    user_bias : float
        The user's bias, in the same (logit) units as ``user_bias_``.
    item_ids : ndarray of shape (n_rated,)
        The movies the user rated (excluded by ``recommend(exclude_seen=True)``).
    """

    user_factors: np.ndarray
    user_bias: float
    item_ids: np.ndarray

    @property
    def vector(self) -> np.ndarray:
        """``user_factors`` followed by ``user_bias``: shape (n_factors + 1,)."""
        return np.append(self.user_factors, self.user_bias)


UNKNOWN_MODES = ("warn", "error", "ignore")
"""What a fitted model does with ids it never saw: fall back with a warning, raise, or fall back silently."""


def report_unknown_ids(mode: str, unknown: dict, n_rows: int, what: str) -> None:
    """Apply the cold-start policy ``mode`` to the unknown ids of one call.

    Parameters
    ----------
    mode : {"warn", "error", "ignore"}
    unknown : dict of column name -> (unknown ids, the training ids' Index)
    n_rows : int
        Rows that fall back.
    what : str
        The method called, for the message.

    Raises
    ------
    ColdStartError
        With ``mode="error"`` and any unknown id, naming them.

    Warns
    -----
    ColdStartWarning
        With ``mode="warn"``, once.
    """
    check_one_of(mode, "unknown", UNKNOWN_MODES)
    if mode == "ignore" or not any(len(ids) for ids, _ in unknown.values()):
        return
    parts = []
    for col, (ids, index) in unknown.items():
        if len(ids):
            shown = ", ".join(str(v) for v in list(ids)[:10])
            more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
            typed = [v for v in list(ids)[:10] if not isinstance(v, (int, np.integer))]
            if typed and index.dtype.kind in "iu":  # '1' is not 1: say so rather than "unknown"
                more += f"; {typed[0]!r} is a {type(typed[0]).__name__}, the training {col}s are integers"
            parts.append(f"{len(ids)} unknown {col} ({shown}{more})")
    if mode == "error":
        raise ColdStartError(
            f"{what} names ids never seen in training: {'; '.join(parts)}. Drop those rows, "
            "fold a new user in with fold_in(), or pass unknown='warn' to use the baseline fallback."
        )
    warnings.warn(
        f"{n_rows} row(s) name a user or movie never seen in training ({'; '.join(parts)}); "
        "they got the baseline fallback (global mean + the known bias). Pass unknown='error' to "
        "raise instead or unknown='ignore' to silence this.",
        ColdStartWarning,
        stacklevel=4,
    )


def _check_prior(prior) -> np.ndarray | str:
    if isinstance(prior, str):
        if prior != "auto":
            raise ValueError(f"prior must be 'auto' or a pair of strengths (factors, bias), got {prior!r}.")
        return prior
    try:
        pair = tuple(prior)
    except TypeError:
        pair = ()
    if len(pair) != 2:
        raise ValueError(
            f"prior must be 'auto' or a pair of strengths (factors, bias), got {prior!r}; e.g. prior=(0.0, 0.0)."
        )
    return np.array([check_real(v, f"prior[{i}]", low=0, hint="a strength, 0 for none") for i, v in enumerate(pair)])


def average_user_prior(user_factors: np.ndarray, user_bias: np.ndarray, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Where a new user starts and how hard they are pulled back there (a Bayesian ridge).

    Parameters
    ----------
    user_factors : ndarray of shape (n_users, n_factors)
        The trained users' factors.
    user_bias : ndarray of shape (n_users,)
    noise : float
        The noise variance (the final training MSE).

    Returns
    -------
    centre : ndarray of shape (n_factors + 1,)
        The average trained user ``theta0 = (mean factors, mean bias)``.
    strengths : ndarray of shape (n_factors + 1,)
        ``noise / var_d``: a component on which trained users differ little pulls hard.
    """
    population = np.hstack([user_factors, np.asarray(user_bias)[:, None]])  # (n_users, k): the trained users
    return population.mean(axis=0), noise / np.maximum(population.var(axis=0), 1e-12)


def fold_in_user(
    item_factors: np.ndarray,
    item_bias: np.ndarray,
    ratings: np.ndarray,
    *,
    user_factors: np.ndarray,
    user_bias: np.ndarray,
    y_range: tuple[float, float],
    prior: str | tuple[float, float] = FOLD_IN_PRIOR,
    noise: float = 1.0,
    weight_decay: float = 0.0,
    bias_weight_decay: float = 0.0,
    n_steps: int = 20,
) -> tuple[np.ndarray, float]:
    """Factors and bias of a new user from a few ratings, the movies' weights held fixed.

    Solves, for ``theta = (p, b)`` starting at the average trained user ``theta0``::

        sum_j (r_j - predict_pairs(p, q_j, b, item_bias_j, y_range)) ** 2
            + sum_d penalty_d * (theta_d - theta0_d) ** 2

    by ``n_steps`` damped Gauss-Newton steps (each a regularised least-squares
    solve of size ``n_factors + 1`` with the sigmoid linearised at the current
    point). With ``prior="auto"`` (a Bayesian ridge) ``penalty_d = noise /
    var_d``, the noise variance over the spread of component ``d`` among the
    trained users. With a pair of strengths, the training objective's own
    penalty (``n * weight_decay`` for the factors, ``n * bias_weight_decay``
    for the bias, as training penalises a row once per rating) plus
    ``prior[0]`` / ``prior[1]``.

    Parameters
    ----------
    item_factors : ndarray of shape (n, n_factors)
        The rated movies' factors.
    item_bias, ratings : ndarray of shape (n,)
    user_factors : ndarray of shape (n_users, n_factors)
        The trained users' factors (their mean is the starting point).
    user_bias : ndarray of shape (n_users,)
    y_range : (float, float)
    prior : "auto" or (float, float), default "auto"
    noise : float, default 1.0
        Noise variance for ``prior="auto"`` (the final training MSE).
    weight_decay, bias_weight_decay : float, default 0.0
        The training strengths, used with an explicit ``prior``.
    n_steps : int, default 20

    Returns
    -------
    user_factors : ndarray of shape (n_factors,), float64
    user_bias : float
    """
    prior = _check_prior(prior)
    n_steps = check_positive_int(n_steps, "n_steps", hint="20 is plenty")
    low, high = check_y_range(y_range)
    centre, bayes = average_user_prior(user_factors, user_bias, noise)  # the average user
    n, k = len(ratings), len(centre)
    if isinstance(prior, str):  # Bayesian ridge: noise variance over the spread of trained users
        penalty = bayes
    else:
        penalty = n * np.append(np.full(k - 1, weight_decay), bias_weight_decay) + np.append(np.full(k - 1, prior[0]), prior[1])
    q = np.hstack([item_factors, np.ones((n, 1))])  # d logit / d theta

    def objective(theta: np.ndarray) -> float:
        fit_term = ((ratings - predict_pairs(theta[:-1], item_factors, theta[-1], item_bias, (low, high))) ** 2).sum()
        return float(fit_term + (penalty * (theta - centre) ** 2).sum())

    theta = centre.copy()
    damping, current = 1e-3, objective(theta)
    for _ in range(n_steps):
        s = (predict_pairs(theta[:-1], item_factors, theta[-1], item_bias, (low, high)) - low) / (high - low)
        residual = ratings - (low + (high - low) * s)
        jac = ((high - low) * s * (1.0 - s))[:, None] * q  # d prediction / d theta
        grad = jac.T @ residual - penalty * (theta - centre)
        hess = jac.T @ jac + np.diag(penalty)
        while True:
            step = np.linalg.solve(hess + damping * np.eye(k), grad)
            candidate = objective(theta + step)
            if candidate <= current or damping > 1e6:
                break
            damping *= 10.0
        if candidate <= current:
            theta, current, damping = theta + step, candidate, max(damping / 10.0, 1e-6)
    return theta[:-1].copy(), float(theta[-1])


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

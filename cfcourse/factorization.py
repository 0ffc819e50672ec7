"""A fitted matrix-factorization recommender with scikit-learn's shape.

Wraps what the notebooks build by hand, ``cfcourse.models.DotProductBias``
trained by ``cfcourse.train.fit``, behind ``fit`` / ``predict`` /
``recommend``, with raw MovieLens ids instead of indices. Meant for the
notebooks after 07_biases.ipynb (08_training.ipynb, 09_what_the_model_learned.ipynb
for ``similar_items``, 10_recommending.ipynb for ``recommend`` and ``fold_in``,
the cold-start method where a new user rates a handful of movies).

>>> from cfcourse import MatrixFactorization                # doctest: +SKIP
>>> mf = MatrixFactorization().fit(ratings)                 # doctest: +SKIP
>>> mf.predict(ratings.head(3))                             # doctest: +SKIP
>>> mf.recommend(1, n=5)                                    # doctest: +SKIP

The defaults were tuned on MovieLens ml-latest-small, on a validation
carve-out of the benchmark's training part (``benchmarks/accuracy.py --tune``),
never on its test rows: on the benchmark's 10% test split they reach a test
RMSE of 0.832 (Surprise's tuned SVD: 0.847) and fit in about as long as that
SVD, 2 to 4 seconds on one thread of a busy 2-core machine.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.gradients import sigmoid, sigmoid_range
from cfcourse.baselines import baseline_biases
from cfcourse.errors import ColdStartError, ColdStartWarning, NotFittedError
from cfcourse.models import DotProductBias
from cfcourse.ranking import top_n
from cfcourse.ratings import check_ratings
from cfcourse.validation import check_is_fitted, check_y_range
from cfcourse.fast_train import fit_fast
from cfcourse.train import History, predict

__all__ = [
    "MatrixFactorization",
    "FoldedUser",
    "ColdStartWarning",
    "ColdStartError",
    "NotFittedError",
    "baseline_biases",
]

_UNKNOWN_MODES = ("warn", "error", "ignore")
FOLD_IN_PRIOR = "auto"
"""How strongly a folded-in user is pulled towards the average user (see ``fold_in``).

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
        The user's factor vector (a row like ``model_.user_factors.weight[u]``).
    user_bias : float
        The user's bias, in the same (logit) units as ``model_.user_bias``.
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


class MatrixFactorization:
    """Collaborative filtering with the course model, ``fit`` / ``predict`` / ``recommend``.

    ``prediction = low + (high - low) * sigmoid(user_factors[u] . item_factors[i]
    + user_bias[u] + item_bias[i])`` (``cfcourse.models.DotProductBias``),
    trained with Adam on mini-batches by ``cfcourse.fast_train.fit_fast`` (the
    objective of ``cfcourse.train.fit``, updating only the rows a batch uses) with a row-wise
    L2 penalty (separate strengths for factors and biases) and a cosine
    learning-rate decay. Predictions are clipped to the rating scale [0.5, 5].

    ``__init__`` only stores its arguments (scikit-learn's contract); they
    are checked by ``fit``. The defaults are the tuned ones (see the module
    docstring); pass small values for toy worlds.

    Parameters
    ----------
    n_factors : int, default 64
        Length of each user's and movie's factor vector.
    epochs : int, default 5
    lr : float, default 0.01
        Peak learning rate of Adam.
    batch_size : int, default 1024
    weight_decay : float, default 0.1
        Row-wise L2 penalty on the factors (``cfcourse.train.l2_penalty``).
    bias_weight_decay : float, default 0.01
        Row-wise L2 penalty on the biases.
    lr_schedule : {"cosine", "constant"}, default "cosine"
    y_range : (float, float), default (0.0, 5.5)
        Range of the scaled sigmoid.
    init_std : float, default 0.01
        Standard deviation of the factors' initialisation.
    unknown : {"warn", "error", "ignore"}, default "warn"
        What ``predict`` and ``recommend`` do with users or movies not seen in
        training: use the fallback and emit one ``ColdStartWarning`` per call
        ("warn"), use it silently ("ignore"), or raise ``ColdStartError``
        naming the ids ("error"). ``predict`` can override it per call.
    user_col, item_col, rating_col : str, default "userId", "movieId", "rating"
        Column names of the frames given to ``fit``, ``predict`` and ``fold_in``.
    random_state : int, default 0
        Seeds the initialisation and the shuffle; the same seed, data and
        number of torch threads give the same model.

    Attributes
    ----------
    model_ : DotProductBias
        The trained model (indices, not raw ids).
    history_ : cfcourse.train.History
        Training loss and RMSE per epoch.
    user_ids_, item_ids_ : ndarray of shape (n_users,) / (n_items,)
        Raw id of each index, sorted.
    user_index_, item_index_ : pandas.Index
        Raw id -> index (``user_index_.get_loc(user_id)``).
    n_users_, n_items_ : int
    global_mean_ : float
        Mean training rating.
    baseline_user_bias_, baseline_item_bias_ : ndarray of shape (n_users,) / (n_items,)
        The regularised bias-only baseline (``baseline_biases``, in stars),
        used for the cold-start fallback.
    seen_ : dict of int -> ndarray
        Index of each user -> indices of the movies they rated in training.

    Notes
    -----
    Cold-start fallback: a row whose user and movie are both known gets the
    model's prediction. Otherwise the baseline from what is known:
    ``global_mean_ + baseline_item_bias_[movie]`` for an unknown user and a
    known movie, ``global_mean_ + baseline_user_bias_[user]`` for a known
    user and an unknown movie, ``global_mean_`` when both are unknown.
    """

    def __init__(
        self,
        n_factors: int = 64,
        *,
        epochs: int = 5,
        lr: float = 0.01,
        batch_size: int = 1024,
        weight_decay: float = 0.1,
        bias_weight_decay: float = 0.01,
        lr_schedule: str = "cosine",
        y_range: tuple[float, float] = (0.0, 5.5),
        init_std: float = 0.01,
        unknown: str = "warn",
        user_col: str = USER,
        item_col: str = ITEM,
        rating_col: str = RATING,
        random_state: int = 0,
    ) -> None:
        self.n_factors = n_factors
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.bias_weight_decay = bias_weight_decay
        self.lr_schedule = lr_schedule
        self.y_range = y_range
        self.init_std = init_std
        self.unknown = unknown
        self.user_col = user_col
        self.item_col = item_col
        self.rating_col = rating_col
        self.random_state = random_state

    # scikit-learn style introspection, so that repr and cloning work without sklearn
    _PARAMS = (
        "n_factors", "epochs", "lr", "batch_size", "weight_decay", "bias_weight_decay", "lr_schedule",
        "y_range", "init_std", "unknown", "user_col", "item_col", "rating_col", "random_state",
    )  # fmt: skip

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments as a dict (scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params) -> MatrixFactorization:
        """Set constructor arguments (scikit-learn's ``set_params``); returns ``self``."""
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"{name!r} is not a parameter of MatrixFactorization; choose from {list(self._PARAMS)}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = MatrixFactorization().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"MatrixFactorization({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        if isinstance(self.n_factors, bool) or not isinstance(self.n_factors, (int, np.integer)) or self.n_factors < 1:
            raise ValueError(f"n_factors must be a positive integer, got {self.n_factors!r}.")
        if self.unknown not in _UNKNOWN_MODES:
            raise ValueError(f"unknown must be one of {_UNKNOWN_MODES}, got {self.unknown!r}.")
        check_y_range(self.y_range)
        low, high = (float(v) for v in self.y_range)
        if low >= RATING_MIN or high <= RATING_MAX:
            raise ValueError(
                f"y_range={self.y_range!r} must reach a little beyond the rating scale "
                f"[{RATING_MIN}, {RATING_MAX}] (a sigmoid only reaches its bounds at infinity); "
                "use e.g. y_range=(0.0, 5.5)."
            )

    def fit(self, ratings: pd.DataFrame) -> MatrixFactorization:
        """Learn factors and biases from ratings.

        Parameters
        ----------
        ratings : DataFrame with columns ``user_col``, ``item_col``, ``rating_col``
            One row per rating, integer ids, ratings in [0.5, 5], no NaN, no
            repeated (user, movie) pair (``cfcourse.ratings.check_ratings``).

        Returns
        -------
        self
        """
        self._check_params()
        columns = (self.user_col, self.item_col, self.rating_col)
        check_ratings(ratings, columns=columns)
        user_ids, user_idx = np.unique(ratings[self.user_col].to_numpy(), return_inverse=True)
        item_ids, item_idx = np.unique(ratings[self.item_col].to_numpy(), return_inverse=True)
        y = ratings[self.rating_col].to_numpy(np.float32)
        model = DotProductBias(
            len(user_ids), len(item_ids), self.n_factors, self.y_range, init_std=self.init_std, seed=self.random_state
        )
        history = fit_fast(
            model,
            (torch.tensor(user_idx, dtype=torch.int64), torch.tensor(item_idx, dtype=torch.int64), torch.tensor(y)),
            epochs=self.epochs,
            lr=self.lr,
            batch_size=self.batch_size,
            weight_decay=self.weight_decay,
            bias_weight_decay=self.bias_weight_decay,
            lr_schedule=self.lr_schedule,
            seed=self.random_state,
        )
        model.eval()
        mean, user_bias, item_bias = baseline_biases(user_idx, item_idx, y, len(user_ids), len(item_ids))
        order = np.lexsort((item_idx, user_idx))
        bounds = np.searchsorted(user_idx[order], np.arange(len(user_ids) + 1))
        self.model_ = model
        self.history_: History = history
        self.user_ids_, self.item_ids_ = user_ids, item_ids
        self.user_index_ = pd.Index(user_ids, name=self.user_col)
        self.item_index_ = pd.Index(item_ids, name=self.item_col)
        self.n_users_, self.n_items_ = len(user_ids), len(item_ids)
        self.global_mean_ = mean
        self.baseline_user_bias_, self.baseline_item_bias_ = user_bias, item_bias
        self.seen_ = {u: item_idx[order[bounds[u] : bounds[u + 1]]] for u in range(len(user_ids))}
        return self

    # ------------------------------------------------------------- helpers
    def _weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        m = self.model_
        return (
            m.user_factors.weight.detach().double().numpy(),
            m.item_factors.weight.detach().double().numpy(),
            m.user_bias.weight.detach()[:, 0].double().numpy(),
            m.item_bias.weight.detach()[:, 0].double().numpy(),
        )

    def _squeeze(self, logits: np.ndarray) -> np.ndarray:
        return sigmoid_range(logits, *(float(v) for v in self.y_range))

    def _unknown_mode(self, unknown: str | None) -> str:
        mode = self.unknown if unknown is None else unknown
        if mode not in _UNKNOWN_MODES:
            raise ValueError(f"unknown must be one of {_UNKNOWN_MODES}, got {mode!r}.")
        return mode

    def _cold_start(self, mode: str, unknown_users, unknown_items, n_rows: int, what: str) -> None:
        if mode == "ignore" or (len(unknown_users) == 0 and len(unknown_items) == 0):
            return
        parts = []
        for col, ids in ((self.user_col, unknown_users), (self.item_col, unknown_items)):
            if len(ids):
                shown = ", ".join(str(v) for v in list(ids)[:10])
                more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
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
            stacklevel=3,
        )

    # -------------------------------------------------------------- predict
    def predict(self, frame: pd.DataFrame, *, unknown: str | None = None) -> np.ndarray:
        """Predicted ratings for the (user, movie) pairs of ``frame``, in row order.

        Parameters
        ----------
        frame : DataFrame with columns ``user_col`` and ``item_col``
            Integer ids; other columns (e.g. the rating) are ignored; pairs
            may repeat.
        unknown : {"warn", "error", "ignore"}, optional
            Overrides the constructor's ``unknown`` for this call.

        Returns
        -------
        ndarray of shape (len(frame),), float64
            Clipped to [0.5, 5]. Rows with an unknown user or movie get the
            fallback described in the class Notes.

        Warns
        -----
        ColdStartWarning
            Once per call, with the number of rows that fell back.

        Raises
        ------
        ColdStartError (a KeyError)
            With ``unknown="error"``, naming the unknown ids.
        """
        check_is_fitted(self, "model_", "predict")
        mode = self._unknown_mode(unknown)
        check_ratings(frame, columns=(self.user_col, self.item_col), scale=None, allow_duplicates=True)
        users = frame[self.user_col].to_numpy()
        items = frame[self.item_col].to_numpy()
        u = self.user_index_.get_indexer(users)
        i = self.item_index_.get_indexer(items)
        known_u, known_i = u >= 0, i >= 0
        known = known_u & known_i
        self._cold_start(mode, pd.unique(users[~known_u]), pd.unique(items[~known_i]), int((~known).sum()), "predict")
        out = np.full(len(frame), self.global_mean_)
        if known.any():
            out[known] = predict(self.model_, torch.tensor(u[known]), torch.tensor(i[known])).double().numpy()
        only_item = ~known_u & known_i
        only_user = known_u & ~known_i
        out[only_item] += self.baseline_item_bias_[i[only_item]]
        out[only_user] += self.baseline_user_bias_[u[only_user]]
        return np.clip(out, RATING_MIN, RATING_MAX)

    # ------------------------------------------------------------ recommend
    def _ranked(self, scores: np.ndarray, exclude: np.ndarray, n: int, name: str) -> pd.DataFrame:
        chosen = top_n(scores, n, exclude=exclude, ids=self.item_ids_)
        return pd.DataFrame({self.item_col: self.item_ids_[chosen], name: scores[chosen]})

    def _user_scores(self, user) -> tuple[np.ndarray, np.ndarray]:
        """Unclipped predicted rating of every movie for a known id or a FoldedUser, and the seen indices."""
        user_factors, item_factors, user_bias, item_bias = self._weights()
        if isinstance(user, FoldedUser):
            logits = item_factors @ user.user_factors + user.user_bias + item_bias
            seen = self.item_index_.get_indexer(user.item_ids)
            return self._squeeze(logits), seen[seen >= 0]
        u = self.user_index_.get_loc(user)
        logits = item_factors @ user_factors[u] + user_bias[u] + item_bias
        return self._squeeze(logits), self.seen_[u]

    def recommend(self, user, n: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """The ``n`` movies with the highest predicted rating for one user.

        Parameters
        ----------
        user : int or FoldedUser
            A userId seen in training, or the result of ``fold_in``. An unknown
            id follows ``unknown``: with "warn"/"ignore" the movies with the
            best baseline (``global_mean_ + baseline_item_bias_``) come back.
        n : int, default 10
        exclude_seen : bool, default True
            Leave out the movies the user rated in training (or in ``fold_in``).

        Returns
        -------
        DataFrame with columns ``item_col`` and ``score`` (float64), ``n`` rows
            (fewer if fewer movies are left). Sorted by score, highest first;
            equal scores by movieId, smallest first. ``score`` is the model's
            predicted rating before clipping (it can exceed 5 slightly, never
            ``y_range``).
        """
        check_is_fitted(self, "model_", "recommend")
        if isinstance(user, FoldedUser) or user in self.user_index_:
            scores, seen = self._user_scores(user)
        else:
            self._cold_start(self._unknown_mode(None), [user], [], 1, "recommend")
            scores, seen = self.global_mean_ + self.baseline_item_bias_, np.empty(0, dtype=np.int64)
        return self._ranked(scores, seen if exclude_seen else np.empty(0, dtype=np.int64), n, "score")

    def predict_user(self, user: FoldedUser, movie_ids) -> np.ndarray:
        """Predicted ratings of a folded-in user for some movies, clipped to [0.5, 5].

        Parameters
        ----------
        user : FoldedUser
            From ``fold_in``.
        movie_ids : array-like of int, shape (n,)
            Movies seen in training (an unknown id raises ``ColdStartError``).

        Returns
        -------
        ndarray of shape (n,), float64
        """
        check_is_fitted(self, "model_", "predict_user")
        if not isinstance(user, FoldedUser):
            raise TypeError(
                f"user must be a FoldedUser from fold_in(), got {type(user).__name__}; for a user seen "
                f"in training call predict(pd.DataFrame({{{self.user_col!r}: ..., {self.item_col!r}: ...}}))."
            )
        movie_ids = np.atleast_1d(np.asarray(movie_ids))
        idx = self.item_index_.get_indexer(movie_ids)
        if (idx < 0).any():
            self._cold_start("error", [], pd.unique(movie_ids[idx < 0]), int((idx < 0).sum()), "predict_user")
        scores, _ = self._user_scores(user)
        return np.clip(scores[idx], RATING_MIN, RATING_MAX)

    def similar_items(self, movie_id, n: int = 10) -> pd.DataFrame:
        """The ``n`` movies whose factor vectors point the most the same way as ``movie_id``'s.

        Cosine similarity of the rows of ``model_.item_factors`` (biases are
        left out: they say how liked a movie is, not what it is like). The
        movie itself is excluded.

        Parameters
        ----------
        movie_id : int
            A movieId seen in training.
        n : int, default 10

        Returns
        -------
        DataFrame with columns ``item_col`` and ``similarity`` (float64, in
            [-1, 1]), highest first, equal similarities by movieId.
        """
        check_is_fitted(self, "model_", "similar_items")
        if movie_id not in self.item_index_:
            raise ColdStartError(
                f"{self.item_col} {movie_id!r} was never seen in training, so it has no factors; "
                f"pick one of item_ids_ (e.g. {self.item_ids_[:3].tolist()})."
            )
        item_factors = self._weights()[1]
        norms = np.linalg.norm(item_factors, axis=1)
        unit = item_factors / np.where(norms > 0, norms, 1.0)[:, None]
        i = self.item_index_.get_loc(movie_id)
        return self._ranked(unit @ unit[i], np.array([i]), n, "similarity")

    # -------------------------------------------------------------- fold in
    def fold_in(
        self, ratings: pd.DataFrame, *, prior: str | tuple[float, float] = FOLD_IN_PRIOR, n_steps: int = 20
    ) -> FoldedUser:
        """Place a new user in the factor space from a few ratings, without retraining.

        The movies' factors and biases stay fixed; the new user's factors
        ``p`` and bias ``b`` are pulled towards the average user ``(p0, b0)``
        (the mean of the trained users' factors and biases), so a few answers
        move a new user only as far as they justify. With ``prior="auto"`` this
        is a Bayesian ridge: for each component ``d`` of ``theta = (p, b)``::

            sum_j (r_j - sigmoid_range(q_j . p + b + item_bias_j)) ** 2
                + sum_d (sigma ** 2 / tau_d ** 2) * (theta_d - theta0_d) ** 2

        where ``sigma ** 2`` is the final training MSE and ``tau_d ** 2`` the
        variance of component ``d`` over the trained users. With a pair of
        strengths instead, the penalty is the training objective's own
        (``n * weight_decay`` for the factors and ``n * bias_weight_decay`` for
        the bias, as ``cfcourse.train.fit`` penalises a row once per rating)
        plus ``prior[0]`` and ``prior[1]``; ``(0, 0)`` is the training
        objective alone, which over-reads one or two answers. The sigmoid is
        kept: the problem is solved by ``n_steps`` damped Gauss-Newton steps
        (each a small regularised least-squares solve of size ``n_factors + 1``
        with the sigmoid linearised at the current point), starting from the
        average user.

        Parameters
        ----------
        ratings : DataFrame with columns ``item_col`` and ``rating_col``
            The new user's ratings (one per movie; a ``user_col`` column, if
            present, must hold a single user). Movies not seen in training
            are ignored with a ``ColdStartWarning`` (or raise with
            ``unknown="error"``).
        prior : "auto" or (float, float), default "auto"
            How strongly the answers are pulled towards the average user:
            "auto" (Bayesian ridge, above) or explicit strengths for the
            factors and the bias on top of the training penalty.
        n_steps : int, default 20

        Returns
        -------
        FoldedUser
            Pass it to ``recommend`` or ``predict_user``.
        """
        check_is_fitted(self, "model_", "fold_in")
        if not isinstance(ratings, pd.DataFrame):
            check_ratings(ratings)  # raises the TypeError that explains the expected frame
        one_user = ratings if self.user_col in ratings.columns else ratings.assign(**{self.user_col: 0})
        check_ratings(one_user, columns=(self.user_col, self.item_col, self.rating_col))
        if one_user[self.user_col].nunique() > 1:
            raise ValueError(
                f"fold_in takes the ratings of one new user, got {ratings[self.user_col].nunique()} "
                f"distinct {self.user_col} values; call fold_in once per user."
            )
        items = ratings[self.item_col].to_numpy()
        idx = self.item_index_.get_indexer(items)
        known = idx >= 0
        self._cold_start(self._unknown_mode(None), [], pd.unique(items[~known]), int((~known).sum()), "fold_in")
        if not known.any():
            raise ColdStartError(
                f"none of the {len(items)} rated movies was seen in training, so there is nothing to fold "
                "in from; rate some movies of item_ids_."
            )
        _, item_factors, _, item_bias = self._weights()
        q = np.hstack([item_factors[idx[known]], np.ones((int(known.sum()), 1))])  # (n, k + 1)
        r = ratings[self.rating_col].to_numpy(np.float64)[known]
        offset = item_bias[idx[known]]
        n, k = q.shape
        user_factors, _, user_bias, _ = self._weights()
        population = np.hstack([user_factors, user_bias[:, None]])  # (n_users, k): the trained users
        centre = population.mean(axis=0)  # the average user
        if prior == "auto":  # Bayesian ridge: noise variance over the spread of trained users
            noise = self.history_.train_rmse[-1] ** 2
            penalty = noise / np.maximum(population.var(axis=0), 1e-12)
        else:
            penalty = n * np.append(np.full(k - 1, self.weight_decay), self.bias_weight_decay)
            penalty = penalty + np.append(np.full(k - 1, prior[0]), prior[1])
        low, high = (float(v) for v in self.y_range)
        theta = centre.copy()

        def objective(theta: np.ndarray) -> float:
            fit_term = ((r - self._squeeze(q @ theta + offset)) ** 2).sum()
            return float(fit_term + (penalty * (theta - centre) ** 2).sum())

        damping, current = 1e-3, objective(theta)
        for _ in range(n_steps):
            s = sigmoid(q @ theta + offset)
            residual = r - (low + (high - low) * s)
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
        return FoldedUser(user_factors=theta[:-1].copy(), user_bias=float(theta[-1]), item_ids=items[known].copy())

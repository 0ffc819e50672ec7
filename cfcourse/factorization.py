"""A fitted matrix-factorization recommender with scikit-learn's shape.

``cfcourse.models.DotProductBias`` trained by ``cfcourse.fast_train.fit_fast``
behind ``fit`` / ``predict`` / ``recommend``, with raw MovieLens ids. Used from
notebooks/08_training.ipynb on (09 for ``similar_items``, 10 for ``recommend``
and ``fold_in``, whose solver is ``cfcourse.coldstart.fold_in_user``).

The defaults were tuned on a validation carve-out of the benchmark's training
part (``benchmarks/accuracy.py --tune``): on its 10% test split they reach a
test RMSE of 0.832 (Surprise's tuned SVD: 0.847) in 2 to 4 seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from cfcourse.baselines import BiasBaseline, baseline_biases  # noqa: F401  (baseline_biases re-exported)
from cfcourse.coldstart import FOLD_IN_PRIOR, UNKNOWN_MODES, FoldedUser, fold_in_user, report_unknown_ids
from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.errors import ColdStartError, ColdStartWarning, NotFittedError
from cfcourse.fast_train import ENGINES, fit_fast
from cfcourse.gradients import predict_pairs
from cfcourse.models import DotProductBias
from cfcourse.ranking import top_n
from cfcourse.ratings import check_ratings
from cfcourse.split import encode_ids
from cfcourse.train import predict
from cfcourse.validation import (
    check_is_fitted, check_non_negative_int, check_one_of, check_positive_int, check_real, check_scalar_id,
    check_y_range_for_scale,
)  # fmt: skip

__all__ = ["MatrixFactorization", "FoldedUser", "ColdStartWarning", "ColdStartError", "NotFittedError", "FOLD_IN_PRIOR"]

_EMPTY = np.empty(0, dtype=np.int64)


def _cosine_to(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of ``rows`` (shape (n, k)) with ``vector`` (shape (k,)); 0 for a zero vector."""
    norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(vector)
    return rows @ vector / np.where(norms > 0, norms, 1.0)


class MatrixFactorization:
    """Collaborative filtering with the course model, ``fit`` / ``predict`` / ``recommend``.

    ``cfcourse.models.DotProductBias`` trained by ``cfcourse.fast_train.fit_fast``
    (the objective of ``cfcourse.train.fit``, updating only the rows a batch uses:
    Adam, row-wise L2 penalties, cosine learning-rate decay); predictions clipped
    to ``scale``. ``__init__`` only stores its arguments (scikit-learn's contract),
    ``fit`` checks them; the defaults are the tuned ones.

    Parameters
    ----------
    n_factors : int, default 64
    epochs, lr, batch_size : int, float, int, default 5, 0.01, 1024
        Epochs, peak learning rate of Adam, ratings per step.
    weight_decay, bias_weight_decay : float, default 0.1, 0.01
        Row-wise L2 penalties on the factors and on the biases.
    lr_schedule : {"cosine", "constant"}, default "cosine"
    scale : (float, float), default (0.5, 5.0)
        The rating scale: ratings outside it are refused, predictions clipped to it.
    y_range : (float, float) or None, default None
        The sigmoid's range, beyond ``scale``; ``None`` widens ``scale`` by a
        ninth of its width each side ((0.0, 5.5) for the default scale).
    init_std : float, default 0.01
    unknown : {"warn", "error", "ignore"}, default "warn"
        Ids never seen in training: fall back with a ``ColdStartWarning``,
        raise ``ColdStartError``, or fall back silently.
    random_state : int, default 0
    engine : {"torch", "numba"}, default "torch"
        How training runs (``cfcourse.fast_train.fit_fast``): PyTorch
        operations, or the same step compiled by numba, 2-3x faster per epoch
        on large data (the ``fast`` extra). Both learn the same weights to
        float rounding.

    Attributes
    ----------
    model_ : DotProductBias
    history_ : cfcourse.train.History
    user_factors_, item_factors_, user_bias_, item_bias_ : ndarray, float64
        The learned weights as numpy copies, shapes (n_users, n_factors),
        (n_items, n_factors), (n_users,), (n_items,); biases in logit units.
    y_range_ : (float, float)
    user_ids_, item_ids_ : ndarray
        Raw id of each index, sorted (``cfcourse.split.encode``).
    user_index_, item_index_ : pandas.Index
        Raw id -> index.
    n_users_, n_items_ : int
    baseline_ : cfcourse.baselines.BiasBaseline
        The fallback for rows with an unknown id; ``global_mean_``,
        ``baseline_user_bias_`` and ``baseline_item_bias_`` are its numbers.
    seen_ : dict of int -> ndarray
        Index of each user -> indices of the movies they rated in training.
    """

    _PARAMS = (
        "n_factors", "epochs", "lr", "batch_size", "weight_decay", "bias_weight_decay", "lr_schedule",
        "scale", "y_range", "init_std", "unknown", "random_state", "engine",
    )  # fmt: skip

    def __init__(
        self, n_factors: int = 64, *, epochs: int = 5, lr: float = 0.01, batch_size: int = 1024,
        weight_decay: float = 0.1, bias_weight_decay: float = 0.01, lr_schedule: str = "cosine",
        scale: tuple[float, float] = (RATING_MIN, RATING_MAX), y_range: tuple[float, float] | None = None,
        init_std: float = 0.01, unknown: str = "warn", random_state: int = 0, engine: str = "torch",
    ) -> None:  # fmt: skip
        for name, value in locals().items():
            if name != "self":
                setattr(self, name, value)

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

    def fit(self, ratings: pd.DataFrame) -> MatrixFactorization:
        """Learn factors and biases from ``ratings`` (``userId``, ``movieId``, ``rating``); returns ``self``.

        Ratings are checked by ``cfcourse.ratings.check_ratings`` against
        ``scale``. A training blow-up raises ``NonFiniteLossError`` and leaves
        the estimator unfitted.
        """
        check_positive_int(self.n_factors, "n_factors")
        check_one_of(self.unknown, "unknown", UNKNOWN_MODES)
        check_real(self.init_std, "init_std", low=0, hint="0.01 is a good start")
        check_non_negative_int(self.random_state, "random_state", hint="e.g. random_state=0")
        check_one_of(self.engine, "engine", ENGINES)
        y_range = check_y_range_for_scale(self.y_range, self.scale)
        check_ratings(ratings, scale=self.scale)
        # the ids encoded column by column, not the whole frame copied (25 M ratings: 1 GB less)
        user_idx, user_ids = encode_ids(ratings[USER])
        item_idx, item_ids = encode_ids(ratings[ITEM])
        y = ratings[RATING].to_numpy(np.float32, copy=True)
        model = DotProductBias(len(user_ids), len(item_ids), self.n_factors, y_range, init_std=self.init_std, seed=self.random_state)
        history = fit_fast(
            model, (torch.from_numpy(user_idx), torch.from_numpy(item_idx), torch.from_numpy(y)),
            epochs=self.epochs, lr=self.lr, batch_size=self.batch_size, weight_decay=self.weight_decay,
            bias_weight_decay=self.bias_weight_decay, lr_schedule=self.lr_schedule, seed=self.random_state,
            engine=self.engine,
        )  # fmt: skip
        model.eval()
        baseline = BiasBaseline(scale=self.scale).fit(ratings[[USER, ITEM, RATING]])
        order = np.lexsort((item_idx, user_idx))
        bounds = np.searchsorted(user_idx[order], np.arange(len(user_ids) + 1))
        self.model_, self.history_, self.y_range_ = model, history, y_range
        self.user_ids_, self.item_ids_ = user_ids, item_ids
        self.user_index_, self.item_index_ = pd.Index(user_ids, name=USER), pd.Index(item_ids, name=ITEM)
        self.n_users_, self.n_items_ = len(user_ids), len(item_ids)
        self.baseline_, self.global_mean_ = baseline, baseline.global_mean_
        self.baseline_user_bias_, self.baseline_item_bias_ = baseline.user_bias_.to_numpy(), baseline.item_bias_.to_numpy()
        self.seen_ = {u: item_idx[order[bounds[u] : bounds[u + 1]]] for u in range(len(user_ids))}
        return self

    def _weight(self, name: str) -> np.ndarray:
        check_is_fitted(self, "model_", name)
        weight = getattr(self.model_, name).weight.detach().double().numpy()
        return weight[:, 0].copy() if name.endswith("_bias") else weight.copy()

    user_factors_ = property(lambda self: self._weight("user_factors"), doc="ndarray (n_users, n_factors), float64")
    item_factors_ = property(lambda self: self._weight("item_factors"), doc="ndarray (n_items, n_factors), float64")
    user_bias_ = property(lambda self: self._weight("user_bias"), doc="ndarray (n_users,), float64, logit units")
    item_bias_ = property(lambda self: self._weight("item_bias"), doc="ndarray (n_items,), float64, logit units")

    def _cold_start(self, mode: str | None, unknown_users, unknown_items, n_rows: int, what: str) -> None:
        mode = self.unknown if mode is None else mode
        report_unknown_ids(mode, {USER: (unknown_users, self.user_index_), ITEM: (unknown_items, self.item_index_)}, n_rows, what)

    def predict(self, frame: pd.DataFrame, *, unknown: str | None = None) -> np.ndarray:
        """Predicted ratings for the (user, movie) pairs of ``frame``, in row order.

        ``frame`` needs integer ``userId`` and ``movieId`` columns (pairs may
        repeat; 0 rows give an empty array). Returns float64 of shape (len(frame),),
        clipped to ``scale``. Rows with an unknown id get ``baseline_``'s prediction
        and follow ``unknown`` (the argument overrides the constructor's).
        """
        check_is_fitted(self, "model_", "predict")
        if isinstance(frame, pd.DataFrame) and len(frame) == 0 and {USER, ITEM} <= set(frame.columns):
            return np.empty(0)
        check_ratings(frame, columns=(USER, ITEM), scale=None, allow_duplicates=True)
        users, items = frame[USER].to_numpy(), frame[ITEM].to_numpy()
        u, i = self.user_index_.get_indexer(users), self.item_index_.get_indexer(items)
        known = (u >= 0) & (i >= 0)
        self._cold_start(unknown, pd.unique(users[u < 0]), pd.unique(items[i < 0]), int((~known).sum()), "predict")
        out = np.empty(len(frame))
        if known.any():
            out[known] = predict(self.model_, torch.tensor(u[known]), torch.tensor(i[known])).double().numpy()
        if not known.all():
            out[~known] = self.baseline_.predict(frame.loc[~known, [USER, ITEM]])
        return np.clip(out, *self.scale)

    def _user_scores(self, user) -> tuple[np.ndarray, np.ndarray]:
        """Unclipped predicted rating of every movie for a known id or a FoldedUser, and the seen indices."""
        if isinstance(user, FoldedUser):
            seen = self.item_index_.get_indexer(user.item_ids)
            factors, bias, seen = user.user_factors, user.user_bias, seen[seen >= 0]
        else:
            u = self.user_index_.get_loc(user)
            factors, bias, seen = self.user_factors_[u], self.user_bias_[u], self.seen_[u]
        return predict_pairs(factors, self.item_factors_, bias, self.item_bias_, self.y_range_), seen

    def _ranked(self, scores: np.ndarray, exclude: np.ndarray, n: int, name: str) -> pd.DataFrame:
        chosen = top_n(scores, n, exclude=exclude, ids=self.item_ids_)
        return pd.DataFrame({ITEM: self.item_ids_[chosen], name: scores[chosen]})

    def recommend(self, user, n: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """The ``n`` movies with the highest predicted rating for one user.

        ``user`` is a userId seen in training or a ``FoldedUser`` from
        ``fold_in``; an unknown id follows ``unknown`` and gets the movies with
        the best baseline. ``exclude_seen`` leaves out the movies the user
        rated. Returns a DataFrame with ``movieId`` and ``score`` (the predicted
        rating before clipping), chosen by ``cfcourse.ranking.top_n``: highest
        first, equal scores by movieId, fewer rows if fewer movies are left.
        """
        check_is_fitted(self, "model_", "recommend")
        check_scalar_id(user, "userId or FoldedUser", "recommend")
        check_positive_int(n, "n")
        if isinstance(user, FoldedUser) or user in self.user_index_:
            scores, seen = self._user_scores(user)
        else:
            self._cold_start(None, [user], [], 1, "recommend")
            scores, seen = self.global_mean_ + self.baseline_item_bias_, _EMPTY
        return self._ranked(scores, seen if exclude_seen else _EMPTY, n, "score")

    def predict_user(self, user: FoldedUser, movie_ids) -> np.ndarray:
        """Predicted ratings (ndarray, float64) of a ``FoldedUser`` for known movies, clipped to ``scale``."""
        check_is_fitted(self, "model_", "predict_user")
        if not isinstance(user, FoldedUser):
            raise TypeError(
                f"user must be a FoldedUser from fold_in(), got {type(user).__name__}; for a user seen "
                f"in training call predict(pd.DataFrame({{{USER!r}: ..., {ITEM!r}: ...}}))."
            )
        movie_ids = np.atleast_1d(np.asarray(movie_ids))
        idx = self.item_index_.get_indexer(movie_ids)
        if (idx < 0).any():
            self._cold_start("error", [], pd.unique(movie_ids[idx < 0]), int((idx < 0).sum()), "predict_user")
        return np.clip(self._user_scores(user)[0][idx], *self.scale)

    def similar_items(self, movie_id, n: int = 10) -> pd.DataFrame:
        """The ``n`` movies whose factor vectors point the most the same way as ``movie_id``'s.

        Cosine similarity of the rows of ``item_factors_`` (biases left out:
        they say how liked a movie is, not what it is like); the movie itself
        is excluded. Returns a DataFrame with columns ``movieId`` and
        ``similarity`` (float64 in [-1, 1]), ranked by ``top_n``.
        """
        check_is_fitted(self, "model_", "similar_items")
        check_scalar_id(movie_id, "movieId", "similar_items")
        check_positive_int(n, "n")
        if movie_id not in self.item_index_:
            raise ColdStartError(
                f"{ITEM} {movie_id!r} was never seen in training, so it has no factors; "
                f"pick one of item_ids_ (e.g. {self.item_ids_[:3].tolist()})."
            )
        i = self.item_index_.get_loc(movie_id)
        return self._ranked(_cosine_to(self.item_factors_, self.item_factors_[i]), np.array([i]), n, "similarity")

    def similar_users(self, user, n: int = 10) -> pd.DataFrame:
        """The ``n`` trained users whose factor vectors point the most the same way as ``user``'s.

        ``user`` is a userId seen in training (left out of its own list) or a
        ``FoldedUser`` from ``fold_in``. Cosine similarity of the rows of
        ``user_factors_`` (biases left out: they say how generous a rater is,
        not what they like); the raw-table cosine of notebook 09 needs
        ratings of the same movies, this needs none. Returns a DataFrame with
        columns ``userId`` and ``similarity`` (float64 in [-1, 1]), ranked by
        ``top_n``. Introduced in notebooks/12_your_recommendations.ipynb.
        """
        check_is_fitted(self, "model_", "similar_users")
        check_scalar_id(user, "userId or FoldedUser", "similar_users")
        check_positive_int(n, "n")
        factors = self.user_factors_
        if isinstance(user, FoldedUser):
            vector, exclude = np.asarray(user.user_factors, dtype=np.float64), _EMPTY
        elif user in self.user_index_:
            u = self.user_index_.get_loc(user)
            vector, exclude = factors[u], np.array([u])
        else:
            raise ColdStartError(
                f"{USER} {user!r} was never seen in training, so it has no vector; fold the user in first "
                "(fold_in(ratings)) and pass the FoldedUser."
            )
        if vector.shape != (factors.shape[1],):
            raise ValueError(f"the user's vector has shape {vector.shape}, the model's users ({factors.shape[1]},); "
                             "fold the user in with this model.")  # fmt: skip
        sims = _cosine_to(factors, vector)
        chosen = top_n(sims, n, exclude=exclude, ids=self.user_ids_)
        return pd.DataFrame({USER: self.user_ids_[chosen], "similarity": sims[chosen]})

    def fold_in(self, ratings: pd.DataFrame, *, prior: str | tuple[float, float] = FOLD_IN_PRIOR, n_steps: int = 20) -> FoldedUser:
        """Place a new user in the factor space from a few ratings, without retraining.

        ``ratings`` has ``movieId`` and ``rating`` columns (a ``userId`` column
        must hold one user); unknown movies follow ``unknown``. The movies'
        weights stay fixed; ``cfcourse.coldstart.fold_in_user`` pulls the user
        towards the average trained user as far as ``prior`` says ("auto": a
        Bayesian ridge with the final training MSE as noise; a pair: extra
        strengths for factors and bias on top of the training penalty) in
        ``n_steps`` damped Gauss-Newton steps. Returns a ``FoldedUser`` for
        ``recommend`` and ``predict_user``.
        """
        check_is_fitted(self, "model_", "fold_in")
        if not isinstance(ratings, pd.DataFrame):
            check_ratings(ratings)  # raises the TypeError that explains the expected frame
        one_user = ratings if USER in ratings.columns else ratings.assign(**{USER: 0})
        check_ratings(one_user, scale=self.scale)
        if one_user[USER].nunique() > 1:
            raise ValueError(
                f"fold_in takes the ratings of one new user, got {ratings[USER].nunique()} "
                f"distinct {USER} values; call fold_in once per user."
            )
        items = ratings[ITEM].to_numpy()
        idx = self.item_index_.get_indexer(items)
        known = idx >= 0
        self._cold_start(None, [], pd.unique(items[~known]), int((~known).sum()), "fold_in")
        if not known.any():
            raise ColdStartError(
                f"none of the {len(items)} rated movies was seen in training, so there is nothing to fold "
                "in from; rate some movies of item_ids_."
            )
        factors, bias = fold_in_user(
            self.item_factors_[idx[known]], self.item_bias_[idx[known]], ratings[RATING].to_numpy(np.float64)[known],
            user_factors=self.user_factors_, user_bias=self.user_bias_, y_range=self.y_range_, prior=prior,
            noise=self.history_.train_rmse[-1] ** 2, weight_decay=self.weight_decay,
            bias_weight_decay=self.bias_weight_decay, n_steps=n_steps,
        )  # fmt: skip
        return FoldedUser(user_factors=factors, user_bias=bias, item_ids=items[known].copy())

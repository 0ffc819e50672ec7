"""Implicit feedback: recommenders trained on what people watched, to rank.

Introduced in notebooks/11_implicit_feedback.ipynb. Notebook 10 ends with the
rating model losing to "recommend the most popular movies" on ranking metrics:
a predicted rating is not the chance of watching. Here every training rating
becomes a *watch* (a 1 in the watched matrix ``X``, whatever the stars), every
other cell a weak "not watched", and three recommenders learn from ``X``:

- ``ItemKNN``: item-to-item cosine neighbours; a movie's score is the sum of
  its similarities to the movies the user watched;
- ``EASE`` (Steck 2019): ridge regression of each movie's column of ``X`` on
  all the other columns, with a zero diagonal, in closed form;
- ``ImplicitFactorization``: the course's model (user and movie factors, movie
  biases) trained to rank the watched movies above the others.

All three have ``PopularityRecommender``'s shape: ``fit(ratings)`` takes a
frame with ``userId`` and ``movieId`` (a ``rating`` column is used only where
documented), ``recommend(user_id, n=10, exclude_seen=True)`` returns a frame
with ``movieId`` and ``score``, best first (``cfcourse.ranking.top_n``).

>>> from cfcourse.implicit_feedback import EASE            # doctest: +SKIP
>>> EASE().fit(split.train).recommend(1, n=5)              # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from cfcourse.coldstart import FoldedUser
from cfcourse.columns import ITEM, RATING, USER
from cfcourse.errors import ColdStartError
from cfcourse.models import DotProductBias
from cfcourse.ranking import top_n
from cfcourse.ratings import check_ratings
from cfcourse.split import ITEM_IDX, USER_IDX, encode
from cfcourse.validation import check_is_fitted, check_non_negative_int, check_one_of, check_positive_int, check_real

__all__ = ["watched_matrix", "ItemKNN", "EASE", "ImplicitFactorization", "bpr_loss", "bpr_gradients", "sample_negatives"]


def watched_matrix(ratings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The users x movies 0/1 matrix of what was watched (rated, whatever the stars).

    Parameters
    ----------
    ratings : DataFrame with columns ``userId``, ``movieId``
        One row per (user, movie) pair; a ``rating`` column is ignored.

    Returns
    -------
    X : ndarray of shape (n_users, n_items), float64
        ``X[u, i] = 1`` if user ``u`` rated movie ``i``, else 0.
    user_ids, item_ids : ndarray of shape (n_users,) / (n_items,)
        Raw id of each row / column (sorted), as ``cfcourse.split.encode`` gives.
    """
    check_ratings(ratings, columns=(USER, ITEM))
    encoded, user_ids, item_ids = encode(ratings)
    X = np.zeros((len(user_ids), len(item_ids)))
    X[encoded[USER_IDX].to_numpy(), encoded[ITEM_IDX].to_numpy()] = 1.0
    return X, user_ids, item_ids


class _WatchedRanker:
    """Shared by the rankers: the watched matrix, raw ids, and ``recommend`` from a score matrix."""

    def _fit_watched(self, ratings: pd.DataFrame) -> np.ndarray:
        X, self.user_ids_, self.item_ids_ = watched_matrix(ratings)
        self.user_index_ = pd.Index(self.user_ids_, name=USER)
        self.item_index_ = pd.Index(self.item_ids_, name=ITEM)
        self.watched_ = X
        return X

    def _user_row(self, user_id, method: str) -> int:
        check_is_fitted(self, "watched_", method)
        if user_id not in self.user_index_:
            raise ColdStartError(
                f"{USER} {user_id!r} was not in the training ratings, so {type(self).__name__} knows nothing "
                f"they watched; pick one of user_ids_ (e.g. {self.user_ids_[:3].tolist()}), or give a new user "
                "the most popular movies (cfcourse.ranking.PopularityRecommender)."
            )
        return self.user_index_.get_loc(user_id)

    def _user_scores(self, u: int) -> np.ndarray:
        return self.scores_[u]

    def recommend(self, user_id, n: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """The ``n`` best-scored movies for one training user.

        Parameters
        ----------
        user_id : int
            A userId of the training ratings (an unknown one raises
            ``ColdStartError``: use popularity for them).
        n : int, default 10
        exclude_seen : bool, default True
            Leave out the movies the user watched in training.

        Returns
        -------
        DataFrame with columns ``movieId`` and ``score`` (float64), ``n`` rows
            (fewer if fewer movies are left), highest score first, equal
            scores by movieId (``cfcourse.ranking.top_n``).
        """
        u = self._user_row(user_id, "recommend")
        n = check_positive_int(n, "n")
        scores = self._user_scores(u)
        seen = np.flatnonzero(self.watched_[u]) if exclude_seen else None
        chosen = top_n(scores, n, exclude=seen, ids=self.item_ids_)
        return pd.DataFrame({ITEM: self.item_ids_[chosen], "score": scores[chosen].astype(np.float64)})

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_"))
        return f"{type(self).__name__}({params})"


class ItemKNN(_WatchedRanker):
    """Item-to-item neighbours on the watched matrix: "because you watched X".

    The similarity of movies ``i`` and ``j`` is the cosine of their columns of
    ``X``, ``s_ij = x_i . x_j / (|x_i| |x_j|)`` (how many watched both,
    scaled by how many watched each), with ``s_ii = 0``. A user's score for
    movie ``i`` sums its similarities to the movies they watched:
    ``score = X S``. With ``n_neighbors`` only each movie's ``n_neighbors``
    most similar movies count (its neighbourhood); ``None`` keeps all.

    Parameters
    ----------
    n_neighbors : int or None, default None

    Attributes
    ----------
    scores_ : ndarray of shape (n_users, n_items), float64
        Every training user's score of every movie.
    watched_ : ndarray of shape (n_users, n_items)
    user_ids_, item_ids_ : ndarray
    """

    def __init__(self, n_neighbors: int | None = None) -> None:
        self.n_neighbors = n_neighbors

    def fit(self, ratings: pd.DataFrame) -> ItemKNN:
        """Learn the similarities from the watched matrix of ``ratings`` (``userId``, ``movieId``); returns self."""
        if self.n_neighbors is not None:
            check_positive_int(self.n_neighbors, "n_neighbors", hint="or None for every neighbour")
        X = self._fit_watched(ratings)
        norms = np.sqrt(X.sum(axis=0))
        Xn = X / np.where(norms > 0, norms, 1.0)  # columns of unit length
        if self.n_neighbors is None:
            # X S = X (Xn^T Xn - diag) without forming the n_items x n_items S: (X Xn^T) Xn - X * diag(S)
            diag = (Xn * Xn).sum(axis=0)
            self.scores_ = (X @ Xn.T) @ Xn - X * diag
        else:
            self.scores_ = np.zeros_like(X)
            k = min(self.n_neighbors, X.shape[1] - 1)
            for start in range(0, X.shape[1], 1024):  # blocks of rows of S, keep each movie's k best
                block = Xn[:, start : start + 1024].T @ Xn
                block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = 0.0
                cut = np.partition(block, -k, axis=1)[:, -k][:, None]
                block[block < cut] = 0.0
                self.scores_ += X[:, start : start + block.shape[0]] @ block
        return self

    def similarities(self, movie_id) -> pd.Series:
        """Cosine similarity of ``movie_id``'s column of ``X`` with every movie's (its own set to 0).

        Returns
        -------
        Series of float64 indexed by movieId
        """
        check_is_fitted(self, "watched_", "similarities")
        if movie_id not in self.item_index_:
            raise ColdStartError(f"{ITEM} {movie_id!r} was not in the training ratings; pick one of item_ids_.")
        X = self.watched_
        i = self.item_index_.get_loc(movie_id)
        norms = np.sqrt(X.sum(axis=0))
        sims = (X[:, i] @ X) / (norms * norms[i])
        sims[i] = 0.0
        return pd.Series(sims, index=self.item_index_, name="similarity")

    def similar_items(self, movie_id, n: int = 10) -> pd.DataFrame:
        """The ``n`` movies most often watched together with ``movie_id`` (cosine), highest first."""
        sims = self.similarities(movie_id)
        i = self.item_index_.get_loc(movie_id)
        chosen = top_n(sims.to_numpy(), check_positive_int(n, "n"), exclude=[i], ids=self.item_ids_)
        return pd.DataFrame({ITEM: self.item_ids_[chosen], "similarity": sims.to_numpy()[chosen]})


class EASE(_WatchedRanker):
    """EASE: each movie's column of ``X`` regressed on all the others (Steck, WWW 2019).

    Find the item-item weights ``B`` minimising
    ``||X - X B||^2 + reg * ||B||^2`` with ``diag(B) = 0`` (a movie may not
    explain itself). With ``P = (X^T X + reg I)^-1`` the solution is
    ``B = I - P / diag(P)`` (column ``j`` divided by ``P[j, j]``), and a user's
    scores are ``X B``. ``B[j, i]`` is how much having watched ``j`` raises
    ``i``: the "because you watched" weights.

    The notebook computes ``P`` directly (one ``n_items x n_items`` inverse).
    ``fit`` gets the same ``X B`` through the ``n_users x n_users`` matrix
    ``K = X X^T + reg I`` instead (same result, faster when there are fewer
    users than movies, as in MovieLens: 610 against 9,000): by the Woodbury
    identity ``X P = K^-1 X`` and ``P[j, j] = (1 - x_j^T K^-1 x_j) / reg``.

    Parameters
    ----------
    reg : float > 0, default 200.0
        The L2 penalty (lambda); larger favours popular movies.

    Attributes
    ----------
    scores_ : ndarray of shape (n_users, n_items), float64
        ``X B`` for every training user.
    diag_P_ : ndarray of shape (n_items,)
        The diagonal of ``P``.
    K_inv_X_ : ndarray of shape (n_users, n_items)
        ``K^-1 X`` (= ``X P``), kept to compute rows of ``B`` on demand (``weights``).
    watched_ : ndarray of shape (n_users, n_items)
    user_ids_, item_ids_ : ndarray
    """

    def __init__(self, reg: float = 200.0) -> None:
        self.reg = reg

    def fit(self, ratings: pd.DataFrame) -> EASE:
        """Solve for ``B`` on the watched matrix of ``ratings`` (``userId``, ``movieId``); returns self."""
        reg = check_real(self.reg, "reg", low=0, low_inclusive=False, hint="try 200")
        X = self._fit_watched(ratings)
        K_inv_X = np.linalg.solve(X @ X.T + reg * np.eye(X.shape[0]), X)  # = X P
        self.diag_P_ = (1.0 - (X * K_inv_X).sum(axis=0)) / reg
        self.K_inv_X_ = K_inv_X
        self.scores_ = X - K_inv_X / self.diag_P_
        return self

    def weights(self, movie_ids=None) -> pd.DataFrame:
        """Rows of ``B``: how much having watched each given movie raises every other.

        Parameters
        ----------
        movie_ids : array-like of int, optional
            Training movieIds (default: all, an ``n_items x n_items`` frame).

        Returns
        -------
        DataFrame of float64, index the given movieIds, columns every movieId
            ``B[j, i]``; the diagonal entries are exactly 0.
        """
        check_is_fitted(self, "watched_", "weights")
        movie_ids = self.item_ids_ if movie_ids is None else np.atleast_1d(np.asarray(movie_ids))
        rows = self.item_index_.get_indexer(movie_ids)
        if (rows < 0).any():
            raise ColdStartError(f"{ITEM} {movie_ids[rows < 0][:5].tolist()} not in the training ratings.")
        # P[j, :] = (e_j - x_j^T K^-1 X) / reg; B[j, i] = -P[j, i] / P[i, i] for i != j, 0 on the diagonal
        X = self.watched_
        P_rows = (np.eye(X.shape[1])[rows] - X[:, rows].T @ self.K_inv_X_) / self.reg
        B = -P_rows / self.diag_P_
        B[np.arange(len(rows)), rows] = 0.0
        return pd.DataFrame(B, index=pd.Index(movie_ids, name=ITEM), columns=self.item_index_)


def bpr_loss(pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
    """Bayesian personalised ranking: ``mean(-log sigmoid(pos - neg))`` (Rendle et al. 2009).

    Small when every watched movie scores above the unwatched one it is paired
    with. Introduced in notebooks/11_implicit_feedback.ipynb.

    Parameters
    ----------
    pos_scores, neg_scores : Tensor of shape (n_pairs,)
        Scores of a watched and a not-watched movie for the same user.

    Returns
    -------
    Tensor, scalar
    """
    return torch.nn.functional.softplus(neg_scores - pos_scores).mean()


def bpr_gradients(user, pos, neg, pos_bias: float = 0.0, neg_bias: float = 0.0):
    """Hand gradient of ``-log sigmoid(s_pos - s_neg)`` for one pair, ``s = user . item + item_bias``.

    With ``d = s_pos - s_neg`` and ``g = -(1 - sigmoid(d)) = -sigmoid(-d)``:
    ``dL/duser = g (pos - neg)``, ``dL/dpos = g user``, ``dL/dneg = -g user``,
    ``dL/dpos_bias = g``, ``dL/dneg_bias = -g``.

    Parameters
    ----------
    user, pos, neg : ndarray of shape (n_factors,)
    pos_bias, neg_bias : float

    Returns
    -------
    dict of name -> ndarray or float
        Keys ``user``, ``pos``, ``neg``, ``pos_bias``, ``neg_bias``.
    """
    user, pos, neg = (np.asarray(v, dtype=np.float64) for v in (user, pos, neg))
    d = user @ pos + pos_bias - user @ neg - neg_bias
    g = -1.0 / (1.0 + np.exp(d))
    return {"user": g * (pos - neg), "pos": g * user, "neg": -g * user, "pos_bias": g, "neg_bias": -g}


class ImplicitFactorization(_WatchedRanker):
    """The course's model trained on what was watched, to rank: ``fit`` / ``recommend`` / ``similar_items``.

    ``score(u, i) = user_factors[u] . item_factors[i] + item_bias[i]``: the
    embeddings and biases of ``cfcourse.models.DotProductBias`` (without the
    sigmoid range: a score only has to put movies in order; the user bias
    shifts all of a user's scores alike, so it cannot change a list). Trained
    full-batch with Adam on one of two ranking losses:

    - ``loss="softmax"`` (default): for each user, the scores of all movies go
      through a softmax, and the loss is minus the mean log-probability of the
      movies they watched. Every unwatched movie is a (weak) negative, all at
      once: with 9,000 movies this is one matrix product per step.
    - ``loss="bpr"``: ``-log sigmoid(score(u, watched) - score(u, not watched))``
      over one sampled unwatched movie per watched one, resampled every epoch
      (``bpr_loss``).

    **What counts as a positive:** every (user, movie) row of ``fit``'s frame,
    whatever the rating: a 1-star rating is still a watch. With a ``rating``
    column and ``liked_weight > 0``, movies rated ``>= liked_threshold`` count
    ``1 + liked_weight`` times as much in the loss (ratings as confidence).

    ``__init__`` only stores its arguments (scikit-learn's contract); ``fit``
    checks them. The defaults were tuned on a carve-out of the course split's
    training part (``benchmarks/ranking.py --tune``), never on its validation
    rows.

    Parameters
    ----------
    n_factors : int, default 64
    epochs : int, default 30
        Full-batch steps (``softmax``) or passes over the watched pairs (``bpr``).
        On the carve-out, NDCG@10 peaked at 30 steps (0.186, against 0.173
        after 100), so more steps overfit.
    lr : float, default 0.05
        Adam's learning rate.
    weight_decay : float, default 1e-4
        L2 penalty on the factors (``softmax``: on the sum of squares; ``bpr``:
        on the mean over the batch's rows).
    loss : {"softmax", "bpr"}, default "softmax"
    liked_weight : float >= 0, default 3.0
    liked_threshold : float, default 4.0
    batch_size : int, default 4096
        Pairs per step for ``bpr`` (``softmax`` is full batch).
    random_state : int, default 0
        Seeds the initialisation and the negative sampling.

    Attributes
    ----------
    model_ : DotProductBias
        The trained model (indices, not raw ids); ``y_range`` is None.
    user_factors_, item_factors_ : ndarray of shape (n_users, n_factors) / (n_items, n_factors), float64
    item_bias_ : ndarray of shape (n_items,), float64
    history_ : DataFrame
        The loss per epoch (column ``loss``).
    watched_ : ndarray of shape (n_users, n_items)
    user_ids_, item_ids_ : ndarray
    """

    def __init__(
        self,
        n_factors: int = 64,
        *,
        epochs: int = 30,
        lr: float = 0.05,
        weight_decay: float = 1e-4,
        loss: str = "softmax",
        liked_weight: float = 3.0,
        liked_threshold: float = 4.0,
        batch_size: int = 4096,
        random_state: int = 0,
    ) -> None:
        self.n_factors = n_factors
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.loss = loss
        self.liked_weight = liked_weight
        self.liked_threshold = liked_threshold
        self.batch_size = batch_size
        self.random_state = random_state

    def _check_params(self) -> None:
        check_positive_int(self.n_factors, "n_factors", hint="64 is a good start")
        check_positive_int(self.epochs, "epochs")
        check_real(self.lr, "lr", low=0, low_inclusive=False, hint="try 0.05")
        check_real(self.weight_decay, "weight_decay", low=0, hint="try 1e-4")
        check_one_of(self.loss, "loss", ("softmax", "bpr"))
        check_real(self.liked_weight, "liked_weight", low=0, hint="0 treats every watch alike")
        check_positive_int(self.batch_size, "batch_size")
        check_non_negative_int(self.random_state, "random_state")

    def fit(self, ratings: pd.DataFrame, *, callback=None) -> ImplicitFactorization:
        """Learn factors and biases from what each user watched.

        Parameters
        ----------
        ratings : DataFrame with columns ``userId``, ``movieId`` and ``rating``
            (``rating`` may be left out with ``liked_weight=0``)
        callback : callable, optional
            Called as ``callback(epoch, self)`` after each epoch, with the
            learned attributes already set (e.g. to score the validation
            ratings per epoch).

        Returns
        -------
        self
        """
        self._check_params()
        if self.liked_weight > 0 and RATING not in ratings.columns:
            raise ValueError(
                f"liked_weight={self.liked_weight} weighs liked movies by their rating, but ratings has no "
                f"{RATING!r} column; add it, or use liked_weight=0."
            )
        X = self._fit_watched(ratings)
        weights = X.copy()
        if self.liked_weight > 0:
            encoded, _, _ = encode(ratings, user_ids=self.user_ids_, item_ids=self.item_ids_)
            liked = encoded[encoded[RATING] >= self.liked_threshold]
            weights[liked[USER_IDX].to_numpy(), liked[ITEM_IDX].to_numpy()] += self.liked_weight
        n_users, n_items = X.shape
        model = DotProductBias(n_users, n_items, self.n_factors, y_range=None, seed=self.random_state)
        U, V, b = model.user_factors.weight, model.item_factors.weight, model.item_bias.weight
        model.user_bias.weight.requires_grad_(False)  # cannot change a user's list
        optimizer = torch.optim.Adam([U, V, b], lr=self.lr)
        generator = torch.Generator().manual_seed(self.random_state)
        W = torch.tensor(weights / weights.sum(axis=1, keepdims=True), dtype=torch.float32)
        users, items = np.nonzero(X * (X.sum(axis=1, keepdims=True) < n_items))  # BPR pairs: users with a negative
        users, items = torch.tensor(users), torch.tensor(items)
        watched = torch.tensor(X, dtype=torch.bool)
        losses = []
        for epoch in range(self.epochs):
            if self.loss == "softmax":
                optimizer.zero_grad()
                logits = U @ V.T + b.T
                loss = -(W * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()
                loss = loss + self.weight_decay * ((U**2).sum() + (V**2).sum())
                loss.backward()
                optimizer.step()
                total = float(loss.detach())
            else:
                total = self._bpr_epoch(model, optimizer, users, items, watched, generator)
            losses.append(total)
            self._set_weights(model, losses)
            if callback is not None:
                callback(epoch, self)
        return self

    def _bpr_epoch(self, model, optimizer, users, items, watched, generator) -> float:
        """One pass over the watched pairs, each with one sampled unwatched movie."""
        order = torch.randperm(len(users), generator=generator)
        total = 0.0
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            u, pos = users[batch], items[batch]
            neg = sample_negatives(watched, u, generator)
            U, V, b = model.user_factors(u), model.item_factors, model.item_bias
            pos_scores = (U * V(pos)).sum(dim=1) + b(pos)[:, 0]
            neg_scores = (U * V(neg)).sum(dim=1) + b(neg)[:, 0]
            penalty = (U**2).sum(dim=1) + (V(pos) ** 2).sum(dim=1) + (V(neg) ** 2).sum(dim=1)
            loss = bpr_loss(pos_scores, neg_scores) + self.weight_decay * penalty.mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        return total / len(order)

    def _set_weights(self, model, losses) -> None:
        self.model_ = model
        self.user_factors_ = model.user_factors.weight.detach().double().numpy()
        self.item_factors_ = model.item_factors.weight.detach().double().numpy()
        self.item_bias_ = model.item_bias.weight.detach().double().numpy()[:, 0]
        self.history_ = pd.DataFrame({"loss": losses}).rename_axis("epoch")

    def _user_scores(self, u: int) -> np.ndarray:
        return self.item_factors_ @ self.user_factors_[u] + self.item_bias_

    def recommend(self, user_id, n: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """The ``n`` best-scored movies for a training userId or a ``FoldedUser`` from ``fold_in``.

        As ``_WatchedRanker.recommend`` (a DataFrame with ``movieId`` and
        ``score``, highest first, ``top_n`` order); a ``FoldedUser``'s seen
        movies are its ``item_ids``.
        """
        if not isinstance(user_id, FoldedUser):
            return super().recommend(user_id, n, exclude_seen)
        check_is_fitted(self, "model_", "recommend")
        n = check_positive_int(n, "n")
        scores = self.item_factors_ @ user_id.user_factors + self.item_bias_
        seen = self.item_index_.get_indexer(user_id.item_ids) if exclude_seen else None
        chosen = top_n(scores, n, exclude=None if seen is None else seen[seen >= 0], ids=self.item_ids_)
        return pd.DataFrame({ITEM: self.item_ids_[chosen], "score": scores[chosen]})

    def fold_in(self, ratings: pd.DataFrame, *, n_steps: int = 50) -> FoldedUser:
        """A new user's vector from what they watched, the movies' weights held fixed.

        Minimises the training loss of one user over their vector ``p`` alone::

            -sum_i w_i log softmax(V p + b)_i + n_users * weight_decay * |p|^2

        with ``w`` the user's normalised weights as in ``fit`` (1 per watched
        movie, ``1 + liked_weight`` when rated ``>= liked_threshold``, summing
        to 1) and ``n_users`` training users (``fit`` averages the softmax loss
        over users but penalises each row once). The problem is convex; Newton
        steps with a backtracking line search solve it (gradient
        ``V^T (softmax - w) + 2 lam p``, Hessian ``V^T (diag(s) - s s^T) V + 2 lam I``).
        The same objective is used with either ``loss``.

        Parameters
        ----------
        ratings : DataFrame with column ``movieId`` (and ``rating`` if ``liked_weight > 0``)
            One new user's watched movies; movies never seen in training are
            left out (at least one must be known).
        n_steps : int, default 50
            At most this many Newton steps (it stops when the gradient vanishes).

        Returns
        -------
        FoldedUser
            ``user_factors`` of shape (n_factors,), ``user_bias`` 0.0 (it cannot
            change a list), ``item_ids`` the known watched movies. Pass it to ``recommend``.

        Introduced in notebooks/12_your_recommendations.ipynb.
        """
        check_is_fitted(self, "model_", "fold_in")
        n_steps = check_positive_int(n_steps, "n_steps")
        if not isinstance(ratings, pd.DataFrame) or ITEM not in ratings.columns:
            raise TypeError(f"ratings must be a DataFrame with a {ITEM!r} column (and {RATING!r} when "
                            f"liked_weight > 0), got {type(ratings).__name__}.")  # fmt: skip
        if self.liked_weight > 0 and RATING not in ratings.columns:
            raise ValueError(f"liked_weight={self.liked_weight} weighs liked movies by their rating, but ratings "
                             f"has no {RATING!r} column; add it.")  # fmt: skip
        check_ratings(ratings.assign(_user=0), columns=("_user", ITEM), scale=None)
        idx = self.item_index_.get_indexer(ratings[ITEM].to_numpy())
        known = idx >= 0
        if not known.any():
            raise ColdStartError(f"none of the {len(idx)} movies was in the training ratings; nothing to fold in.")
        weights = np.ones(int(known.sum()))
        if self.liked_weight > 0:
            weights += self.liked_weight * (ratings[RATING].to_numpy(np.float64)[known] >= self.liked_threshold)
        w = np.zeros(len(self.item_ids_))
        w[idx[known]] = weights / weights.sum()
        V, b = self.item_factors_, self.item_bias_
        lam = len(self.user_ids_) * self.weight_decay

        def objective(p):
            logits = V @ p + b
            top = logits.max()
            return float(-(w @ logits) + top + np.log(np.exp(logits - top).sum()) + lam * p @ p)

        p = np.zeros(V.shape[1])
        value = objective(p)
        for _ in range(n_steps):
            logits = V @ p + b
            s = np.exp(logits - logits.max())
            s /= s.sum()
            grad = V.T @ (s - w) + 2 * lam * p
            if np.abs(grad).max() < 1e-10:
                break
            Vs = V.T @ s
            hess = (V.T * s) @ V - np.outer(Vs, Vs) + 2 * lam * np.eye(len(p))
            step, t = np.linalg.solve(hess, grad), 1.0
            candidate = objective(p - step)
            while candidate > value and t > 1e-8:  # backtrack until the loss does not rise
                t /= 2
                candidate = objective(p - t * step)
            p, value = p - t * step, candidate
        return FoldedUser(user_factors=p, user_bias=0.0, item_ids=ratings[ITEM].to_numpy()[known].copy())

    def score_matrix(self) -> np.ndarray:
        """Every training user's score of every movie, ndarray of shape (n_users, n_items), float64."""
        check_is_fitted(self, "model_", "score_matrix")
        return self.user_factors_ @ self.item_factors_.T + self.item_bias_

    def similar_items(self, movie_id, n: int = 10) -> pd.DataFrame:
        """The ``n`` movies whose factor vectors point the most the same way as ``movie_id``'s (cosine).

        Returns
        -------
        DataFrame with columns ``movieId`` and ``similarity`` (float64, in [-1, 1]), highest first
        """
        check_is_fitted(self, "model_", "similar_items")
        if movie_id not in self.item_index_:
            raise ColdStartError(
                f"{ITEM} {movie_id!r} was not in the training ratings, so it has no factors; "
                f"pick one of item_ids_ (e.g. {self.item_ids_[:3].tolist()})."
            )
        norms = np.linalg.norm(self.item_factors_, axis=1)
        unit = self.item_factors_ / np.where(norms > 0, norms, 1.0)[:, None]
        i = self.item_index_.get_loc(movie_id)
        sims = unit @ unit[i]
        chosen = top_n(sims, check_positive_int(n, "n"), exclude=[i], ids=self.item_ids_)
        return pd.DataFrame({ITEM: self.item_ids_[chosen], "similarity": sims[chosen]})


def sample_negatives(watched: torch.Tensor, user_idx: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One movie each user of ``user_idx`` has not watched, uniformly at random.

    Draws uniformly and redraws the draws that hit a watched movie until none
    does. A user who watched every movie raises ValueError (no negative exists).

    Parameters
    ----------
    watched : Tensor of shape (n_users, n_items), bool
    user_idx : Tensor of shape (batch,), int64
    generator : torch.Generator

    Returns
    -------
    Tensor of shape (batch,), int64
    """
    n_items = watched.shape[1]
    full = watched[user_idx].all(dim=1)
    if full.any():
        raise ValueError(
            f"user index {int(user_idx[full][0])} watched every movie, so there is no negative to sample; "
            "leave such users out of the pairs."
        )
    neg = torch.randint(n_items, user_idx.shape, generator=generator)
    bad = watched[user_idx, neg]
    while bad.any():
        neg[bad] = torch.randint(n_items, (int(bad.sum()),), generator=generator)
        bad = watched[user_idx, neg]
    return neg

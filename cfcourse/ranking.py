"""Scoring top-N lists: precision@k, recall@k, NDCG@k, and a popularity baseline.

Introduced in notebooks/10_recommending.ipynb. RMSE asks "how far is each
predicted rating from the real one?"; a recommender is used differently: it
shows a short list, and what matters is whether the movies on it are ones the
user likes. Ranking metrics score the list against a set of *relevant* movies
(in the course: the user's validation ratings of 4 stars or more).

For one user, with ``recommended`` a list of movie ids best first and
``relevant`` a set of movie ids::

    hits@k       = number of the first k recommended that are relevant
    precision@k  = hits@k / k                       (how much of the list is good)
    recall@k     = hits@k / len(relevant)           (how much of the good was found)
    NDCG@k       = DCG@k / ideal DCG@k, DCG@k = sum over positions i = 1..k of
                   rel_i / log2(i + 1)               (hits near the top count more)

``ranking_metrics`` scores many users at once and returns one row per user;
average the columns for the model's score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.ratings import check_ratings
from cfcourse.validation import check_indices, check_is_fitted, check_positive_int

__all__ = [
    "top_n",
    "precision_at_k",
    "recall_at_k",
    "ndcg_at_k",
    "relevant_items",
    "ranking_metrics",
    "PopularityRecommender",
]


def top_n(scores: np.ndarray, n: int, *, exclude=None, ids=None) -> np.ndarray:
    """Positions of the ``n`` highest scores: the one top-N selection of the package.

    Sorted by score, highest first; equal scores by ``ids``, smallest first,
    so a list never depends on how the scores happen to be stored.
    ``MatrixFactorization.recommend``, ``MatrixFactorization.similar_items``
    and ``PopularityRecommender.recommend`` all select with it.

    Parameters
    ----------
    scores : ndarray of shape (n_items,), float
        One score per candidate; NaN is refused.
    n : int >= 1
        How many to return (fewer if fewer candidates are left).
    exclude : array-like of int, optional
        Positions never returned (e.g. the movies the user has already rated).
    ids : ndarray of shape (n_items,), optional
        The tie-breaker (e.g. movieIds); defaults to the positions.

    Returns
    -------
    ndarray of int64, shape (min(n, n_items - n_excluded),)
        Positions into ``scores``.

    Examples
    --------
    >>> top_n(np.array([3.0, 5.0, 4.0, 5.0]), 3)
    array([1, 3, 2])
    >>> top_n(np.array([3.0, 5.0, 4.0, 5.0]), 3, exclude=[1], ids=np.array([40, 30, 20, 10]))
    array([3, 2, 0])
    """
    n = check_positive_int(n, "n")
    scores = np.asarray(scores)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-D (one score per candidate), got shape {scores.shape}.")
    if np.isnan(scores).any():
        raise ValueError(
            f"scores contain {int(np.isnan(scores).sum())} NaN value(s), which cannot be ranked; "
            "check the model that produced them (a NaN weight makes every score NaN)."
        )
    ids = np.arange(len(scores)) if ids is None else np.asarray(ids)
    if ids.shape != scores.shape:
        raise ValueError(f"ids must give one id per score: shape {ids.shape}, scores {scores.shape}.")
    keep = np.ones(len(scores), dtype=bool)
    if exclude is not None:
        keep[check_indices(np.asarray(exclude, dtype=np.int64).reshape(-1), len(scores), "exclude")] = False
    candidates = np.flatnonzero(keep)
    if len(candidates) > 4 * n:  # only the best n matter: partial sort first, then sort the few with ties
        cut = np.partition(scores[candidates], len(candidates) - n)[len(candidates) - n]
        candidates = candidates[scores[candidates] >= cut]
    order = np.lexsort((ids[candidates], -scores[candidates]))[:n]
    return candidates[order].astype(np.int64)


def _check(recommended: Iterable, relevant: Iterable, k: int) -> tuple[list, set]:
    check_positive_int(k, "k", hint="the length of the list scored")
    recommended = list(recommended)
    if len(set(recommended)) != len(recommended):
        repeated = pd.Series(recommended)[pd.Series(recommended).duplicated()].unique().tolist()
        raise ValueError(
            f"recommended lists the same movie more than once ({repeated[:5]}); a top-N list names each "
            "movie once: drop the repeats."
        )
    return recommended, set(relevant)


def precision_at_k(recommended: Iterable, relevant: Iterable, k: int) -> float:
    """Share of the first ``k`` recommended movies that are relevant.

    Parameters
    ----------
    recommended : sequence of movie ids, best first
        Only the first ``k`` count. A list shorter than ``k`` still divides by
        ``k`` (the empty slots are misses).
    relevant : iterable of movie ids
        The movies that count as hits (order does not matter).
    k : int >= 1

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> precision_at_k([10, 20, 30, 40], relevant={20, 40, 99}, k=2)
    0.5
    """
    recommended, relevant = _check(recommended, relevant, k)
    return sum(item in relevant for item in recommended[:k]) / k


def recall_at_k(recommended: Iterable, relevant: Iterable, k: int) -> float:
    """Share of the relevant movies found among the first ``k`` recommended.

    Parameters are as for ``precision_at_k``; ``relevant`` must not be empty.

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    ValueError
        If ``relevant`` is empty: recall is undefined (score only users with
        at least one relevant movie, as ``ranking_metrics`` does).

    Examples
    --------
    >>> recall_at_k([10, 20, 30, 40], relevant={20, 40, 99}, k=2)
    0.3333333333333333
    """
    recommended, relevant = _check(recommended, relevant, k)
    if not relevant:
        raise ValueError("relevant is empty, so recall is undefined (0 / 0); score only users with at least one relevant movie.")
    return sum(item in relevant for item in recommended[:k]) / len(relevant)


def ndcg_at_k(recommended: Iterable, relevant: Iterable, k: int) -> float:
    """Normalised discounted cumulative gain of the first ``k`` recommended (binary relevance).

    A hit at position ``i`` (1-based) is worth ``1 / log2(i + 1)``: 1 at the
    top, 0.63 second, 0.5 third... ``DCG@k`` adds up the hits' worth; the
    ideal DCG puts ``min(k, len(relevant))`` hits at the top. The ratio is 1
    for a perfect list and 0 for a list without hits.

    Parameters are as for ``precision_at_k``; ``relevant`` must not be empty.

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    ValueError
        If ``relevant`` is empty (the ideal DCG is 0).

    Examples
    --------
    >>> round(ndcg_at_k([10, 20, 30], relevant={10, 30}, k=3), 4)
    0.9197
    """
    recommended, relevant = _check(recommended, relevant, k)
    if not relevant:
        raise ValueError("relevant is empty, so NDCG is undefined (the ideal DCG is 0); score only users with at least one relevant movie.")
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = np.array([item in relevant for item in recommended[:k]], dtype=float)
    dcg = float(gains @ discounts[: len(gains)])
    ideal = float(discounts[: min(k, len(relevant))].sum())
    return dcg / ideal


def relevant_items(ratings: pd.DataFrame, threshold: float = 4.0) -> dict:
    """The movies each user rated at least ``threshold``: the hits a top-N list should contain.

    Parameters
    ----------
    ratings : DataFrame with columns ``userId``, ``movieId``, ``rating``
        E.g. the validation part of ``cfcourse.split.train_valid_split``.
    threshold : float, default 4.0

    Returns
    -------
    dict of userId -> set of movieId
        Only users with at least one rating >= ``threshold``, sorted by userId.
    """
    check_ratings(ratings, columns=(USER, ITEM, RATING))
    liked = ratings[ratings[RATING] >= threshold]
    return {user: set(group.tolist()) for user, group in liked.groupby(USER, sort=True)[ITEM]}


def ranking_metrics(recommendations: Mapping, relevant: Mapping, k: int) -> pd.DataFrame:
    """Precision@k, recall@k and NDCG@k of every user's list.

    Parameters
    ----------
    recommendations : mapping of userId -> sequence of movie ids, best first
    relevant : mapping of userId -> set of movie ids
        E.g. ``relevant_items(split.valid)``. Users missing here, or with an
        empty set, are left out (their recall and NDCG are undefined).
    k : int >= 1

    Returns
    -------
    DataFrame indexed by userId, columns ``precision``, ``recall``, ``ndcg`` (float64)
        One row per user of ``recommendations`` with at least one relevant
        movie; ``.mean()`` gives the averages over users.

    Raises
    ------
    ValueError
        If no user of ``recommendations`` has a relevant movie.
    """
    rows = {
        user: (precision_at_k(items, relevant[user], k), recall_at_k(items, relevant[user], k),
               ndcg_at_k(items, relevant[user], k))
        for user, items in recommendations.items()
        if len(relevant.get(user, ())) > 0
    }  # fmt: skip
    if not rows:
        raise ValueError(
            "no user of recommendations has a relevant movie, so there is nothing to score; "
            "check that both mappings use the same user ids (raw userId, not indices)."
        )
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["precision", "recall", "ndcg"])
    return frame.rename_axis(USER)


class PopularityRecommender:
    """The baseline every recommender must beat: recommend the most-rated movies.

    Everyone gets the same list (minus what they have already seen): the
    movies with the most ratings in training, ties by movieId.

    Attributes
    ----------
    counts_ : Series of int64, indexed by movieId
        Number of training ratings per movie, most rated first.
    seen_ : dict of userId -> ndarray of movieId
        The movies each user rated in training.

    Examples
    --------
    >>> popular = PopularityRecommender().fit(split.train)   # doctest: +SKIP
    >>> popular.recommend(user_id=1, n=5)                     # doctest: +SKIP
    """

    def fit(self, ratings: pd.DataFrame) -> PopularityRecommender:
        """Count the ratings of each movie.

        Parameters
        ----------
        ratings : DataFrame with columns ``userId``, ``movieId`` (a ``rating`` column is not needed)

        Returns
        -------
        self
        """
        check_ratings(ratings, columns=(USER, ITEM))
        counts = ratings[ITEM].value_counts()
        order = np.lexsort((counts.index.to_numpy(), -counts.to_numpy()))
        self.counts_ = counts.iloc[order].astype(np.int64).rename("count").rename_axis(ITEM)
        self.seen_ = {user: group.to_numpy() for user, group in ratings.groupby(USER)[ITEM]}
        return self

    def recommend(self, user_id, n: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """The ``n`` most-rated movies the user has not rated in training.

        Parameters
        ----------
        user_id : int
            Any id: an unknown user has seen nothing, so gets the plain top ``n``.
        n : int, default 10
        exclude_seen : bool, default True

        Returns
        -------
        DataFrame with columns ``movieId`` and ``score`` (the number of ratings), ``n`` rows
        """
        check_is_fitted(self, "counts_", "recommend")
        counts, movie_ids = self.counts_.to_numpy(), self.counts_.index.to_numpy()
        seen = self.seen_.get(user_id, ()) if exclude_seen else ()
        chosen = top_n(counts, n, exclude=np.flatnonzero(np.isin(movie_ids, seen)), ids=movie_ids)
        return pd.DataFrame({ITEM: movie_ids[chosen], "score": counts[chosen]})

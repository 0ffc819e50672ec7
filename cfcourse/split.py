"""The course's one train/validation split of the ratings, and id encoding.

Introduced in notebooks/05_gradient_descent.ipynb, where the dot-product model
is first trained on real MovieLens; every later notebook reuses the same split
(same ``seed``, same ``valid_frac``), so their validation RMSEs are comparable.

Models index users and movies by contiguous integers ``0..n-1``, while
MovieLens ids have gaps (movieId runs up to 193,609 for 9,742 movies).
``encode`` maps raw ids to indices; the returned id arrays map them back:
``user_ids[user_idx]`` is the raw userId.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from cfcourse.columns import ITEM, RATING, TIMESTAMP, USER
from cfcourse.ratings import UnknownIdError, check_ratings

__all__ = ["USER_IDX", "ITEM_IDX", "encode", "encode_ids", "train_valid_split", "time_split", "Split", "frame_to_tensors"]

USER_IDX = "user_idx"
"""Column holding a user's contiguous index (0..n_users-1), added by ``encode``."""

ITEM_IDX = "item_idx"
"""Column holding a movie's contiguous index (0..n_items-1), added by ``encode``."""


def encode(
    ratings: pd.DataFrame,
    *,
    user_ids: np.ndarray | None = None,
    item_ids: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Map raw userId/movieId to contiguous indices ``0..n-1``.

    Parameters
    ----------
    ratings : DataFrame with columns ``userId``, ``movieId`` (and any others)
    user_ids, item_ids : ndarray of shape (n_users,) / (n_items,), optional
        An existing vocabulary (e.g. the training part's) to encode with. By
        default the vocabulary is the sorted distinct ids of ``ratings``.

    Returns
    -------
    encoded : DataFrame
        A copy of ``ratings`` with two more int64 columns, ``user_idx`` and
        ``item_idx``.
    user_ids : ndarray of shape (n_users,)
        ``user_ids[k]`` is the raw userId of index ``k``.
    item_ids : ndarray of shape (n_items,)
        ``item_ids[k]`` is the raw movieId of index ``k``.

    Raises
    ------
    cfcourse.ratings.UnknownIdError (a KeyError)
        If a given vocabulary lacks some id of ``ratings``.

    Examples
    --------
    >>> frame = pd.DataFrame({"userId": [10, 30, 10], "movieId": [7, 7, 99]})
    >>> encoded, user_ids, item_ids = encode(frame)
    >>> encoded["user_idx"].tolist(), user_ids.tolist()
    ([0, 1, 0], [10, 30])
    """
    encoded = ratings.copy()
    vocabularies = []
    for col, idx_col, ids in ((USER, USER_IDX, user_ids), (ITEM, ITEM_IDX, item_ids)):
        if col not in ratings.columns:
            raise ValueError(f"ratings has no {col!r} column; it has {list(ratings.columns)}.")
        encoded[idx_col], ids = encode_ids(ratings[col], ids)
        vocabularies.append(ids)
    return encoded, vocabularies[0], vocabularies[1]


def encode_ids(values: pd.Series, ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One column of ``encode``: the index of each raw id, and the vocabulary.

    For large frames, where ``encode``'s copy of the whole frame costs memory
    (``MatrixFactorization.fit`` encodes 25 million ratings so).

    Parameters
    ----------
    values : Series of shape (n,)
        Raw ids (a ``userId`` or ``movieId`` column).
    ids : ndarray, optional
        An existing vocabulary; by default the sorted distinct values.

    Returns
    -------
    idx : ndarray of shape (n,), int64
        ``ids[idx] == values``.
    ids : ndarray
        The vocabulary.

    Raises
    ------
    cfcourse.ratings.UnknownIdError (a KeyError)
        If ``ids`` lacks some value.
    """
    ids = np.sort(values.unique()) if ids is None else np.asarray(ids)
    idx = pd.Index(ids).get_indexer(values)
    if (idx < 0).any():
        unknown = pd.unique(values[idx < 0])
        raise UnknownIdError(
            f"{len(unknown)} {values.name} value(s) not in the given vocabulary, e.g. "
            f"{unknown[:5].tolist()}; drop those rows or encode without a vocabulary."
        )
    return idx.astype(np.int64, copy=False), ids


@dataclass(frozen=True, eq=False)
class Split:
    """A train/validation split with ids encoded from the training part.

    Made by ``train_valid_split``. Both frames keep the columns and the index
    labels of the ratings they came from, plus ``user_idx`` and ``item_idx``.

    Attributes
    ----------
    train, valid : DataFrame
        The two parts; every user and movie of ``valid`` occurs in ``train``.
    n_users, n_items : int
        Number of distinct users / movies in ``train`` (the model's sizes).
    user_ids, item_ids : ndarray of shape (n_users,) / (n_items,)
        Raw id of each index: ``user_ids[user_idx]``.
    dropped : int
        Validation rows dropped because their user or movie is not in train.
    valid_frac : float
    seed : int
    """

    train: pd.DataFrame
    valid: pd.DataFrame
    n_users: int
    n_items: int
    user_ids: np.ndarray
    item_ids: np.ndarray
    dropped: int
    valid_frac: float
    seed: int

    def tensors(self, part: str = "train") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The part as ``(user_idx, item_idx, ratings)`` tensors for ``cfcourse.train.fit``.

        Parameters
        ----------
        part : {"train", "valid"}

        Returns
        -------
        user_idx, item_idx : Tensor of shape (n_rows,), int64
        ratings : Tensor of shape (n_rows,), float32
        """
        if part not in ("train", "valid"):
            raise ValueError(f"part must be 'train' or 'valid', got {part!r}.")
        return frame_to_tensors(getattr(self, part))

    def __repr__(self) -> str:
        return (
            f"Split(train={len(self.train)} rows, valid={len(self.valid)} rows, "
            f"n_users={self.n_users}, n_items={self.n_items}, dropped={self.dropped}, "
            f"valid_frac={self.valid_frac}, seed={self.seed})"
        )


def frame_to_tensors(frame: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(user_idx, item_idx, ratings)`` tensors from a frame made by ``encode``."""
    missing = [c for c in (USER_IDX, ITEM_IDX, RATING) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"frame is missing column(s) {missing}; encode it first with cfcourse.split.encode "
            "or use the parts of cfcourse.split.train_valid_split."
        )
    return (
        torch.tensor(frame[USER_IDX].to_numpy(np.int64)),
        torch.tensor(frame[ITEM_IDX].to_numpy(np.int64)),
        torch.tensor(frame[RATING].to_numpy(np.float32)),
    )


def train_valid_split(ratings: pd.DataFrame, valid_frac: float = 0.1, seed: int = 42) -> Split:
    """The course split: a seeded random share of the ratings held out for validation.

    The protocol, exactly: ``perm = np.random.default_rng(seed).permutation(n)``;
    the rows at ``perm[:int(valid_frac * n)]`` are validation, the rest train.
    Validation rows whose user or movie never occurs in train are dropped (the
    model could not have learned anything about them) and counted in
    ``Split.dropped``. Ids are encoded from the training part. Each part keeps
    the original row order.

    Parameters
    ----------
    ratings : DataFrame with columns ``userId``, ``movieId``, ``rating``
    valid_frac : float, default 0.1
        Share of rows drawn for validation, in (0, 1).
    seed : int, default 42
        Seed of the permutation; all notebooks use the default.

    Returns
    -------
    Split

    Raises
    ------
    TypeError, cfcourse.ratings.RatingsError (a ValueError)
        If ``ratings`` fails ``cfcourse.ratings.check_ratings`` (missing
        columns, no rows, NaN, ratings off the scale, duplicate pairs...).

    Examples
    --------
    >>> split = train_valid_split(ratings)            # doctest: +SKIP
    >>> user_idx, item_idx, y = split.tensors("train")  # doctest: +SKIP
    """
    check_ratings(ratings)
    if not 0.0 < valid_frac < 1.0:
        raise ValueError(f"valid_frac must be between 0 and 1 (exclusive), got {valid_frac!r}; the course uses 0.1.")
    n = len(ratings)
    perm = np.random.default_rng(seed).permutation(n)
    n_valid = int(valid_frac * n)
    train_raw = ratings.iloc[np.sort(perm[n_valid:])]
    valid_raw = ratings.iloc[np.sort(perm[:n_valid])]
    if len(train_raw) == 0:
        raise ValueError(f"valid_frac={valid_frac} leaves no training rows out of {n}; lower valid_frac.")
    return _split(train_raw, valid_raw, valid_frac=valid_frac, seed=seed)


def time_split(ratings: pd.DataFrame, valid_frac: float = 0.1) -> Split:
    """Hold out each user's most recent ratings: validation is the future.

    For every user with ``n`` ratings, the ``int(valid_frac * n)`` latest by
    ``timestamp`` are validation, the rest train (equal timestamps keep the
    order of the rows). So every user is in train, and the model is asked to
    predict what each user rated *after* everything it saw of them. As in
    ``train_valid_split``, validation rows whose movie never occurs in train
    (a movie first rated later) are dropped and counted in ``Split.dropped``;
    ids are encoded from the training part and each part keeps the original
    row order.

    Introduced in notebooks/08_training.ipynb.

    Parameters
    ----------
    ratings : DataFrame with columns ``userId``, ``movieId``, ``rating``, ``timestamp``
        ``timestamp`` may be datetimes or numbers (anything that sorts).
    valid_frac : float, default 0.1
        Share of each user's ratings held out, in (0, 1).

    Returns
    -------
    Split
        ``seed`` is 0: the split is deterministic and uses no random numbers.

    Raises
    ------
    TypeError, cfcourse.ratings.RatingsError (a ValueError)
        If ``ratings`` fails ``cfcourse.ratings.check_ratings`` or has no
        ``timestamp`` column.

    Examples
    --------
    >>> split = time_split(load_ratings())            # doctest: +SKIP
    >>> user_idx, item_idx, y = split.tensors("valid")  # doctest: +SKIP
    """
    check_ratings(ratings)
    if TIMESTAMP not in ratings.columns:
        raise ValueError(
            f"ratings has no {TIMESTAMP!r} column, so there is no 'most recent'; it has "
            f"{list(ratings.columns)}. Use cfcourse.data.load_ratings(), or train_valid_split for a random split."
        )
    if not 0.0 < valid_frac < 1.0:
        raise ValueError(f"valid_frac must be between 0 and 1 (exclusive), got {valid_frac!r}; try 0.1.")
    frame = pd.DataFrame({USER: ratings[USER].to_numpy(), "time": ratings[TIMESTAMP].to_numpy()})
    order = frame.sort_values([USER, "time"], kind="stable").index.to_numpy()  # positions 0..n-1
    rank_from_end = frame.iloc[order].groupby(USER, sort=False).cumcount(ascending=False).to_numpy()
    count = frame[USER].map(frame[USER].value_counts()).to_numpy()[order]
    in_valid = np.zeros(len(ratings), dtype=bool)
    in_valid[order] = rank_from_end < (valid_frac * count).astype(np.int64)
    train_raw, valid_raw = ratings.iloc[np.flatnonzero(~in_valid)], ratings.iloc[np.flatnonzero(in_valid)]
    return _split(train_raw, valid_raw, valid_frac=valid_frac, seed=0)


def _split(train_raw: pd.DataFrame, valid_raw: pd.DataFrame, *, valid_frac: float, seed: int) -> Split:
    """Encode ids from the training part; drop validation rows whose user or movie it lacks."""
    keep = valid_raw[USER].isin(train_raw[USER]) & valid_raw[ITEM].isin(train_raw[ITEM])
    train, user_ids, item_ids = encode(train_raw)
    valid, _, _ = encode(valid_raw[keep], user_ids=user_ids, item_ids=item_ids)
    return Split(
        train=train,
        valid=valid,
        n_users=len(user_ids),
        n_items=len(item_ids),
        user_ids=user_ids,
        item_ids=item_ids,
        dropped=int((~keep).sum()),
        valid_frac=valid_frac,
        seed=seed,
    )

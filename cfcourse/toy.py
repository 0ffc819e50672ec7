"""A planted toy world: ratings generated from user tastes and movie genres we know.

Real ratings never tell us what the "true" embeddings are. Here we plant them:
every user has a taste for a few named factors (action, romance, comedy; a
negative taste is a dislike), every movie is mostly one genre with some of
another, and users and movies carry biases (generous raters, loved movies).
The ratings follow the course's final equation exactly::

    rating = low + (high - low) * sigmoid(user_factors[u] . item_factors[i]
                                          + user_bias[u] + item_bias[i]) + noise

then are clipped to the MovieLens scale [0.5, 5] and rounded to half stars.
A model trained on these ratings can be compared with what was planted.

User and movie ids start at 0, so an id is also the row of the embedding
matrices (``user_idx``/``item_idx``). Small worlds have friendly labels
(``user_names``, ``item_titles``; the frames keep integer ids, use
:meth:`ToyWorld.label` to show names). Large worlds are generated without ever
building a dense ``n_users x n_items`` array.

Introduced in notebooks/01_ratings_table.ipynb (the tiny table); used again from notebooks/03_embeddings.ipynb on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.gradients import predict_pairs, sigmoid_range
from cfcourse.validation import check_non_negative_int, check_positive_int, check_real, check_y_range

__all__ = ["MAX_DENSE_CELLS", "ToyWorld", "TooLargeToDensifyError", "make_toy_world"]

MAX_DENSE_CELLS = 10_000_000
"""Largest ``n_users * n_items`` that ``table()``, ``mask`` and ``true_table`` build (80 MB as float64)."""

_EXACT_SAMPLING_CELLS = 1_000_000  # up to here, sample observed cells exactly among all cells
_TASTE_MEAN, _TASTE_SCALE = 0.4, 1.0  # most people enjoy most genres a little; some hate one
_POPULARITY_OFFSET = 10.0  # Zipf-Mandelbrot: weight of rank r is 1 / (r + offset)
_POPULARITY_EXPONENT = 1.0  # a long tail for big worlds, nearly uniform for a 5x6 table
_MAX_ROUNDS = 100
_SCORE_CHUNK = 1 << 20  # pairs scored at once (bounds memory in large worlds)

USER_NAMES = (
    "Ana", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lina", "Milo",
    "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vic", "Wren", "Xavi", "Yara", "Zoe",
)  # fmt: skip
"""Names of the first 26 users; later users are called "user 26", "user 27", ..."""

MOVIE_TITLES = {
    "action": ("Laser Heist", "Steel Fury", "Rooftop Chase", "Bullet Harbor", "Code Red Run",
               "Iron Convoy", "Blast Radius", "Night Raid"),
    "romance": ("Letters to Paris", "Autumn Kiss", "The Last Waltz", "Moonlit Promise",
                "Love in Lisbon", "Two Hearts", "Summer Vows", "Roses at Dawn"),
    "comedy": ("The Wrong Wedding", "Pizza Panic", "My Boss the Llama", "Oops, Twins!",
               "Grandma Goes Viral", "Camp Chaos", "Dog Days Off", "Tax Return Party"),
    "horror": ("The Cellar", "Whispering Woods", "Night Shift at Ward 9", "Hollow Eyes"),
    "scifi": ("Orbit Zero", "The Mars Protocol", "Quantum Drift", "Starlight Colony"),
    "drama": ("Quiet Harbor", "The Long Winter", "Father's Workshop", "Paper Crowns"),
}  # fmt: skip
"""Made-up titles hinting at a movie's dominant genre; past the list, "movie 42"."""


class TooLargeToDensifyError(ValueError):
    """A dense users x movies table was asked for a world too large to hold one."""


@dataclass(frozen=True, eq=False, repr=False)
class ToyWorld:
    """Ratings generated from planted factors and biases, with the truth kept.

    Build one with :func:`make_toy_world`. User ids are ``0 .. n_users - 1``
    and movie ids ``0 .. n_items - 1``: an id is also the row of
    ``user_factors``/``item_factors``.

    Attributes
    ----------
    ratings : DataFrame with columns userId (int64), movieId (int64), rating (float64)
        The observed ratings, one row per (user, movie) pair, sorted by user then movie.
    user_factors : DataFrame of shape (n_users, n_factors), float64
        Planted tastes; index = user ids, columns = factor names. Negative = dislike.
    item_factors : DataFrame of shape (n_items, n_factors), float64
        Planted genre weights, non-negative; index = movie ids, columns = factor names.
    user_bias : Series of shape (n_users,), float64
        Planted user biases (generous raters > 0, harsh raters < 0).
    item_bias : Series of shape (n_items,), float64
        Planted movie biases (loved movies > 0, hated ones < 0).
    y_range : tuple of float
        ``(low, high)`` of the scaled sigmoid.
    """

    ratings: pd.DataFrame
    user_factors: pd.DataFrame
    item_factors: pd.DataFrame
    user_bias: pd.Series
    item_bias: pd.Series
    y_range: tuple[float, float]

    @property
    def n_users(self) -> int:
        return len(self.user_factors)

    @property
    def n_items(self) -> int:
        return len(self.item_factors)

    @property
    def factors(self) -> tuple[str, ...]:
        """The factor names, e.g. ``("action", "romance", "comedy")``."""
        return tuple(self.user_factors.columns)

    def __repr__(self) -> str:
        density = len(self.ratings) / (self.n_users * self.n_items)
        return (
            f"ToyWorld(n_users={self.n_users}, n_items={self.n_items}, factors={self.factors}, "
            f"n_ratings={len(self.ratings)}, density={density:.3g})"
        )

    def true_scores(self, user_idx: np.ndarray, item_idx: np.ndarray) -> np.ndarray:
        """The noiseless rating of the equation for given pairs (no clipping, no rounding).

        Parameters
        ----------
        user_idx, item_idx : array-like of int, shape (n,)

        Returns
        -------
        ndarray of shape (n,), float64
        """
        return _scores(
            self.user_factors.to_numpy(), self.item_factors.to_numpy(), self.user_bias.to_numpy(),
            self.item_bias.to_numpy(), np.asarray(user_idx), np.asarray(item_idx), self.y_range,
        )  # fmt: skip

    @property
    def true_table(self) -> pd.DataFrame:
        """Noiseless rating of every user for every movie, shape (n_users, n_items), float64."""
        self._check_densifiable("true_table")
        logits = (
            self.user_factors.to_numpy() @ self.item_factors.to_numpy().T
            + self.user_bias.to_numpy()[:, None]
            + self.item_bias.to_numpy()[None, :]
        )
        return self._dense_frame(sigmoid_range(logits, *self.y_range))

    @property
    def mask(self) -> pd.DataFrame:
        """Which cells are observed: bool DataFrame of shape (n_users, n_items)."""
        self._check_densifiable("mask")
        values = np.zeros((self.n_users, self.n_items), dtype=bool)
        values[self.ratings[USER].to_numpy(), self.ratings[ITEM].to_numpy()] = True
        return self._dense_frame(values)

    def table(self) -> pd.DataFrame:
        """The ratings table: shape (n_users, n_items), float64, 0.0 where not watched."""
        self._check_densifiable("table()")
        values = np.zeros((self.n_users, self.n_items))
        values[self.ratings[USER].to_numpy(), self.ratings[ITEM].to_numpy()] = self.ratings[RATING]
        return self._dense_frame(values)

    @cached_property
    def user_names(self) -> pd.Series:
        """Friendly user names ("Ana", "Ben", ..., then "user 26"), indexed by user id."""
        names = [USER_NAMES[u] if u < len(USER_NAMES) else f"user {u}" for u in range(self.n_users)]
        return pd.Series(names, index=self.user_factors.index, name="name")

    @cached_property
    def item_titles(self) -> pd.Series:
        """Made-up titles hinting at each movie's dominant genre ("Laser Heist" is action)."""
        dominant = self.item_factors.to_numpy().argmax(axis=1)
        used = dict.fromkeys(range(len(self.factors)), 0)
        titles = []
        for i, genre in enumerate(dominant):
            choices = MOVIE_TITLES.get(self.factors[genre], ())
            titles.append(choices[used[genre]] if used[genre] < len(choices) else f"movie {i}")
            used[genre] += 1
        return pd.Series(titles, index=self.item_factors.index, name="title")

    def label(self, frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
        """Return a copy of ``frame`` with user ids and movie ids replaced by names and titles.

        Works on any axis named ``userId`` or ``movieId``: ``world.label(world.table())``,
        ``world.label(world.item_factors)``, ``world.label(world.user_bias)``.
        """
        names = {USER: self.user_names, ITEM: self.item_titles}
        frame = frame.copy()
        axes = ("index", "columns") if isinstance(frame, pd.DataFrame) else ("index",)
        for axis in axes:
            labels = getattr(frame, axis)
            if labels.name in names:
                setattr(frame, axis, pd.Index(labels.map(names[labels.name]), name=labels.name))
        return frame

    def _dense_frame(self, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            values,
            index=pd.RangeIndex(self.n_users, name=USER),
            columns=pd.RangeIndex(self.n_items, name=ITEM),
        )

    def _check_densifiable(self, what: str) -> None:
        cells = self.n_users * self.n_items
        if cells > MAX_DENSE_CELLS:
            raise TooLargeToDensifyError(
                f"{what} would build a dense {self.n_users:,} x {self.n_items:,} table "
                f"({cells:,} cells, more than MAX_DENSE_CELLS={MAX_DENSE_CELLS:,}); use the long "
                f"frame `ratings` and `true_scores(user_idx, item_idx)` instead."
            )


def make_toy_world(
    n_users: int = 5,
    n_items: int = 6,
    *,
    factors: Sequence[str] = ("action", "romance", "comedy"),
    density: float = 0.6,
    noise: float = 0.0,
    bias_scale: float = 0.5,
    y_range: tuple[float, float] = (0.0, 5.5),
    round_to: float | None = 0.5,
    seed: int = 0,
) -> ToyWorld:
    """Generate ratings from planted tastes, genres and biases.

    Parameters
    ----------
    n_users, n_items : int
        Size of the world; ids run from 0 to ``n_users - 1`` and ``n_items - 1``.
    factors : sequence of str
        Names of the hidden factors (genres). One title list exists for
        action, romance, comedy, horror, scifi and drama; other names get "movie 3".
    density : float in (0, 1]
        Fraction of the ``n_users * n_items`` cells that are rated (exactly, rounded).
        Which cells: popular movies and active users get more ratings (a long tail
        in large worlds, nearly uniform in small ones).
    noise : float >= 0
        Standard deviation of Gaussian noise added to each rating before clipping.
    bias_scale : float >= 0
        Standard deviation of the planted user and movie biases.
    y_range : (float, float)
        ``(low, high)`` of the scaled sigmoid; the default (0, 5.5) lets 5 stars be reached.
    round_to : float or None
        Round ratings to multiples of this (0.5 = half stars); None keeps them continuous.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same world.
        Tastes, genres, observed cells and noise use separate streams, so changing
        ``noise`` or ``density`` keeps the planted factors.

    Returns
    -------
    ToyWorld

    Examples
    --------
    >>> world = make_toy_world()
    >>> world.label(world.table())  # doctest: +SKIP
    """
    factors = _validate(n_users, n_items, factors, density, noise, bias_scale, y_range, round_to, seed)
    taste_rng, genre_rng, mask_rng, noise_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    n_factors = len(factors)

    tastes = taste_rng.normal(_TASTE_MEAN, _TASTE_SCALE, size=(n_users, n_factors))
    user_bias = taste_rng.normal(0.0, bias_scale, size=n_users)

    # Each movie is mostly one genre (weight 0.7-1) with some of another (0-0.4).
    genres = np.zeros((n_items, n_factors))
    rows = np.arange(n_items)
    dominant = genre_rng.permutation(rows % n_factors)  # genres evenly spread
    genres[rows, dominant] = genre_rng.uniform(0.7, 1.0, size=n_items)
    if n_factors > 1:
        secondary = (dominant + genre_rng.integers(1, n_factors, size=n_items)) % n_factors
        genres[rows, secondary] = genre_rng.uniform(0.0, 0.4, size=n_items)
    item_bias = genre_rng.normal(0.0, bias_scale, size=n_items)

    n_ratings = max(1, round(density * n_users * n_items))
    user_idx, item_idx = _sample_pairs(n_users, n_items, n_ratings, mask_rng)

    y_range = (float(y_range[0]), float(y_range[1]))
    values = _scores(tastes, genres, user_bias, item_bias, user_idx, item_idx, y_range)
    if noise > 0:
        values = values + noise_rng.normal(0.0, noise, size=len(values))
    values = np.clip(values, RATING_MIN, RATING_MAX)
    if round_to is not None:
        values = np.clip(np.round(values / round_to) * round_to, RATING_MIN, RATING_MAX)

    users, items = pd.RangeIndex(n_users, name=USER), pd.RangeIndex(n_items, name=ITEM)
    return ToyWorld(
        ratings=pd.DataFrame({USER: user_idx, ITEM: item_idx, RATING: values}),
        user_factors=pd.DataFrame(tastes, index=users, columns=pd.Index(factors, name="factor")),
        item_factors=pd.DataFrame(genres, index=items, columns=pd.Index(factors, name="factor")),
        user_bias=pd.Series(user_bias, index=users, name="user_bias"),
        item_bias=pd.Series(item_bias, index=items, name="item_bias"),
        y_range=y_range,
    )


def _scores(user_factors, item_factors, user_bias, item_bias, user_idx, item_idx, y_range) -> np.ndarray:
    """The course's equation for pairs: scaled sigmoid of dot product plus both biases.

    Computed ``_SCORE_CHUNK`` pairs at a time, so the looked-up factor rows of
    25 million pairs (3.2 GB as float64) are never held at once.
    """
    out = np.empty(len(user_idx))
    for start in range(0, len(user_idx), _SCORE_CHUNK):
        u, i = user_idx[start : start + _SCORE_CHUNK], item_idx[start : start + _SCORE_CHUNK]
        out[start : start + len(u)] = predict_pairs(user_factors[u], item_factors[i], user_bias[u], item_bias[i], y_range)
    return out


def _zipf_weights(n: int, rng: np.random.Generator) -> np.ndarray:
    """Long-tailed weights (1 / (rank + offset)) given to ranks in random order; sum to 1."""
    weights = 1.0 / (rng.permutation(n) + 1 + _POPULARITY_OFFSET) ** _POPULARITY_EXPONENT
    return weights / weights.sum()


def _sample_pairs(
    n_users: int, n_items: int, n_ratings: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_ratings`` distinct (user, item) pairs, weight of a pair = activity x popularity.

    Both paths sample successively without replacement: the exact one ranks all
    cells by Exponential(1) / weight (small worlds), the sparse one draws pairs
    with replacement and keeps each pair's first draw, in order (large worlds,
    never holding more than the draws). Returns int64 arrays sorted by user, item.
    """
    activity, popularity = _zipf_weights(n_users, rng), _zipf_weights(n_items, rng)
    n_cells = n_users * n_items
    if n_cells <= _EXACT_SAMPLING_CELLS:
        keys = rng.exponential(size=n_cells) / np.outer(activity, popularity).ravel()
        cells = np.arange(n_cells)
        if n_ratings < n_cells:
            cells = np.sort(np.argpartition(keys, n_ratings - 1)[:n_ratings])
    else:
        draws = np.empty(0, dtype=np.int64)
        n_unique, to_draw = 0, int(n_ratings * 1.2) + 100
        for _ in range(_MAX_ROUNDS):
            new = rng.choice(n_users, to_draw, p=activity) * np.int64(n_items) + rng.choice(
                n_items, to_draw, p=popularity
            )
            draws = np.concatenate([draws, new])
            cells, first = np.unique(draws, return_index=True)
            fresh, n_unique = len(cells) - n_unique, len(cells)
            if n_unique >= n_ratings:
                cells = np.sort(cells[np.argsort(first, kind="stable")[:n_ratings]])
                break
            to_draw = int((n_ratings - n_unique) * 1.2 * to_draw / max(fresh, 1)) + 100
        else:
            raise ValueError(
                f"could not find {n_ratings:,} distinct (user, movie) pairs among "
                f"{n_users:,} x {n_items:,} by sampling; lower the density (got {n_ratings / n_cells:.3g})."
            )
    return cells // n_items, cells % n_items


def _validate(n_users, n_items, factors, density, noise, bias_scale, y_range, round_to, seed) -> tuple[str, ...]:
    check_positive_int(n_users, "n_users")
    check_positive_int(n_items, "n_items")
    if isinstance(factors, str):
        raise TypeError(f"factors must be a sequence of names, got the string {factors!r}; write ({factors!r},).")
    factors = tuple(factors)
    if len(factors) == 0:
        raise ValueError("factors is empty: name at least one factor, e.g. ('action', 'romance', 'comedy').")
    if not all(isinstance(f, str) and f for f in factors) or len(set(factors)) != len(factors):
        raise ValueError(f"factors must be distinct non-empty strings, got {factors!r}.")
    check_real(density, "density", low=0, low_inclusive=False, high=1, hint="the fraction of rated cells")
    check_real(noise, "noise", low=0, hint="a standard deviation")
    check_real(bias_scale, "bias_scale", low=0, hint="a standard deviation")
    check_y_range(y_range, example="(0.5, 5.0)")
    if round_to is not None:
        check_real(round_to, "round_to", low=0, low_inclusive=False, hint="0.5 for half stars, or None")
    check_non_negative_int(seed, "seed")
    return factors

"""The ratings table: users down the side, movies across the top.

MovieLens gives ratings in *long* form, one row per (user, movie, rating).
Notebook 01 turns them into the *dense* users x movies table, where a 0 means
"has not watched it" and the goal of collaborative filtering is to fill in the
zeros. (Later notebooks keep an explicit mask instead of trusting zeros.)

Introduced in notebooks/01_ratings_table.ipynb.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.errors import RatingsError, UnknownIdError  # noqa: F401  (re-exported: cfcourse.ratings.RatingsError)
from cfcourse.validation import check_positive_int


def check_ratings(
    ratings: pd.DataFrame,
    *,
    columns: Sequence[str] = (USER, ITEM, RATING),
    scale: tuple[float, float] | None = (RATING_MIN, RATING_MAX),
    allow_duplicates: bool = False,
) -> pd.DataFrame:
    """Check that a frame of ratings is in long form and clean; return it unchanged.

    Parameters
    ----------
    ratings : DataFrame
        One row per rating.
    columns : sequence of str, default (USER, ITEM, RATING)
        Required columns: the user id column, the item id column and,
        optionally, the rating column. Ids must be integers.
    scale : tuple of (float, float) or None, default (RATING_MIN, RATING_MAX)
        Inclusive range the ratings must lie in; None skips the check.
    allow_duplicates : bool, default False
        Whether the same (user, item) pair may appear more than once.

    Returns
    -------
    DataFrame
        ``ratings`` itself.

    Raises
    ------
    TypeError
        ``ratings`` is not a DataFrame.
    RatingsError (a ValueError)
        Missing columns, no rows, NaN, non-integer ids, non-numeric ratings,
        ratings outside ``scale``, or duplicate (user, item) pairs.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    if not isinstance(ratings, pd.DataFrame):
        raise TypeError(
            f"ratings must be a pandas DataFrame in long form (one row per rating), got "
            f"{type(ratings).__name__}; build one with pd.DataFrame({{...}}) or cfcourse.data.load_ratings()."
        )
    columns = list(columns)
    repeated = ratings.columns[ratings.columns.duplicated()].unique().tolist()
    if repeated:
        raise RatingsError(
            f"ratings has more than one column named {repeated}; keep one of each, e.g. "
            "ratings.loc[:, ~ratings.columns.duplicated()]."
        )
    missing = [c for c in columns if c not in ratings.columns]
    if missing:
        raise RatingsError(
            f"ratings has no column(s) {missing}; it has {list(ratings.columns)}. Rename yours, "
            f"e.g. ratings.rename(columns={{'user': {USER!r}, 'item': {ITEM!r}}})."
        )
    if len(ratings) == 0:
        raise RatingsError("ratings is empty (0 rows): there is nothing to work with; check the filter that produced it.")
    for column in columns:
        n_missing = int(ratings[column].isna().sum())
        if n_missing:
            raise RatingsError(
                f"column {column!r} has NaN in {n_missing} of {len(ratings)} rows; drop them with "
                f"ratings.dropna(subset={columns})."
            )
    for column in columns[:2]:
        if not pd.api.types.is_integer_dtype(ratings[column]):
            values = ratings[column]
            if pd.api.types.is_float_dtype(values) and bool((values % 1 == 0).all()):
                fix = f"ratings.astype({{{column!r}: 'int64'}})"
            else:
                fix = f"integer codes, e.g. ratings[{column!r}] = pd.factorize(ratings[{column!r}])[0]"
            raise RatingsError(
                f"ids in column {column!r} must be integers, got dtype {values.dtype} "
                f"(e.g. {values.iloc[0]!r}); convert them with {fix}."
            )
    if len(columns) > 2:
        rating = ratings[columns[2]]
        if not pd.api.types.is_numeric_dtype(rating) or pd.api.types.is_bool_dtype(rating):
            raise RatingsError(
                f"column {columns[2]!r} must hold numbers, got dtype {rating.dtype}; convert it "
                f"with pd.to_numeric(ratings[{columns[2]!r}])."
            )
        if scale is not None:
            low, high = scale
            outside = (rating < low) | (rating > high)
            if outside.any():
                raise RatingsError(
                    f"{int(outside.sum())} ratings lie outside the scale [{low}, {high}] "
                    f"(min {rating.min()}, max {rating.max()}); fix or drop them, or pass "
                    f"scale=(low, high) matching your data."
                )
    if not allow_duplicates:
        pairs = columns[:2]
        duplicated = ratings.duplicated(subset=pairs, keep=False)
        if duplicated.any():
            example = tuple(ratings.loc[duplicated, pairs].iloc[0].tolist())
            raise RatingsError(
                f"{int(duplicated.sum())} rows repeat a ({pairs[0]}, {pairs[1]}) pair, e.g. {example}; "
                f"keep one rating per pair, e.g. the last one: "
                f"ratings.drop_duplicates(subset={pairs}, keep='last')."
            )
    return ratings


def _select(ids, observed: pd.Series, what: str) -> pd.Index:
    """The requested ids as an Index, all sorted observed ids when None."""
    if ids is None:
        return pd.Index(np.sort(observed.unique()), name=observed.name)
    if np.isscalar(ids) or not isinstance(ids, Iterable):
        raise TypeError(f"{what} must be a list of ids, e.g. [1, 2, 3], got {ids!r}.")
    wanted = pd.Index(ids, name=observed.name)
    if wanted.has_duplicates:
        raise RatingsError(f"{what} lists some ids twice: {wanted[wanted.duplicated()].unique().tolist()}.")
    unknown = wanted[~wanted.isin(observed.unique())]
    if len(unknown):
        shown = unknown[:10].tolist()
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise UnknownIdError(
            f"{what} {shown}{more} not in the ratings (column {observed.name!r}); pick ids "
            f"from ratings[{observed.name!r}].unique() (they range from {observed.min()} to {observed.max()})."
        )
    return wanted


def ratings_table(ratings: pd.DataFrame, users=None, items=None) -> pd.DataFrame:
    """The dense users x movies table, 0.0 where the user did not rate the movie.

    Parameters
    ----------
    ratings : DataFrame
        Long form with columns ``userId``, ``movieId``, ``rating`` (see :func:`check_ratings`).
    users : list-like of int, optional
        User ids for the rows, in this order; default every user, sorted.
    items : list-like of int, optional
        Movie ids for the columns, in this order; default every movie, sorted.

    Returns
    -------
    DataFrame of shape (n_users, n_items), float
        Index ``userId``, columns ``movieId``. Only the requested corner is
        built, so asking for a few ids is cheap.

    Raises
    ------
    UnknownIdError (a KeyError)
        Some requested ids do not occur in the ratings.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    check_ratings(ratings)
    user_ids = _select(users, ratings[USER], "users")
    item_ids = _select(items, ratings[ITEM], "items")
    rows = user_ids.get_indexer(ratings[USER])
    cols = item_ids.get_indexer(ratings[ITEM])
    keep = (rows >= 0) & (cols >= 0)
    values = ratings[RATING].to_numpy()
    dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.float64
    table = np.zeros((len(user_ids), len(item_ids)), dtype=dtype)
    table[rows[keep], cols[keep]] = values[keep]
    return pd.DataFrame(table, index=user_ids, columns=item_ids)


def density(ratings: pd.DataFrame) -> float:
    """Fraction of the users x movies table that holds a rating.

    Parameters
    ----------
    ratings : DataFrame
        Long form with columns ``userId`` and ``movieId``.

    Returns
    -------
    float
        ``n_ratings / (n_users * n_items)``, counting each (user, movie) pair
        once, over the users and movies that occur in ``ratings``.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    check_ratings(ratings, columns=(USER, ITEM), allow_duplicates=True)
    n_pairs = len(ratings[[USER, ITEM]].drop_duplicates())
    return n_pairs / (ratings[USER].nunique() * ratings[ITEM].nunique())


def sparsity(ratings: pd.DataFrame) -> float:
    """Fraction of the users x movies table that is empty: ``1 - density(ratings)``.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    return 1.0 - density(ratings)


def _top_ids(ids: pd.Series, n: int, what: str) -> pd.Index:
    n = check_positive_int(n, what, error=RatingsError)
    counts = ids.value_counts()
    order = np.lexsort((counts.index.to_numpy(), -counts.to_numpy()))  # count desc, then id asc
    return pd.Index(counts.index.to_numpy()[order[:n]], name=ids.name)


def most_active(ratings: pd.DataFrame, n_users: int, n_items: int) -> tuple[pd.Index, pd.Index]:
    """Ids of the users who rated most and of the movies rated most.

    Parameters
    ----------
    ratings : DataFrame
        Long form with columns ``userId`` and ``movieId``.
    n_users, n_items : int
        How many of each (fewer are returned when fewer exist).

    Returns
    -------
    users : Index of int, length n_users
        Most ratings first; ties broken by the smaller id.
    items : Index of int, length n_items
        Most rated first; ties broken by the smaller id.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    check_ratings(ratings, columns=(USER, ITEM), allow_duplicates=True)
    return _top_ids(ratings[USER], n_users, "n_users"), _top_ids(ratings[ITEM], n_items, "n_items")


def cosine_similarity(table: np.ndarray | pd.DataFrame) -> np.ndarray | pd.DataFrame:
    """Cosine similarity between every pair of rows of a dense table.

    ``sim[i, j] = table[i] @ table[j] / (|table[i]| * |table[j]|)``. With users
    as rows: "you are likely to like what someone similar to you likes"; pass
    ``table.T`` for movie-to-movie similarity.

    Parameters
    ----------
    table : ndarray or DataFrame of shape (n_rows, n_cols)
        E.g. :func:`ratings_table`, 0 where not rated. No NaN.

    Returns
    -------
    ndarray or DataFrame of shape (n_rows, n_rows), float64
        Symmetric, 1.0 on the diagonal; a row of zeros has similarity 0 with
        every row (itself included), not NaN. A DataFrame when given one,
        labelled by ``table.index`` both ways.

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    values = np.asarray(table, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"table must be 2-D (rows x columns), got shape {values.shape}.")
    if np.isnan(values).any():
        raise ValueError("table contains NaN; the course writes 'not rated' as 0: use table.fillna(0).")
    if np.isinf(values).any():
        raise ValueError(
            f"table contains {int(np.isinf(values).sum())} infinite value(s), whose similarity is undefined; "
            "ratings are finite numbers: fix or drop those cells."
        )
    norms = np.linalg.norm(values, axis=1)
    nonzero = norms > 0
    unit = np.zeros_like(values)
    unit[nonzero] = values[nonzero] / norms[nonzero, None]
    sim = np.clip(unit @ unit.T, -1.0, 1.0)
    sim[nonzero, nonzero] = 1.0  # exact ones, not 0.9999999999999998
    if isinstance(table, pd.DataFrame):
        return pd.DataFrame(sim, index=table.index, columns=table.index.copy())
    return sim

"""Your own data: any ratings CSV into the course's long form, or a clear error.

Introduced in notebooks/12_your_recommendations.ipynb. The course's models take
a frame with ``userId``, ``movieId`` and ``rating`` (``cfcourse.columns``).
``load_ratings_csv`` reads a CSV whose columns may be named otherwise, on any
rating scale, or with no ratings at all (implicit events: who watched,
bought, clicked what), checks it, and returns that frame. Every problem is a
``RatingsError`` naming what is wrong, where (the file's line number) and what
to do. Then::

    ratings = load_ratings_csv("scores.csv", user="reader", item="book", rating="score", scale=(1, 10))
    MatrixFactorization(scale=(1, 10)).fit(ratings)                # explicit ratings, any scale
    ImplicitFactorization(liked_weight=0).fit(load_ratings_csv("clicks.csv", rating=None))  # events
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.errors import RatingsError
from cfcourse.ratings import check_ratings
from cfcourse.validation import check_y_range

__all__ = ["load_ratings_csv", "USER_LABEL", "ITEM_LABEL", "EVENTS"]

USER_LABEL, ITEM_LABEL = "user_label", "item_label"
"""Columns that keep the original ids when they were not integers (the ids become codes 0, 1, 2...)."""

EVENTS = "events"
"""Column counting the events of one (user, item) pair when ``rating=None``."""


def _line(position: int) -> int:
    """The file's line number of a row (line 1 is the header)."""
    return int(position) + 2


def load_ratings_csv(
    path: str | os.PathLike,
    *,
    user: str = USER,
    item: str = ITEM,
    rating: str | None = RATING,
    scale: tuple[float, float] | None = None,
    sep: str = ",",
) -> pd.DataFrame:
    """Read a ratings CSV (one row per rating or event) into the course's long form.

    Parameters
    ----------
    path : str or path-like
        The CSV file, with a header line.
    user, item : str, default "userId", "movieId"
        The header names of the user and item columns in *your* file.
    rating : str or None, default "rating"
        The header name of the rating column; ``None`` for implicit events
        (no ratings: each row says a user interacted with an item, repeats allowed).
    scale : (float, float), optional
        Your rating scale ``(low, high)``, e.g. ``(1, 10)``; ratings outside it
        are refused. Pass the same to ``MatrixFactorization(scale=...)``.
    sep : str, default ","
        The column separator (";" or "\\t" for many spreadsheet exports).

    Returns
    -------
    DataFrame
        Columns ``userId``, ``movieId`` (int64) and ``rating`` (float64), one row
        per (user, item); with ``rating=None``, ``userId``, ``movieId`` and
        ``events`` (how many rows named the pair). Ids that were not integers
        become codes 0, 1, 2... (in order of first appearance), the originals
        kept in ``user_label`` / ``item_label``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    RatingsError (a ValueError)
        An empty file, a header without rows, a wrong separator, missing
        columns, blank cells, ratings that are not numbers or lie outside
        ``scale``, or a (user, item) pair rated twice.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {str(path)!r}; check the path (relative paths start in {os.getcwd()!r}).")
    if scale is not None:
        scale = check_y_range(scale, "scale", example="(1, 10)")
    try:
        raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise RatingsError(f"{path.name} is empty: it needs a header line (e.g. {user},{item},{rating or ''}) "
                           "and one line per rating.") from None  # fmt: skip
    except pd.errors.ParserError as error:
        raise RatingsError(f"{path.name} is not a well-formed CSV with separator {sep!r} ({error}); "
                           "check that every line has the same number of fields.") from None  # fmt: skip
    wanted = [user, item] + ([] if rating is None else [rating])
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        columns = list(raw.columns)
        other = next((s for s in (";", "\t", "|") if s != sep and any(s in c for c in columns)), None)
        if len(columns) == 1 and other is not None:
            raise RatingsError(f"{path.name} has one column {columns[0]!r}: its fields are separated by {other!r}, "
                               f"not {sep!r}; pass sep={other!r}.")  # fmt: skip
        hint = f"pass your names, e.g. load_ratings_csv(path, user={columns[0]!r}, item=..., rating=...)"
        if rating is not None and rating in missing and len(missing) == 1:
            hint += "; or rating=None if the file holds events without ratings"
        raise RatingsError(f"{path.name} has no column(s) {missing}; its header has {columns}: {hint}.")
    if len(raw) == 0:
        raise RatingsError(f"{path.name} has a header but no rows: there is nothing to learn from.")
    frame = raw[wanted].apply(lambda column: column.str.strip())
    for column in wanted:
        blank = np.flatnonzero((frame[column] == "").to_numpy())
        if len(blank):
            raise RatingsError(f"column {column!r} is blank in {len(blank)} of {len(frame)} rows (first on line "
                               f"{_line(blank[0])}); fill those cells or delete the lines.")  # fmt: skip
    out = pd.DataFrame(index=frame.index)
    for column, name, label in ((user, USER, USER_LABEL), (item, ITEM, ITEM_LABEL)):
        as_int = pd.to_numeric(frame[column], errors="coerce")
        if as_int.notna().all() and (as_int % 1 == 0).all():
            out[name] = as_int.astype(np.int64)
        else:
            out[name] = pd.factorize(frame[column])[0].astype(np.int64)
            out[label] = frame[column]
    if rating is None:
        counts = out.groupby(list(out.columns), sort=False).size().rename(EVENTS).reset_index()
        return counts[[USER, ITEM, EVENTS, *[c for c in (USER_LABEL, ITEM_LABEL) if c in counts.columns]]]
    values = pd.to_numeric(frame[rating], errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() | ~np.isfinite(values.fillna(0).to_numpy()))
    if len(bad):
        raise RatingsError(f"column {rating!r} must hold numbers, but line {_line(bad[0])} has "
                           f"{frame[rating].iloc[bad[0]]!r} ({len(bad)} such rows); write ratings as numbers "
                           "(4.5, not '4,5' or 'good').")  # fmt: skip
    out[RATING] = values.astype(np.float64)
    if scale is not None:
        outside = np.flatnonzero(((out[RATING] < scale[0]) | (out[RATING] > scale[1])).to_numpy())
        if len(outside):
            raise RatingsError(f"{len(outside)} ratings lie outside the scale [{scale[0]:g}, {scale[1]:g}] (first on "
                               f"line {_line(outside[0])}: {out[RATING].iloc[outside[0]]:g}); fix them, or pass the "
                               f"scale your data uses, e.g. scale=({out[RATING].min():g}, {out[RATING].max():g}).")  # fmt: skip
    repeated = np.flatnonzero(out.duplicated(subset=[USER, ITEM], keep=False).to_numpy())
    if len(repeated):
        first = repeated[0]
        twin = repeated[(out[USER].to_numpy()[repeated] == out[USER].iloc[first])
                        & (out[ITEM].to_numpy()[repeated] == out[ITEM].iloc[first])][1]  # fmt: skip
        raise RatingsError(f"{len(repeated)} rows rate a ({user}, {item}) pair already rated, e.g. lines "
                           f"{_line(first)} and {_line(twin)} ({frame[user].iloc[first]!r}, {frame[item].iloc[first]!r}); "
                           "keep one rating per pair (e.g. the latest) in the file, or average them first.")  # fmt: skip
    columns = [USER, ITEM, RATING, *[c for c in (USER_LABEL, ITEM_LABEL) if c in out.columns]]
    return check_ratings(out[columns].reset_index(drop=True), scale=scale)

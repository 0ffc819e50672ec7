"""Plots the notebooks use where a learner would rather look than read.

Every helper takes ``ax=None`` (then draws on ``plt.gca()``), labels its axes,
returns the axes, and leaves matplotlib's global ``rcParams`` alone.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cfcourse.columns import RATING_MAX, RATING_MIN

_MAX_TICKS = 40  # more rows or columns than this: label a sample of them


def _truncate(label, max_label: int) -> str:
    text = str(label)
    return text if len(text) <= max_label else text[: max_label - 1] + "…"


def _tick_positions(n: int) -> np.ndarray:
    if n <= _MAX_TICKS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, 10).round().astype(int))


def plot_ratings_table(
    table: pd.DataFrame | np.ndarray,
    ax: plt.Axes | None = None,
    *,
    annotate: bool | None = None,
    max_label: int = 20,
) -> plt.Axes:
    """Draw a dense ratings table as a heatmap; "not watched" (0) is light grey.

    Parameters
    ----------
    table : DataFrame or ndarray of shape (n_users, n_items)
        E.g. :func:`cfcourse.ratings.ratings_table`: ratings on the MovieLens
        scale, 0 where the user did not rate the movie.
    ax : Axes, optional
        Where to draw; default ``plt.gca()``.
    annotate : bool, optional
        Write each rating in its cell; default only when the table has at most
        100 cells.
    max_label : int, default 20
        Tick labels (ids or titles) longer than this are cut with "…".

    Returns
    -------
    Axes
        With the image, a colorbar labelled "rating" over [0.5, 5], x labelled
        by ``table.columns.name`` (else "movie"), y by ``table.index.name`` (else "user").

    Introduced in notebooks/01_ratings_table.ipynb.
    """
    ax = ax or plt.gca()
    frame = pd.DataFrame(table)
    values = frame.to_numpy(dtype=float)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(f"table must be a non-empty 2-D table, got shape {values.shape}.")
    watched = np.ma.masked_equal(values, 0.0)
    cmap = mpl.colormaps["viridis"].with_extremes(bad="lightgrey")
    image = ax.imshow(
        watched, cmap=cmap, vmin=RATING_MIN, vmax=RATING_MAX, aspect="auto", interpolation="nearest"
    )
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.set_label("rating")

    n_rows, n_cols = values.shape
    rows, cols = _tick_positions(n_rows), _tick_positions(n_cols)
    x_labels = [_truncate(frame.columns[j], max_label) for j in cols]
    long_labels = max(map(len, x_labels)) > 4
    ax.set_xticks(cols, labels=x_labels, rotation=45 if long_labels else 0,
                  ha="right" if long_labels else "center")
    ax.set_yticks(rows, labels=[_truncate(frame.index[i], max_label) for i in rows])
    ax.set_xlabel(frame.columns.name or "movie")
    ax.set_ylabel(frame.index.name or "user")

    if annotate is None:
        annotate = values.size <= 100
    if annotate:
        middle = (RATING_MIN + RATING_MAX) / 2
        for i, j in zip(*np.nonzero(values)):
            value = values[i, j]
            ax.text(j, i, f"{value:g}", ha="center", va="center",
                    color="white" if value < middle else "black")
    return ax

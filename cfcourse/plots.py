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
from cfcourse.matmul import matmul_shape

_MAX_TICKS = 40  # more rows or columns than this: label a sample of them


def _truncate(label, max_label: int) -> str:
    text = str(label)
    return text if len(text) <= max_label else text[: max_label - 1] + "…"


def _tick_positions(n: int) -> np.ndarray:
    if n <= _MAX_TICKS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, 10).round().astype(int))

def _label_table_axes(ax: plt.Axes, frame: pd.DataFrame, n_rows: int, n_cols: int, max_label: int) -> None:
    """Tick labels from a table's index and columns (truncated, thinned when many), and axis names."""
    rows, cols = _tick_positions(n_rows), _tick_positions(n_cols)
    x_labels = [_truncate(frame.columns[j], max_label) for j in cols]
    long_labels = max(map(len, x_labels)) > 4
    ax.set_xticks(cols, labels=x_labels, rotation=45 if long_labels else 0,
                  ha="right" if long_labels else "center")  # fmt: skip
    ax.set_yticks(rows, labels=[_truncate(frame.index[i], max_label) for i in rows])
    ax.set_xlabel(frame.columns.name or "movie")
    ax.set_ylabel(frame.index.name or "user")


def _label_table(ax: plt.Axes, frame: pd.DataFrame, values: np.ndarray, max_label: int, annotate, cells, spec: str) -> None:
    """Label a table heatmap's axes, then write ``cells``' values (format ``spec``) when ``annotate`` says so.

    ``annotate=None`` writes them when the table has at most 100 cells.
    """
    _label_table_axes(ax, frame, *values.shape, max_label)
    if annotate is None:
        annotate = values.size <= 100
    if annotate:
        middle = (RATING_MIN + RATING_MAX) / 2
        for i, j in cells:
            value = values[i, j]
            ax.text(j, i, format(value, spec), ha="center", va="center", color="white" if value < middle else "black")



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

    _label_table(ax, frame, values, max_label, annotate, zip(*np.nonzero(values)), "g")
    return ax


_INNER_COLOR = "crimson"  # the inner size k: it must match, and it disappears
_MATRIX_COLORS = ("#9ecae1", "#fdae6b", "#a1d99b")  # a, b, and the product


def _drawn_size(d: int, max_cells: int) -> float:
    """Length of a side of ``d`` cells: true up to ``max_cells``, then compressed (logarithmic)."""
    return float(d) if d <= max_cells else max_cells + 4 * np.log10(d / max_cells)


def plot_matmul_shapes(
    a_shape: tuple[int, int],
    b_shape: tuple[int, int],
    ax: plt.Axes | None = None,
    *,
    labels: tuple[str, str, str] = ("a", "b", "a @ b"),
    max_cells: int = 8,
) -> plt.Axes:
    """Draw ``a @ b = out`` as three boxes whose sides show the shapes.

    Each matrix is a grid of cells, one per entry, when both its sizes are at
    most ``max_cells``; a bigger matrix is a plain box whose long sides are
    compressed (logarithmic beyond ``max_cells``) so that 9,742 movies still fit.
    Every side is labelled with its size; the inner size ``k``, which must
    agree and disappears from the result, is written in red.

    Parameters
    ----------
    a_shape, b_shape : tuple of two ints
        ``(n, k)`` and ``(k, p)``.
    ax : Axes, optional
        Where to draw; default ``plt.gca()``.
    labels : tuple of three str, default ("a", "b", "a @ b")
        Names written above the three matrices.
    max_cells : int, default 8
        Largest size drawn cell by cell.

    Returns
    -------
    Axes
        With one rectangle per drawn cell (or per box), the names, the sizes
        and a title ``"(n, k) @ (k, p) -> (n, p)"``; the x and y axes are hidden
        (a diagram has no scale).

    Raises
    ------
    ValueError
        If the inner sizes differ: the same message as
        :func:`cfcourse.matmul.matmul`, naming both shapes.

    Introduced in notebooks/02_matrix_multiplication.ipynb.
    """
    ax = ax or plt.gca()
    out_shape = matmul_shape(a_shape, b_shape)
    shapes = [tuple(int(d) for d in a_shape), tuple(int(d) for d in b_shape), out_shape]
    inner = [(False, True), (True, False), (False, False)]  # is the (row, column) size k?
    tallest = max(_drawn_size(rows, max_cells) for rows, _ in shapes)
    pad = max(1.0, tallest / 8)  # room for the labels, in the units of the drawing
    gap, x = 3 + 1.5 * pad, 0.0
    for i, ((rows, cols), name, (k_rows, k_cols)) in enumerate(zip(shapes, labels, inner)):
        width, height = _drawn_size(cols, max_cells), _drawn_size(rows, max_cells)
        color = _MATRIX_COLORS[i]
        if rows <= max_cells and cols <= max_cells:
            for r in range(rows):
                for c in range(cols):
                    ax.add_patch(mpl.patches.Rectangle((x + c, -r - 1), 1, 1, facecolor=color, edgecolor="black"))
        else:
            ax.add_patch(mpl.patches.Rectangle((x, -height), width, height, facecolor=color, edgecolor="black"))
        ax.text(x + width / 2, 1.6 * pad, name, ha="center", va="bottom", fontweight="bold")
        ax.text(x + width / 2, 0.3 * pad, f"{cols:,}", ha="center", va="bottom",
                color=_INNER_COLOR if k_cols else "black")  # fmt: skip
        ax.text(x - 0.3 * pad, -height / 2, f"{rows:,}", ha="right", va="center",
                color=_INNER_COLOR if k_rows else "black")  # fmt: skip
        ax.text(x + width / 2, -height - 0.5 * pad, f"{(rows, cols)}", ha="center", va="top")
        x += width + gap
        if i < 2:
            ax.text(x - gap / 2, -min(height, 3) / 2, "@" if i == 0 else "=", ha="center", va="center", fontsize=16)
    ax.set_xlim(-2 * pad, x - gap + 0.5)
    ax.set_ylim(-tallest - 2 * pad, 3 * pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"{shapes[0]} @ {shapes[1]} -> {out_shape}")
    return ax


def plot_sigmoid_range(
    y_ranges: list[tuple[float, float]] | tuple[tuple[float, float], ...],
    ax: plt.Axes | None = None,
    *,
    x_max: float = 6.0,
) -> plt.Axes:
    """Draw ``sigmoid_range(x, low, high)`` for each range, over the MovieLens scale.

    The MovieLens scale, 0.5 to 5 stars, is a shaded band; each range's bounds
    ``low`` and ``high`` are dotted lines in its colour, which the curve
    approaches but never reaches.

    Parameters
    ----------
    y_ranges : sequence of (float, float)
        The ``(low, high)`` pairs to draw, e.g. ``[(0, 5), (0, 5.5)]``.
    ax : Axes, optional
        Where to draw; default ``plt.gca()``.
    x_max : float, default 6.0
        The curves are drawn for ``x`` in ``[-x_max, x_max]``.

    Returns
    -------
    Axes
        One solid line per range, labelled ``"(low, high)"``, its two dotted
        bounds, the shaded scale, a legend, x labelled "x (the dot product)"
        and y "prediction".

    Introduced in notebooks/06_sigmoid_range.ipynb.
    """
    from cfcourse.gradients import sigmoid_range  # the numpy version; imported here to keep import light

    y_ranges = [tuple(float(v) for v in pair) for pair in y_ranges]
    if not y_ranges or any(len(pair) != 2 or not pair[0] < pair[1] for pair in y_ranges):
        raise ValueError(f"y_ranges must be a non-empty list of (low, high) pairs with low < high, got {y_ranges!r}.")
    ax = ax or plt.gca()
    ax.axhspan(RATING_MIN, RATING_MAX, color="0.9", zorder=0, label=f"MovieLens scale, {RATING_MIN:g} to {RATING_MAX:g}")
    x = np.linspace(-x_max, x_max, 241)
    for low, high in y_ranges:
        [line] = ax.plot(x, sigmoid_range(x, low, high), lw=2, label=f"({low:g}, {high:g})")
        for bound in (low, high):
            ax.axhline(bound, color=line.get_color(), ls=":", lw=1)
    ax.set_xlim(-x_max, x_max)
    ax.set_xlabel("x (the dot product)")
    ax.set_ylabel("prediction")
    ax.legend(title="y_range = (low, high)", loc="lower right")
    return ax


def plot_predictions(
    predictions: pd.DataFrame | np.ndarray,
    ax: plt.Axes | None = None,
    *,
    mask: pd.DataFrame | np.ndarray | None = None,
    annotate: bool | None = None,
    colorbar: bool = True,
    decimals: int = 1,
    max_label: int = 20,
) -> plt.Axes:
    """Draw a predicted table as a heatmap on the rating scale, with the observed cells framed.

    Every cell of a predicted table holds a number, so unlike
    :func:`plot_ratings_table` nothing is grey; the colours use the same scale
    (0.5 to 5 stars), so a prediction and the real table can be compared side
    by side. Predictions outside the scale get the colour of its nearest end.

    Parameters
    ----------
    predictions : DataFrame or ndarray of shape (n_users, n_items)
        E.g. ``predict_table(user_factors, item_factors)``; a DataFrame's index
        and columns label the axes.
    ax : Axes, optional
        Where to draw; default ``plt.gca()``.
    mask : DataFrame or ndarray of shape (n_users, n_items), bool or 0/1, optional
        The observed cells; each gets a white frame, so the unframed cells are
        the ones the model fills in.
    annotate : bool, optional
        Write each prediction in its cell, rounded to ``decimals``; default
        only when the table has at most 100 cells.
    colorbar : bool, default True
        Add a colorbar labelled "predicted rating" (turn it off for small multiples).
    decimals : int, default 1
    max_label : int, default 20
        Tick labels longer than this are cut with "…".

    Returns
    -------
    Axes
        With the image, one white rectangle per observed cell, x labelled by
        ``predictions.columns.name`` (else "movie"), y by ``predictions.index.name``
        (else "user").

    Raises
    ------
    ValueError
        If ``predictions`` is not a non-empty 2-D table or ``mask`` has another shape.

    Introduced in notebooks/04_masked_loss.ipynb.
    """
    shape = np.shape(predictions)
    if len(shape) != 2 or 0 in shape:
        raise ValueError(f"predictions must be a non-empty 2-D table, got shape {shape}.")
    ax = ax or plt.gca()
    frame = pd.DataFrame(predictions)
    values = frame.to_numpy(dtype=float)
    image = ax.imshow(
        values, cmap="viridis", vmin=RATING_MIN, vmax=RATING_MAX, aspect="auto", interpolation="nearest"
    )
    if colorbar:
        ax.figure.colorbar(image, ax=ax).set_label("predicted rating")
    if mask is not None:
        observed = np.asarray(mask)
        if observed.shape != values.shape:
            raise ValueError(
                f"mask has shape {observed.shape} but predictions has shape {values.shape}; "
                f"pass the mask of the same table (1 = observed)."
            )
        for i, j in zip(*np.nonzero(observed)):
            ax.add_patch(mpl.patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="white", linewidth=1.5))

    _label_table(ax, frame, values, max_label, annotate, np.ndindex(values.shape), f".{decimals}f")
    return ax


def plot_validation_curve(
    values,
    train_rmse,
    valid_rmse,
    ax: plt.Axes | None = None,
    *,
    xlabel: str = "hyper-parameter",
    log_x: bool = False,
) -> plt.Axes:
    """Train and validation RMSE against one hyper-parameter, the best value marked.

    Parameters
    ----------
    values : sequence of float, length n
        The hyper-parameter's values, e.g. ``n_factors`` or ``weight_decay``.
    train_rmse, valid_rmse : sequence of float, length n
        The RMSE on the training and on the validation ratings at each value.
    ax : Axes, optional
        Where to draw; default ``plt.gca()``.
    xlabel : str, default "hyper-parameter"
    log_x : bool, default False
        Log scale on x (for values like 0.01, 0.1, 1). A value of 0 cannot be
        shown on a log scale: pass ``log_x=False`` or leave it out.

    Returns
    -------
    Axes
        Two lines with markers ("train RMSE", "validation RMSE"), a dotted
        vertical line at the value with the lowest validation RMSE (labelled
        "best: <value>"), x ticks at the values tried, a legend, x labelled
        ``xlabel`` and y "RMSE".

    Introduced in notebooks/08_training.ipynb.
    """
    values = np.asarray(values, dtype=float)
    train_rmse, valid_rmse = np.asarray(train_rmse, dtype=float), np.asarray(valid_rmse, dtype=float)
    if values.ndim != 1 or len(values) == 0 or not len(values) == len(train_rmse) == len(valid_rmse):
        raise ValueError(
            f"values, train_rmse and valid_rmse must be 1-D and of one length, got lengths "
            f"{values.size}, {train_rmse.size}, {valid_rmse.size}."
        )
    if log_x and (values <= 0).any():
        raise ValueError(f"log_x=True needs positive values, got {values.tolist()}; pass log_x=False.")
    ax = ax or plt.gca()
    ax.plot(values, train_rmse, marker="o", label="train RMSE")
    ax.plot(values, valid_rmse, marker="o", label="validation RMSE")
    best = values[int(np.argmin(valid_rmse))]
    ax.axvline(best, color="0.4", ls=":", label=f"best: {best:g}")
    if log_x:
        ax.set_xscale("log")
    ax.set_xticks(values, labels=[f"{v:.3g}" for v in values])  # ticks at the values tried
    ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
    ax.set_xlabel(xlabel)
    ax.set_ylabel("RMSE")
    ax.legend()
    return ax


def plot_embedding_map(
    coords: np.ndarray | pd.DataFrame,
    labels=None,
    ax: plt.Axes | None = None,
    *,
    label_order=None,
    min_distance: float = 0.05,
    max_label: int = 24,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> plt.Axes:
    """Draw points in 2-D (e.g. movie embeddings reduced by PCA) and name a readable subset.

    Titles on a scatter overlap quickly, so labels are placed greedily in
    ``label_order``: a point is named only if every already named point is at
    least ``min_distance`` away from it (a fraction of the plot's height;
    sideways, where the text runs, distances count a quarter as much).
    Named points are drawn in colour, the others in light grey.

    Parameters
    ----------
    coords : ndarray or DataFrame of shape (n_points, 2)
        A DataFrame's two column names become the default axis labels.
    labels : sequence of str of length n_points, optional
        The text of each point (e.g. titles); default: no text.
    ax : Axes, optional
        Where to draw; default ``plt.gca()``.
    label_order : sequence of int, optional
        Positions of the points to try to name, most important first (e.g. the
        most-rated movies); default every point in order.
    min_distance : float, default 0.05
        Smallest vertical distance between two named points, as a fraction of
        the axes (four times that sideways); 0 names every point of ``label_order``.
    max_label : int, default 24
        Labels longer than this are cut with "…".
    xlabel, ylabel : str, optional
        Axis labels; default the DataFrame's column names, else "component 1" and "component 2".

    Returns
    -------
    Axes
        With one scatter of all points, one of the named points, one text per
        named point, and labelled axes.

    Introduced in notebooks/09_what_the_model_learned.ipynb.
    """
    frame = pd.DataFrame(coords)
    points = frame.to_numpy(dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"coords must have shape (n_points, 2), got {points.shape}; reduce to 2-D first (e.g. PCA).")
    if labels is not None and len(labels) != len(points):
        raise ValueError(f"labels has {len(labels)} entries for {len(points)} points; give one label per point.")
    ax = ax or plt.gca()
    order = range(len(points)) if label_order is None else [int(i) for i in label_order]
    span = np.ptp(points, axis=0)
    scaled = (points - points.min(axis=0)) / np.where(span > 0, span, 1.0)
    named: list[int] = []
    if labels is not None:
        for i in order:
            # a label is wide and short: keep named points min_distance apart vertically, or 4x that sideways
            if all(np.hypot((scaled[i, 0] - scaled[j, 0]) / 4, scaled[i, 1] - scaled[j, 1]) >= min_distance
                   for j in named):  # fmt: skip
                named.append(i)
    ax.scatter(points[:, 0], points[:, 1], s=8, color="0.75", zorder=1)
    if named:
        ax.scatter(points[named, 0], points[named, 1], s=16, color="tab:blue", zorder=2)
        for i in named:
            ax.annotate(_truncate(labels[i], max_label), points[i], xytext=(3, 3), textcoords="offset points",
                        fontsize=8, zorder=3)  # fmt: skip
    columns = [str(c) for c in frame.columns] if isinstance(coords, pd.DataFrame) else ["component 1", "component 2"]
    ax.set_xlabel(xlabel or columns[0])
    ax.set_ylabel(ylabel or columns[1])
    return ax

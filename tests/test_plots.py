"""Tests for cfcourse/plots.py, headless (Agg, set in conftest.py): assert on what is drawn."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cfcourse.columns import ITEM, RATING_MAX, RATING_MIN, USER
from cfcourse.plots import (
    plot_matmul_shapes,
    plot_predictions,
    plot_ratings_table,
    plot_sigmoid_range,
    plot_validation_curve,
)


@pytest.fixture
def table():
    """3 users x 4 movies with titles for columns; 5 ratings, 7 cells not watched."""
    return pd.DataFrame(
        [[5.0, 0.0, 3.5, 0.0], [0.0, 4.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.5]],
        index=pd.Index([1, 2, 3], name=USER),
        columns=pd.Index(["Toy Story", "Jumanji", "Dr. Strangelove or: How I Learned", "Heat"], name=ITEM),
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_draws_an_image_with_not_watched_cells_masked(table):
    fig, ax = plt.subplots()
    assert plot_ratings_table(table, ax=ax) is ax
    [image] = ax.get_images()
    data = image.get_array()
    assert np.ma.isMaskedArray(data)
    np.testing.assert_array_equal(data.mask, table.to_numpy() == 0)
    assert image.norm.vmin == RATING_MIN and image.norm.vmax == RATING_MAX
    bad = image.cmap.get_bad()
    assert bad[:3] == pytest.approx(mpl.colors.to_rgb("lightgrey"))
    assert not any(np.allclose(bad, image.cmap(x)) for x in np.linspace(0, 1, 11))


def test_labels_ticks_and_colorbar(table):
    fig, ax = plt.subplots()
    plot_ratings_table(table, ax=ax, max_label=10)
    assert ax.get_xlabel() == ITEM and ax.get_ylabel() == USER
    xlabels = [t.get_text() for t in ax.get_xticklabels()]
    assert xlabels == ["Toy Story", "Jumanji", "Dr. Stran…", "Heat"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3"]
    [colorbar_ax] = [a for a in fig.axes if a is not ax]
    assert colorbar_ax.get_ylabel() == "rating"


def test_annotates_ratings_of_small_tables(table):
    ax = plot_ratings_table(table, ax=plt.figure().gca())
    assert sorted(t.get_text() for t in ax.texts) == ["0.5", "1", "3.5", "4", "5"]
    ax = plot_ratings_table(table, ax=plt.figure().gca(), annotate=False)
    assert len(ax.texts) == 0


def test_large_table_gets_no_annotations_and_a_sample_of_ticks():
    values = np.zeros((50, 300))
    values[::7, ::11] = 4.0
    ax = plot_ratings_table(values)  # a bare array: default names, on plt.gca()
    assert ax is plt.gca()
    assert len(ax.texts) == 0
    assert ax.get_xlabel() == "movie" and ax.get_ylabel() == "user"
    assert len(ax.get_xticklabels()) == 10 and len(ax.get_yticklabels()) == 10
    assert ax.get_xticklabels()[-1].get_text() == "299"


def test_leaves_rcparams_alone(table):
    before = dict(mpl.rcParams)
    plot_ratings_table(table, ax=plt.figure().gca())
    assert dict(mpl.rcParams) == before


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_matmul_shapes_draws_one_cell_per_entry_and_labels_the_shapes():
    fig, ax = plt.subplots()
    assert plot_matmul_shapes((2, 3), (3, 2), ax=ax) is ax
    assert len(ax.patches) == 2 * 3 + 3 * 2 + 2 * 2
    texts = _texts(ax)
    assert {"a", "b", "a @ b", "(2, 3)", "(3, 2)", "(2, 2)", "@", "="} <= set(texts)
    assert ax.get_title() == "(2, 3) @ (3, 2) -> (2, 2)"
    inner = [t.get_text() for t in ax.texts if t.get_color() == "crimson"]
    assert inner == ["3", "3"]  # the columns of a and the rows of b, and nowhere in the result


def test_matmul_shapes_big_matrices_are_boxes_with_custom_labels():
    ax = plot_matmul_shapes((610, 3), (3, 9742), labels=("user_factors", "item_factors.T", "predictions"))
    assert ax is plt.gca()
    assert len(ax.patches) == 3  # too many cells to draw one by one
    assert {"user_factors", "item_factors.T", "predictions", "(610, 9742)", "9,742", "610"} <= set(_texts(ax))
    heights = [p.get_height() for p in ax.patches]
    assert heights[0] == heights[2] > heights[1] == 3  # 610 rows drawn taller than 3 rows, compressed
    assert heights[0] < 610


def test_matmul_shapes_mismatch_raises_the_matmul_error():
    with pytest.raises(ValueError, match=r"\(5, 3\) @ \(6, 3\): the inner sizes 3 and 6 differ.*a @ b\.T\?"):
        plot_matmul_shapes((5, 3), (6, 3), ax=plt.figure().gca())


def test_matmul_shapes_leaves_rcparams_alone():
    before = dict(mpl.rcParams)
    plot_matmul_shapes((2, 3), (3, 2), ax=plt.figure().gca())
    assert dict(mpl.rcParams) == before


def test_sigmoid_range_draws_one_curve_per_range_inside_its_bounds():
    fig, ax = plt.subplots()
    assert plot_sigmoid_range([(0, 5), (0, 5.5)], ax=ax) is ax
    curves = [line for line in ax.lines if line.get_linestyle() == "-"]
    bounds = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert [c.get_label() for c in curves] == ["(0, 5)", "(0, 5.5)"]
    for curve, high in zip(curves, (5.0, 5.5)):
        y = curve.get_ydata()
        assert 0 < y.min() and y.max() < high and y[len(y) // 2] == pytest.approx(high / 2)
    assert sorted(b.get_ydata()[0] for b in bounds) == [0, 0, 5, 5.5]
    assert ax.get_xlabel() == "x (the dot product)" and ax.get_ylabel() == "prediction"


def test_sigmoid_range_marks_the_movielens_scale():
    ax = plot_sigmoid_range([(0, 5.5)], ax=plt.figure().gca())
    [band] = ax.patches
    assert band.get_label() == "MovieLens scale, 0.5 to 5"
    assert (band.get_y(), band.get_y() + band.get_height()) == (RATING_MIN, RATING_MAX)
    assert "MovieLens scale, 0.5 to 5" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_sigmoid_range_bad_ranges_and_rcparams():
    before = dict(mpl.rcParams)
    with pytest.raises(ValueError, match="low < high"):
        plot_sigmoid_range([(5, 0)], ax=plt.figure().gca())
    plot_sigmoid_range([(1, 5)])
    assert dict(mpl.rcParams) == before


def test_predictions_draws_every_cell_on_the_rating_scale_and_hatches_unobserved_ones(table):
    predictions = pd.DataFrame(np.array([[4.8, 0.04, 3.5, 6.0], [2.0, 4.1, -1.0, 2.6], [1.2, 3.3, 0.0, 0.5]]),
                               index=table.index, columns=table.columns)  # fmt: skip
    fig, ax = plt.subplots()
    assert plot_predictions(predictions, ax=ax, mask=table.to_numpy() > 0) is ax
    [image] = ax.get_images()
    assert not np.ma.is_masked(image.get_array())  # a prediction of 0 is drawn, not greyed out
    np.testing.assert_array_equal(image.get_array(), predictions.to_numpy())
    assert image.norm.vmin == RATING_MIN and image.norm.vmax == RATING_MAX
    hatched = [p for p in ax.patches if isinstance(p, mpl.patches.Rectangle)]
    observed = [(0, 0), (0, 2), (1, 1), (2, 0), (3, 2)]  # (x, y) = (column, row) of the ratings
    unobserved = sorted((x, y) for x in range(4) for y in range(3) if (x, y) not in observed)
    assert sorted((p.get_x() + 0.5, p.get_y() + 0.5) for p in hatched) == unobserved  # 7 cells, not the 5 rated
    assert all(p.get_hatch() == "///" and not p.get_fill() and p.get_linewidth() == 0 for p in hatched)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 12 and "0.0" in texts and "-1.0" in texts and "6.0" in texts
    assert ax.get_xlabel() == ITEM and ax.get_ylabel() == USER
    [colorbar_ax] = [a for a in fig.axes if a is not ax]
    assert colorbar_ax.get_ylabel() == "predicted rating"


def test_predictions_options_for_small_multiples():
    fig, ax = plt.subplots()
    plot_predictions(np.full((3, 4), 2.345), ax=ax, colorbar=False, decimals=2)
    assert fig.axes == [ax] and not ax.patches
    assert {t.get_text() for t in ax.texts} == {"2.35"}
    assert ax.get_xlabel() == "movie" and ax.get_ylabel() == "user"
    ax = plot_predictions(np.ones((11, 10)), ax=plt.figure().gca())
    assert len(ax.texts) == 0


def test_predictions_bad_input_and_rcparams():
    before = dict(mpl.rcParams)
    with pytest.raises(ValueError, match="mask has shape"):
        plot_predictions(np.ones((2, 3)), ax=plt.figure().gca(), mask=np.ones((3, 2)))
    with pytest.raises(ValueError, match="non-empty 2-D"):
        plot_predictions(np.ones(3), ax=plt.figure().gca())
    plot_predictions(np.ones((2, 2)))
    assert dict(mpl.rcParams) == before


def test_validation_curve_draws_both_curves_and_marks_the_best():
    fig, ax = plt.subplots()
    assert plot_validation_curve([0.01, 0.1, 1.0], [0.5, 0.6, 0.9], [0.95, 0.85, 0.92], ax=ax,
                                 xlabel="weight decay", log_x=True) is ax  # fmt: skip
    train, valid, best = ax.get_lines()
    np.testing.assert_allclose(train.get_ydata(), [0.5, 0.6, 0.9])
    np.testing.assert_allclose(valid.get_ydata(), [0.95, 0.85, 0.92])
    assert best.get_xdata()[0] == 0.1 and best.get_label() == "best: 0.1"
    assert ax.get_xlabel() == "weight decay" and ax.get_ylabel() == "RMSE" and ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train RMSE", "validation RMSE", "best: 0.1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.1", "1"]
    assert list(ax.get_xticks(minor=True)) == []


def test_validation_curve_bad_input_and_rcparams():
    before = dict(mpl.rcParams)
    with pytest.raises(ValueError, match="one length"):
        plot_validation_curve([1, 2], [0.5], [0.6, 0.7])
    with pytest.raises(ValueError, match="log_x"):
        plot_validation_curve([0, 1], [0.5, 0.4], [0.6, 0.7], log_x=True)
    plot_validation_curve([8, 32], [0.5, 0.4], [0.6, 0.7])
    assert plt.gca().get_xscale() == "linear"
    assert dict(mpl.rcParams) == before


def test_embedding_map_names_a_subset_without_crowding():
    from cfcourse.plots import plot_embedding_map

    coords = np.array([[0.0, 0.0], [0.001, 0.0], [1.0, 1.0], [0.5, 0.2]])
    fig, ax = plt.subplots()
    assert plot_embedding_map(coords, ["a", "b", "c", "d"], ax=ax, label_order=[1, 0, 2]) is ax
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["b", "c"]  # "a" sits on "b", which came first; "d" was not asked for
    assert len(ax.collections) == 2  # all points, then the named ones
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), coords)
    assert ax.get_xlabel() == "component 1" and ax.get_ylabel() == "component 2"


def test_embedding_map_names_every_point_with_zero_distance_and_uses_frame_columns():
    from cfcourse.plots import plot_embedding_map

    frame = pd.DataFrame({"PC1": [0.0, 0.0, 1.0], "PC2": [0.0, 0.0, 1.0]})
    ax = plot_embedding_map(frame, ["a very long title that goes on", "b", "c"], min_distance=0, max_label=10)
    assert [t.get_text() for t in ax.texts] == ["a very lo…", "b", "c"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("PC1", "PC2")
    plt.figure()
    assert len(plot_embedding_map(frame).texts) == 0  # no labels: points only


def test_embedding_map_bad_input():
    from cfcourse.plots import plot_embedding_map

    with pytest.raises(ValueError, match="shape"):
        plot_embedding_map(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="one label per point"):
        plot_embedding_map(np.zeros((3, 2)), ["a"])


def test_embedding_map_always_names_highlighted_points_in_bold():
    from cfcourse.plots import plot_embedding_map

    coords = np.array([[0.0, 0.0], [0.001, 0.0], [1.0, 1.0], [0.5, 0.2]])
    ax = plot_embedding_map(coords, ["a", "b", "c", "d"], ax=plt.figure().gca(), label_order=[1, 0, 2], highlight=[0, 3])
    texts = {t.get_text(): t for t in ax.texts}
    assert list(texts) == ["a", "d", "c"]  # "a" and "d" first; "b" sits on "a" and is left out
    assert [texts[k].get_fontweight() for k in ("a", "d", "c")] == ["bold", "bold", "normal"]
    np.testing.assert_array_equal(ax.collections[-1].get_offsets(), coords[[0, 3]])  # the red points


def test_embedding_map_bad_highlight():
    from cfcourse.plots import plot_embedding_map

    with pytest.raises(ValueError, match="needs labels"):
        plot_embedding_map(np.zeros((3, 2)), highlight=[0], ax=plt.figure().gca())
    with pytest.raises(ValueError, match="positions in 0..2"):
        plot_embedding_map(np.zeros((3, 2)), ["a", "b", "c"], highlight=[3], ax=plt.figure().gca())

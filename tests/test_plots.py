"""Tests for cfcourse/plots.py, headless (Agg, set in conftest.py): assert on what is drawn."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cfcourse.columns import ITEM, RATING_MAX, RATING_MIN, USER
from cfcourse.plots import plot_ratings_table


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

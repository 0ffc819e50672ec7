"""Tests for cfcourse/toy.py: the planted toy world."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from cfcourse.columns import ITEM, RATING, RATING_MAX, RATING_MIN, USER
from cfcourse.toy import MAX_DENSE_CELLS, TooLargeToDensifyError, ToyWorld, make_toy_world


@pytest.fixture(scope="module")
def world() -> ToyWorld:
    return make_toy_world()


def test_same_seed_same_world_other_seed_differs():
    a, b, c = make_toy_world(20, 30, seed=1), make_toy_world(20, 30, seed=1), make_toy_world(20, 30, seed=2)
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    pd.testing.assert_frame_equal(a.user_factors, b.user_factors)
    assert not a.ratings.equals(c.ratings)


def test_noise_keeps_the_planted_factors_and_the_observed_cells():
    clean, noisy = make_toy_world(20, 30, seed=3), make_toy_world(20, 30, seed=3, noise=0.5)
    pd.testing.assert_frame_equal(clean.item_factors, noisy.item_factors)
    pd.testing.assert_frame_equal(clean.ratings[[USER, ITEM]], noisy.ratings[[USER, ITEM]])
    assert not clean.ratings[RATING].equals(noisy.ratings[RATING])


def test_shapes_dtypes_and_ids(world):
    r = world.ratings
    assert list(r.columns) == [USER, ITEM, RATING]
    assert r.dtypes.tolist() == [np.int64, np.int64, np.float64]
    assert world.user_factors.shape == (5, 3) and world.item_factors.shape == (6, 3)
    assert list(world.user_factors.columns) == ["action", "romance", "comedy"]
    assert world.user_factors.index.tolist() == list(range(5))  # ids start at 0
    assert world.user_bias.shape == (5,) and world.item_bias.shape == (6,)
    assert world.true_table.shape == world.mask.shape == world.table().shape == (5, 6)
    assert world.mask.dtypes.eq(bool).all()
    assert r.sort_values([USER, ITEM]).index.tolist() == r.index.tolist()
    assert "n_users=5, n_items=6" in repr(world)


def test_ratings_are_half_stars_on_the_movielens_scale():
    r = make_toy_world(50, 40, noise=0.8, seed=4).ratings[RATING]
    assert r.between(RATING_MIN, RATING_MAX).all()
    np.testing.assert_array_equal(r * 2, np.round(r * 2))
    assert r.nunique() >= 8  # a mix of low and high stars


def test_ratings_follow_the_stated_equation_exactly():
    w = make_toy_world(8, 9, noise=0.0, round_to=None, y_range=(0.5, 5.0), seed=5)
    low, high = w.y_range
    for _, row in w.ratings.iterrows():
        u, i = int(row[USER]), int(row[ITEM])
        x = w.user_factors.loc[u] @ w.item_factors.loc[i] + w.user_bias[u] + w.item_bias[i]
        assert row[RATING] == pytest.approx(low + (high - low) / (1 + np.exp(-x)))
    observed = w.true_table.to_numpy()[w.ratings[USER], w.ratings[ITEM]]
    np.testing.assert_allclose(w.ratings[RATING], observed)


def test_planted_factors_look_like_genres_and_tastes():
    w = make_toy_world(200, 90, seed=6)
    genres = w.item_factors.to_numpy()
    assert (genres >= 0).all()
    assert (genres.max(axis=1) >= 0.7).all()  # mostly one genre
    assert (np.sort(genres, axis=1)[:, -2] <= 0.4).all()  # with some of another
    assert (w.user_factors < 0).to_numpy().any()  # somebody dislikes something


@pytest.mark.parametrize("n_users, n_items, density", [(5, 6, 0.6), (40, 50, 0.1), (30, 20, 1.0), (1500, 1000, 0.02)])
def test_density_is_as_asked(n_users, n_items, density):
    w = make_toy_world(n_users, n_items, density=density)
    assert len(w.ratings) == round(density * n_users * n_items)
    assert not w.ratings.duplicated([USER, ITEM]).any()


def test_table_and_mask_follow_the_course_convention(world):
    table, mask = world.table(), world.mask
    assert (table.to_numpy()[~mask.to_numpy()] == 0.0).all()
    assert (table.to_numpy()[mask.to_numpy()] > 0).all()
    assert mask.to_numpy().sum() == len(world.ratings)
    assert table.index.name == USER and table.columns.name == ITEM


def test_friendly_labels(world):
    assert world.user_names.tolist() == ["Ana", "Ben", "Cleo", "Dev", "Eva"]
    titles = world.item_titles
    assert titles.is_unique and "Laser Heist" in titles.tolist()
    labelled = world.label(world.table())
    assert labelled.index.tolist() == world.user_names.tolist()
    assert labelled.columns.tolist() == titles.tolist()
    assert world.label(world.item_factors).loc["Laser Heist"].idxmax() == "action"


def test_labels_fall_back_to_numbers_past_the_lists():
    w = make_toy_world(30, 40, factors=("action", "mystery"))
    assert w.user_names[27] == "user 27"
    mystery = w.item_factors["mystery"] > w.item_factors["action"]
    assert w.item_titles[mystery].str.fullmatch(r"movie \d+").all()
    assert w.item_titles.str.fullmatch(r"movie \d+").sum() == 40 - 8  # 8 action titles in the list


def test_large_world_samples_pairs_without_a_dense_matrix():
    tracemalloc.start()
    try:
        w = make_toy_world(100_000, 100_000, density=2e-5, seed=7)  # dense: 80 GB
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(w.ratings) == 200_000
    assert not w.ratings.duplicated([USER, ITEM]).any()
    assert peak < 200e6
    counts = w.ratings[ITEM].value_counts()
    assert counts.iloc[0] > 20 * counts.median()  # popular movies have a long tail
    np.testing.assert_allclose(
        w.true_scores(w.ratings[USER][:5], w.ratings[ITEM][:5]),
        make_toy_world(100_000, 100_000, density=2e-5, round_to=None, seed=7).ratings[RATING][:5],
    )


def test_scores_in_chunks_are_the_scores_at_once(monkeypatch):
    import cfcourse.toy as toy
    from cfcourse.gradients import predict_pairs

    w = make_toy_world(50, 40, density=0.5, seed=3)
    u, i = w.ratings[USER].to_numpy(), w.ratings[ITEM].to_numpy()
    monkeypatch.setattr(toy, "_SCORE_CHUNK", 7)  # 1,000 pairs in 143 chunks, the last one short
    at_once = predict_pairs(w.user_factors.to_numpy()[u], w.item_factors.to_numpy()[i], w.user_bias.to_numpy()[u],
                            w.item_bias.to_numpy()[i], w.y_range)  # fmt: skip
    np.testing.assert_array_equal(w.true_scores(u, i), at_once)


@pytest.mark.parametrize("attribute", ["true_table", "mask", "table"])
def test_densify_guard_says_the_size_and_the_way_out(attribute):
    w = make_toy_world(MAX_DENSE_CELLS // 1000 + 1, 1000, density=1e-5)
    with pytest.raises(TooLargeToDensifyError, match=r"10,001 x 1,000 table.*use the long frame `ratings`"):
        value = getattr(w, attribute)
        value() if callable(value) else value
    assert isinstance(TooLargeToDensifyError("x"), ValueError)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_users": 0}, ValueError, "n_users must be a positive integer, got 0"),
        ({"n_items": 2.5}, ValueError, "n_items must be a positive integer"),
        ({"density": 0.0}, ValueError, r"density must be in \(0, 1\]"),
        ({"density": 1.5}, ValueError, "got 1.5"),
        ({"factors": ()}, ValueError, "factors is empty"),
        ({"factors": "action"}, TypeError, "sequence of names"),
        ({"factors": ("action", "action")}, ValueError, "distinct"),
        ({"noise": -1}, ValueError, "noise must be a number >= 0"),
        ({"bias_scale": float("nan")}, ValueError, "bias_scale"),
        ({"y_range": (5, 1)}, ValueError, "low < high"),
        ({"round_to": 0}, ValueError, "round_to must be a number > 0"),
        ({"seed": -3}, ValueError, "seed must be a non-negative integer"),
    ],
)
def test_bad_arguments_are_explained(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_toy_world(**kwargs)

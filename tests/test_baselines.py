"""Tests for cfcourse/baselines.py: known answers on a tiny table, fallbacks, errors."""

import numpy as np
import pandas as pd
import pytest

from cfcourse.baselines import BiasBaseline, GlobalMean, ItemMean, UserMean
from cfcourse.columns import ITEM, RATING, USER
from cfcourse.baselines import baseline_biases
from cfcourse.errors import NotFittedError


@pytest.fixture
def ratings():
    """Users 10 and 20, movies 7, 8, 9; user 10 is generous, movie 9 is loved."""
    return pd.DataFrame({
        USER: [10, 10, 10, 20, 20],
        ITEM: [7, 8, 9, 7, 9],
        RATING: [4.0, 5.0, 5.0, 1.0, 4.0],
    })  # fmt: skip


QUERY = pd.DataFrame({USER: [10, 20, 99, 10, 99], ITEM: [8, 7, 9, 55, 55]})
"""Known pairs, an unknown user (99), an unknown movie (55), and both unknown."""


def test_global_mean(ratings):
    model = GlobalMean().fit(ratings)
    assert model.global_mean_ == pytest.approx(3.8)
    np.testing.assert_allclose(model.predict(QUERY), np.full(5, 3.8))


def test_user_mean_with_global_fallback(ratings):
    model = UserMean().fit(ratings)
    np.testing.assert_allclose(model.predict(QUERY), [14 / 3, 2.5, 3.8, 14 / 3, 3.8])


def test_item_mean_with_global_fallback(ratings):
    model = ItemMean().fit(ratings)
    np.testing.assert_allclose(model.predict(QUERY), [5.0, 2.5, 4.5, 3.8, 3.8])


def test_bias_baseline_is_baseline_biases_with_raw_ids(ratings):
    model = BiasBaseline(reg_user=1.0, reg_item=2.0).fit(ratings)
    mean, user_bias, item_bias = baseline_biases(
        np.array([0, 0, 0, 1, 1]), np.array([0, 1, 2, 0, 2]), ratings[RATING].to_numpy(), 2, 3,
        reg_user=1.0, reg_item=2.0,
    )  # fmt: skip
    assert model.global_mean_ == pytest.approx(mean)
    np.testing.assert_allclose(model.user_bias_.loc[[10, 20]], user_bias)
    np.testing.assert_allclose(model.item_bias_.loc[[7, 8, 9]], item_bias)
    expected = [
        mean + user_bias[0] + item_bias[1],
        mean + user_bias[1] + item_bias[0],
        mean + item_bias[2],  # unknown user: bias 0
        mean + user_bias[0],  # unknown movie: bias 0
        mean,                 # both unknown: the global mean
    ]  # fmt: skip
    np.testing.assert_allclose(model.predict(QUERY), np.clip(expected, 0.5, 5.0))


def test_bias_baseline_without_shrinkage_beats_the_means_on_training_data(ratings):
    scores = {}
    for model in (GlobalMean(), UserMean(), ItemMean(), BiasBaseline(reg_user=0.0, reg_item=0.0, sweeps=50)):
        pred = model.fit(ratings).predict(ratings)
        scores[type(model).__name__] = np.sqrt(np.mean((pred - ratings[RATING].to_numpy()) ** 2))
    assert scores["BiasBaseline"] < min(scores["UserMean"], scores["ItemMean"]) < scores["GlobalMean"]


def test_stronger_shrinkage_pulls_biases_towards_zero(ratings):
    weak = BiasBaseline(reg_user=0.1, reg_item=0.1).fit(ratings)
    strong = BiasBaseline(reg_user=100.0, reg_item=100.0).fit(ratings)
    assert np.abs(strong.item_bias_).max() < np.abs(weak.item_bias_).max() / 10


def test_predictions_are_clipped_to_the_scale():
    frame = pd.DataFrame({USER: [1, 1, 2, 2], ITEM: [1, 2, 1, 2], RATING: [5.0, 5.0, 5.0, 0.5]})
    pred = BiasBaseline(reg_user=0.0, reg_item=0.0, sweeps=50).fit(frame).predict(frame)
    assert pred.min() >= 0.5 and pred.max() <= 5.0


@pytest.mark.parametrize("model", [GlobalMean(), UserMean(), ItemMean(), BiasBaseline()])
def test_fit_returns_self_and_init_only_stores(model, ratings):
    assert not any(k.endswith("_") for k in vars(model))
    assert model.fit(ratings) is model
    assert type(model).__name__ in repr(model)


@pytest.mark.parametrize("model", [GlobalMean(), UserMean(), ItemMean(), BiasBaseline()])
def test_predict_before_fit_raises(model):
    with pytest.raises(NotFittedError, match="call .fit"):
        model.predict(QUERY)


@pytest.mark.parametrize("model", [GlobalMean(), UserMean(), ItemMean(), BiasBaseline()])
def test_bad_input_raises(model, ratings):
    with pytest.raises(ValueError, match="rating"):
        model.fit(ratings.drop(columns=[RATING]))
    with pytest.raises(TypeError, match="DataFrame"):
        model.fit(ratings.to_numpy())
    with pytest.raises(ValueError, match=ITEM):
        model.fit(ratings).predict(QUERY.drop(columns=[ITEM]))


def test_negative_shrinkage_raises(ratings):
    with pytest.raises(ValueError, match="reg_item"):
        BiasBaseline(reg_item=-1.0).fit(ratings)

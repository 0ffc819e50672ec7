"""Tests for cfcourse/results.py on a small synthetic split (no MovieLens)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from cfcourse.columns import ITEM, RATING, USER
from cfcourse.results import STEPS, Step, results_table, run_step
from cfcourse.split import train_valid_split

NAMES = ["global mean", "dot product", "+ sigmoid", "+ biases"]


@pytest.fixture(scope="module")
def split():
    """30 users x 40 movies, half observed, ratings from a planted rank-2 world in half stars."""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 0.7, (30, 2)) @ rng.normal(0, 0.7, (2, 40)) + rng.normal(0, 0.5, (1, 40))
    table = np.round((0.5 + 4.5 / (1 + np.exp(-logits))) * 2) / 2
    users, items = np.nonzero(rng.random((30, 40)) < 0.5)
    ratings = pd.DataFrame({USER: users + 1, ITEM: items * 3 + 1, RATING: table[users, items]})
    return train_valid_split(ratings)


def test_steps_are_the_course_steps():
    assert [s.name for s in STEPS] == NAMES
    assert STEPS[0].model is None
    assert STEPS[1].model_kwargs["y_range"] is None and STEPS[2].model_kwargs["y_range"] is not None
    assert {"epochs", "lr", "batch_size", "weight_decay"} <= set(STEPS[-1].fit_kwargs)


@pytest.mark.parametrize("upto, n_rows", [("global mean", 1), ("+ sigmoid", 3), ("+ biases", 4)])
def test_results_table_rows_and_columns(split, upto, n_rows):
    table = results_table(split, upto=upto)
    assert list(table.columns) == ["step", "valid_rmse"]
    assert table["step"].tolist() == NAMES[:n_rows]
    assert table["valid_rmse"].dtype == float
    assert (table["valid_rmse"] == table["valid_rmse"].round(3)).all()
    assert (table["valid_rmse"] > 0).all()


def test_results_table_is_deterministic_and_baseline_is_the_train_mean(split):
    table = results_table(split)
    pd.testing.assert_frame_equal(table, results_table(split))
    expected = np.sqrt(np.mean((split.valid[RATING] - split.train[RATING].mean()) ** 2))
    assert table["valid_rmse"].iloc[0] == round(expected, 3)


def test_run_step_returns_the_trained_model(split):
    valid_rmse, model = run_step(STEPS[-1], split)
    assert isinstance(valid_rmse, float)
    assert model.user_factors.weight.shape == (split.n_users, STEPS[-1].model_kwargs["n_factors"])


def test_custom_steps(split):
    quick = tuple(dataclasses.replace(s, fit_kwargs={**s.fit_kwargs, "epochs": 1}) for s in STEPS)
    table = results_table(split, upto="my model", steps=quick + (Step("my model", "mine"),))
    assert table["step"].tolist() == NAMES + ["my model"]


def test_bad_arguments_raise(split):
    with pytest.raises(ValueError, match="not a step"):
        results_table(split, upto="+ dropout")
    with pytest.raises(TypeError, match="train_valid_split"):
        results_table(split.train)

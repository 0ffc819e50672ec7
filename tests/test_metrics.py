"""Tests for cfcourse/metrics.py: known answers, numpy and torch agree."""

import numpy as np
import pytest
import torch

from cfcourse.metrics import mae, rmse

PRED = [3.0, 4.0, 1.0, 5.0]
TRUE = [4.0, 4.0, 2.0, 2.0]  # errors -1, 0, -1, 3


@pytest.mark.parametrize("metric, expected", [(rmse, np.sqrt(11 / 4)), (mae, 5 / 4)])
def test_known_answers_numpy_and_torch_agree(metric, expected):
    values = [
        metric(np.array(PRED), np.array(TRUE)),
        metric(torch.tensor(PRED), torch.tensor(TRUE)),
        metric(torch.tensor(PRED, requires_grad=True), np.array(TRUE, dtype=np.float32)),
    ]
    for value in values:
        assert type(value) is float
        assert value == pytest.approx(expected, rel=1e-7)


def test_perfect_predictions_score_zero():
    x = np.array([[1.0, 2.5], [4.0, 5.0]])
    assert rmse(x, x) == 0.0 and mae(x, x) == 0.0


@pytest.mark.parametrize("metric", [rmse, mae])
def test_clip_to_the_rating_scale(metric):
    pred, true = np.array([6.0, 0.0, 3.0]), np.array([5.0, 0.5, 3.0])
    assert metric(pred, true, clip=True) == 0.0
    assert metric(pred, true) > 0.0
    assert metric(pred, true, clip=(1.0, 4.0)) == metric(np.array([4.0, 1.0, 3.0]), true)


@pytest.mark.parametrize(
    "pred, true, match",
    [
        (np.zeros(3), np.zeros(4), "same shape"),
        (np.zeros((2, 2)), np.zeros(4), "same shape"),
        (np.zeros(0), np.zeros(0), "empty"),
        (np.array([1.0, np.nan]), np.ones(2), "NaN"),
    ],
)
@pytest.mark.parametrize("metric", [rmse, mae])
def test_bad_input_raises(metric, pred, true, match):
    with pytest.raises(ValueError, match=match):
        metric(pred, true)

"""Tests for cfcourse/fast_train.py: the same objective as train.fit, faster."""

import math

import numpy as np
import pytest
import torch

from cfcourse.errors import DivergenceWarning, NonFiniteLossError
from cfcourse.fast_train import fit_fast
from cfcourse.models import DotProduct, DotProductBias
from cfcourse.train import fit

from test_train import N_ITEMS, N_USERS, world  # noqa: F401  (the planted world fixture)


def test_equal_strengths_constant_schedule_is_train_fit(world):  # noqa: F811
    """Same objective: with equal strengths and no schedule, the same run as the taught loop."""
    histories, weights = [], []
    for trainer, extra in ((fit, {}), (fit_fast, {"bias_weight_decay": 0.1, "lr_schedule": "constant"})):
        model = DotProductBias(N_USERS, N_ITEMS, 2)
        histories.append(trainer(model, world["train"], epochs=3, lr=0.03, batch_size=64, weight_decay=0.1, **extra))
        weights.append(model.user_factors.weight.detach().clone())
    np.testing.assert_allclose(histories[0].train_loss, histories[1].train_loss, rtol=1e-5)
    np.testing.assert_allclose(histories[0].train_rmse, histories[1].train_rmse, rtol=1e-5)
    torch.testing.assert_close(weights[0], weights[1], rtol=1e-4, atol=1e-6)


def test_bias_weight_decay_shrinks_only_the_biases(world):  # noqa: F811
    norms = {}
    for bias_weight_decay in (0.0, 1.0):
        model = DotProductBias(N_USERS, N_ITEMS, 2)
        fit_fast(model, world["train"], epochs=20, lr=0.03, batch_size=64, weight_decay=0.0,
                 bias_weight_decay=bias_weight_decay, lr_schedule="constant")  # fmt: skip
        norms[bias_weight_decay] = float(model.user_bias.weight.detach().norm() ** 2 + model.item_bias.weight.detach().norm() ** 2)
    assert norms[1.0] < 0.5 * norms[0.0]


def test_cosine_schedule_learns_the_planted_world(world):  # noqa: F811
    model = DotProductBias(N_USERS, N_ITEMS, 2, y_range=(0.5, 5.0))
    history = fit_fast(model, world["train"], epochs=60, lr=0.1, batch_size=64, weight_decay=0.0, bias_weight_decay=0.0)
    assert history.train_rmse[-1] < 0.05 < history.train_rmse[0]
    assert all(math.isnan(v) for v in history.valid_rmse)


def test_same_seed_same_run(world):  # noqa: F811
    runs = [fit_fast(DotProductBias(N_USERS, N_ITEMS, 2), world["train"], epochs=2, batch_size=64, seed=s) for s in (3, 3, 4)]
    assert runs[0].train_loss == runs[1].train_loss != runs[2].train_loss


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(bias_weight_decay=-0.1), ValueError, "bias_weight_decay must be a number >= 0"),
        (dict(bias_weight_decay=math.nan), ValueError, "bias_weight_decay must be a finite number"),
        (dict(weight_decay=math.nan), ValueError, "weight_decay must be a finite number"),
        (dict(lr=math.inf), ValueError, "lr must be a finite number"),
        (dict(lr_schedule="linear"), ValueError, "lr_schedule must be one of"),
        (dict(epochs=0), ValueError, "epochs"),
    ],
)
def test_bad_arguments_raise(world, kwargs, error, match):  # noqa: F811
    with pytest.raises(error, match=match):
        fit_fast(DotProductBias(N_USERS, N_ITEMS, 2), world["train"], **kwargs)


def test_penalty_without_bias_embeddings_is_refused(world):  # noqa: F811
    with pytest.raises(ValueError, match="bias_weight_decay"):
        fit_fast(DotProduct(N_USERS, N_ITEMS, 2), world["train"], epochs=1, weight_decay=0.0, bias_weight_decay=0.1)


def test_non_finite_loss_stops_training(world):  # noqa: F811
    with pytest.raises(NonFiniteLossError, match="the loss became"):
        fit_fast(DotProduct(N_USERS, N_ITEMS, 2), world["train"], epochs=3, lr=1e30, batch_size=64,
                 weight_decay=0.0, bias_weight_decay=0.0)  # fmt: skip


def test_divergence_warns(world):  # noqa: F811
    with pytest.warns(DivergenceWarning, match=r"training RMSE went from .* before training to"):
        fit_fast(DotProductBias(N_USERS, N_ITEMS, 2), world["train"], epochs=3, lr=1e3, batch_size=64, lr_schedule="constant")

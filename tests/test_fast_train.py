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
    # fit_fast's row-sparse path applies a row's skipped Adam steps in one go (Adam's eps is left
    # out of the skipped steps): the same run to within 1% of how far the weights moved
    np.testing.assert_allclose(histories[0].train_loss, histories[1].train_loss, rtol=1e-4)
    np.testing.assert_allclose(histories[0].train_rmse, histories[1].train_rmse, rtol=1e-4)
    start = DotProductBias(N_USERS, N_ITEMS, 2).user_factors.weight.detach()
    assert float((weights[0] - weights[1]).norm() / (weights[0] - start).norm()) < 1e-2


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


# ------------------------------------------------------------ the row-sparse path
from cfcourse.fast_train import _fit_dense  # noqa: E402  (the dense path is the reference)
from cfcourse.toy import make_toy_world  # noqa: E402

PARAMS = ("user_factors", "item_factors", "user_bias", "item_bias")
SETTINGS = dict(lr=0.02, batch_size=64, weight_decay=0.1, bias_weight_decay=0.01, seed=3)


def _toy_triple():
    world = make_toy_world(40, 30, density=0.4, noise=0.3, seed=1)
    return world, tuple(torch.tensor(world.ratings[col].to_numpy()) for col in ("userId", "movieId", "rating"))


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
@pytest.mark.parametrize("epochs", [1, 3])
def test_row_sparse_path_follows_dense_adam(schedule, epochs):
    """Same shuffle, same objective, same Adam: the weights follow dense Adam's to float rounding.

    Lazy Adam (moving a row only when a batch looks it up) is ~30% off here:
    rows a batch skips keep drifting in dense Adam, and the catch-up
    reproduces that.
    """
    world, triple = _toy_triple()
    dense, sparse = (DotProductBias(world.n_users, world.n_items, 3, seed=0) for _ in range(2))
    start = {name: getattr(dense, name).weight.detach().clone() for name in PARAMS}
    settings = {**SETTINGS, "epochs": epochs, "lr_schedule": schedule}
    h_dense = _fit_dense(dense, triple, **settings)
    h_sparse = fit_fast(sparse, triple, **settings)
    for name in PARAMS:
        a, b = getattr(dense, name).weight.detach(), getattr(sparse, name).weight.detach()
        assert float((a - b).norm() / (a - start[name]).norm()) < 5e-3, name
    np.testing.assert_allclose(h_dense.train_loss, h_sparse.train_loss, rtol=1e-4)
    np.testing.assert_allclose(h_dense.train_rmse, h_sparse.train_rmse, rtol=1e-4)


def test_other_models_take_the_dense_path():
    world, triple = _toy_triple()
    model = DotProduct(world.n_users, world.n_items, 2, y_range=(0.0, 5.5))
    history = fit_fast(model, triple, epochs=2, batch_size=64, bias_weight_decay=0.0)
    assert history.train_rmse[-1] < history.train_rmse[0]

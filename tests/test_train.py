"""Tests for cfcourse/train.py on a planted low-rank world."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

from cfcourse.models import DotProduct, DotProductBias
from cfcourse.errors import DivergenceWarning, NonFiniteLossError
from cfcourse.train import History, fit, l2_penalty, predict

N_USERS, N_ITEMS = 40, 30


@pytest.fixture(scope="module")
def world():
    """40 users x 30 movies, rank 2 plus biases through a scaled sigmoid, 60% observed.

    Returns the dense table, its mask, and a long train/valid split of the
    observed cells. (30 x 20 was too small for rank-2 completion to succeed
    reliably across seeds and batch sizes.)
    """
    rng = np.random.default_rng(0)
    user_factors, item_factors = rng.normal(0, 0.7, (N_USERS, 2)), rng.normal(0, 0.7, (N_ITEMS, 2))
    logits = user_factors @ item_factors.T + rng.normal(0, 0.3, (N_USERS, 1)) + rng.normal(0, 0.3, (1, N_ITEMS))
    table = (0.5 + 4.5 / (1 + np.exp(-logits))).astype(np.float32)
    mask = rng.random((N_USERS, N_ITEMS)) < 0.6
    user_idx, item_idx = np.nonzero(mask)
    perm = rng.permutation(len(user_idx))
    n_valid = len(perm) // 5
    rows = [(user_idx[p], item_idx[p], table[user_idx[p], item_idx[p]]) for p in (perm[n_valid:], perm[:n_valid])]
    return {"table": table, "mask": mask, "train": rows[0], "valid": rows[1]}


def baseline_rmse(world):
    train, valid = world["train"], world["valid"]
    return float(np.sqrt(np.mean((valid[2] - train[2].mean()) ** 2)))


@pytest.mark.parametrize("batch_size, epochs, lr", [(32, 20, 0.02), (64, 30, 0.03), (128, 50, 0.05), (573, 200, 0.1)])
def test_dot_product_bias_recovers_the_planted_world(world, batch_size, epochs, lr):
    model = DotProductBias(N_USERS, N_ITEMS, 2, y_range=(0.5, 5.0))
    history = fit(model, world["train"], world["valid"], epochs=epochs, lr=lr, batch_size=batch_size)
    assert len(world["train"][0]) == 573
    assert baseline_rmse(world) > 0.7
    assert history.valid_rmse[-1] < 0.1
    assert history.train_rmse[-1] < history.train_rmse[0]


def test_same_seed_same_history_and_weights(world):
    runs = []
    for _ in range(2):
        model = DotProductBias(N_USERS, N_ITEMS, 2)
        runs.append((fit(model, world["train"], world["valid"], epochs=3, batch_size=64, weight_decay=0.01), model))
    pd.testing.assert_frame_equal(runs[0][0].to_frame(), runs[1][0].to_frame())
    for a, b in zip(runs[0][1].parameters(), runs[1][1].parameters()):
        assert torch.equal(a, b)
    other = fit(DotProductBias(N_USERS, N_ITEMS, 2), world["train"], epochs=3, batch_size=64, seed=1)
    assert other.train_loss != runs[0][0].train_loss


def test_fit_leaves_the_global_rng_alone(world):
    state = torch.random.get_rng_state()
    fit(DotProduct(N_USERS, N_ITEMS, 2), world["train"], epochs=1)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_dense_and_long_input_give_identical_results(world):
    table, mask = world["table"], world["mask"]
    user_idx, item_idx = np.nonzero(mask)  # row-major, as the dense path orders them
    long = (user_idx, item_idx, table[user_idx, item_idx])
    frame = pd.DataFrame({"user_idx": user_idx, "item_idx": item_idx, "rating": long[2]})
    results = []
    for train in [(table, mask), long, frame]:
        model = DotProductBias(N_USERS, N_ITEMS, 2)
        history = fit(model, train, epochs=3, batch_size=50)
        results.append((history.to_frame(), model.user_factors.weight.detach().clone()))
    for history, weights in results[1:]:
        pd.testing.assert_frame_equal(history, results[0][0])
        assert torch.equal(weights, results[0][1])


def test_weight_decay_shrinks_the_factors(world):
    norms = {}
    for weight_decay in (0.0, 0.3):
        model = DotProductBias(N_USERS, N_ITEMS, 2)
        fit(model, world["train"], epochs=30, lr=0.03, batch_size=64, weight_decay=weight_decay)
        norms[weight_decay] = float(model.user_factors.weight.detach().norm() ** 2 + model.item_factors.weight.detach().norm() ** 2)
    assert norms[0.3] < 0.5 * norms[0.0]


def test_l2_penalty_is_mean_squared_norm_of_looked_up_rows():
    model = DotProductBias(3, 4, 2)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(generator=torch.Generator().manual_seed(3))
    user_idx, item_idx = torch.tensor([0, 2, 2]), torch.tensor([1, 1, 3])
    expected = sum(
        (model.user_factors.weight[u] ** 2).sum()
        + (model.item_factors.weight[i] ** 2).sum()
        + model.user_bias.weight[u, 0] ** 2
        + model.item_bias.weight[i, 0] ** 2
        for u, i in zip(user_idx.tolist(), item_idx.tolist())
    ) / 3
    torch.testing.assert_close(l2_penalty(model, user_idx, item_idx), expected)


def test_sgd_also_learns(world):
    model = DotProductBias(N_USERS, N_ITEMS, 2)
    user_idx, item_idx, ratings = world["train"]
    before = float(torch.sqrt(((predict(model, user_idx, item_idx) - torch.as_tensor(ratings)) ** 2).mean()))
    history = fit(model, world["train"], epochs=10, lr=0.5, optimizer="sgd", batch_size=32)
    assert history.train_rmse[-1] < 0.85 * before and history.train_rmse[-1] < history.train_rmse[0]


def test_predict_matches_forward_restores_mode_and_chunks(world):
    model = DotProductBias(N_USERS, N_ITEMS, 2, seed=5)
    user_idx, item_idx, _ = world["valid"]
    model.train()
    whole = predict(model, user_idx, item_idx)
    chunked = predict(model, torch.as_tensor(user_idx), torch.as_tensor(item_idx), batch_size=7)
    assert model.training and not whole.requires_grad
    torch.testing.assert_close(whole, chunked)
    torch.testing.assert_close(whole, model(torch.as_tensor(user_idx), torch.as_tensor(item_idx)).detach())
    assert predict(model.double(), user_idx, item_idx, batch_size=7).dtype == torch.float64  # chunks keep the dtype


def test_history_frame_and_plot(world):
    history = fit(DotProduct(N_USERS, N_ITEMS, 2), world["train"], world["valid"], epochs=3)
    frame = history.to_frame()
    assert list(frame.columns) == ["train_loss", "train_rmse", "valid_rmse"]
    assert frame.index.name == "epoch" and frame.index.tolist() == [1, 2, 3]
    fig, ax = plt.subplots()
    assert history.plot(ax=ax) is ax
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "RMSE"
    assert [line.get_label() for line in ax.get_lines()] == ["train RMSE", "validation RMSE"]
    plt.close(fig)
    no_valid = fit(DotProduct(N_USERS, N_ITEMS, 2), world["train"], epochs=1)
    assert math.isnan(no_valid.valid_rmse[0]) and isinstance(no_valid, History)


def test_progress_bar_runs(world, capsys):
    fit(DotProduct(N_USERS, N_ITEMS, 2), world["train"], epochs=2, progress=True)
    assert "epochs" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(optimizer="adagrad"), ValueError, "'adam' or 'sgd'"),
        (dict(epochs=0), ValueError, "epochs"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(weight_decay=-1.0), ValueError, "weight_decay"),
        (dict(train="ratings.csv"), TypeError, "triple"),
        (dict(train=([0, 1], [0], [3.0, 4.0])), ValueError, "one entry per rating"),
        (dict(train=([0, 99], [0, 1], [3.0, 4.0])), ValueError, r"user_idx .*99"),
    ],
)
def test_bad_arguments_raise(world, kwargs, error, match):
    kwargs = {"train": world["train"], **kwargs}
    with pytest.raises(error, match=match):
        fit(DotProduct(N_USERS, N_ITEMS, 2), **kwargs)


def test_l2_penalty_splits_into_factors_and_biases():
    model = DotProductBias(3, 4, 2)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(generator=torch.Generator().manual_seed(3))
    user_idx, item_idx = torch.tensor([0, 2, 2]), torch.tensor([1, 1, 3])
    factors = l2_penalty(model, user_idx, item_idx, which="factors")
    biases = l2_penalty(model, user_idx, item_idx, which="biases")
    expected_biases = (model.user_bias.weight[user_idx, 0] ** 2 + model.item_bias.weight[item_idx, 0] ** 2).mean()
    torch.testing.assert_close(biases, expected_biases)
    torch.testing.assert_close(factors + biases, l2_penalty(model, user_idx, item_idx))
    with pytest.raises(ValueError, match="which must be"):
        l2_penalty(model, user_idx, item_idx, which="bias")
    with pytest.raises(ValueError, match="bias_weight_decay"):
        l2_penalty(DotProduct(3, 4, 2), user_idx, item_idx, which="biases")


def test_fit_keeps_the_taught_signature():
    import inspect

    params = list(inspect.signature(fit).parameters)
    assert params == ["model", "train", "valid", "epochs", "lr", "batch_size", "weight_decay", "optimizer", "seed", "progress"]


# --- issue 11 item 5: non-finite hyperparameters and a loss that blows up
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(lr=math.nan), ValueError, "lr must be a finite number, got nan"),
        (dict(lr=math.inf), ValueError, "lr must be a finite number, got inf"),
        (dict(lr=0.0), ValueError, "lr must be a number > 0"),
        (dict(weight_decay=math.nan), ValueError, "weight_decay must be a finite number"),
        (dict(epochs=True), ValueError, "epochs must be a positive integer"),
        (dict(seed=None), TypeError, "seed must be a non-negative integer, got None"),
    ],
)
def test_non_finite_or_out_of_range_hyperparameters_raise(world, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit(DotProductBias(N_USERS, N_ITEMS, 2), world["train"], **kwargs)


def test_training_stops_with_a_clear_error_when_the_loss_is_not_finite(world):
    model = DotProduct(N_USERS, N_ITEMS, 2)  # no sigmoid: a huge SGD step overflows
    with pytest.raises(NonFiniteLossError, match=r"training stopped at epoch \d+, batch \d+: the loss became (nan|inf).*lower the learning rate"):
        fit(model, world["train"], epochs=5, lr=1e30, batch_size=64, optimizer="sgd")


def test_divergence_warns(world):
    model = DotProductBias(N_USERS, N_ITEMS, 2)  # Adam with lr=1000: every prediction saturates at an edge
    with pytest.warns(DivergenceWarning, match=r"training loss rose from .* \(epoch 1\) to .* \(epoch 3\); lower the learning rate"):
        fit(model, world["train"], epochs=3, lr=1e3, batch_size=64)

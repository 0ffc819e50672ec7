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


# ------------------------------------------------------------ the pieces of the row-sparse step
from cfcourse.fast_train import BETAS, EPS, _catch_up, _decay_table, _distinct, _drift_table, _lr  # noqa: E402


@pytest.mark.parametrize("ids", [[5, 3, 5, 0, 3, 3], [7], [2, 1, 0], list(range(10)) * 3])
def test_distinct_is_unique_with_inverse(ids):
    ids = torch.tensor(ids)
    rows, lookup = _distinct(ids, torch.empty(11, dtype=torch.long))
    torch.testing.assert_close(rows[lookup], ids)
    assert sorted(rows.tolist()) == torch.unique(ids).tolist()  # each distinct id once


def test_decay_table_holds_the_powers_and_no_subnormal_floats():
    beta1, beta2 = BETAS
    table = _decay_table(100_000)
    torch.testing.assert_close(table[3], torch.tensor([beta1**3, beta2**3, (beta1 / math.sqrt(beta2)) ** 3]))
    assert float(table[-1].max()) == 0.0  # a row skipped longer than the table has no momentum left
    assert not bool(((table > 0) & (table < 1e-30)).any())
    assert len(_decay_table(10)) == 12  # no longer than the steps need


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_catch_up_is_the_skipped_zero_gradient_adam_steps(schedule):
    """A row skipped for d steps moves as d steps of dense Adam with a zero gradient (eps aside)."""
    lr, n_steps = 0.05, 40
    generator = torch.Generator().manual_seed(0)
    weight, m = torch.randn(4, 3, generator=generator), torch.randn(4, 3, generator=generator) * 0.1
    v = torch.rand(4, 3, generator=generator) * 0.01 + 1e-4
    last = torch.tensor([0, 3, 10, 20])  # rows last updated at these steps; all caught up to step 20
    expected = []
    beta1, beta2 = BETAS
    for row in range(4):
        w_row, m_row, v_row = weight[row].double(), m[row].double(), v[row].double()
        for j in range(int(last[row]) + 1, 21):  # dense Adam's steps j (1-based) with grad 0
            m_row, v_row = beta1 * m_row, beta2 * v_row
            step_size = _lr(lr, schedule, j - 1, n_steps) / (1 - beta1**j)
            w_row = w_row - step_size * m_row / (v_row.sqrt() / math.sqrt(1 - beta2**j) + EPS)
        expected.append((w_row, m_row, v_row))
    before = weight.clone()
    _catch_up(weight, m, v, last, 20, _drift_table(lr, schedule, n_steps), _decay_table(n_steps))
    for row, (w_row, m_row, v_row) in enumerate(expected):
        torch.testing.assert_close(weight[row].double(), w_row, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(m[row].double(), m_row, rtol=1e-5, atol=1e-9)
        torch.testing.assert_close(v[row].double(), v_row, rtol=1e-5, atol=1e-12)
    assert torch.equal(weight[3], before[3])  # updated at step 20: nothing skipped
    assert float((weight[0] - before[0]).abs().min()) > 1e-3  # skipped 20 steps: moved


# ------------------------------------------------------------ engine="numba": the same step, compiled
import os  # noqa: E402
import sys  # noqa: E402

import cfcourse  # noqa: E402
from cfcourse.fast_train import numba_available  # noqa: E402


def _numba_or_skip():
    """cfcourse.fast_kernel, or a skip (a failure in CI, where ./course test installs the `fast` extra)."""
    if not numba_available():
        if os.environ.get("CI"):
            pytest.fail("numba is not installed in CI: ./course test should have installed the `fast` extra", pytrace=False)
        pytest.skip('numba is not installed: pip install -c constraints.txt -e ".[fast]"')
    from cfcourse import fast_kernel

    return fast_kernel


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
@pytest.mark.parametrize("epochs", [1, 3])
def test_numba_engine_follows_the_torch_engine(schedule, epochs):
    """Same batches, same objective, same Adam and catch-up: the two engines agree to float rounding."""
    _numba_or_skip()
    world, triple = _toy_triple()
    by_torch, by_numba = (DotProductBias(world.n_users, world.n_items, 3, seed=0) for _ in range(2))
    start = {name: getattr(by_torch, name).weight.detach().clone() for name in PARAMS}
    settings = {**SETTINGS, "epochs": epochs, "lr_schedule": schedule}
    h_torch = fit_fast(by_torch, triple, **settings)
    h_numba = fit_fast(by_numba, triple, engine="numba", **settings)
    for name in PARAMS:
        a, b = getattr(by_torch, name).weight.detach(), getattr(by_numba, name).weight.detach()
        moved = float((a - start[name]).norm())
        assert moved > 0.1, name  # training moved the weights: the comparison below means something
        assert float((a - b).norm()) / moved < 1e-4, name
    np.testing.assert_allclose(h_numba.train_loss, h_torch.train_loss, rtol=1e-5)
    np.testing.assert_allclose(h_numba.train_rmse, h_torch.train_rmse, rtol=1e-5)


def test_numba_catch_up_all_is_the_torch_catch_up():
    kernel = _numba_or_skip()
    generator = torch.Generator().manual_seed(1)
    state = torch.stack([torch.randn(6, 4, generator=generator), torch.randn(6, 4, generator=generator) * 0.1,
                         torch.rand(6, 4, generator=generator) * 0.01 + 1e-4], dim=1)  # fmt: skip
    last = torch.tensor([0, 3, 10, 20, 29, 30])
    drift, decays = _drift_table(0.05, "cosine", 40), _decay_table(40)
    w, m, v = (state[:, j].clone() for j in range(3))
    _catch_up(w, m, v, last.clone(), 30, drift, decays)
    caught_up = last.clone()
    kernel.catch_up_all(state.numpy(), caught_up.numpy(), 30, drift.numpy(), decays.numpy(), EPS)
    for j, expected in enumerate((w, m, v)):
        torch.testing.assert_close(state[:, j], expected, rtol=1e-5, atol=1e-7)
    assert caught_up.tolist() == [30] * 6
    assert float((state[0, 0] - w.new_tensor(0)).abs().sum()) > 0 and not torch.equal(state[0, 0], state[5, 0])


@pytest.mark.parametrize("engine", ["torch", "numba"])
def test_a_blow_up_stops_at_the_same_batch_and_leaves_the_model_untouched(engine):
    if engine == "numba":
        _numba_or_skip()
    world, triple = _toy_triple()
    model = DotProductBias(world.n_users, world.n_items, 3, seed=0)
    start = {name: getattr(model, name).weight.detach().clone() for name in PARAMS}
    with pytest.raises(NonFiniteLossError, match=r"training stopped at epoch 1, batch 2: the loss became (nan|inf)"):
        fit_fast(model, triple, epochs=2, lr=1e30, batch_size=64, lr_schedule="constant", engine=engine)
    for name in PARAMS:  # rows are written to the model only at the end of an epoch
        assert torch.equal(getattr(model, name).weight.detach(), start[name]), name


def test_numba_engine_without_numba_says_how_to_install_it(monkeypatch):
    world, triple = _toy_triple()
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ModuleNotFoundError
    monkeypatch.delitem(sys.modules, "cfcourse.fast_kernel", raising=False)  # as if never imported
    monkeypatch.delattr(cfcourse, "fast_kernel", raising=False)
    with pytest.raises(ImportError, match=r'engine="numba" needs numba, which is not installed here: pip install .*\[fast\]'):
        fit_fast(DotProductBias(world.n_users, world.n_items, 2), triple, epochs=1, engine="numba")


def test_engine_is_checked_and_numba_only_runs_the_row_sparse_step():
    world, triple = _toy_triple()
    with pytest.raises(ValueError, match=r"engine must be one of \('torch', 'numba'\), got 'cuda'"):
        fit_fast(DotProductBias(world.n_users, world.n_items, 2), triple, epochs=1, engine="cuda")
    with pytest.raises(ValueError, match=r'this DotProduct takes the dense PyTorch path: pass engine="torch"'):
        fit_fast(DotProduct(world.n_users, world.n_items, 2, y_range=(0.0, 5.5)), triple, epochs=1,
                 bias_weight_decay=0.0, engine="numba")  # fmt: skip

"""Tests for cfcourse/models.py: forward passes against hand-written formulas."""

import pytest
import torch

from cfcourse.models import DotProduct, DotProductBias, sigmoid_range

USERS = torch.tensor([0, 2, 1, 2])
ITEMS = torch.tensor([3, 0, 3, 1])


def test_sigmoid_range_formula_and_bounds():
    x = torch.tensor([-1000.0, -1.0, 0.0, 2.0, 1000.0])
    out = sigmoid_range(x, 1.0, 5.0)
    assert torch.allclose(out, 1.0 + 4.0 / (1.0 + torch.exp(-x)))
    assert out[2] == 3.0 and out.min() >= 1.0 and out.max() <= 5.0


def test_dot_product_is_rowwise_dot_of_the_weights():
    model = DotProduct(3, 4, 5)
    w_u, w_i = model.user_factors.weight, model.item_factors.weight
    expected = torch.stack([w_u[u] @ w_i[i] for u, i in zip(USERS.tolist(), ITEMS.tolist())])
    torch.testing.assert_close(model(USERS, ITEMS), expected)


def test_dot_product_with_range_squeezes_the_dot():
    model = DotProduct(3, 4, 5, y_range=(0.0, 5.5))
    dot = (model.user_factors.weight[USERS] * model.item_factors.weight[ITEMS]).sum(1)
    torch.testing.assert_close(model(USERS, ITEMS), 5.5 * torch.sigmoid(dot))


def test_dot_product_bias_matches_the_formula():
    model = DotProductBias(3, 4, 5, y_range=(0.5, 5.0))
    with torch.no_grad():
        model.user_bias.weight.normal_(generator=torch.Generator().manual_seed(1))
        model.item_bias.weight.normal_(generator=torch.Generator().manual_seed(2))
    w_u, w_i = model.user_factors.weight, model.item_factors.weight
    b_u, b_i = model.user_bias.weight[:, 0], model.item_bias.weight[:, 0]
    expected = torch.stack(
        [
            0.5 + 4.5 * torch.sigmoid(w_u[u] @ w_i[i] + b_u[u] + b_i[i])
            for u, i in zip(USERS.tolist(), ITEMS.tolist())
        ]
    )
    torch.testing.assert_close(model(USERS, ITEMS), expected)
    assert model(USERS, ITEMS).shape == (4,)


@pytest.mark.parametrize("y_range", [(0.0, 5.5), (0.5, 5.0), (-1.0, 1.0)])
@pytest.mark.parametrize("cls", [DotProduct, DotProductBias])
@pytest.mark.parametrize("value", [-1e4, 1e4])
def test_predictions_stay_inside_y_range_for_extreme_weights(cls, y_range, value):
    model = cls(3, 4, 5, y_range=y_range)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(value)
    out = model(USERS, ITEMS)
    assert torch.isfinite(out).all()
    assert (out >= y_range[0]).all() and (out <= y_range[1]).all()


def test_parameter_names_and_shapes():
    model = DotProductBias(3, 4, 5)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {
        "user_factors.weight": (3, 5),
        "item_factors.weight": (4, 5),
        "user_bias.weight": (3, 1),
        "item_bias.weight": (4, 1),
    }
    assert {n for n, _ in DotProduct(3, 4, 5).named_parameters()} == {"user_factors.weight", "item_factors.weight"}


def test_init_is_seeded_small_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b, c = DotProductBias(500, 400, 20), DotProductBias(500, 400, 20), DotProductBias(500, 400, 20, seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(a.user_factors.weight, b.user_factors.weight)
    assert not torch.equal(a.user_factors.weight, c.user_factors.weight)
    assert a.item_factors.weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert (a.user_bias.weight == 0).all() and (a.item_bias.weight == 0).all()
    assert DotProductBias(3, 4, 5).y_range == (0.0, 5.5) and DotProduct(3, 4, 5).y_range is None


@pytest.mark.parametrize(
    "user_idx, item_idx, error, match",
    [
        ([0, 7, 9], [0, 1, 2], ValueError, r"user_idx must be ids in 0\.\.2 .*\[7, 9\]"),
        ([0, -1], [0, 1], ValueError, r"user_idx must be ids in 0\.\.2 .*\[-1\]"),
        ([0, 1], [4, 1], ValueError, r"item_idx must be ids in 0\.\.3 .*\[4\]"),
        ([0, 1, 2], [0, 1], ValueError, "same length"),
        ([], [], ValueError, "Empty batch"),
        ([0.0, 1.0], [0, 1], TypeError, "integer"),
        ([[0, 1]], [[0, 1]], ValueError, "1-D"),
    ],
)
@pytest.mark.parametrize("cls", [DotProduct, DotProductBias])
def test_bad_indices_raise_clear_errors(cls, user_idx, item_idx, error, match):
    model = cls(3, 4, 2)
    user_idx = torch.tensor(user_idx, dtype=torch.float32 if error is TypeError else torch.long)
    with pytest.raises(error, match=match):
        model(user_idx, torch.tensor(item_idx, dtype=torch.long))


@pytest.mark.parametrize("y_range", [(5.0, 0.5), (1.0, 1.0), (1.0,), "ab"])
def test_bad_y_range_raises(y_range):
    with pytest.raises(ValueError, match="y_range"):
        DotProductBias(3, 4, 2, y_range=y_range)
    with pytest.raises(ValueError, match="y_range"):
        sigmoid_range(torch.zeros(2), *(tuple(y_range) * 2)[:2]) if len(y_range) == 2 else sigmoid_range(
            torch.zeros(2), 1.0, 1.0
        )


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="n_factors must be a positive integer"):
        DotProduct(3, 4, 0)

"""Tests for cfcourse/gradients.py: hand gradients against finite differences and torch autograd."""

import warnings

import numpy as np
import pytest
import torch

from cfcourse.gradients import (
    DescentResult,
    bias_gradients,
    dot_gradients,
    gradient_descent,
    numerical_gradient,
    sigmoid,
    sigmoid_gradients,
    sigmoid_range,
    sigmoid_range_derivative,
)

Y_RANGE = (0.0, 5.5)


def random_problem(seed, n_users=4, n_items=5, n_factors=3):
    """Random parameters and a random masked 1-5 star table (float64)."""
    rng = np.random.default_rng(seed)
    params = {
        "user_factors": rng.normal(0, 0.5, (n_users, n_factors)),
        "item_factors": rng.normal(0, 0.5, (n_items, n_factors)),
        "user_bias": rng.normal(0, 0.5, n_users),
        "item_bias": rng.normal(0, 0.5, n_items),
    }
    mask = rng.random((n_users, n_items)) < 0.6
    mask[0, 0] = True
    ratings = np.where(mask, rng.integers(1, 6, (n_users, n_items)), 0).astype(float)
    return params, ratings, mask


def torch_loss(model, params, ratings, mask, y_range=Y_RANGE):
    """The same three models written directly in torch: the autograd reference."""
    scores = params["user_factors"] @ params["item_factors"].T
    if model == "bias":
        scores = scores + params["user_bias"][:, None] + params["item_bias"][None, :]
    low, high = y_range
    predictions = scores if model == "dot" else low + (high - low) * torch.sigmoid(scores)
    mask = torch.tensor(mask, dtype=torch.float64)
    return (mask * (predictions - torch.tensor(ratings)) ** 2).sum() / mask.sum()


# model -> (hand-gradient function, names of the parameters it takes, in order)
MODELS = {
    "dot": (dot_gradients, ["user_factors", "item_factors"]),
    "sigmoid": (sigmoid_gradients, ["user_factors", "item_factors"]),
    "bias": (bias_gradients, ["user_factors", "item_factors", "user_bias", "item_bias"]),
}


def hand(model, params, ratings, mask):
    function, names = MODELS[model]
    return function(*[params[name] for name in names], ratings, mask)


CASES = [(seed, shape) for seed in (0, 1, 2) for shape in [(4, 5, 3), (1, 3, 2), (6, 2, 1)]]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed, shape", CASES)
def test_hand_gradients_equal_finite_differences(model, seed, shape):
    params, ratings, mask = random_problem(seed, *shape)
    _, *grads = hand(model, params, ratings, mask)
    for name, grad in zip(MODELS[model][1], grads):

        def loss_of(value, name=name):
            return hand(model, {**params, name: value}, ratings, mask)[0]

        np.testing.assert_allclose(grad, numerical_gradient(loss_of, params[name]), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed, shape", CASES)
def test_hand_gradients_equal_torch_autograd(model, seed, shape):
    params, ratings, mask = random_problem(seed, *shape)
    loss, *grads = hand(model, params, ratings, mask)
    tensors = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    reference = torch_loss(model, tensors, ratings, mask)
    reference.backward()
    assert loss == pytest.approx(reference.item(), rel=1e-12)
    for name, grad in zip(MODELS[model][1], grads):
        assert grad.shape == params[name].shape
        np.testing.assert_allclose(grad, tensors[name].grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("model", MODELS)
def test_masked_entries_contribute_nothing(model):
    params, ratings, mask = random_problem(3)
    loss, *grads = hand(model, params, ratings, mask)
    for junk in (99.0, -7.0, np.nan):
        new_loss, *new_grads = hand(model, params, np.where(mask, ratings, junk), mask)
        assert new_loss == loss
        for grad, new_grad in zip(grads, new_grads):
            np.testing.assert_array_equal(new_grad, grad)


def test_hand_gradient_functions_validate_their_input():
    params, ratings, mask = random_problem(0)
    with pytest.raises(ValueError, match=r"ratings has shape \(5, 4\) but the factors give a \(4, 5\) table"):
        dot_gradients(params["user_factors"], params["item_factors"], ratings.T, mask.T)
    with pytest.raises(ValueError, match="same number of factors"):
        dot_gradients(params["user_factors"], params["item_factors"][:, :2], ratings, mask)
    with pytest.raises(ValueError, match="no observed entry"):
        sigmoid_gradients(params["user_factors"], params["item_factors"], ratings, np.zeros_like(mask))
    with pytest.raises(ValueError, match=r"low < high"):
        sigmoid_gradients(params["user_factors"], params["item_factors"], ratings, mask, y_range=(5, 0))
    with pytest.raises(ValueError, match=r"item_bias must have shape \(5,\)"):
        bias_gradients(*[params[n] for n in MODELS["bias"][1][:3]], np.zeros(4), ratings, mask)


def test_sigmoid_matches_the_formula_and_never_overflows():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-300)
    assert sigmoid(0.0) == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        assert sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    np.testing.assert_allclose(sigmoid_range(x, 1.0, 5.0), 1 + 4 * sigmoid(x))


def test_sigmoid_range_matches_torch():
    x = np.linspace(-6, 6, 25)
    expected = 0.5 + 4.5 * torch.sigmoid(torch.tensor(x)).numpy()
    np.testing.assert_allclose(sigmoid_range(x, 0.5, 5.0), expected, rtol=1e-12)



@pytest.mark.parametrize("low, high", [(0.0, 5.5), (0.0, 5.0), (1.0, 5.0), (-1.0, 1.0)])
def test_sigmoid_range_derivative_equals_finite_differences_and_autograd(low, high):
    x = np.linspace(-8, 8, 33)
    slope = sigmoid_range_derivative(x, low, high)
    eps = 1e-6
    finite = (sigmoid_range(x + eps, low, high) - sigmoid_range(x - eps, low, high)) / (2 * eps)
    np.testing.assert_allclose(slope, finite, rtol=1e-6, atol=1e-9)
    xt = torch.tensor(x, requires_grad=True)
    (low + (high - low) * torch.sigmoid(xt)).sum().backward()
    np.testing.assert_allclose(slope, xt.grad.numpy(), rtol=1e-12)
    assert sigmoid_range_derivative(0.0, low, high) == pytest.approx((high - low) / 4)


def test_sigmoid_range_derivative_vanishes_far_out_and_checks_the_range():
    assert sigmoid_range_derivative(40.0, 0.0, 5.0) < 1e-15
    with pytest.raises(ValueError, match="low < high"):
        sigmoid_range_derivative(0.0, 5.0, 0.0)


def test_numerical_gradient_of_known_function_and_leaves_x_unchanged():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda v: (v**3).sum(), x)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-6)
    assert grad.shape == x.shape
    np.testing.assert_array_equal(x, before)


def planted_problem(seed=0, n_users=8, n_items=10, n_factors=2, density=0.7):
    """A noise-free rank-2 table with 70% of the cells observed."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n_users, n_factors)) @ rng.normal(size=(n_items, n_factors)).T
    mask = rng.random((n_users, n_items)) < density
    return scores, mask


@pytest.mark.parametrize(
    "model, lr",
    [("dot", 3.0), ("sigmoid", 3.0), ("bias", 1.0)],
)
def test_gradient_descent_recovers_a_planted_table(model, lr):
    scores, mask = planted_problem()
    ratings = scores if model == "dot" else sigmoid_range(scores, *Y_RANGE)
    result = gradient_descent(ratings, mask, n_factors=2, lr=lr, steps=600, seed=1, model=model)
    assert isinstance(result, DescentResult)
    assert result.losses.shape == (601,)
    assert result.losses[-1] < result.losses[0]
    assert np.all(np.diff(result.losses) <= 1e-12)  # full-batch descent with a small lr never goes up
    assert result.losses[-1] < 1e-3
    # the result's parameters really give that loss
    params = [result.user_factors, result.item_factors]
    if model == "bias":
        params += [result.user_bias, result.item_bias]
    assert MODELS[model][0](*params, ratings, mask)[0] == pytest.approx(result.losses[-1])


@pytest.mark.parametrize("model", ["sigmoid", "bias"])
def test_sigmoid_models_predict_inside_y_range(model):
    scores, mask = planted_problem(seed=2)
    ratings = np.where(mask, np.clip(np.round(scores + 3), 1, 5), 0)
    result = gradient_descent(ratings, mask, 2, lr=1.0, steps=200, seed=0, model=model, y_range=(0.5, 5.5))
    assert result.predictions.min() > 0.5 and result.predictions.max() < 5.5


def test_gradient_descent_records_snapshots_and_is_reproducible():
    scores, mask = planted_problem(seed=3)
    result = gradient_descent(scores, mask, 2, lr=1.0, steps=25, seed=4, record_every=10)
    assert list(result.snapshots) == [0, 10, 20, 25]
    assert all(table.shape == scores.shape for table in result.snapshots.values())
    np.testing.assert_allclose(result.snapshots[25], result.predictions)
    np.testing.assert_allclose(result.snapshots[25], result.user_factors @ result.item_factors.T)
    assert result.user_bias is None and result.item_bias is None
    again = gradient_descent(scores, mask, 2, lr=1.0, steps=25, seed=4)
    np.testing.assert_array_equal(again.losses, result.losses)
    assert again.snapshots == {}


def test_gradient_descent_errors():
    scores, mask = planted_problem()
    with pytest.raises(ValueError, match=r"model must be one of \['dot', 'sigmoid', 'bias'\]; got 'biases'"):
        gradient_descent(scores, mask, 2, lr=1.0, steps=5, seed=0, model="biases")
    with pytest.raises(ValueError, match="lr > 0"):
        gradient_descent(scores, mask, 2, lr=0.0, steps=5, seed=0)
    with pytest.raises(ValueError, match="lr=100 is too large; try lr=10"), np.errstate(all="ignore"):
        gradient_descent(scores, mask, 2, lr=100, steps=100, seed=0)


def test_x_needed_undoes_sigmoid_range():
    from cfcourse.gradients import sigmoid_range, x_needed

    y = np.array([0.5, 2.75, 4.99, 5.0])
    x = x_needed(y, 0.0, 5.5)
    assert np.allclose(sigmoid_range(x, 0.0, 5.5), y)  # the property: a round trip
    assert x[1] == 0.0 and np.all(np.diff(x) > 0)  # the middle needs no score; higher ratings need more
    with pytest.raises(ValueError, match="strictly inside"):
        x_needed(np.array([3.0, 5.5]), 0.0, 5.5)

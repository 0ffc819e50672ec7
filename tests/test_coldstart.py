"""Tests for cfcourse/coldstart.py: onboarding orders, simulated answers, ridge, genre means."""

import numpy as np
import pandas as pd
import pytest

from cfcourse.coldstart import (
    genre_mean_baseline,
    movie_features,
    onboarding_answers,
    onboarding_order,
    ridge_regression,
)
from cfcourse.data import genre_matrix

# movie 1: 4 ratings, all 3 (no spread); movie 2: 3 ratings, 1 and 5 (split opinions); movie 3: 1 rating
TRAIN = pd.DataFrame({
    "userId": [1, 2, 3, 4, 1, 2, 3, 1],
    "movieId": [1, 1, 1, 1, 2, 2, 2, 3],
    "rating": [3.0, 3.0, 3.0, 3.0, 1.0, 5.0, 5.0, 4.0],
})  # fmt: skip


def test_onboarding_orders():
    assert onboarding_order(TRAIN, "popular").tolist() == [1, 2, 3]
    assert onboarding_order(TRAIN, "informative").tolist() == [2, 1, 3]  # no spread scores 0: ties by id
    random = onboarding_order(TRAIN, "random", seed=3)
    assert sorted(random.tolist()) == [1, 2, 3]
    np.testing.assert_array_equal(random, onboarding_order(TRAIN, "random", seed=3))
    with pytest.raises(ValueError, match="strategy must be one of"):
        onboarding_order(TRAIN, "smart")


def test_onboarding_answers_skip_unseen_movies_and_keep_the_asking_order():
    user = pd.DataFrame({"movieId": [5, 9, 7, 3], "rating": [1.0, 2.0, 3.0, 4.0]})
    order = np.array([7, 8, 3, 6, 5])  # 8 and 6 are not rated by the user; 9 is never asked
    assert onboarding_answers(user, order, 2)["movieId"].tolist() == [7, 3]
    assert onboarding_answers(user, order, 10)["movieId"].tolist() == [7, 3, 5]
    with pytest.raises(ValueError, match="positive integer"):
        onboarding_answers(user, order, 0)


def test_ridge_recovers_a_linear_map_and_shrinks_with_alpha():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    W, b = np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]]), np.array([0.3, -1.0])
    Y = X @ W + b
    coef, intercept = ridge_regression(X, Y, alpha=0.0)
    np.testing.assert_allclose(coef, W, atol=1e-10)
    np.testing.assert_allclose(intercept, b, atol=1e-10)
    norms = [np.linalg.norm(ridge_regression(X, Y, alpha=a)[0]) for a in (0.0, 10.0, 1000.0)]
    assert norms[0] > norms[1] > norms[2]
    # the gradient of the penalised objective is zero at the solution
    coef, intercept = ridge_regression(X, Y[:, 0], alpha=5.0)
    residual = Y[:, 0] - X @ coef - intercept
    np.testing.assert_allclose(-2 * X.T @ residual + 2 * 5.0 * coef, 0, atol=1e-9)
    with pytest.raises(ValueError, match="same"):
        ridge_regression(X, Y[:5])


def test_movie_features_one_hot_genres_and_scaled_year():
    movies = pd.DataFrame({
        "movieId": [1, 2, 3],
        "genres": [["Comedy"], ["Action", "Comedy"], []],
        "year": pd.array([2005, 1995, None], dtype="Int16"),
    })  # fmt: skip
    features = movie_features(movies)
    assert features.columns.tolist() == ["Action", "Comedy", "year", "no year"]
    np.testing.assert_allclose(features.to_numpy(), [[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match="load_movies"):
        movie_features(movies.drop(columns="year"))


def test_genre_mean_baseline_by_hand():
    movies = pd.DataFrame({"movieId": [1, 2, 3, 4], "genres": [["Drama"], ["Comedy"], ["Drama", "Comedy"], []]})
    genres = genre_matrix(movies)
    train = pd.DataFrame({"movieId": [1, 1, 2], "rating": [4.0, 5.0, 2.0]})
    # Drama mean 4.5, Comedy mean 2.0; movie 3 averages both; movie 4 has no genre: global mean 11/3
    np.testing.assert_allclose(genre_mean_baseline(train, genres, [3, 1, 4]), [3.25, 4.5, 11 / 3])
    with pytest.raises(KeyError, match="not in genres"):
        genre_mean_baseline(train, genres, [42])


def test_average_user_prior_is_the_mean_user_and_noise_over_spread():
    from cfcourse.coldstart import average_user_prior

    factors = np.array([[1.0, 0.0], [3.0, 0.0], [2.0, 0.3]])
    bias = np.array([0.5, -0.5, 0.0])
    centre, strengths = average_user_prior(factors, bias, noise=0.8)
    assert np.allclose(centre, [2.0, 0.1, 0.0])
    population = np.column_stack([factors, bias])
    assert np.allclose(strengths, 0.8 / population.var(axis=0))
    assert strengths[1] > strengths[0]  # users differ little on factor 2: it pulls harder

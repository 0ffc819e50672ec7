"""Tests for cfcourse/explain.py: the linear fold-in and its exact decomposition."""

import numpy as np
import pandas as pd
import pytest

from cfcourse.coldstart import FoldedUser
from cfcourse.errors import ColdStartError, RatingsError
from cfcourse.explain import BASE_TERMS, explain, fold_in_linear, reasons
from cfcourse.factorization import MatrixFactorization
from cfcourse.gradients import sigmoid_range
from cfcourse.toy import make_toy_world

SMALL = dict(n_factors=3, epochs=20, lr=0.05, batch_size=128, weight_decay=0.01, bias_weight_decay=0.001)
MINE = {0: 5.0, 3: 1.0, 7: 4.5, 12: 2.0}


@pytest.fixture(scope="module")
def mf():
    return MatrixFactorization(**SMALL).fit(make_toy_world(60, 40, density=0.5, noise=0.1, seed=0).ratings)


def terms(table):
    return table.drop(columns=["score", "predicted"])


def test_the_terms_sum_exactly_to_the_score_and_the_score_is_the_folded_users(mf):
    targets = mf.item_ids_[[1, 2, 5, 20, 39]]
    table = explain(mf, MINE, targets)
    assert list(table.columns) == [*BASE_TERMS, *MINE, "score", "predicted"]
    np.testing.assert_allclose(terms(table).sum(axis=1), table["score"], rtol=0, atol=1e-12)
    user = fold_in_linear(mf, MINE)
    idx = mf.item_index_.get_indexer(targets)
    logit = mf.item_factors_[idx] @ user.user_factors + user.user_bias + mf.item_bias_[idx]
    np.testing.assert_allclose(table["score"], logit, atol=1e-10)  # the same user as fold_in_linear's
    np.testing.assert_allclose(table["predicted"], mf.predict_user(user, targets), atol=1e-10)
    np.testing.assert_allclose(table["predicted"], np.clip(sigmoid_range(logit, *mf.y_range_), *mf.scale))


def test_the_user_vector_is_the_average_user_plus_one_piece_per_rating(mf):
    # a rating equal to what the average user is predicted to give contributes nothing;
    # with no surprise at all the folded user is the average user, with the average bias
    trained = np.hstack([mf.user_factors_, mf.user_bias_[:, None]])
    centre = trained.mean(axis=0)
    idx = mf.item_index_.get_indexer(list(MINE))
    expected = sigmoid_range(mf.item_factors_[idx] @ centre[:-1] + centre[-1] + mf.item_bias_[idx], *mf.y_range_)
    unsurprising = dict(zip(MINE, expected.tolist()))
    user = fold_in_linear(mf, unsurprising)
    np.testing.assert_allclose(user.vector, centre, atol=1e-9)
    table = explain(mf, unsurprising, mf.item_ids_[:4])
    np.testing.assert_allclose(table[[*MINE, "your bias"]].to_numpy(), 0.0, atol=1e-9)


def test_your_bias_is_the_folded_users_bias_above_the_average_users(mf):
    user = fold_in_linear(mf, MINE)
    table = explain(mf, MINE, mf.item_ids_[:3])
    assert table["your bias"].nunique() == 1  # the same for every movie
    assert table["your bias"].iloc[0] == pytest.approx(user.user_bias - mf.user_bias_.mean())
    generous = explain(mf, {m: 5.0 for m in MINE}, mf.item_ids_[:3])
    harsh = explain(mf, {m: 1.0 for m in MINE}, mf.item_ids_[:3])
    assert generous["your bias"].iloc[0] > 0 > harsh["your bias"].iloc[0]


def test_a_higher_rating_raises_the_movie_itself_and_leaves_the_base_alone(mf):
    # d x_0 / d surprise_0 = q_0 . (Q^T Q + Lambda)^-1 q_0 > 0
    low, high = explain(mf, {**MINE, 0: 1.0}, [0]), explain(mf, {**MINE, 0: 5.0}, [0])
    assert high.loc[0, "score"] > low.loc[0, "score"]
    assert high.loc[0, 0] + high.loc[0, "your bias"] > low.loc[0, 0] + low.loc[0, "your bias"]
    pd.testing.assert_series_equal(high.loc[0, list(BASE_TERMS[:2])], low.loc[0, list(BASE_TERMS[:2])])


def test_a_frame_and_a_dict_give_the_same_user(mf):
    frame = pd.DataFrame({"movieId": list(MINE), "rating": list(MINE.values())})
    a, b = fold_in_linear(mf, MINE), fold_in_linear(mf, frame)
    assert isinstance(a, FoldedUser) and np.allclose(a.vector, b.vector)
    assert a.item_ids.tolist() == list(MINE)


def test_close_to_the_gauss_newton_fold_in(mf):
    frame = pd.DataFrame({"movieId": list(MINE), "rating": list(MINE.values())})
    linear, exact = fold_in_linear(mf, MINE), mf.fold_in(frame)
    ids = mf.item_ids_
    a, b = mf.predict_user(linear, ids), mf.predict_user(exact, ids)
    assert np.corrcoef(a, b)[0, 1] > 0.95 and np.abs(a - b).mean() < 0.2  # same problem, logit vs star residuals


@pytest.mark.parametrize("ratings, error, match", [
    ({0: 7.0}, RatingsError, "outside the scale"),
    ({999: 4.0}, ColdStartError, "never seen in training"),
    ([4.0], TypeError, "dict"),
])  # fmt: skip
def test_bad_ratings_are_explained(mf, ratings, error, match):
    with pytest.raises(error, match=match):
        explain(mf, ratings, [1])


def test_unknown_target_movie(mf):
    with pytest.raises(ColdStartError, match="nothing to explain"):
        explain(mf, MINE, [999])


def test_reasons_name_the_biggest_positive_terms():
    table = pd.DataFrame({"movie bias": [0.1, 0.3], "average user": [0.2, 0.2], "your bias": [0.9, 0.9],
                          10: [0.5, -0.1], 20: [0.2, -0.2],
                          30: [-0.1, -0.3]}, index=pd.Index([1, 2], name="movieId"))  # fmt: skip
    table["score"] = table.sum(axis=1)
    table["predicted"] = 0.0
    words = reasons(table, {10: 5.0, 20: 4.5, 30: 1.0}, {10: "Alien", 20: "Heat", 30: "Cats"}, n=3)
    loved_cats = table.copy()
    loved_cats[30] = [0.9, -0.3]
    one = reasons(loved_cats, {10: 5.0, 20: 4.5, 30: 1.0}, {10: "Alien", 20: "Heat", 30: "Cats"}, n=1)
    assert one[1] == "because you rated Cats 1 star (+0.900)"
    assert words[1] == "because you rated Alien 5 stars (+0.500) and Heat 4.5 stars (+0.200)"
    assert words[2].startswith("mostly its movie bias")
    assert reasons(table, {10: 5.0, 20: 4.5, 30: 1.0}, {10: "Alien", 20: "Heat", 30: "Cats"}, n=1)[1] == \
        "because you rated Alien 5 stars (+0.500)"

"""Tests for cfcourse/factorization.py: the scikit-learn-shaped MatrixFactorization."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import cfcourse
from cfcourse.baselines import baseline_biases
from cfcourse.coldstart import fold_in_user
from cfcourse.errors import DivergenceWarning
from cfcourse.factorization import (
    ColdStartError,
    ColdStartWarning,
    FoldedUser,
    MatrixFactorization,
    NotFittedError,
)
from cfcourse.ratings import RatingsError, UnknownIdError
from cfcourse.toy import make_toy_world

# Small hyper-parameters for toy worlds: a few factors, enough epochs to learn, well under a second.
SMALL = dict(n_factors=3, epochs=20, lr=0.05, batch_size=128, weight_decay=0.01, bias_weight_decay=0.001)


@pytest.fixture(scope="module")
def world():
    return make_toy_world(60, 40, density=0.5, noise=0.1, seed=0)


@pytest.fixture(scope="module")
def fitted(world):
    return MatrixFactorization(**SMALL).fit(world.ratings)


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


# ------------------------------------------------------------------ contract
def test_init_only_stores_arguments():
    mf = MatrixFactorization(n_factors=-3, unknown="whatever", y_range="nonsense")
    assert mf.n_factors == -3 and mf.unknown == "whatever" and mf.y_range == "nonsense"
    assert not [name for name in vars(mf) if name.endswith("_")]
    assert mf.get_params()["n_factors"] == -3


def test_get_and_set_params_round_trip():
    mf = MatrixFactorization(epochs=2)
    assert MatrixFactorization(**mf.get_params()).get_params() == mf.get_params()
    assert mf.set_params(lr=0.5) is mf and mf.lr == 0.5
    assert repr(mf) == "MatrixFactorization(epochs=2, lr=0.5)"
    with pytest.raises(ValueError, match="not a parameter"):
        mf.set_params(learning_rate=0.1)


def test_fit_returns_self_and_sets_learned_attributes(world):
    mf = MatrixFactorization(**SMALL)
    assert mf.fit(world.ratings) is mf
    n_users, n_items = world.ratings["userId"].nunique(), world.ratings["movieId"].nunique()
    assert mf.n_users_ == n_users and mf.n_items_ == n_items
    np.testing.assert_array_equal(mf.user_ids_, np.sort(world.ratings["userId"].unique()))
    assert list(mf.item_index_) == list(mf.item_ids_)
    assert mf.model_.user_factors.weight.shape == (n_users, 3)
    assert mf.global_mean_ == pytest.approx(world.ratings["rating"].mean())
    assert len(mf.history_.epoch) == 20 and mf.history_.train_rmse[-1] < mf.history_.train_rmse[0]
    assert mf.baseline_user_bias_.shape == (n_users,) and mf.baseline_item_bias_.shape == (n_items,)


@pytest.mark.parametrize(
    "method, args",
    [
        ("predict", (pd.DataFrame({"userId": [0], "movieId": [0]}),)),
        ("recommend", (0,)),
        ("similar_items", (0,)),
        ("fold_in", (pd.DataFrame({"movieId": [0], "rating": [4.0]}),)),
    ],
)
def test_methods_before_fit_raise_not_fitted(method, args):
    with pytest.raises(NotFittedError, match=rf"not fitted yet.*{method}\(\).*fit\(ratings\)"):
        getattr(MatrixFactorization(), method)(*args)


def test_not_fitted_error_is_a_value_and_attribute_error():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_lazy_export_does_not_import_torch_with_the_package():
    code = "import sys, cfcourse; assert 'torch' not in sys.modules; cfcourse.MatrixFactorization; assert 'torch' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert cfcourse.MatrixFactorization is MatrixFactorization
    assert "MatrixFactorization" in dir(cfcourse)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        cfcourse.Nope


# --------------------------------------------------------------- predictions
def test_predict_is_aligned_with_rows_and_within_the_scale(world, fitted):
    frame = world.ratings.sample(frac=1.0, random_state=1)  # shuffled rows, shuffled index
    pred = fitted.predict(frame)
    assert pred.shape == (len(frame),) and pred.dtype == np.float64
    assert pred.min() >= 0.5 and pred.max() <= 5.0
    u, i = fitted.user_index_.get_indexer(frame["userId"]), fitted.item_index_.get_indexer(frame["movieId"])
    expected = np.clip(fitted.model_(torch.tensor(u), torch.tensor(i)).detach().double().numpy(), 0.5, 5.0)
    np.testing.assert_allclose(pred, expected, rtol=1e-6)
    assert rmse(pred, frame["rating"]) < 0.5 * rmse(fitted.global_mean_, frame["rating"])


def test_predict_ignores_extra_columns_and_allows_repeated_pairs(fitted):
    frame = pd.DataFrame({"userId": [3, 3], "movieId": [5, 5], "other": ["a", "b"]})
    pred = fitted.predict(frame)
    assert pred[0] == pred[1]


def test_public_weights_are_float64_copies_of_the_model(fitted):
    model = fitted.model_
    for name, expected in [
        ("user_factors_", model.user_factors.weight), ("item_factors_", model.item_factors.weight),
        ("user_bias_", model.user_bias.weight[:, 0]), ("item_bias_", model.item_bias.weight[:, 0]),
    ]:  # fmt: skip
        weights = getattr(fitted, name)
        assert weights.dtype == np.float64
        np.testing.assert_array_equal(weights, expected.detach().double().numpy())
        weights += 1.0  # a copy: the model is untouched
        np.testing.assert_array_equal(getattr(fitted, name), expected.detach().double().numpy())
    assert fitted.user_factors_.shape == (fitted.n_users_, 3) and fitted.item_bias_.shape == (fitted.n_items_,)
    with pytest.raises(NotFittedError, match="user_factors"):
        MatrixFactorization().user_factors_


def test_y_range_is_derived_from_the_scale(fitted):
    assert MatrixFactorization().y_range is None and fitted.y_range_ == (0.0, 5.5)
    assert fitted.model_.y_range == (0.0, 5.5)


def test_a_one_to_ten_world_is_learned_on_its_own_scale():
    world = make_toy_world(60, 40, density=0.5, noise=0.1, y_range=(0.5, 5.0), round_to=None, seed=2)
    ratings = world.ratings.assign(rating=1.0 + (world.ratings["rating"] - 0.5) * 2)  # [0.5, 5] -> [1, 10]
    with pytest.raises(RatingsError, match="outside the scale"):
        MatrixFactorization(**SMALL).fit(ratings)
    mf = MatrixFactorization(**SMALL, scale=(1.0, 10.0)).fit(ratings)
    assert mf.y_range_ == pytest.approx((0.0, 11.0))
    pred = mf.predict(ratings)
    assert pred.min() >= 1.0 and pred.max() <= 10.0 and pred.max() > 5.5
    assert rmse(pred, ratings["rating"]) < 0.5 * rmse(ratings["rating"].mean(), ratings["rating"])
    with pytest.warns(ColdStartWarning):
        fallback = mf.predict(pd.DataFrame({"userId": [-1], "movieId": [-1]}))
    assert 1.0 <= fallback[0] <= 10.0


# --- issue 11 item 5: non-finite hyperparameters never train a NaN model silently
@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(init_std=float("nan")), ValueError, "init_std must be a finite number"),
        (dict(weight_decay=float("nan")), ValueError, "weight_decay must be a finite number"),
        (dict(bias_weight_decay=float("nan")), ValueError, "bias_weight_decay must be a finite number"),
        (dict(lr=float("inf")), ValueError, "lr must be a finite number"),
        (dict(lr=-0.1), ValueError, "lr must be a number > 0"),
        (dict(random_state=None), TypeError, "random_state must be a non-negative integer, got None"),
        (dict(scale=(5.0, 1.0)), ValueError, "scale needs low < high"),
        (dict(y_range=(0.0, float("inf"))), ValueError, "y_range must be finite"),
        (dict(engine="gpu"), ValueError, r"engine must be one of \('torch', 'numba'\), got 'gpu'"),
    ],
)
def test_fit_rejects_non_finite_hyperparameters(params, error, match):
    mf = MatrixFactorization(**{**SMALL, **params})
    with pytest.raises(error, match=match):
        mf.fit(GOOD)
    assert not hasattr(mf, "model_")


def test_a_huge_learning_rate_warns_instead_of_saturating_silently(world):
    with pytest.warns(DivergenceWarning, match="training diverged"):
        MatrixFactorization(**{**SMALL, "lr": 1e6, "epochs": 3}).fit(world.ratings)


# --- issue 11 item 8: API messages
def test_one_id_at_a_time_is_explained(fitted):
    with pytest.raises(TypeError, match=r"recommend\(\) takes one userId or FoldedUser .*got list \[1\]"):
        fitted.recommend([1])
    with pytest.raises(TypeError, match=r"similar_items\(\) takes one movieId .*got list \[10\]"):
        fitted.similar_items([10])


def test_an_id_of_the_wrong_type_says_so(fitted):
    with pytest.warns(ColdStartWarning, match=r"unknown userId \(1; '1' is a str, the training userIds are integers\)"):
        fitted.recommend("1")


def test_predict_on_an_empty_frame_returns_an_empty_array(fitted):
    out = fitted.predict(pd.DataFrame({"userId": pd.Series([], dtype=int), "movieId": pd.Series([], dtype=int)}))
    assert out.shape == (0,) and out.dtype == np.float64


def test_same_random_state_same_model_and_different_seed_differs(world, fitted):
    again = MatrixFactorization(**SMALL).fit(world.ratings)
    np.testing.assert_array_equal(again.predict(world.ratings), fitted.predict(world.ratings))
    other = MatrixFactorization(**SMALL, random_state=1).fit(world.ratings)
    assert not np.array_equal(other.predict(world.ratings), fitted.predict(world.ratings))


def test_the_numba_engine_learns_the_same_model(world, fitted):
    pytest.importorskip("numba")  # tests/test_fast_train.py fails in CI without it
    compiled = MatrixFactorization(**SMALL, engine="numba").fit(world.ratings)
    assert repr(compiled) == "MatrixFactorization(n_factors=3, epochs=20, lr=0.05, batch_size=128, weight_decay=0.01, " \
        "bias_weight_decay=0.001, engine='numba')"  # fmt: skip
    np.testing.assert_allclose(compiled.predict(world.ratings), fitted.predict(world.ratings), atol=1e-3)
    assert compiled.recommend(0, n=5)["movieId"].tolist() == fitted.recommend(0, n=5)["movieId"].tolist()


# ---------------------------------------------------------------- cold start
def test_cold_start_fallback_values_and_one_warning_with_the_count(fitted):
    frame = pd.DataFrame({"userId": [0, 999, 0, 999, 998], "movieId": [1, 1, 777, 777, 2]})
    with pytest.warns(ColdStartWarning, match=r"^4 row\(s\) .*2 unknown userId \(999, 998\).*1 unknown movieId \(777\)") as record:
        pred = fitted.predict(frame)
    assert len(record) == 1
    u0, i1, i2 = fitted.user_index_.get_loc(0), fitted.item_index_.get_loc(1), fitted.item_index_.get_loc(2)
    mean = fitted.global_mean_
    expected = [
        fitted.predict(frame.iloc[:1])[0],  # both known: the model
        mean + fitted.baseline_item_bias_[i1],  # unknown user, known movie
        mean + fitted.baseline_user_bias_[u0],  # known user, unknown movie
        mean,  # both unknown
        mean + fitted.baseline_item_bias_[i2],
    ]
    np.testing.assert_allclose(pred, np.clip(expected, 0.5, 5.0))


def test_no_warning_when_every_id_is_known(world, fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.predict(world.ratings.head(5))


def test_cold_start_error_mode_names_the_ids(fitted):
    frame = pd.DataFrame({"userId": [0, 999], "movieId": [1, 777]})
    with pytest.raises(ColdStartError, match=r"userId \(999\).*movieId \(777\)"):
        fitted.predict(frame, unknown="error")
    assert issubclass(ColdStartError, UnknownIdError)
    with pytest.raises(ColdStartError, match="999"):
        MatrixFactorization(**fitted.get_params()).set_params(unknown="error").fit(
            pd.DataFrame({"userId": [0, 1], "movieId": [0, 1], "rating": [3.0, 4.0]})
        ).predict(frame)


def test_ignore_mode_is_silent(fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.predict(pd.DataFrame({"userId": [999], "movieId": [777]}), unknown="ignore")


def test_baseline_biases_match_a_hand_computed_case():
    # two users, two movies, no shrinkage, one sweep: item biases are mean residuals, then users
    mean, bu, bi = baseline_biases(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([4.0, 2.0, 3.0]), 2, 2,
                                   reg_user=0.0, reg_item=0.0, sweeps=1)  # fmt: skip
    assert mean == 3.0
    np.testing.assert_allclose(bi, [0.5, -1.0])
    np.testing.assert_allclose(bu, [(4 - 3 - 0.5 + 2 - 3 + 1.0) / 2, 3 - 3 - 0.5])


# ------------------------------------------------------------------ ranking
def test_recommend_excludes_seen_and_is_sorted(world, fitted):
    recs = fitted.recommend(0, n=5)
    assert list(recs.columns) == ["movieId", "score"] and len(recs) == 5
    seen = set(world.ratings.loc[world.ratings["userId"] == 0, "movieId"])
    assert not seen & set(recs["movieId"])
    assert recs["score"].is_monotonic_decreasing
    everything = fitted.recommend(0, n=1000, exclude_seen=False)
    assert len(everything) == fitted.n_items_
    scores = fitted.predict(pd.DataFrame({"userId": 0, "movieId": everything["movieId"]}))
    np.testing.assert_allclose(scores, np.clip(everything["score"], 0.5, 5.0), rtol=1e-5)
    assert len(fitted.recommend(0, n=1000)) == fitted.n_items_ - len(seen)


def test_recommend_for_unknown_user_falls_back_to_best_baseline(fitted):
    with pytest.warns(ColdStartWarning, match="1 unknown userId"):
        recs = fitted.recommend(12345, n=3)
    best = np.argsort(-fitted.baseline_item_bias_, kind="stable")[:3]
    assert recs["movieId"].tolist() == fitted.item_ids_[best].tolist()


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_recommend_rejects_bad_n(fitted, n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        fitted.recommend(0, n=n)


def test_similar_items_excludes_itself_and_uses_cosine(fitted):
    similar = fitted.similar_items(3, n=5)
    assert 3 not in similar["movieId"].tolist() and len(similar) == 5
    assert similar["similarity"].is_monotonic_decreasing
    q = fitted.model_.item_factors.weight.detach().double().numpy()
    a, b = q[fitted.item_index_.get_loc(3)], q[fitted.item_index_.get_loc(similar["movieId"].iloc[0])]
    assert similar["similarity"].iloc[0] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    with pytest.raises(ColdStartError, match="never seen"):
        fitted.similar_items(777)


def test_similar_items_groups_the_planted_genres():
    world = make_toy_world(200, 30, density=0.6, noise=0.05, bias_scale=0.2, seed=3)
    mf = MatrixFactorization(**SMALL).fit(world.ratings)
    genre = world.item_factors.to_numpy().argmax(axis=1)
    hits = [genre[mf.similar_items(i, n=1)["movieId"].iloc[0]] == genre[i] for i in range(world.n_items)]
    assert np.mean(hits) > 0.6  # chance is 1/3


# ------------------------------------------------------------------ fold in
def test_fold_in_recovers_a_held_out_user_about_as_well_as_training_with_them():
    world = make_toy_world(150, 40, density=0.5, noise=0.1, seed=1)
    ratings = world.ratings
    held_out = [0, 1, 2, 3, 4]
    rng = np.random.default_rng(0)
    given, hidden = [], []
    for user in held_out:
        rows = ratings[ratings["userId"] == user]
        mask = rng.random(len(rows)) < 0.5
        given.append(rows[mask])
        hidden.append(rows[~mask])
    others = ratings[~ratings["userId"].isin(held_out)]
    without = MatrixFactorization(**SMALL).fit(others)
    with_them = MatrixFactorization(**SMALL).fit(pd.concat([others, *given]))
    folded_err, trained_err, baseline_err = [], [], []
    for rows_given, rows_hidden in zip(given, hidden):
        user = without.fold_in(rows_given)
        assert isinstance(user, FoldedUser) and user.user_factors.shape == (3,) and user.vector.shape == (4,)
        folded_err.append(without.predict_user(user, rows_hidden["movieId"]) - rows_hidden["rating"].to_numpy())
        trained_err.append(with_them.predict(rows_hidden) - rows_hidden["rating"].to_numpy())
        baseline_err.append(without.predict(rows_hidden.assign(userId=-1), unknown="ignore") - rows_hidden["rating"].to_numpy())
    folded, trained, baseline = (float(np.sqrt(np.mean(np.concatenate(e) ** 2))) for e in (folded_err, trained_err, baseline_err))
    assert folded < trained + 0.1
    assert folded < baseline


def test_fold_in_of_a_training_user_lands_near_their_trained_vector(world, fitted):
    rows = world.ratings[world.ratings["userId"] == 7]
    user = fitted.fold_in(rows)
    trained = fitted.model_.user_factors.weight[fitted.user_index_.get_loc(7)].detach().numpy()
    assert np.corrcoef(user.user_factors, trained)[0, 1] > 0.9
    recs = fitted.recommend(user, n=5)
    assert not set(rows["movieId"]) & set(recs["movieId"])
    np.testing.assert_allclose(fitted.predict_user(user, recs["movieId"]), np.clip(recs["score"], 0.5, 5.0))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(prior=(float("nan"), float("nan"))), ValueError, r"prior\[0\] must be a finite number"),
        (dict(prior=(-100.0, -100.0)), ValueError, r"prior\[0\] must be a number >= 0"),
        (dict(prior="bogus"), ValueError, "prior must be 'auto' or a pair of strengths"),
        (dict(prior=(1.0,)), ValueError, "prior must be 'auto' or a pair of strengths"),
        (dict(prior=3.0), ValueError, "prior must be 'auto' or a pair of strengths"),
        (dict(n_steps=-5), ValueError, "n_steps must be a positive integer, got -5"),
        (dict(n_steps=0), ValueError, "n_steps must be a positive integer"),
    ],
)
def test_fold_in_validates_prior_and_n_steps(fitted, kwargs, error, match):  # issue 11 item 6
    with pytest.raises(error, match=match):
        fitted.fold_in(pd.DataFrame({"movieId": [1, 2], "rating": [4.0, 3.0]}), **kwargs)


def test_fold_in_user_is_a_pure_function_of_the_weights(fitted):
    rows = pd.DataFrame({"movieId": [1, 2, 3], "rating": [5.0, 1.0, 4.0]})
    idx = fitted.item_index_.get_indexer(rows["movieId"])
    factors, bias = fold_in_user(
        fitted.item_factors_[idx], fitted.item_bias_[idx], rows["rating"].to_numpy(),
        user_factors=fitted.user_factors_, user_bias=fitted.user_bias_, y_range=fitted.y_range_,
        noise=fitted.history_.train_rmse[-1] ** 2,
    )  # fmt: skip
    folded = fitted.fold_in(rows)
    np.testing.assert_array_equal(folded.user_factors, factors)
    assert folded.user_bias == bias


def test_fold_in_checks_its_input(fitted):
    with pytest.raises(RatingsError, match="no column"):
        fitted.fold_in(pd.DataFrame({"movieId": [1]}))
    with pytest.raises(ValueError, match="one new user"):
        fitted.fold_in(pd.DataFrame({"userId": [1, 2], "movieId": [1, 2], "rating": [3.0, 4.0]}))
    with pytest.raises(RatingsError, match="repeat"):
        fitted.fold_in(pd.DataFrame({"movieId": [1, 1], "rating": [3.0, 4.0]}))
    with pytest.raises(ColdStartError, match="none of the 1 rated movies"), pytest.warns(ColdStartWarning):
        fitted.fold_in(pd.DataFrame({"movieId": [777], "rating": [3.0]}))
    with pytest.warns(ColdStartWarning, match="1 unknown movieId \\(777\\)"):
        user = fitted.fold_in(pd.DataFrame({"movieId": [777, 1], "rating": [3.0, 4.0]}))
    assert user.item_ids.tolist() == [1]
    with pytest.raises(ColdStartError, match="777"):
        fitted.predict_user(user, [777])
    with pytest.raises(TypeError, match="FoldedUser"):
        fitted.predict_user(0, [1])


# ---------------------------------------------------------------- bad input
GOOD = pd.DataFrame({"userId": [0, 0, 1], "movieId": [0, 1, 0], "rating": [4.0, 3.0, 5.0]})


@pytest.mark.parametrize(
    "ratings, error, match",
    [
        (GOOD.drop(columns="rating"), RatingsError, r"no column\(s\) \['rating'\]"),
        (GOOD.assign(rating=[4.0, np.nan, 5.0]), RatingsError, "NaN"),
        (GOOD.assign(rating=[4.0, 3.0, 7.0]), RatingsError, "outside the scale"),
        (pd.concat([GOOD, GOOD.head(1)]), RatingsError, "repeat a"),
        (GOOD.head(0), RatingsError, "empty"),
        (GOOD.assign(userId=["a", "b", "c"]), RatingsError, "integers"),
        (GOOD.to_numpy(), TypeError, "DataFrame"),
    ],
)
def test_fit_rejects_bad_ratings(ratings, error, match):
    with pytest.raises(error, match=match):
        MatrixFactorization(**SMALL).fit(ratings)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_factors=0), "n_factors"),
        (dict(n_factors=2.5), "n_factors"),
        (dict(unknown="skip"), "unknown must be one of"),
        (dict(y_range=(1.0, 5.0)), "beyond the rating scale"),
        (dict(y_range=(5.0, 1.0)), "low < high"),
        (dict(lr_schedule="step"), "lr_schedule"),
        (dict(epochs=0), "epochs"),
    ],
)
def test_fit_rejects_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        MatrixFactorization(**{**SMALL, **params}).fit(GOOD)


def test_predict_rejects_bad_frames(fitted):
    with pytest.raises(RatingsError, match=r"no column\(s\) \['movieId'\]"):
        fitted.predict(pd.DataFrame({"userId": [0]}))
    with pytest.raises(RatingsError, match="NaN"):
        fitted.predict(pd.DataFrame({"userId": [0, np.nan], "movieId": [1, 2]}))
    with pytest.raises(ValueError, match="unknown must be one of"):
        fitted.predict(GOOD, unknown="drop")


def test_fold_in_prior_keeps_one_answer_from_being_over_read(world, fitted):
    # With the training penalty alone a single answer drags the user far from
    # everyone else; the default prior keeps them near the average user.
    one = world.ratings[world.ratings["userId"] == 7].head(1)
    average = np.append(fitted.model_.user_factors.weight.detach().numpy().mean(axis=0),
                        fitted.model_.user_bias.weight.detach().numpy().mean())
    bare = np.linalg.norm(fitted.fold_in(one, prior=(0.0, 0.0)).vector - average)
    shrunk = np.linalg.norm(fitted.fold_in(one).vector - average)
    assert shrunk < 0.8 * bare


# --- issue 13: the trained users most like a user, from learned vectors
def test_similar_users_by_cosine_of_learned_vectors(fitted):
    factors = fitted.user_factors_
    u0 = fitted.user_ids_[0]
    table = fitted.similar_users(u0, n=5)
    assert list(table.columns) == ["userId", "similarity"] and len(table) == 5 and u0 not in table["userId"].tolist()
    unit = factors / np.linalg.norm(factors, axis=1, keepdims=True)
    sims = unit @ unit[0]
    sims[0] = -np.inf
    assert table["userId"].tolist() == fitted.user_ids_[np.argsort(-sims, kind="stable")[:5]].tolist()
    np.testing.assert_allclose(table["similarity"], np.sort(sims)[::-1][:5])
    # a folded user with a trained user's exact vector finds that user first, with similarity 1
    twin = FoldedUser(user_factors=factors[3] * 2.0, user_bias=0.0, item_ids=np.array([], dtype=np.int64))
    first = fitted.similar_users(twin, n=1)
    assert first["userId"].tolist() == [fitted.user_ids_[3]] and first["similarity"].iloc[0] == pytest.approx(1.0)


def test_similar_users_errors(fitted):
    with pytest.raises(ColdStartError, match="fold the user in first"):
        fitted.similar_users(-5)
    with pytest.raises(TypeError, match="one userId"):
        fitted.similar_users([1, 2])
    with pytest.raises(ValueError, match="fold the user in with this model"):
        fitted.similar_users(FoldedUser(user_factors=np.ones(7), user_bias=0.0, item_ids=np.array([])))

"""Tests of cfcourse/implicit_feedback.py: rankers trained on what was watched."""

import numpy as np
import pandas as pd
import pytest
import torch

from cfcourse.errors import ColdStartError, NotFittedError
from cfcourse.implicit_feedback import (
    EASE,
    ImplicitFactorization,
    ItemKNN,
    bpr_gradients,
    bpr_loss,
    sample_negatives,
    watched_matrix,
)

SMALL = dict(n_factors=4, epochs=150, lr=0.05, weight_decay=1e-4)


def tiny_world() -> pd.DataFrame:
    """Two tastes: users 1-4 watch from {10, 20, 30}, users 5-8 from {40, 50, 60}.

    User 1 watched 10 and 20, so the best unseen movie for them is 30 (their
    group's third movie), then the other group's. Movie 70 is watched by user 8 only.
    """
    rows = [(u, m) for u in (2, 3, 4) for m in (10, 20, 30)] + [(1, 10), (1, 20)]
    rows += [(u, m) for u in (5, 6, 7, 8) for m in (40, 50, 60)] + [(8, 70)]
    frame = pd.DataFrame(rows, columns=["userId", "movieId"])
    frame["rating"] = 4.0
    return frame


def random_world(seed=0, n_users=30, n_items=40, density=0.2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < density
    mask[:, 0] = True  # every movie id and user id occurs
    mask[0, :] = True
    mask[1, :5] = False
    users, items = np.nonzero(mask)
    return pd.DataFrame({"userId": users + 100, "movieId": items * 3 + 1, "rating": rng.integers(1, 11, len(users)) / 2})


RANKERS = [lambda: ItemKNN(), lambda: ItemKNN(n_neighbors=2), lambda: EASE(reg=1.0),
           lambda: ImplicitFactorization(**SMALL), lambda: ImplicitFactorization(loss="bpr", batch_size=64, **{**SMALL, "epochs": 60})]  # fmt: skip
IDS = ["knn", "knn-2", "ease", "softmax", "bpr"]


def test_watched_matrix_marks_every_rating_as_watched():
    frame = pd.DataFrame({"userId": [7, 7, 3], "movieId": [5, 9, 9], "rating": [1.0, 5.0, 0.5]})
    X, user_ids, item_ids = watched_matrix(frame)
    assert user_ids.tolist() == [3, 7] and item_ids.tolist() == [5, 9]
    np.testing.assert_array_equal(X, [[0, 1], [1, 1]])  # a 0.5-star rating is still a watch


@pytest.mark.parametrize("make", RANKERS, ids=IDS)
def test_tiny_world_best_list_is_known(make):
    ranker = make().fit(tiny_world())
    top = ranker.recommend(1, n=2)
    assert top["movieId"].iloc[0] == 30
    assert top["score"].is_monotonic_decreasing
    assert list(top.columns) == ["movieId", "score"]


@pytest.mark.parametrize("make", RANKERS, ids=IDS)
def test_never_recommends_a_seen_movie(make):
    frame = random_world()
    ranker = make().fit(frame)
    for user, seen in frame.groupby("userId")["movieId"]:
        n_left = frame["movieId"].nunique() - len(seen)
        top = ranker.recommend(user, n=15)
        assert not set(top["movieId"]) & set(seen)
        assert len(top) == min(15, n_left)
    everything = ranker.recommend(100, n=5, exclude_seen=False)  # user 100 watched every movie
    assert len(everything) == 5


def test_ease_diagonal_is_zero_and_matches_the_direct_inverse():
    frame = random_world(seed=3)
    X, _, _ = watched_matrix(frame)
    reg = 2.5
    P = np.linalg.inv(X.T @ X + reg * np.eye(X.shape[1]))
    B = np.eye(X.shape[1]) - P / np.diag(P)
    ease = EASE(reg=reg).fit(frame)
    weights = ease.weights()
    np.testing.assert_array_equal(np.diag(weights.to_numpy()), 0.0)
    np.testing.assert_allclose(np.diag(B), 0.0, atol=1e-12)
    np.testing.assert_allclose(weights.to_numpy(), B, atol=1e-10)
    np.testing.assert_allclose(ease.scores_, X @ B, atol=1e-10)
    # B minimises ||X - XB||^2 + reg ||B||^2 with a zero diagonal: each column is that ridge regression
    j = 4
    others = np.delete(np.arange(X.shape[1]), j)
    A = X[:, others]
    ridge = np.linalg.solve(A.T @ A + reg * np.eye(len(others)), A.T @ X[:, j])
    np.testing.assert_allclose(B[others, j], ridge, atol=1e-10)


def test_item_knn_scores_are_sums_of_cosine_similarities():
    frame = random_world(seed=5)
    X, _, item_ids = watched_matrix(frame)
    norms = np.linalg.norm(X, axis=0)
    S = (X.T @ X) / np.outer(norms, norms)
    np.fill_diagonal(S, 0.0)
    knn = ItemKNN().fit(frame)
    np.testing.assert_allclose(knn.scores_, X @ S, atol=1e-12)
    np.testing.assert_allclose(knn.similarities(item_ids[2]).to_numpy(), S[2], atol=1e-12)
    # a neighbourhood of k keeps each movie's k most similar (rows of S)
    k = 3
    cut = np.sort(S, axis=1)[:, -k][:, None]
    np.testing.assert_allclose(ItemKNN(n_neighbors=k).fit(frame).scores_, X @ np.where(S >= cut, S, 0.0), atol=1e-12)
    similar = knn.similar_items(item_ids[2], n=4)
    assert item_ids[2] not in similar["movieId"].tolist() and similar["similarity"].is_monotonic_decreasing


def test_hand_bpr_gradient_equals_autograd():
    rng = np.random.default_rng(0)
    user, pos, neg = (rng.normal(size=5) for _ in range(3))
    pos_bias, neg_bias = 0.3, -0.2
    hand = bpr_gradients(user, pos, neg, pos_bias, neg_bias)
    t = {name: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for name, v in dict(user=user, pos=pos, neg=neg, pos_bias=pos_bias, neg_bias=neg_bias).items()}  # fmt: skip
    loss = bpr_loss((t["user"] @ t["pos"] + t["pos_bias"])[None], (t["user"] @ t["neg"] + t["neg_bias"])[None])
    loss.backward()
    for name, tensor in t.items():
        np.testing.assert_allclose(hand[name], tensor.grad.numpy(), rtol=1e-12, err_msg=name)


def test_bpr_loss_is_minus_log_sigmoid_of_the_difference():
    pos, neg = torch.tensor([2.0, 0.0]), torch.tensor([1.0, 3.0])
    expected = -torch.log(torch.sigmoid(pos - neg)).mean()
    assert torch.isclose(bpr_loss(pos, neg), expected)


def test_sample_negatives_never_samples_a_watched_movie():
    X, _, _ = watched_matrix(random_world(seed=1, density=0.8))
    watched = torch.tensor(X, dtype=torch.bool)
    users = torch.arange(1, X.shape[0]).repeat(50)  # user 0 watched every movie
    neg = sample_negatives(watched, users, torch.Generator().manual_seed(0))
    assert not watched[users, neg].any()
    assert len(torch.unique(neg)) > 1
    with pytest.raises(ValueError, match="watched every movie"):
        sample_negatives(torch.ones(2, 3, dtype=torch.bool), torch.tensor([0, 1]), torch.Generator())


def test_implicit_factorization_learns_and_is_reproducible():
    frame = tiny_world()
    a = ImplicitFactorization(**SMALL).fit(frame)
    b = ImplicitFactorization(**SMALL).fit(frame)
    np.testing.assert_array_equal(a.score_matrix(), b.score_matrix())
    assert a.history_["loss"].iloc[-1] < a.history_["loss"].iloc[0]
    assert a.user_factors_.shape == (8, 4) and a.item_factors_.dtype == np.float64
    assert a.similar_items(10, n=2)["movieId"].tolist() == [20, 30] or set(a.similar_items(10, n=2)["movieId"]) == {20, 30}
    epochs = []
    ImplicitFactorization(**{**SMALL, "epochs": 3}).fit(frame, callback=lambda epoch, model: epochs.append(epoch))
    assert epochs == [0, 1, 2]


def test_liked_weight_uses_the_ratings():
    frame = tiny_world()
    frame.loc[(frame["userId"] == 1) & (frame["movieId"] == 20), "rating"] = 1.0
    plain = ImplicitFactorization(**SMALL).fit(frame)
    weighted = ImplicitFactorization(liked_weight=4.0, **SMALL).fit(frame)
    assert not np.allclose(plain.score_matrix(), weighted.score_matrix())
    with pytest.raises(ValueError, match="no 'rating' column"):
        ImplicitFactorization(liked_weight=1.0).fit(frame.drop(columns="rating"))


@pytest.mark.parametrize("make", RANKERS, ids=IDS)
def test_errors_before_fit_and_for_unknown_users(make):
    ranker = make()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ranker.recommend(1)
    ranker.fit(tiny_world())
    with pytest.raises(ColdStartError, match="PopularityRecommender"):
        ranker.recommend(999)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        ranker.recommend(1, n=0)


@pytest.mark.parametrize(
    "params, match",
    [(dict(n_factors=0), "n_factors"), (dict(lr=0.0), "lr"), (dict(loss="mse"), "loss must be one of"),
     (dict(weight_decay=-1.0), "weight_decay"), (dict(liked_weight=float("nan")), "liked_weight")],
)  # fmt: skip
def test_implicit_factorization_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        ImplicitFactorization(**params).fit(tiny_world())


def test_ease_and_knn_bad_parameters():
    with pytest.raises(ValueError, match="reg must be"):
        EASE(reg=0.0).fit(tiny_world())
    with pytest.raises(ValueError, match="n_neighbors"):
        ItemKNN(n_neighbors=0).fit(tiny_world())
    with pytest.raises(ValueError, match="movieId"):
        EASE().fit(pd.DataFrame({"userId": [1]}))


def test_lazy_export():
    import cfcourse

    assert cfcourse.ImplicitFactorization is ImplicitFactorization


# --- issue 13: a new user folded into the ranking model
def _fold_objective(model, p, w):
    lam = len(model.user_ids_) * model.weight_decay
    logits = torch.tensor(model.item_factors_) @ p + torch.tensor(model.item_bias_)
    return -(torch.tensor(w) * torch.log_softmax(logits, dim=0)).sum() + lam * (p @ p)


def test_fold_in_minimises_the_one_user_training_loss():
    ratings = random_world()
    model = ImplicitFactorization(**SMALL).fit(ratings)
    mine = pd.DataFrame({"movieId": [1, 4, 7, 10, 999], "rating": [5.0, 1.0, 4.5, 3.0, 5.0]})  # 999: unknown
    folded = model.fold_in(mine)
    assert folded.item_ids.tolist() == [1, 4, 7, 10] and folded.user_factors.shape == (4,)
    w = np.zeros(len(model.item_ids_))
    idx = model.item_index_.get_indexer([1, 4, 7, 10])
    w[idx] = [1 + 3.0, 1, 1 + 3.0, 1]  # liked_weight 3 for ratings >= 4
    w /= w.sum()
    p = torch.tensor(folded.user_factors, requires_grad=True)
    _fold_objective(model, p, w).backward()
    assert float(p.grad.abs().max()) < 1e-8  # autograd agrees: the gradient vanishes at the solution
    for delta in np.eye(4) * 0.05:  # and it is a minimum
        moved = torch.tensor(folded.user_factors + delta)
        assert float(_fold_objective(model, moved, w)) > float(_fold_objective(model, p.detach(), w))


def test_a_folded_user_gets_their_groups_movie():
    model = ImplicitFactorization(**SMALL).fit(tiny_world())
    folded = model.fold_in(pd.DataFrame({"movieId": [40, 50], "rating": [4.0, 4.0]}))
    top = model.recommend(folded, n=2)
    assert top["movieId"].iloc[0] == 60 and not {40, 50} & set(top["movieId"])
    assert model.recommend(folded, n=10, exclude_seen=False)["movieId"].iloc[:3].tolist().count(40) == 1


def test_fold_in_errors():
    model = ImplicitFactorization(**SMALL).fit(tiny_world())
    with pytest.raises(ColdStartError, match="nothing to fold in"):
        model.fold_in(pd.DataFrame({"movieId": [999], "rating": [4.0]}))
    with pytest.raises(ValueError, match="has no 'rating' column"):
        model.fold_in(pd.DataFrame({"movieId": [40]}))
    with pytest.raises(TypeError, match="'movieId' column"):
        model.fold_in([40, 50])
    with pytest.raises(NotFittedError):
        ImplicitFactorization().fold_in(pd.DataFrame({"movieId": [40], "rating": [4.0]}))
    events = ImplicitFactorization(**{**SMALL, "liked_weight": 0}).fit(tiny_world().drop(columns="rating"))
    assert events.recommend(events.fold_in(pd.DataFrame({"movieId": [10, 20]})), n=1)["movieId"].tolist() == [30]

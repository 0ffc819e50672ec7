"""Tests for cfcourse/ranking.py: hand-computed answers and properties of the metrics."""

import numpy as np
import pandas as pd
import pytest

from cfcourse.ranking import (
    top_n,
    PopularityRecommender,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
    relevant_items,
)

RECOMMENDED = [10, 20, 30, 40, 50]
RELEVANT = {20, 40, 99}


@pytest.mark.parametrize(
    "k, precision, recall",
    [(1, 0 / 1, 0 / 3), (2, 1 / 2, 1 / 3), (4, 2 / 4, 2 / 3), (5, 2 / 5, 2 / 3), (10, 2 / 10, 2 / 3)],
)
def test_precision_and_recall_by_hand(k, precision, recall):
    assert precision_at_k(RECOMMENDED, RELEVANT, k) == pytest.approx(precision)
    assert recall_at_k(RECOMMENDED, RELEVANT, k) == pytest.approx(recall)


def test_ndcg_by_hand():
    # hits at positions 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3) + 1/log2(4)
    dcg = 1 / np.log2(3) + 1 / np.log2(5)
    ideal = 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert ndcg_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(dcg / ideal)
    # with k=2 only position 2 counts, and the ideal has 2 hits
    assert ndcg_at_k(RECOMMENDED, RELEVANT, 2) == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))


@pytest.mark.parametrize("k", [1, 3, 5, 8])
def test_perfect_ranking_has_ndcg_one(k):
    relevant = {1, 2, 3, 4, 5}
    assert ndcg_at_k([1, 2, 3, 4, 5, 6, 7, 8], relevant, k) == pytest.approx(1.0)
    assert ndcg_at_k([5, 4, 3, 2, 1], relevant, k) == pytest.approx(1.0)  # any order of the hits


def test_no_hits_scores_zero_and_earlier_hits_score_more():
    assert ndcg_at_k([7, 8, 9], {1}, 3) == 0.0 and precision_at_k([7, 8, 9], {1}, 3) == 0.0
    scores = [ndcg_at_k([1 if i == pos else 100 + i for i in range(5)], {1}, 5) for pos in range(5)]
    assert all(np.diff(scores) < 0)
    assert precision_at_k([1, 9], {1}, 2) == precision_at_k([9, 1], {1}, 2)  # precision ignores order


def test_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="positive integer"):
        precision_at_k([1], {1}, 0)
    with pytest.raises(ValueError, match="more than once"):
        precision_at_k([1, 1], {1}, 2)
    with pytest.raises(ValueError, match="undefined"):
        recall_at_k([1], set(), 1)
    with pytest.raises(ValueError, match="undefined"):
        ndcg_at_k([1], set(), 1)


def test_relevant_items_and_ranking_metrics_per_user_and_averaged():
    valid = pd.DataFrame({"userId": [1, 1, 2, 2, 3], "movieId": [10, 20, 10, 30, 40], "rating": [4.0, 3.5, 5.0, 4.5, 2.0]})
    relevant = relevant_items(valid)
    assert relevant == {1: {10}, 2: {10, 30}}  # user 3 has nothing >= 4
    recs = {1: [10, 50], 2: [50, 30], 3: [40, 10]}
    table = ranking_metrics(recs, relevant, k=2)
    assert list(table.index) == [1, 2] and list(table.columns) == ["precision", "recall", "ndcg"]
    np.testing.assert_allclose(table.loc[1], [0.5, 1.0, 1.0])
    np.testing.assert_allclose(table.loc[2], [0.5, 0.5, (1 / np.log2(3)) / (1 + 1 / np.log2(3))])
    assert table["precision"].mean() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="same user ids"):
        ranking_metrics({5: [1]}, relevant, k=1)


def test_popularity_recommender_ranks_by_count_and_excludes_seen():
    train = pd.DataFrame({"userId": [1, 1, 2, 2, 3, 3, 4], "movieId": [7, 8, 7, 9, 7, 8, 5]})
    popular = PopularityRecommender().fit(train)
    assert popular.counts_.index.tolist() == [7, 8, 5, 9]  # 3, 2, then ties by movieId
    assert popular.recommend(99, n=2)["movieId"].tolist() == [7, 8]
    assert popular.recommend(1, n=2)["movieId"].tolist() == [5, 9]
    assert popular.recommend(1, n=2, exclude_seen=False)["score"].tolist() == [3, 2]
    with pytest.raises(ValueError, match="not fitted"):
        PopularityRecommender().recommend(1)


# ---------------------------------------------------------------- top_n: the one top-N selection
def test_top_n_sorts_by_score_then_id():
    scores = np.array([3.0, 5.0, 4.0, 5.0, 1.0])
    np.testing.assert_array_equal(top_n(scores, 3), [1, 3, 2])  # tie 5.0: position 1 before 3
    ids = np.array([50, 40, 30, 20, 10])
    np.testing.assert_array_equal(top_n(scores, 3, ids=ids), [3, 1, 2])  # tie 5.0: id 20 before 40
    assert top_n(scores, 3).dtype == np.int64


def test_top_n_excludes_and_returns_fewer_when_few_are_left():
    scores = np.array([3.0, 5.0, 4.0])
    np.testing.assert_array_equal(top_n(scores, 2, exclude=[1]), [2, 0])
    np.testing.assert_array_equal(top_n(scores, 10, exclude=np.array([0, 1])), [2])
    assert len(top_n(scores, 5, exclude=[0, 1, 2])) == 0
    np.testing.assert_array_equal(top_n(scores, 2, exclude=np.empty(0, dtype=np.int64)), [1, 2])


def test_top_n_matches_a_full_sort_on_many_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=500).astype(float)  # many ties: exercises the partial-sort shortcut
    ids = rng.permutation(500) * 3
    exclude = rng.choice(500, size=50, replace=False)
    keep = np.setdiff1d(np.arange(500), exclude)
    expected = keep[sorted(range(len(keep)), key=lambda j: (-scores[keep[j]], ids[keep[j]]))][:20]
    np.testing.assert_array_equal(top_n(scores, 20, exclude=exclude, ids=ids), expected)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0), "n must be a positive integer, got 0"),
        (dict(n=True), "n must be a positive integer, got True"),
        (dict(n=2.0), "n must be a positive integer"),
        (dict(n=1, exclude=[7]), r"exclude must be ids in 0\.\.2"),
        (dict(n=1, ids=np.arange(2)), "one id per score"),
        (dict(n=1, scores=np.array([1.0, np.nan, 2.0])), "NaN"),
        (dict(n=1, scores=np.ones((2, 2))), "1-D"),
    ],
)
def test_top_n_rejects_bad_input(kwargs, match):
    kwargs = {"scores": np.array([1.0, 2.0, 3.0]), **kwargs}
    with pytest.raises(ValueError, match=match):
        top_n(**kwargs)


def test_popularity_recommender_breaks_ties_through_top_n():
    train = pd.DataFrame({"userId": [1, 2, 3, 4], "movieId": [30, 20, 10, 40]})  # all tied at 1 rating
    popular = PopularityRecommender().fit(train)
    assert popular.recommend(99, n=4)["movieId"].tolist() == [10, 20, 30, 40]
    assert popular.recommend(3, n=2)["movieId"].tolist() == [20, 30]
    with pytest.raises(ValueError, match="n must be a positive integer"):
        popular.recommend(1, n=0)

"""Tests for cfcourse/exercises: the mechanism, then every real exercise."""

import copy
import pickle
import re

import numpy as np
import pandas as pd
import pytest
import torch

from cfcourse.exercises import (
    ____,
    Case,
    CheckResult,
    Exercise,
    Mistake,
    Incorrect,
    NotAttempted,
    Placeholder,
    all_exercises,
    call,
    expect_close,
    expect_shape,
    expect_type,
    is_placeholder,
)

NOT_ATTEMPTED = "Not attempted: replace ____ with your answer, then run this cell again."

# ---------------------------------------------------------------- test-only exercises


def mean_rating():
    return 3.0


def _check_mean(answer):
    expect_close(answer, 3.0, name="the mean", hints=[(2.25, "the zeros are not ratings")])


value_exercise = Exercise(
    "Mean rating",
    notebook="01_ratings.ipynb",
    section="The ratings table",
    task="The mean of the observed ratings.",
    reference=mean_rating,
    checker=_check_mean,
    hint="Average only the cells that are not 0.",
    mistakes=[Mistake("zeros counted", 2.25, "the zeros are not ratings"), Mistake("sum", 9.0, "that is the sum")],
)


def predict(user_factors, item_factors):
    return user_factors @ item_factors.T


def _check_predict(answer):
    users, items = np.arange(6.0).reshape(3, 2), np.arange(4.0).reshape(2, 2)
    expect_close(call(answer, users, items), users @ items.T, name="predict(users, items)")
    return "every user meets every movie in one matrix product."


function_exercise = Exercise(
    "Predict",
    notebook="03_embeddings.ipynb",
    section="The dot product as a rating",
    task="All dot products at once.",
    reference=predict,
    kind="function",
    checker=_check_predict,
    hint="A matrix product with one matrix transposed.",
    mistakes=[
        Mistake("transposed the wrong one", lambda u, m: u.T @ m, "transpose the movies, not the users"),
        Mistake("elementwise", lambda u, m: u * m, "a prediction is a dot product, not an elementwise product"),
    ],
)


# ---------------------------------------------------------------- the placeholder


def test_placeholder_is_one_object_that_says_what_it_is():
    assert Placeholder() is ____
    assert copy.deepcopy(____) is ____ and pickle.loads(pickle.dumps(____)) is ____
    assert repr(____) == "____ (a placeholder: replace it with your answer)"


@pytest.mark.parametrize(
    "expression",
    [
        lambda: np.ones((2, 3)) @ ____,
        lambda: ____ @ np.ones((2, 3)),
        lambda: 1 / (1 + np.exp(-____)),
        lambda: np.sum(____, axis=0),
        lambda: pd.DataFrame(np.ones((2, 2))) * ____,
        lambda: torch.sigmoid(____),
        lambda: torch.ones(2, 2) @ ____,
        lambda: ____.T[0].sum(axis=1),
        lambda: np.ones(3) > ____,
    ],
)
def test_expressions_on_the_placeholder_stay_a_placeholder(expression):
    assert expression() is ____


@pytest.mark.parametrize("use", [bool, float, len, list, np.asarray, lambda p: np.ones(3)[p]])
def test_what_cannot_stay_a_placeholder_says_to_replace_it(use):
    with pytest.raises(TypeError, match="placeholder: replace it with your answer"):
        use(____)


def test_is_placeholder_sees_it_in_containers_and_function_bodies():
    def unfinished(x):
        return x @ ____

    def nested(x):
        return [y + ____ for y in x]

    assert is_placeholder(____) and is_placeholder((1, ____)) and is_placeholder({"a": ____})
    assert is_placeholder(unfinished) and is_placeholder(nested) and is_placeholder(lambda: ____)
    assert not is_placeholder(predict) and not is_placeholder(0) and not is_placeholder(None)


# ---------------------------------------------------------------- checking


@pytest.mark.parametrize("answer", [3.0, 3, np.float32(3.0), np.array(3.0), torch.tensor(3.0)])
def test_a_right_value_is_correct(answer):
    result = value_exercise.check(answer)
    assert result.status == "correct"
    assert repr(result) == "Correct: your answer matches the reference solution."


def test_a_wrong_value_is_incorrect_with_the_reason_and_where_to_look():
    result = value_exercise.check(2.25)
    assert result.status == "incorrect"
    assert repr(result) == (
        'Incorrect: the mean is 2.25: the zeros are not ratings (see "The ratings table" in 01_ratings.ipynb)'
    )
    assert repr(value_exercise.check(4.0)) == (
        'Incorrect: the mean should be 3, got 4 (see "The ratings table" in 01_ratings.ipynb)'
    )


@pytest.mark.parametrize("answer", [____, (____, 1)])
def test_the_placeholder_is_not_attempted(answer):
    result = value_exercise.check(answer)
    assert result.status == "not attempted"
    assert repr(result) == NOT_ATTEMPTED
    assert repr(value_exercise.check()) == NOT_ATTEMPTED  # forgot the argument: no crash either


def test_a_right_function_is_correct_with_its_message():
    result = function_exercise.check(lambda u, m: np.einsum("uk,mk->um", u, m))
    assert result == CheckResult("correct", "Correct: every user meets every movie in one matrix product.")


def unfinished(user_factors, item_factors):
    return user_factors @ ____


def not_yet(user_factors, item_factors):
    raise NotImplementedError


def indirect(user_factors, item_factors):
    return _helper_returning_placeholder()


def _helper_returning_placeholder():
    return ____


@pytest.mark.parametrize("answer", [unfinished, not_yet, indirect])
def test_an_unfinished_function_is_not_attempted(answer):
    assert function_exercise.check(answer).status == "not attempted"


def raising(user_factors, item_factors):
    raise KeyError("movieId")


def test_a_raising_function_is_incorrect_and_does_not_crash():
    result = function_exercise.check(raising)
    assert result.status == "incorrect"
    assert repr(result) == (
        "Incorrect: raising(array([[0., 1.], [2., 3.], [4., 5.]]), array([[0., 1.], [2., 3.]])) "
        "raised KeyError: 'movieId' (see \"The dot product as a rating\" in 03_embeddings.ipynb)"
    )
    result = function_exercise.check(lambda u, m: u @ m.T @ u)  # numpy shape error
    assert result.status == "incorrect" and "raised ValueError: matmul" in result.message


def test_shape_mismatch_suggests_a_transpose():
    result = function_exercise.check(lambda u, m: (u @ m.T).T)
    assert "should have shape (3, 2), got (2, 3): did you forget to transpose?" in result.message


def test_a_crashing_checker_is_reported_not_raised():
    def buggy_checker(answer):
        raise RuntimeError("checker bug")

    exercise = Exercise("x", notebook="n.ipynb", section="s", task="t", reference=mean_rating,
                        checker=buggy_checker, hint="h", mistakes=[])  # fmt: skip
    result = exercise.check(1.0)
    assert repr(result) == 'Incorrect: checking your answer raised RuntimeError: checker bug (see "s" in n.ipynb)'


def test_messages_have_no_memory_addresses_and_one_line():
    result = function_exercise.check(lambda u, m: object())
    assert result.status == "incorrect"
    assert not re.search(r"0x[0-9a-f]+", result.message) and "\n" not in result.message


def test_markdown_display():
    assert value_exercise.check(2.25)._repr_markdown_().startswith("❌ **Incorrect:** the mean is 2.25")
    assert value_exercise.check(____)._repr_markdown_() == (
        "✏️ **Not attempted:** replace `____` with your answer, then run this cell again."
    )


def test_hint_and_solution():
    assert repr(value_exercise.hint()) == "Hint: Average only the cells that are not 0."
    assert repr(value_exercise.solution()) == "Solution:\ndef mean_rating():\n    return 3.0\n\nanswer = mean_rating()"
    solution = function_exercise.solution()
    assert repr(solution) == "Solution:\ndef predict(user_factors, item_factors):\n    return user_factors @ item_factors.T"
    assert "```python\ndef predict(" in solution._repr_markdown_()


def test_bad_exercise_definitions_are_explained():
    with pytest.raises(ValueError, match='kind must be "value" or "function"'):
        Exercise("x", notebook="n", section="s", task="t", reference=mean_rating, checker=_check_mean,
                 hint="h", mistakes=[], kind="number")  # fmt: skip
    with pytest.raises(TypeError, match="def reference"):
        Exercise("x", notebook="n", section="s", task="t", reference=3.0, checker=_check_mean, hint="h", mistakes=[])


# ---------------------------------------------------------------- helpers


def test_call_copies_arguments_and_translates_errors():
    table = np.ones(3)

    def mutate(x):
        x[0] = 99
        return x.sum()

    assert call(mutate, table) == 101 and table[0] == 1
    with pytest.raises(Incorrect, match="expected a function"):
        call(3.0)
    with pytest.raises(NotAttempted):
        call(lambda: ____)
    with pytest.raises(Incorrect, match=r"<lambda>\(\) raised ZeroDivisionError"):
        call(lambda: 1 / 0)


def test_expect_type():
    expect_type(3, int)
    with pytest.raises(Incorrect, match="your answer should be a float or int, got bool True"):
        expect_type(True, (float, int))
    with pytest.raises(Incorrect, match="the table should be a DataFrame, got list"):
        expect_type([1], pd.DataFrame, name="the table")
    with pytest.raises(NotAttempted):
        expect_type(____, int)


def test_expect_shape_with_custom_hints():
    expect_shape(np.ones((2, 3)), (2, 3))
    with pytest.raises(Incorrect, match=r"shape \(5,\), got \(5, 1\): drop the extra axis"):
        expect_shape(np.ones((5, 1)), (5,), hints={(5, 1): "drop the extra axis"})


def test_expect_close_names_the_worst_entry_and_accepts_pandas():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    expect_close(pd.DataFrame(expected), expected)
    with pytest.raises(Incorrect, match=r"1 of 4 entries \(at index \(1, 0\): expected 3, got 3.5\)"):
        expect_close(np.array([[1.0, 2.0], [3.5, 4.0]]), expected)
    with pytest.raises(Incorrect, match="is None: did you forget to `return`"):
        expect_close(None, expected)
    with pytest.raises(Incorrect, match="contains NaN"):
        expect_close(expected * np.nan, expected)


# ---------------------------------------------------------------- every real exercise

EXERCISES = all_exercises()


def test_there_are_exercises_and_keys_are_unique():
    assert EXERCISES
    keys = [e.key for e in EXERCISES]
    assert keys[:2] == ["ex00.q1", "ex00.q2"] and len(set(keys)) == len(keys)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_reference_is_correct(exercise):
    result = exercise.check(exercise.reference_answer())
    assert result.status == "correct", result.message


@pytest.mark.parametrize(
    "exercise, mistake",
    [pytest.param(e, m, id=f"{e.key}: {m.description}") for e in EXERCISES for m in e.mistakes],
)
def test_typical_mistake_is_rejected_with_its_own_message(exercise, mistake):
    """Every record's message is the one the checker gives for that mistake: tested by construction."""
    assert isinstance(mistake, Mistake)
    result = exercise.check(mistake.answer)
    assert result.status == "incorrect", f"{mistake.description!r} was not rejected: {result.message}"
    assert f": {mistake.says}" in result.message or result.message.startswith(f"Incorrect: {mistake.says}"), (
        f"{mistake.description!r} got another message: {result.message}"
    )
    assert f'(see "{exercise.section}" in {exercise.notebook})' in result.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_different_mistakes_get_different_messages(exercise):
    says = [m.says for m in exercise.mistakes]
    messages = [exercise.check(m.answer).message for m in exercise.mistakes]
    assert len(set(says)) == len(says), "two mistake records say the same thing"
    assert len(set(messages)) == len(messages), messages


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_exercise_is_complete(exercise):
    assert len(exercise.mistakes) >= 2
    assert exercise.check(____).status == "not attempted"
    assert repr(exercise.hint()).startswith("Hint: ") and exercise.hint()._repr_markdown_()
    assert repr(exercise.solution()).startswith("Solution:\n") and "```python" in exercise.solution()._repr_markdown_()
    assert exercise.notebook.endswith(".ipynb") and exercise.section and exercise.task


# --- issue 11 item 9: number-like answers, sys.exit() and hostile objects never escape check()
def _scalar_value_exercises():
    found = []
    for exercise in all_exercises():
        if exercise.kind == "value":
            answer = exercise.reference_answer()
            if isinstance(answer, (int, float, np.integer, np.floating)) and not isinstance(answer, bool):
                found.append(pytest.param(exercise, answer, id=exercise.key))
    return found


@pytest.mark.parametrize("exercise, answer", _scalar_value_exercises())
@pytest.mark.parametrize("wrap", ["float32 0-d array", "float32 scalar", "0-d tensor"])
def test_scalar_answers_as_0d_arrays_and_tensors_are_accepted(exercise, answer, wrap):
    import torch

    dtype = np.int64 if isinstance(answer, (int, np.integer)) else np.float32
    wrapped = {
        "float32 0-d array": np.array(answer, dtype=dtype),
        "float32 scalar": dtype(answer),
        "0-d tensor": torch.tensor(answer),
    }[wrap]
    result = exercise.check(wrapped)
    assert result.status == "correct", result.message


def test_sys_exit_in_a_learners_function_is_a_reason_not_an_exit():
    import sys

    def answer(*args, **kwargs):
        sys.exit(3)

    function_exercises = [e for e in all_exercises() if e.kind == "function"]
    assert function_exercises
    for exercise in function_exercises[:3]:
        result = exercise.check(answer)
        assert result.status == "incorrect" and "SystemExit" in result.message


def test_an_object_whose_getattr_raises_is_judged_not_raised():
    class Hostile:
        def __getattr__(self, name):
            raise RuntimeError(f"no {name} here")

    for exercise in all_exercises():
        result = exercise.check(Hostile())
        assert result.status == "incorrect", (exercise.key, result.message)


# ---------------------------------------------------------------- the generic checker


def test_the_generic_checker_tells_mistakes_apart_on_later_cases():
    """Two mistakes give the same value on the first case: the second case decides which message is given."""
    exercise = Exercise(
        "Double", notebook="n.ipynb", section="s", task="t", reference=lambda x: 2 * x, kind="function",
        cases=[Case("double(0)", 0.0), Case("double(3)", 3.0)], hint="h",
        mistakes=[Mistake("zero", lambda x: 0 * x, "that is always zero"),
                  Mistake("square", lambda x: x * x, "that squares x")],
    )  # fmt: skip
    assert exercise.check(lambda x: x * x).message.startswith("Incorrect: double(3) is 9: that squares x")
    assert "double(3) is 0: that is always zero" in exercise.check(lambda x: 0 * x).message
    assert exercise.check(lambda x: x + x).status == "correct"


def test_old_style_mistake_pairs_are_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"Mistake\(description, answer, says\)"):
        Exercise("x", notebook="n", section="s", task="t", reference=mean_rating, hint="h", mistakes=[("sum", 9.0)])
    with pytest.raises(ValueError, match="needs cases="):
        Exercise("x", notebook="n", section="s", task="t", reference=predict, kind="function", hint="h", mistakes=[])


def test_messages_round_numbers_the_same_on_every_machine():
    """docs/solutions.md showed 3.2513253223313625 on one machine and ...616 on another."""
    from cfcourse.exercises import _shown

    assert _shown(np.float64(3.2513253223313625)) == _shown(np.float64(3.2513253223313616)) == "3.251"
    assert _shown(np.array([6.938893903907228e-18, 0.125])) == _shown(np.array([0.0, 0.125])) == "[0, 0.125]"
    assert _shown(np.int64(5)) == "5" and _shown(None) == "None" and _shown((610, 10)) == "(610, 10)"


# ---------------------------------------------------------------- issue 12: checker errors


def _generic_function_exercises():
    return [pytest.param(e, id=e.key) for e in all_exercises() if e.kind == "function" and e.generic]


REWRITTEN = ["ex04.q1", "ex05.q1", "ex06.q1", "ex07.q2", "ex08.q1", "ex09.q2", "ex10.q2", "ex11.q3"]
"""Issue 12 / 15: the exercises rewritten as transfer tasks that the generic checker judges."""


@pytest.mark.parametrize("key", REWRITTEN)
def test_rewritten_exercises_first_case_tells_every_mistake_apart(key):
    """On the first case the reference and every mistake give different values, so the first message a
    learner reads already names their mistake (ex05.q1's old first world had half its cells observed: 1/N
    equalled 2/cells, and leaving out the 2 got the "number of observed ratings" message)."""
    exercise = next(e for e in EXERCISES if e.key == key)
    args = exercise.cases[0].args
    values = [exercise.reference(*args)]
    for mistake in exercise.mistakes:
        if key == "ex04.q1" and mistake.description == "mask inferred from zeros":
            continue  # the first table has no held-out rating: the second case catches this one
        if key == "ex10.q2" and mistake.description == "ignores k":
            continue  # no hit below k in the first case: the second catches it
        values.append(mistake.answer(*args))
    for i, a in enumerate(values):
        for b in values[:i]:
            assert not (np.shape(a) == np.shape(b) and np.allclose(a, b)), (key, a, b)


def test_ex04_q1_wants_one_loss_per_user():
    from cfcourse.exercises import ex04

    loop = lambda p, r, m: np.array([((p[i] - r[i]) ** 2)[m[i] == 1].mean() for i in range(len(p))])  # noqa: E731
    assert ex04.q1.check(loop).status == "correct"
    assert ex04.q1.check(lambda p, r, m: (m * (p - r) ** 2).sum(axis=1) / m.sum(axis=1)).status == "correct"
    assert "should have shape (3,), got (4,)" in ex04.q1.check(lambda p, r, m: (m * (p - r) ** 2).mean(axis=0)).message


def test_ex05_q1_accepts_dot_gradients_plus_the_penalty():
    from cfcourse.exercises import ex05
    from cfcourse.gradients import dot_gradients

    assert ex05.q1.check(lambda u, m, r, k, wd: dot_gradients(u, m, r, k)[2] + 2 * wd * m).status == "correct"
    result = ex05.q1.check(lambda u, m, r, k, wd: dot_gradients(u, m, r, k)[2] + wd * m)
    assert result.status == "incorrect" and "brings down the 2" in result.message


@pytest.mark.parametrize("answer", [(0.5, 10.5), (0, 11), [0.5, 10.5], (0.0, 11.5), (np.float64(-0.5), 10.5)])
def test_ex06_q2_accepts_any_range_a_little_wider_than_the_scale(answer):
    from cfcourse.exercises import ex06

    assert ex06.q2.check(answer).status == "correct"


@pytest.mark.parametrize("answer, says", [
    ((1, 10.5), "leave room below 1 too"), ((0.5, 10), "leave room above 10"), ((0.5, 9), "leave room above 10"),
    ((1, 10), "Leave room beyond both ends"), ((-5, 11), "nobody can give"), ((0.5, 12), "nobody can give"),
    ((11, 0), "with low below high"), ((0.5,), "with low below high"), (("0", "11"), "with low below high"),
    ("(0.5, 10.5)", "a pair (low, high)"),
])  # fmt: skip
def test_ex06_q2_names_what_is_wrong_with_a_range(answer, says):
    from cfcourse.exercises import ex06

    result = ex06.q2.check(answer)
    assert result.status == "incorrect" and says in result.message, result.message


@pytest.mark.parametrize("answer, status", [(0.45, "correct"), (0.4545, "correct"), (5 / 11, "correct"),
                                            (0.44, "incorrect"), (0.47, "incorrect"), (0.0826, "incorrect")])  # fmt: skip
def test_ex06_q3_accepts_two_decimals_and_more_alike(answer, status):
    from cfcourse.exercises import ex06

    assert ex06.q3.check(answer).status == status
    assert abs(ex06.q3.reference() - 5 / 11) < 1e-12  # 5.5 * s * (1 - s) at s = 5 / 5.5


def test_ex08_q1_accepts_an_array_in_rating_order():
    from cfcourse.exercises import ex08

    by_numpy = lambda p, r: np.array([np.abs(p - r)[r == v].mean() for v in np.unique(r)])  # noqa: E731
    assert ex08.q1.check(by_numpy).status == "correct"
    assert list(ex08.q1.reference(ex08.PREDICTIONS, ex08.RATINGS).index) == [1.0, 3.0, 5.0]


def test_ex07_q1_numbers_are_the_toy_worlds():
    """The exercise quotes section 2's pair (Ana, Laser Heist); its numbers are recomputed from the world."""
    from cfcourse.exercises import ex07
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    u, m = world.user_factors.loc[0].to_numpy(), world.item_factors.loc[1].to_numpy()
    x = u @ m + world.user_bias[0] + world.item_bias[1]
    low, high = world.y_range
    assert (world.user_names[0], world.item_titles[1], (low, high)) == ("Ana", "Laser Heist", (0.0, 5.5))
    assert ex07.ANA_LASER_HEIST["x"] == pytest.approx(x, abs=1e-4)
    assert ex07.ANA_LASER_HEIST["user_bias"] == pytest.approx(world.user_bias[0], abs=1e-4)
    assert ex07.ANA_LASER_HEIST["prediction"] == pytest.approx(low + (high - low) / (1 + np.exp(-x)), abs=1e-3)
    # the new bias gives exactly 5 stars
    new_x = x + ex07.bias_change_for_five_stars()
    assert low + (high - low) / (1 + np.exp(-new_x)) == pytest.approx(5.0, abs=1e-3)


def test_ex09_q2_never_lists_the_user_and_ranks_by_direction():
    from cfcourse.exercises import ex09

    f = ex09.USER_FACTORS
    for u in range(len(f)):
        assert u not in ex09.similar_users(f, u, len(f) - 1)
    assert ex09.similar_users(f * np.arange(1, 8)[:, None], 0, 3).tolist() == ex09.similar_users(f, 0, 3).tolist()


def test_ex10_q2_scores_the_first_hit_only():
    from cfcourse.exercises import ex10

    rr = ex10.reciprocal_rank_at_k
    assert rr([10, 20, 30], {10, 30}, 3) == 1.0 and rr([10, 20, 30], {30}, 3) == pytest.approx(1 / 3)
    assert rr([10, 20, 30], {30}, 2) == 0.0 and rr([10, 20, 30], set(), 3) == 0.0


@pytest.mark.parametrize("answer", [
    lambda a, b, sa, sb, n: list(np.argsort(-np.minimum(a, b))[:n]),            # nothing left out
    lambda a, b, sa, sb, n: [7, 5, 4][:n],                                     # seen_b's movie, in any order
    lambda a, b, sa, sb, n: [5, 4, 1][:n],                                     # seen_a's movie last
])  # fmt: skip
def test_ex10_q1_any_list_with_a_seen_movie_is_wrong_for_that_reason(answer):
    from cfcourse.exercises import ex10

    result = ex10.q1.check(answer)
    assert result.status == "incorrect" and "already rated" in result.message, result.message


def test_ex10_q1_least_misery():
    from cfcourse.exercises import ex10

    assert ex10.top_n_for_two(*ex10._ARGS).tolist() == [5, 4, 0]
    by_hand = lambda a, b, sa, sb, n: [i for i in np.argsort(-np.minimum(a, b), kind="stable")  # noqa: E731
                                       if i not in sa + sb][:n]
    assert ex10.q1.check(by_hand).status == "correct"


def test_ex03_q1_wants_the_one_hot_product_not_indexing():
    from cfcourse.embeddings import one_hot
    from cfcourse.exercises import ex03

    for indexed in (lambda w, idx: w[idx], lambda w, idx: w[idx, :], lambda w, idx: np.stack([w[i] for i in idx]),
                    lambda w, idx: np.take(w, idx, axis=0)):  # fmt: skip
        result = ex03.q1.check(indexed)
        assert result.status == "incorrect" and "build it as a product" in result.message
    result = ex03.q1.check(lambda w, idx: one_hot(idx, len(idx)) @ w)
    assert "needs one column per row of weights, n = len(weights)" in result.message
    assert "raw ids" not in result.message
    assert ex03.q1.check(lambda w, idx: np.eye(len(w))[idx] @ w).status == "correct"


def test_ex02_q1_a_shape_is_a_tuple():
    from cfcourse.exercises import ex02

    assert ex02.q1.check((610, 9742)).status == "correct"
    assert "without quotes" in ex02.q1.check("(610, 9742)").message
    for not_a_shape in ([610, 9742], (610.0, 9742.0)):
        result = ex02.q1.check(not_a_shape)
        assert result.status == "incorrect" and "a shape is a tuple of whole numbers" in result.message
    assert "the shape of b @ a.T" in ex02.q1.check([9742, 610]).message


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.key)
def test_the_hint_is_not_the_solution(exercise):
    """Issue 15: some hints were the solution (`np.linalg.solve(...)` written out). A hint may name a tool,
    but no line of the reference's code, and not the expected value, appears in it."""
    hint = re.sub(r"\s+", "", exercise.hint_text)
    body = exercise.solution().code.splitlines()[1:]
    for line in body:
        code = re.sub(r"\s+", "", line.strip().removeprefix("return "))
        assert len(code) < 12 or code not in hint, f"the hint gives away {line.strip()!r}"
    for span in re.findall(r"`([^`]+)`", exercise.hint_text):  # a name or a short call is a nudge; an expression is an answer
        assert not (" " in span and len(span) > 20), f"the hint writes out code: `{span}`"
    if exercise.kind == "value":
        answer = exercise.reference_answer()
        if isinstance(answer, str) or (isinstance(answer, (int, float)) and abs(answer) >= 10):
            assert repr(answer) not in exercise.hint_text and str(answer) not in exercise.hint_text


# ---------------------------------------------------------------- the last four "answer just above" exercises


def test_ex01_q3_every_wrong_name_is_another_measure_recomputed_from_the_toy_world():
    """Fay's nearest neighbour by cosine is Ben; the plain dot product picks Ana, the distance Eva, the least
    similar is Dev, and Cleo is the old question's answer (Ana's nearest neighbour in section 7's table)."""
    from cfcourse.exercises import ex01
    from cfcourse.ratings import cosine_similarity
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    table = world.label(world.table())
    assert set(ex01.FAY) <= set(table.columns)
    fay = np.array([ex01.FAY.get(t, 0.0) for t in table.columns])
    cosines = pd.Series(np.asarray(cosine_similarity(np.vstack([table.to_numpy(), fay])))[-1, :-1], index=table.index)
    assert ex01.q3.reference() == cosines.idxmax() == "Ben"
    by_mistake = {m.description: m.answer for m in ex01.q3.mistakes}
    assert by_mistake["the largest dot product"] == ex01._nearest_by("dot")
    assert by_mistake["the smallest distance"] == ex01._nearest_by("distance")
    assert by_mistake["the least similar"] == ex01._nearest_by("least") == cosines.idxmin()
    anas = world.label(cosine_similarity(world.table()))["Ana"].drop("Ana")
    assert by_mistake["Ana's nearest neighbour"] == anas.idxmax()
    assert len(set(by_mistake.values()) | {"Ben"}) == 5  # every user but the answer is one named mistake
    assert f"cosine {cosines['Ben']:.2f}" in ex01.q3.praise
    assert f"cosine {cosines['Dev']:.2f}" in ex01.q3.mistakes[2].says
    assert ex01.q3.check("Zoe").status == "incorrect" and ex01.q3.check(["Ben"]).status == "incorrect"


def test_ex07_q2_genre_bias_gradient_agrees_with_autograd():
    """A genre bias added to Z through the full model of section 3: autograd's gradient is the reference's."""
    from cfcourse.exercises import ex07
    from cfcourse.models import sigmoid_range
    from cfcourse.toy import make_toy_world

    world = make_toy_world()
    ratings = torch.tensor(world.table().to_numpy())
    mask = torch.tensor(world.mask.to_numpy(), dtype=torch.float64)
    genre = np.array([1, 0, 2, 0, 1, 2])  # the toy movies' planted main genre (romance 1, action 0, comedy 2)
    assert genre.tolist() == world.item_factors.to_numpy().argmax(axis=1).tolist()
    rng = np.random.default_rng(0)
    users, items = torch.tensor(rng.normal(0, 0.5, (5, 3))), torch.tensor(rng.normal(0, 0.5, (6, 3)))
    genre_bias = torch.tensor(rng.normal(0, 0.5, 3), requires_grad=True)
    scores = (users @ items.T).requires_grad_(True)
    z = scores + genre_bias[torch.tensor(genre)][None, :]
    z.retain_grad()
    loss = (mask * (sigmoid_range(z, 0, 5.5) - ratings) ** 2).sum() / mask.sum()
    loss.backward()
    ours = ex07.genre_bias_gradient(z.grad.numpy(), genre, 3)
    assert np.allclose(ours, genre_bias.grad.numpy())
    # one genre per movie is the movie bias; one genre for all is a global bias
    g = z.grad.numpy()
    assert np.allclose(ex07.genre_bias_gradient(g, np.arange(6), 6), g.sum(axis=0))
    assert np.allclose(ex07.genre_bias_gradient(g, np.zeros(6, dtype=int), 1), [g.sum()])


def test_ex07_q2_a_genre_without_movies_gets_zero_and_the_shape_counts():
    from cfcourse.exercises import ex07

    assert ex07.genre_bias_gradient(np.ones((2, 3)), np.array([0, 0, 1]), 3).tolist() == [4.0, 2.0, 0.0]
    guessed = lambda g, genre, n: np.bincount(genre, weights=g.sum(axis=0))  # noqa: E731  (ignores n_genres)
    result = ex07.q2.check(guessed)
    assert result.status == "incorrect" and "should have shape (3,), got (2,)" in result.message


def test_ex11_q3_overlap_is_one_for_identical_lists_and_zero_for_disjoint_ones():
    from cfcourse.exercises import ex11

    overlap = ex11.mean_overlap
    assert overlap({1: [1, 2, 3], 2: [3, 1, 2], 3: [2, 3, 1]}) == 1.0  # popularity's extreme: one list for all
    assert overlap({1: [1, 2], 2: [3, 4], 3: [5, 6]}) == 0.0
    assert overlap({1: [1, 2], 2: [2, 9]}) == 0.5
    arrays = {u: np.array(m) for u, m in ex11.LISTS.items()}  # the notebook's lists hold arrays
    assert overlap(arrays) == pytest.approx(5 / 9)


def test_ex13_q1_is_section_1s_formula_at_ten_times_the_data():
    """The growth pair is recomputed from section 1's cost of an epoch (and section 2's bound of twice the batch)."""
    from cfcourse.exercises import ex13

    def work(n_ratings, n_users, n_items, batch=1024, k=64, sparse=False):
        rows = 2 * batch if sparse else n_users + n_items
        return n_ratings / batch * rows * (k + 1)

    now = dict(n_ratings=100_836, n_users=610, n_items=9_724)
    big = {key: 10 * value for key, value in now.items()}
    growth = (work(**big) / work(**now), work(**big, sparse=True) / work(**now, sparse=True))
    assert ex13.q1.reference() == pytest.approx(growth)
    assert ex13.q1.check((100, 10)).status == "correct" and ex13.q1.check((100.0, 10.0)).status == "correct"
    assert "a pair (dense, sparse)" in ex13.q1.check([100, 10]).message

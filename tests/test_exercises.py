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
    CheckResult,
    Exercise,
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
    mistakes=[("zeros counted", 2.25), ("sum", 9.0)],
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
    mistakes=[("transposed the wrong one", lambda u, m: u.T @ m), ("elementwise", lambda u, m: u * m)],
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
    "exercise, description, wrong",
    [pytest.param(e, d, w, id=f"{e.key}: {d}") for e in EXERCISES for d, w in e.mistakes],
)
def test_typical_mistake_is_rejected(exercise, description, wrong):
    result = exercise.check(wrong)
    assert result.status == "incorrect", f"{description!r} was not rejected: {result.message}"
    assert f'(see "{exercise.section}" in {exercise.notebook})' in result.message


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


def test_every_ex06_sigmoid_hint_is_reachable_by_a_listed_mistake():
    """ex06's hints had drifted from its mistakes: each hint must be the message some listed mistake gets."""
    from cfcourse.exercises import ex06

    messages = {ex06.q1.check(wrong).message for _, wrong in ex06.q1.mistakes}
    for fragment in ["plain sigmoid", "hard-coded to (0, 5):", "hard-coded to (0, 5.5)", "low offset is missing",
                     "not high", "runs from 0 to high"]:  # fmt: skip
        assert any(fragment in m for m in messages), fragment

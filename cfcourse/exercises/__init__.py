"""Exercises: replace the placeholder ``____``, then ``q1.check(answer)``.

Each notebook's exercises live in ``cfcourse/exercises/exNN.py`` as module-level
:class:`Exercise` objects ``q1``, ``q2``, ... A check says one of three things
and never crashes the notebook::

    Correct: <what was right>
    Incorrect: <reason> (see "<section>" in <notebook>)
    Not attempted: replace ____ with your answer, then run this cell again.

``q1.hint()`` and ``q1.solution()`` show a hint and the reference solution's code.

Writing an exercise (a notebook author's view): an exercise is data. Each typical
mistake is ONE record, the wrong answer and what the checker says about it; the
generic checker runs the reference, and every mistake, on the same inputs, so a
learner whose answer behaves like a listed mistake gets that mistake's message::

    def mean_rating(ratings):                      # the reference solution
        return ratings[ratings > 0].mean()

    q1 = Exercise("The mean rating", notebook="01_ratings.ipynb", section="The ratings table",
                  task="Write `mean_rating(ratings)` ...", reference=mean_rating, kind="function",
                  cases=[Case("mean_rating(table)", np.array([[4.0, 0.0], [2.0, 3.0]]))],
                  hint="Use a boolean mask.",
                  mistakes=[Mistake("zeros counted", lambda r: r.mean(),
                                    "the zeros are not ratings: average only the watched cells"),
                            Mistake("sum, not mean", lambda r: r.sum(), "that is the total; divide by the count")])

When several mistakes give the same wrong value on one case, the other cases tell
them apart; the tests prove each mistake gets its own message. Only where the
generic checker cannot express the exercise (a rule rather than a value: "any
name that is not a user", "no seen movie in the list") does a module pass its
own ``checker=``, and that checker takes its messages from the same records
(``raise Incorrect(MISTAKE.says)``).

The checker helpers (:func:`expect_type`, :func:`expect_shape`, :func:`expect_close`,
:func:`call`) raise :class:`Incorrect` with a reason that names the concept, and
:class:`NotAttempted` when they meet the placeholder. Numbers in messages are
rounded to 4 significant digits, so generated pages are the same on every machine.

Introduced in notebooks/00_index.ipynb.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
import re
import textwrap
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np

__all__ = [
    "____", "Placeholder", "Exercise", "Mistake", "Case", "CheckResult", "Hint", "Solution", "Incorrect",
    "NotAttempted", "is_placeholder", "judge", "call", "expect_type", "expect_shape", "expect_close", "all_exercises",
    "checkpoint",
]  # fmt: skip


class Placeholder:
    """The blank ``____`` a learner replaces. There is exactly one.

    It swallows arithmetic, indexing, attribute access, calls, NumPy ufuncs and
    functions, pandas operators and torch functions: each returns the
    placeholder again, so ``answer = ratings @ ____.T`` runs, and the check
    says "not attempted" instead of an error deep inside numpy. What cannot
    return a placeholder (``bool``, ``float``, ``len``, iteration,
    ``np.asarray``) raises a TypeError saying to replace it.
    """

    _instance: Placeholder | None = None
    __pandas_priority__ = 10_000  # pandas operators defer to us (DataFrame is 4000)

    def __new__(cls) -> Placeholder:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____ (a placeholder: replace it with your answer)"

    def _swallow(self, *args: Any, **kwargs: Any) -> Placeholder:
        return self

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("____ is a placeholder: replace it with your answer, then run the cell again.")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _swallow
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _swallow
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __neg__ = __pos__ = __abs__ = _swallow
    __lt__ = __le__ = __gt__ = __ge__ = __and__ = __rand__ = __or__ = __ror__ = __invert__ = _swallow
    __getitem__ = __call__ = __array_ufunc__ = __array_function__ = _swallow
    __bool__ = __float__ = __int__ = __index__ = __len__ = __iter__ = __array__ = _refuse

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None) -> Placeholder:  # noqa: ANN001
        return cls()

    def __getattr__(self, name: str) -> Placeholder:
        if name.startswith("_"):  # keep Python's and IPython's protocols honest
            raise AttributeError(name)
        return self

    def __copy__(self) -> Placeholder:
        return self

    def __deepcopy__(self, memo: dict) -> Placeholder:
        return self

    def __reduce__(self) -> str:
        return "____"


____ = Placeholder()
"""The placeholder learners replace with their answer."""


class Incorrect(Exception):
    """Raised by a checker: the answer is wrong, and the message says why."""


class NotAttempted(Exception):
    """Raised by a checker helper that meets the placeholder."""


def is_placeholder(answer: Any) -> bool:
    """True for ``____``, a tuple/list/dict holding it, or a function whose code still uses it."""
    if isinstance(answer, Placeholder):
        return True
    if isinstance(answer, (tuple, list)):
        return any(isinstance(a, Placeholder) for a in answer)
    if isinstance(answer, dict):
        return any(isinstance(a, Placeholder) for a in answer.values())
    try:
        code = getattr(answer, "__code__", None)
    except Exception:  # an object whose __getattr__ raises is an answer, not a placeholder
        return False
    return isinstance(code, types.CodeType) and _code_uses_placeholder(code)


def _code_uses_placeholder(code: types.CodeType) -> bool:
    return "____" in code.co_names or any(
        _code_uses_placeholder(c) for c in code.co_consts if isinstance(c, types.CodeType)
    )


# ---------------------------------------------------------------- checker helpers


def call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``function`` on deep copies of the arguments.

    Raises
    ------
    Incorrect
        ``function`` is not callable, or it raised (the reason gives the exception type and message).
    NotAttempted
        It raised NotImplementedError or returned the placeholder.
    """
    if is_placeholder(function):
        raise NotAttempted
    if not callable(function):
        raise Incorrect(f"expected a function (def ...), got {_describe(function)}")
    name = getattr(function, "__name__", "your function")
    shown = ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])
    try:
        result = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except NotImplementedError:
        raise NotAttempted from None
    except (Exception, SystemExit) as error:  # the learner's bug (even sys.exit()) becomes a reason, never a crash
        raise Incorrect(f"{name}({shown}) raised {_error(error)}") from None
    if is_placeholder(result):
        raise NotAttempted
    return result


def expect_type(
    answer: Any, expected: type | tuple[type, ...], *, name: str = "your answer", what: str | None = None
) -> None:
    """Raise Incorrect unless ``answer`` is an instance of ``expected`` (a bool is never a number).

    ``what`` names the expected kind in the reason ("a number"); by default the type names.
    """
    if is_placeholder(answer):
        raise NotAttempted
    wanted = expected if isinstance(expected, tuple) else (expected,)
    if _is_number_like(answer, wanted):
        return
    if not isinstance(answer, wanted) or (isinstance(answer, bool) and bool not in wanted):
        what = what or "a " + " or ".join(t.__name__ for t in wanted)
        raise Incorrect(f"{name} should be {what}, got {_describe(answer)}")


def _is_number_like(answer: Any, wanted: tuple[type, ...]) -> bool:
    """A 0-d array or tensor (or a numpy scalar) of numbers where a number is wanted: as good as a number."""
    wants_real = any(isinstance(t, type) and issubclass(t, (float, np.floating)) or t is Real for t in wanted)
    wants_int = any(isinstance(t, type) and issubclass(t, (int, np.integer)) and t is not bool or t is Integral for t in wanted)
    if not (wants_real or wants_int) or getattr(answer, "ndim", None) != 0 or isinstance(answer, (bool, np.bool_)):
        return False
    kind = str(getattr(answer, "dtype", ""))
    if "bool" in kind or "complex" in kind:
        return False
    integer = "int" in kind
    return integer or ("float" in kind and wants_real)


def expect_shape(
    answer: Any, shape: tuple[int, ...], *, name: str = "your answer", hints: dict[tuple, str] | None = None
) -> None:
    """Raise Incorrect unless ``np.shape(answer) == shape``.

    ``hints`` maps a wrong shape to a question appended to the reason; a
    transposed shape gets "did you forget to transpose?" without asking.
    """
    if is_placeholder(answer):
        raise NotAttempted
    got = _shape(answer)
    shape = tuple(shape)
    if got != shape:
        hints = {(*shape[::-1],): "did you forget to transpose?", **(hints or {})} if len(shape) == 2 else hints or {}
        reason = f"{name} should have shape {shape}, got {got}"
        raise Incorrect(f"{reason}: {hints[got]}" if got in hints else reason)


def expect_close(
    answer: Any,
    expected: Any,
    *,
    name: str = "your answer",
    rtol: float = 1e-5,
    atol: float = 1e-8,
    hints: Sequence[tuple[Any, str]] = (),
    shape_hints: dict[tuple, str] | None = None,
) -> None:
    """Raise Incorrect unless ``answer`` is numerically close to ``expected`` (``np.allclose``).

    Accepts numbers, lists, NumPy arrays, pandas objects (labels are ignored)
    and torch tensors. ``hints`` is a list of ``(wrong_value, reason)``: when the
    answer is close to a typical wrong value, that reason is given instead of
    "expected ..., got ...".
    """
    if is_placeholder(answer):
        raise NotAttempted
    expected = _as_array(expected, "the expected value")
    got = _as_array(answer, name)
    if got.shape == expected.shape and np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        return
    for wrong, reason in hints:
        wrong = _as_array(wrong, "a hint")
        if wrong.shape == got.shape and np.allclose(got, wrong, rtol=rtol, atol=atol, equal_nan=True):
            raise Incorrect(f"{name} is {_shown(answer)}: {reason}")
    expect_shape(got, expected.shape, name=name, hints=shape_hints)
    if np.isnan(got).any() and not np.isnan(expected).any():
        raise Incorrect(f"{name} contains NaN: look for a 0/0, or a mean over no entries")
    if got.ndim == 0:
        raise Incorrect(f"{name} should be {_number(expected)}, got {_number(got)}")
    wrong_cells = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    where = np.unravel_index(np.argmax(np.where(wrong_cells, np.abs(got - expected), -1)), got.shape)
    where = tuple(int(w) for w in where)
    raise Incorrect(
        f"{name} differs from the expected values in {int(wrong_cells.sum())} of {got.size} entries "
        f"(at index {where[0] if len(where) == 1 else where}: expected {_number(expected[where])}, "
        f"got {_number(got[where])})"
    )


def _as_array(value: Any, name: str) -> np.ndarray:
    if value is None:
        raise Incorrect(f"{name} is None: did you forget to `return` the result?")
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    elif hasattr(value, "to_numpy"):  # pandas
        value = value.to_numpy()
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Incorrect(f"{name} should be a number or an array of numbers, got {_describe(value)}") from None
    return array


def _shape(value: Any) -> tuple[int, ...]:
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else np.shape(value)


def _number(x: Any) -> str:
    return f"{float(x):.6g}"


def _shown(value: Any) -> str:
    """A learner's value as a message shows it: numbers to 4 significant digits (the same on every machine)."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if value is None or isinstance(value, (bool, np.bool_, str, bytes, tuple, list, dict, set)):
        return _short(value)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return _short(value)
    finite = np.abs(array[np.isfinite(array)])
    scale = float(finite.max()) if finite.size else 1.0
    array = np.where(np.abs(array) <= 1e-12 * max(scale, 1.0), 0.0, array)  # rounding noise (6.9e-18) is 0
    if array.ndim == 0:
        return _round4(float(array))
    if array.size <= 12:
        text = _clean(np.array2string(array, separator=", ", formatter={"float_kind": _round4}))
        return text if len(text) <= 120 else text[:117] + "..."
    return f"an array of shape {array.shape}"


def _round4(x: float) -> str:
    if np.isfinite(x) and x == round(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def _short(value: Any, width: int = 60) -> str:
    text = _clean(repr(value))
    return text if len(text) <= width else text[: width - 3] + "..."


def _clean(text: str) -> str:
    """One line, no memory addresses: stored notebook outputs must not vary."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", " ".join(text.split()))


def _error(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {_short(value)}"


# ---------------------------------------------------------------- exercises as data


@dataclass(frozen=True)
class Mistake:
    """One typical mistake: the wrong answer, and what the checker says about it.

    Parameters
    ----------
    description : str
        A few words for instructors ("forgot the mask"), shown in docs/solutions.md and the helper sheet.
    answer : object
        The wrong answer: a value, or for a function exercise a function with the reference's signature.
    says : str
        The reason the learner reads when their answer behaves like ``answer``. The tests prove the
        checker gives exactly this reason for this mistake, and a different one for every other mistake.
    """

    description: str
    answer: Any
    says: str


@dataclass(frozen=True)
class Case:
    """One set of inputs a function exercise is checked on, and how the result is named in a message."""

    name: str
    args: tuple

    def __init__(self, name: str, *args: Any) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", args)


def _matches(got: Any, wrong: Any, rtol: float, atol: float) -> bool:
    """Does the learner's ``got`` look like the mistake's ``wrong``? Containers and strings by type and
    equality (a list is not a tuple), numbers and arrays by closeness."""
    if wrong is None or got is None:
        return wrong is None and got is None
    if isinstance(wrong, (str, tuple, list, dict, set)) or isinstance(got, (str, tuple, list, dict, set)):
        try:
            return type(got) is type(wrong) and bool(got == wrong)
        except Exception:
            return False
    try:
        got, wrong = _as_array(got, "answer"), _as_array(wrong, "mistake")
        return got.shape == wrong.shape and bool(np.allclose(got, wrong, rtol=rtol, atol=atol, equal_nan=True))
    except (Incorrect, TypeError, ValueError):
        return False


def _mistake_value(mistake: Mistake, args: tuple | None) -> Any:
    """What ``mistake`` answers on ``args`` (None: a value exercise); a mistake that crashes there answers nothing."""
    if args is None:
        return mistake.answer
    try:
        return mistake.answer(*copy.deepcopy(args))
    except Exception:
        return _CRASHED


_CRASHED = object()


def _mistake_error(mistake: Mistake, args: tuple) -> str | None:
    """The error ``mistake`` raises on ``args`` (as :func:`call` words it), or None."""
    try:
        mistake.answer(*copy.deepcopy(args))
    except Exception as error:
        return _error(error)
    return None


def judge(
    answer: Any,
    reference: Callable[..., Any],
    mistakes: Sequence[Mistake],
    cases: Sequence[Case] | None = None,
    *,
    name: str = "your answer",
    rtol: float = 1e-5,
    atol: float = 1e-8,
) -> None:
    """The generic checker: raise Incorrect unless ``answer`` agrees with ``reference``.

    A value answer (``cases=None``) is compared with ``reference()``; a function answer is called on
    every case and compared with ``reference(*case.args)``. At the first disagreement the answer is
    compared with what each mistake gives on the same inputs; if several mistakes fit there, the
    other cases decide. A fitting mistake's ``says`` is the reason; otherwise :func:`expect_close`
    says how the numbers differ.
    """
    if is_placeholder(answer):
        raise NotAttempted
    runs = [(name, None)] if cases is None else [(case.name, case.args) for case in cases]
    results: dict[int, Any] = {}

    def result(i: int) -> Any:
        if i not in results:
            args = runs[i][1]
            results[i] = answer if args is None else call(answer, *args)
        return results[i]

    for i, (label, args) in enumerate(runs):
        try:
            got = result(i)
        except Incorrect as crash:  # a mistake that crashes the same way names the cause
            for m in mistakes:
                error = None if args is None else _mistake_error(m, args)
                if error is not None and str(crash).endswith(f" raised {error}"):
                    raise Incorrect(f"{label} raised {error.split(':')[0]}: {m.says}") from None
            raise
        expected = reference() if args is None else reference(*copy.deepcopy(args))
        if _matches(got, expected, rtol, atol):
            continue
        fits = [m for m in mistakes if _matches(got, _mistake_value(m, args), rtol, atol)]
        if len(fits) > 1:  # the same wrong value here: the other cases tell the mistakes apart

            def fits_everywhere(m: Mistake) -> bool:
                for j, (_, other) in enumerate(runs):
                    try:
                        theirs = result(j)
                    except (Incorrect, NotAttempted):
                        return False
                    if not _matches(theirs, _mistake_value(m, other), rtol, atol):
                        return False
                return True

            fits = [m for m in fits if fits_everywhere(m)] or fits
        if fits:
            raise Incorrect(f"{label} is {_shown(got)}: {fits[0].says}")
        if isinstance(expected, (str, tuple, list, dict, set)) or isinstance(got, (str, dict, set)):
            raise Incorrect(f"{label} is {_describe(got)}, which is not the answer")
        expect_close(got, expected, name=label, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- results


Status = Literal["correct", "incorrect", "not attempted"]


@dataclass(frozen=True)
class CheckResult:
    """What a check found: ``status`` is "correct", "incorrect" or "not attempted"."""

    status: Status
    message: str

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        label, _, rest = self.message.partition(": ")
        icon = {"correct": "✅", "incorrect": "❌", "not attempted": "✏️"}[self.status]
        return f"{icon} **{label}:** {rest}".replace("____", "`____`")


@dataclass(frozen=True)
class Hint:
    """A hint that displays as text or markdown."""

    text: str

    def __repr__(self) -> str:
        return f"Hint: {self.text}"

    def _repr_markdown_(self) -> str:
        return f"💡 **Hint:** {self.text}"


@dataclass(frozen=True)
class Solution:
    """A reference solution's source code."""

    code: str

    def __repr__(self) -> str:
        return f"Solution:\n{self.code}"

    def _repr_markdown_(self) -> str:
        return f"**Solution:**\n\n```python\n{self.code}\n```"


_NOT_GIVEN = object()


class Exercise:
    """One exercise: a task, a checker, a hint and a reference solution.

    Parameters
    ----------
    name : str
        A short title, e.g. "The highest rating".
    notebook : str
        The notebook the exercise belongs to, e.g. "01_ratings.ipynb".
    section : str
        The ``##`` step that teaches the concept; wrong answers point there.
    task : str
        What the learner is asked to do (markdown).
    reference : callable
        With ``kind="function"``, the reference solution itself (learners write a
        function with the same signature). With ``kind="value"``, a function of
        no arguments that returns the expected value. ``solution()`` shows its source.
    hint : str
        One nudge towards the answer (markdown).
    mistakes : list of Mistake
        Typical mistakes, one record each: the wrong answer (a value, or a function for
        ``kind="function"``) and what the checker says about it. The test suite proves the
        checker rejects each one with its own message.
    kind : {"value", "function"}
        Whether the learner answers with a value or with a function.
    cases : list of Case, optional
        For ``kind="function"`` with the generic checker: the inputs the answer is called on,
        in order (put first the case where every mistake gives a different value).
    praise : str, optional
        What "Correct:" says about a right answer.
    answer_type : type or tuple of types, optional
        For ``kind="value"``: the answer must be an instance (:func:`expect_type`); ``answer_what``
        names it in the reason ("a number").
    rtol, atol : float
        Tolerances of the comparison (``np.allclose``).
    checker : callable, optional
        Only for an exercise the generic checker cannot express (a rule, not a value):
        ``checker(answer)`` raises :class:`Incorrect` for a wrong answer and may return what
        "Correct:" says. It takes its reasons from the ``mistakes`` records.
    accepts : str, optional
        For a checker that accepts more than the reference (a rule), which answers it accepts, in
        words: the helper sheet and docs/solutions.md show it beside the reference.
    """

    def __init__(
        self,
        name: str,
        *,
        notebook: str,
        section: str,
        task: str,
        reference: Callable[..., Any],
        hint: str,
        mistakes: Sequence[Mistake],
        kind: Literal["value", "function"] = "value",
        cases: Sequence[Case] = (),
        praise: str | None = None,
        answer_type: type | tuple[type, ...] | None = None,
        answer_what: str | None = None,
        answer_name: str = "your answer",
        rtol: float = 1e-5,
        atol: float = 1e-8,
        checker: Callable[[Any], str | None] | None = None,
        accepts: str | None = None,
    ) -> None:
        if kind not in ("value", "function"):
            raise ValueError(f'kind must be "value" or "function", got {kind!r}.')
        if not callable(reference):
            raise TypeError(f"reference must be a function, got {type(reference).__name__}; "
                            f"for a value answer write `def reference(): return <value>`.")  # fmt: skip
        bad = [m for m in mistakes if not isinstance(m, Mistake)]
        if bad:
            raise TypeError(f"each mistake must be a Mistake(description, answer, says) record, got {bad[0]!r}; "
                            "write what the checker says about it as the third field.")  # fmt: skip
        if kind == "function" and checker is None and not cases:
            raise ValueError("a function exercise with the generic checker needs cases=[Case(name, *args), ...].")
        self.name, self.notebook, self.section, self.task = name, notebook, section, task
        self.reference, self.hint_text, self.kind = reference, hint, kind
        self.mistakes = list(mistakes)
        self.cases, self.praise = list(cases), praise
        self.answer_type, self.answer_what, self.answer_name = answer_type, answer_what, answer_name
        self.rtol, self.atol = rtol, atol
        self.checker = checker or self._generic_check
        self.generic = checker is None
        self.accepts = accepts
        self.key: str | None = None  # "ex00.q1", set by all_exercises()

    def __repr__(self) -> str:
        return f"Exercise({self.name!r}, notebook={self.notebook!r}, section={self.section!r})"

    def _generic_check(self, answer: Any) -> str | None:
        """Judge ``answer`` by the reference and the mistake records (see :func:`judge`)."""
        if self.kind == "value":
            fits = [m for m in self.mistakes if _matches(answer, m.answer, self.rtol, self.atol)]
            if fits:  # a listed mistake, even of the wrong type ("5" for 5), gets its own reason
                raise Incorrect(f"{self.answer_name} is {_shown(answer)}: {fits[0].says}")
            if self.answer_type is not None:
                expect_type(answer, self.answer_type, name=self.answer_name, what=self.answer_what)
        judge(answer, self.reference, self.mistakes, None if self.kind == "value" else self.cases,
              name=self.answer_name, rtol=self.rtol, atol=self.atol)  # fmt: skip
        return self.praise

    def reference_answer(self) -> Any:
        """What a correct learner passes to ``check``: the reference function, or the value it returns."""
        return self.reference if self.kind == "function" else self.reference()

    def check(self, answer: Any = _NOT_GIVEN) -> CheckResult:
        """Check ``answer``; never raises (the learner's errors become an "incorrect" reason)."""
        if answer is _NOT_GIVEN or is_placeholder(answer):
            return CheckResult("not attempted", "Not attempted: replace ____ with your answer, then run this cell again.")
        try:
            praise = self.checker(answer)
        except NotAttempted:
            return self.check(____)
        except Incorrect as wrong:
            reason = str(wrong)
        except (Exception, SystemExit) as error:  # a crash inside the check is reported, never raised
            reason = f"checking your answer raised {_error(error)}"
        else:
            return CheckResult("correct", _clean(f"Correct: {praise or 'your answer matches the reference solution.'}"))
        return CheckResult("incorrect", _clean(f'Incorrect: {reason} (see "{self.section}" in {self.notebook})'))

    def hint(self) -> Hint:
        """A hint towards the answer."""
        return Hint(self.hint_text)

    def solution(self) -> Solution:
        """The reference solution's source code."""
        code = textwrap.dedent(inspect.getsource(self.reference)).strip()
        if self.kind == "value":
            code += f"\n\nanswer = {self.reference.__name__}()"
        return Solution(code)


CHECKPOINT = (
    "**Checkpoint:** green sticky note up when `{key}.check(...)` says Correct; red sticky note up if you are "
    "stuck (try `{key}.hint()` while a helper comes over)."
)
"""The sticky-note line a workshop room reads after every exercise (``./course nav`` writes it in the notebooks)."""


def checkpoint(key: str) -> str:
    """The sticky-note checkpoint line (markdown) that follows exercise ``key`` ("ex05.q1") in its notebook."""
    if not re.fullmatch(r"ex\d\d\.q\d+", key):
        raise ValueError(f"an exercise key looks like 'ex05.q1', got {key!r}")
    return CHECKPOINT.format(key=key)


def all_exercises() -> list[Exercise]:
    """Every ``q1``, ``q2``, ... of every ``cfcourse/exercises/exNN.py``, in order.

    Sets each exercise's ``key`` (e.g. "ex00.q1").
    """
    found = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not re.fullmatch(r"ex\d\d", module_info.name):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        questions = [(int(n[1:]), n, q) for n, q in vars(module).items()
                     if re.fullmatch(r"q\d+", n) and isinstance(q, Exercise)]  # fmt: skip
        for _, attribute, exercise in sorted(questions, key=lambda t: t[0]):
            exercise.key = f"{module_info.name}.{attribute}"
            found.append(exercise)
    return found

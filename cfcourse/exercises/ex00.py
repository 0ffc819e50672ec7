"""Warm-up exercises of notebooks/00_index.ipynb: learn how an exercise works.

In the notebook::

    from cfcourse.exercises import ____, ex00

    answer = ____
    ex00.q1.check(answer)
"""

from numbers import Real

from cfcourse.columns import RATING_MAX, RATING_STEP
from cfcourse.exercises import Case, Exercise, Mistake

NOTEBOOK = "00_index.ipynb"
SECTION = "How exercises work"


def highest_rating():
    return RATING_MAX


q1 = Exercise(
    "The highest rating",
    notebook=NOTEBOOK,
    section=SECTION,
    task="Replace `____` with the number of stars of the highest MovieLens rating.",
    reference=highest_rating,
    hint="MovieLens ratings go from half a star to ... stars. `cfcourse.columns` knows.",
    answer_type=Real,
    answer_what="a number",
    praise=f"the highest MovieLens rating is {RATING_MAX:g} stars.",
    mistakes=[
        Mistake("out of 10", 10, "MovieLens gives at most 5 stars, not points out of 10"),
        Mistake("one half star short", 4.5, "half stars go all the way up: the top rating is a whole number of stars"),
        Mistake("the lowest rating", 0.5, "that is the lowest rating; we asked for the highest"),
        Mistake("a string", "5", "that is text (in quotes); write the number itself, without quotes"),
    ],
)


def half_stars(n):
    return n * RATING_STEP


q2 = Exercise(
    "Half stars",
    notebook=NOTEBOOK,
    section=SECTION,
    task="Write a function `half_stars(n)` that returns the MovieLens rating for `n` half stars "
    "(for example `half_stars(7)` is 3.5).",
    reference=half_stars,
    kind="function",
    hint="One half star is worth 0.5 stars: `cfcourse.columns.RATING_STEP`.",
    cases=[Case(f"half_stars({n})", n) for n in (7, 1, 2, 10)],  # 7 first: every mistake gives a different number
    praise="n half stars are n * 0.5 stars, so 7 half stars are 3.5 stars.",
    mistakes=[
        Mistake("counts stars, not half stars", lambda n: n, "that counts stars; each star here is only half a star"),
        Mistake("doubles instead of halving", lambda n: n * 2,
                "you doubled it: n half stars are fewer stars than n, not more"),
        Mistake("integer division", lambda n: n // 2,
                "integer division drops the half star: use `/` or `* 0.5`, not `//`"),
        Mistake("off by one", lambda n: (n + 1) / 2, "off by one: n half stars are exactly n halves"),
    ],
)

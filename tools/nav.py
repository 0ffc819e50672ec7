"""Navigation and generated docs, written from the course outline.

Usage (through ./course, which sets up the pinned environment first)::

    python tools/nav.py [--check]

Writes the generated parts from ``notebooks/outline.toml``, the measured run
times in ``notebooks/timings.json`` and the exercises in
``cfcourse.exercises``: the navigation cells (previous / next, the index and an
"Open in Colab" link), the collapsed Colab set-up cell, the path table in the
index notebook and README.md, the generated tables of
``docs/instructor-guide.md`` and the whole of ``docs/solutions.md``.
``--check`` only reports what is stale (the hygiene tests call it).

Its siblings: ``tools/execute.py`` runs notebooks and stores their outputs
(``./course execute``); ``tools/book.py`` builds the course website
(``./course book``). Both read the outline through this module.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
OUTLINE = NOTEBOOKS / "outline.toml"
README = ROOT / "README.md"
INDEX = "00_index.ipynb"
TIMINGS = NOTEBOOKS / "timings.json"
PYPROJECT = ROOT / "pyproject.toml"
GUIDE = ROOT / "docs" / "instructor-guide.md"
SOLUTIONS = ROOT / "docs" / "solutions.md"

NAV_TAG = "navigation"
CHECKPOINT_TAG = "checkpoint"
CHECK_CALL = re.compile(r"\b(ex\d\d\.q\d+)\.check\(")
"""An exercise's check in a code cell: ``./course nav`` writes a sticky-note checkpoint after it."""
PATH_TAG = "course-path"
COLAB_TAG = "colab-setup"
GUIDE_MARKERS = ("goals", "timings", "mistakes")
WORDS_PER_MINUTE = 150  # reading technical prose
MINUTES_PER_EXERCISE = 5
MINUTES_PER_CODE_CELL = 0.5  # read it, run it, look at the output


@dataclass(frozen=True)
class Step:
    number: str
    file: str
    title: str
    promise: str

    @property
    def path(self) -> Path:
        return NOTEBOOKS / self.file

    @property
    def written(self) -> bool:
        return self.path.exists()

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


def load_outline(path: Path = OUTLINE) -> list[Step]:
    """The course path, in order, as written in ``notebooks/outline.toml``."""
    with open(path, "rb") as f:
        steps = tomllib.load(f)["step"]
    return [Step(s["file"][:2], s["file"], s["title"], s["promise"]) for s in steps]


# --- generated text ---------------------------------------------------------

def repository_url() -> str:
    """The public repository, kept in one place: pyproject.toml's project URLs."""
    with open(PYPROJECT, "rb") as f:
        return tomllib.load(f)["project"]["urls"]["Repository"].rstrip("/")


def colab_url(file: str) -> str:
    github = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{github}/blob/main/notebooks/{file}"


def colab_link(step: Step) -> str:
    """A text link, not the remote badge image: it reads the same offline, where the image would be broken."""
    return f"[Open in Colab]({colab_url(step.file)})"


COLAB_TITLE = "#@title Colab set-up (run it in Google Colab; elsewhere it does nothing)"
COLAB_METADATA = {
    "cellView": "form",  # Colab shows only the title line above
    "jupyter": {"source_hidden": True},  # JupyterLab shows the cell collapsed
}


def colab_source() -> str:
    """The Colab set-up cell: installs the course inside Colab, does nothing elsewhere."""
    return f"""{COLAB_TITLE}
import sys

if "google.colab" in sys.modules:
    import subprocess

    package = "cfcourse @ git+{repository_url()}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
    subprocess.run([sys.executable, "-m", "cfcourse.data", "fetch"], check=True)"""


def load_timings() -> dict[str, float]:
    """Seconds each notebook took in its last ``./course execute`` run."""
    return json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}


def study_minutes(step: Step, timings: dict[str, float]) -> int | None:
    """A learner's time for a notebook, from what can be measured of it.

    Reading time of its prose (150 words a minute), half a minute per code cell,
    five minutes per exercise, plus its measured run time; rounded up to 5 min.
    """
    if not step.written or step.file not in timings:
        return None
    nb = nbformat.read(step.path, as_version=4)
    prose = [c for c in nb.cells if c.cell_type == "markdown" and not (_tagged(c, NAV_TAG) or _tagged(c, PATH_TAG))]
    words = sum(len(c.source.split()) for c in prose)
    code = [c for c in nb.cells if c.cell_type == "code" and not _tagged(c, COLAB_TAG)]
    exercises = sum(".check(" in c.source for c in code)
    minutes = (
        words / WORDS_PER_MINUTE
        + MINUTES_PER_CODE_CELL * (len(code) - exercises)
        + MINUTES_PER_EXERCISE * exercises
        + timings[step.file] / 60
    )
    return 5 * math.ceil(minutes / 5)


def learning_goals(step: Step) -> list[str]:
    """The bullets of the notebook's "You will learn" list."""
    nb = nbformat.read(step.path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "You will learn" in cell.source:
            after = cell.source.split("You will learn", 1)[1]
            items, current = [], None
            for line in after.splitlines()[1:]:
                if line.startswith("- "):
                    current = line[2:].strip()
                    items.append(current)
                elif line.startswith("  ") and current is not None:
                    items[-1] += " " + line.strip()
                elif line.strip():
                    break
            return items
    return []

def _link(step: Step) -> str:
    return f"[{step.label}]({step.file})" if step.written else f"{step.label} (coming)"


def navigation(step: Step, steps: list[Step]) -> str:
    """Markdown for the navigation cell at the top and bottom of a notebook."""
    i = steps.index(step)
    parts = ["**cfcourse**"]
    if step.file != INDEX:
        parts.append(f"[Index]({INDEX})")
    if i > 0:
        parts.append(f"← {_link(steps[i - 1])}")
    if i + 1 < len(steps):
        parts.append(f"{_link(steps[i + 1])} →")
    parts.append(colab_link(step))
    return " · ".join(parts)


def path_table(steps: list[Step], link_prefix: str = "") -> str:
    """Markdown table of the whole path (index notebook and README)."""
    timings = load_timings()
    rows = ["| # | Notebook | What you will do | Time |", "|---|---|---|---|"]
    for step in steps:
        if step.written:
            name = f"[{step.title}]({link_prefix}{step.file})"
        else:
            name = f"{step.title} *(coming)*"
        minutes = study_minutes(step, timings)
        time = f"{minutes} min" if minutes else "–"
        rows.append(f"| {step.number} | {name} | {step.promise} | {time} |")
    return "\n".join(rows)


# --- applying it ------------------------------------------------------------

def _tagged(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def _nav_cell(text: str):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": [NAV_TAG]})


def render_notebook(nb, step: Step, steps: list[Step]):
    """Return ``nb`` with its generated cells brought up to date (in place)."""
    text = navigation(step, steps)
    cells = [c for c in nb.cells if not _tagged(c, NAV_TAG)]
    colab = next((c for c in cells if _tagged(c, COLAB_TAG)), None)
    if colab is None:
        colab = nbformat.v4.new_code_cell(metadata={"tags": [COLAB_TAG]})
    cells = [c for c in cells if c is not colab]
    colab.metadata.update(COLAB_METADATA)
    if colab.source != colab_source():
        colab.source, colab.outputs, colab.execution_count = colab_source(), [], None
    for cell in cells:
        if _tagged(cell, PATH_TAG):
            cell.source = path_table(steps)
    nb.cells = [_nav_cell(text), colab, *with_checkpoints(cells), _nav_cell(text)]
    for cell in nb.cells:  # nbformat >= 4.5 wants ids; keep them stable
        cell.pop("id", None)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def with_checkpoints(cells: list) -> list:
    """``cells`` with one generated checkpoint cell (tag ``checkpoint``) right after each exercise's check.

    The line is :func:`cfcourse.exercises.checkpoint`, the same for every exercise; stale or orphaned
    checkpoint cells are dropped and written afresh.
    """
    from cfcourse.exercises import checkpoint

    out = []
    for cell in cells:
        if _tagged(cell, CHECKPOINT_TAG):
            continue
        out.append(cell)
        if cell.cell_type == "code":
            for key in dict.fromkeys(CHECK_CALL.findall(cell.source)):
                out.append(nbformat.v4.new_markdown_cell(checkpoint(key), metadata={"tags": [CHECKPOINT_TAG]}))
    return out


def binder_url(file: str) -> str:
    github = repository_url().removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{github}/main?urlpath=lab/tree/notebooks/{file}"


def readme_blocks(steps: list[Step]) -> dict[str, str]:
    """The generated blocks of README.md, by marker name."""
    url = repository_url()
    # Images with alt text: offline (or with images blocked) the alt text is the link.
    return {
        "badges": (
            f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(INDEX)}) "
            f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(INDEX)})"
        ),
        "clone": f"```bash\ngit clone {url}.git\ncd {url.rsplit('/', 1)[1]}\n./course lab\n```",
        "course-path": path_table(steps, link_prefix="notebooks/"),
    }


def replace_block(text: str, name: str, body: str, path: Path = README) -> str:
    start_re = re.compile(rf"<!-- {re.escape(name)}:start[^>]*-->")
    start, end = start_re.search(text), text.find(f"<!-- {name}:end -->")
    if start is None or end < start.end():
        raise SystemExit(f"{path.relative_to(ROOT)} lacks the markers <!-- {name}:start --> ... <!-- {name}:end -->")
    return text[: start.end()] + "\n" + body + "\n" + text[end:]


def render_readme(text: str, steps: list[Step]) -> str:
    for name, body in readme_blocks(steps).items():
        text = replace_block(text, name, body)
    return text


def _exercises_by_notebook():
    from cfcourse.exercises import all_exercises

    grouped: dict[str, list] = {}
    for exercise in all_exercises():
        grouped.setdefault(exercise.notebook, []).append(exercise)
    return grouped


def _expected_value(value) -> str:
    """A value as a helper reads it off a learner's screen: numbers to 4 significant digits (machine-independent)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_expected_value(v) for v in value) + ")"
    return repr(value)


def solutions_markdown(steps: list[Step]) -> str:
    """docs/solutions.md: every exercise with its reference solution, built from the package."""
    out = [
        "# Solutions to every exercise",
        "",
        "<!-- Generated by ./course nav from cfcourse/exercises: do not edit by hand. -->",
        "",
        "For instructors. These are the reference solutions the checkers use, with the",
        "typical mistakes each checker catches and what it tells the learner.",
    ]
    grouped = _exercises_by_notebook()
    for step in steps:
        for exercise in grouped.get(step.file, []):
            if exercise is grouped[step.file][0]:
                out += ["", f"## {step.label}", ""]
            out += [f"### `{exercise.key}`: {exercise.name}", "", f"*Section: {exercise.section}*", ""]
            out += [f"**Task.** {exercise.task}", "", f"**Hint.** {exercise.hint_text}", ""]
            if exercise.kind == "value":  # a helper compares values, not code
                out += [f"**Expected answer.** `{_expected_value(exercise.reference_answer())}`", ""]
            out += ["**Reference solution**", "", "```python", exercise.solution().code.rstrip(), "```", ""]
            if getattr(exercise, "accepts", None):
                out += [f"**Also accepted.** {exercise.accepts}", ""]
            out += ["**Typical mistakes, and what the checker says**", ""]
            for mistake in exercise.mistakes:
                out.append(f"- *{mistake.description}*: {exercise.check(mistake.answer).message}")
    return "\n".join(out) + "\n"


def _guide_section(name: str, steps: list[Step]) -> str:
    timings = load_timings()
    written = [s for s in steps if s.written]
    if name == "goals":
        lines = []
        for step in written:
            lines += [f"**{step.label}**", ""] + [f"- {goal}" for goal in learning_goals(step)] + [""]
        return "\n".join(lines).rstrip()
    if name == "timings":
        lines = ["| Notebook | Run time (2 cores) | Study time |", "|---|---|---|"]
        for step in written:
            seconds = timings.get(step.file)
            minutes = study_minutes(step, timings)
            run = f"{seconds:.0f} s" if seconds is not None else "–"
            study = f"{minutes} min" if minutes else "–"
            lines.append(f"| {step.label} | {run} | {study} |")
        return "\n".join(lines)
    if name == "mistakes":
        grouped, lines = _exercises_by_notebook(), []
        for step in written:
            for exercise in grouped.get(step.file, []):
                caught = "; ".join(mistake.description for mistake in exercise.mistakes)
                lines.append(f"- **{step.number}, {exercise.name}** (`{exercise.key}`): {caught}.")
        return "\n".join(lines)
    raise ValueError(name)


def render_guide(text: str, steps: list[Step]) -> str:
    for name in GUIDE_MARKERS:
        text = replace_block(text, f"generated:{name}", _guide_section(name, steps), GUIDE)
    return text


def stale_files(steps: list[Step] | None = None) -> list[Path]:
    """Files whose generated parts differ from what ``nav`` would write."""
    steps = steps or load_outline()
    stale = []
    if not SOLUTIONS.exists() or SOLUTIONS.read_text() != solutions_markdown(steps):
        stale.append(SOLUTIONS)
    if GUIDE.read_text() != render_guide(GUIDE.read_text(), steps):
        stale.append(GUIDE)
    for step in steps:
        if not step.written:
            continue
        nb = nbformat.read(step.path, as_version=4)
        want = nbformat.writes(render_notebook(nbformat.read(step.path, as_version=4), step, steps))
        if nbformat.writes(nb) != want:
            stale.append(step.path)
    text = README.read_text()
    if render_readme(text, steps) != text:
        stale.append(README)
    return stale


def nav(check: bool = False) -> int:
    steps = load_outline()
    stale = stale_files(steps)
    if check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run ./course nav)")
        return 1 if stale else 0
    for step in steps:
        if step.written:
            nb = render_notebook(nbformat.read(step.path, as_version=4), step, steps)
            nbformat.write(nb, step.path)
    README.write_text(render_readme(README.read_text(), steps))
    SOLUTIONS.write_text(solutions_markdown(steps))
    GUIDE.write_text(render_guide(GUIDE.read_text(), steps))
    for path in stale:
        print(f"updated {path.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    return nav(check=args.check)


if __name__ == "__main__":
    sys.exit(main())

"""The workshop kit: room-pace timings and schedules, the helper sheet, clean copies, slides, reset.

Usage (through ./course, which sets up the pinned environment first)::

    python tools/workshop.py generate [--check]   # guide schedules, helper sheet, clean/ copies
    python tools/workshop.py slides [--out DIR]   # also writes build/slides/index.html
    python tools/workshop.py reset NOTEBOOK       # restore a notebook from clean/, keep yours aside

Everything here is derived from the notebooks, ``notebooks/timings.json`` and
the exercise objects of ``cfcourse.exercises`` (public attributes only), so an
instructor's material cannot drift from the course:

- the room-pace table and the half-day, one-day and two-day schedules between
  the ``workshop:*`` markers of ``docs/instructor-guide.md``;
- ``docs/helper-sheet.md``, one page for helpers: every exercise's expected
  answer and the mistakes its checker catches;
- ``clean/NN_topic.ipynb``: every notebook without outputs, the copy
  ``reset`` restores;
- a static HTML slide deck from each notebook's "You will learn" list and
  summary, with a sticky-note checkpoint per notebook (``slides``).

``reset`` needs only the standard library (a learner's broken install must not
stop it); the rest needs nbformat and the course package (matplotlib renders
the deck's formulas). This module does not import ``tools/notebooks.py``.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import math
import re
import shutil
import sys
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CLEAN = ROOT / "clean"
KEPT = ROOT / "my-work"
GUIDE = ROOT / "docs" / "instructor-guide.md"
HELPER_SHEET = ROOT / "docs" / "helper-sheet.md"
SLIDES = ROOT / "build" / "slides"

SKIP_NOTE = re.compile(r"Skip in a (one|two)-day workshop")
"""What marks a section a short workshop leaves out: a markdown note right under its heading.

One-day cuts sit in notebooks 00-05 (the one-day path), two-day cuts in 08-10."""
GENERATED_TAGS = ("navigation", "colab-setup", "course-path", "checkpoint")

# --- room pace ---------------------------------------------------------------
# The study times of the path table are one learner reading alone (150 words a
# minute, half a minute per code cell, five minutes per exercise). A room is
# slower: the instructor explains instead of letting people read, types every
# cell live, and waits for most of the room before moving on. These are the
# assumptions, stated once; change them after you have timed a real room.
SPOKEN_WORDS_PER_MINUTE = 100
"""The prose, explained aloud with pauses and questions (reading alone: 150)."""
LIVE_CODING_MINUTES_PER_CELL = 1.0
"""Type the cell, run it, point at its output: twice what a reader needs (reading alone: 0.5)."""
ROOM_MINUTES_PER_EXERCISE = 8
"""Five minutes for a learner alone, plus the wait for the slower third of the room."""
DEBRIEF_MINUTES = 5
"""The sticky-note checkpoint and the summary, per notebook."""
LAPTOP_SLOWDOWN = 2
"""Learners' laptops run cells about this much slower than the 2 measured cores."""


@dataclass
class Section:
    """One ``##`` step of a notebook and what can be measured of it."""

    title: str
    words: int = 0
    code_cells: int = 0
    exercises: int = 0
    skip_note: str | None = None

    @property
    def teaching_minutes(self) -> float:
        return self.words / SPOKEN_WORDS_PER_MINUTE + LIVE_CODING_MINUTES_PER_CELL * self.code_cells

    @property
    def exercise_minutes(self) -> float:
        return ROOM_MINUTES_PER_EXERCISE * self.exercises


@dataclass
class Notebook:
    """A notebook of the path with its sections and measured run time."""

    number: str
    file: str
    title: str
    seconds: float
    sections: list[Section] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def path(self) -> Path:
        return NOTEBOOKS / self.file

    @property
    def skipped(self) -> list[Section]:
        return [s for s in self.sections if s.skip_note]

    def minutes(self, cut: bool = False) -> dict[str, int]:
        """Teaching and exercise minutes (rounded up) and their total, rounded up to 5.

        With ``cut``, the sections marked "Skip in a ... workshop" do not count.
        """
        kept = [s for s in self.sections if not (cut and s.skip_note)]
        teach = math.ceil(sum(s.teaching_minutes for s in kept) + LAPTOP_SLOWDOWN * self.seconds / 60)
        exercises = math.ceil(sum(s.exercise_minutes for s in kept) + DEBRIEF_MINUTES)
        return {"teach": teach, "exercises": exercises, "total": _up5(teach + exercises)}


def _up5(minutes: float) -> int:
    return 5 * math.ceil(minutes / 5 - 1e-9)


def _generated(cell) -> bool:
    return any(tag in cell.get("metadata", {}).get("tags", []) for tag in GENERATED_TAGS)


def _nbformat():
    import nbformat  # imported here so that `reset` runs on a bare Python

    return nbformat


def parse_sections(nb) -> list[Section]:
    """Split a notebook into its ``##`` steps; what precedes the first is "Introduction"."""
    sections = [Section("Introduction")]
    for cell in nb.cells:
        if _generated(cell):
            continue
        if cell.cell_type == "code":
            if ".check(" in cell.source:
                sections[-1].exercises += 1
            else:
                sections[-1].code_cells += 1
            continue
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            heading = re.match(r"##\s+(.+)", line)
            if heading:
                sections.append(Section(heading.group(1).strip()))
            elif SKIP_NOTE.search(line):
                sections[-1].skip_note = line
            sections[-1].words += len(line.split())
    return sections


def load_notebooks() -> list[Notebook]:
    """Every written notebook of ``notebooks/outline.toml``, in order, with its sections."""
    with open(NOTEBOOKS / "outline.toml", "rb") as f:
        steps = tomllib.load(f)["step"]
    timings_path = NOTEBOOKS / "timings.json"
    timings = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    found = []
    for step in steps:
        path = NOTEBOOKS / step["file"]
        if not path.exists():
            continue
        notebook = Notebook(step["file"][:2], step["file"], step["title"], timings.get(step["file"], 60.0))
        notebook.sections = parse_sections(_nbformat().read(path, as_version=4))
        found.append(notebook)
    return found


# --- schedules -----------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fixed item of a schedule: a break, the setup buffer, a wrap-up."""

    what: str
    minutes: int


@dataclass(frozen=True)
class Teach:
    """A notebook taught in full, or with the sections marked "Skip in a ... workshop" cut."""

    number: str
    cut: bool = False


@dataclass(frozen=True)
class Schedule:
    name: str
    days: list[tuple[str, str, list]]  # (day title, start "HH:MM", items)
    end: str  # latest finish, "HH:MM"
    after: tuple[str, ...] = ()  # notebooks left for learners to take on their own after the workshop


SETUP = Block("Arrival and setup buffer: helpers fix installs (`./course lab`, the index notebook's setup check)", 30)
COFFEE = Block("Break (coffee; helpers clear the red sticky notes)", 15)
LUNCH = Block("Lunch", 60)
CATCH_UP = Block("Catch-up buffer: questions, stragglers, a re-run of a missed exercise", 15)

SCHEDULES = [
    Schedule(
        "Half day (09:00-12:30): the ratings table and matrix multiplication",
        [("", "09:00", [Block("Arrival and setup buffer", 20), Teach("00"), Teach("01", cut=True), COFFEE,
                        Teach("02"), Block("Wrap-up: what embeddings (03) add next, feedback form", 10)])],
        "12:30",
    ),
    Schedule(
        "One day (08:30-17:00, doors open at 08:30 for setup help): from the ratings table to a model trained on MovieLens",
        [("", "08:30", [SETUP, Teach("00", cut=True), Teach("01", cut=True), COFFEE, Teach("02", cut=True),
                        Teach("03", cut=True), LUNCH, Teach("04", cut=True), COFFEE, Teach("05", cut=True),
                        CATCH_UP, Block("Wrap-up: the running results table, what 06-10 add, feedback form", 15)])],
        "17:00",
    ),
    Schedule(
        "Two days (08:30-17:00 on day 1, 09:00-17:00 on day 2): from scratch to a recommender",
        [("Day 1", "08:30", [SETUP, Teach("00", cut=True), Teach("01", cut=True), COFFEE, Teach("02", cut=True),
                             Teach("03", cut=True), LUNCH, Teach("04", cut=True), COFFEE, Teach("05", cut=True),
                             CATCH_UP, Block("Wrap-up and day-1 feedback (one thing up, one thing down)", 10)]),
         ("Day 2", "09:00", [Block("Recap of day 1; setup buffer for anyone new", 15), Teach("06"), COFFEE,
                             Teach("07"), LUNCH, Teach("08", cut=True), COFFEE, Teach("09", cut=True),
                             Teach("10", cut=True),
                             Block("Wrap-up: fold yourself in (notebook 10, section 4), feedback form", 15)])],
        "17:00",
        after=("11", "12", "13"),
    ),
]  # fmt: skip


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def lay_out(schedule: Schedule, notebooks: list[Notebook]) -> list[tuple[str, list[tuple[str, str, int, str]], int]]:
    """Clock times for every item: ``[(day, [(start, what, minutes, detail)], slack_minutes), ...]``."""
    by_number = {nb.number: nb for nb in notebooks}
    days = []
    for title, start, items in schedule.days:
        now, rows = _minutes(start), []
        for item in items:
            if isinstance(item, Block):
                rows.append((_clock(now), item.what, item.minutes, ""))
                now += item.minutes
                continue
            nb = by_number.get(item.number)
            if nb is None:
                continue  # a notebook not written yet
            m = nb.minutes(cut=item.cut)
            detail = f"teach {m['teach']}, exercises {m['exercises']}"
            if item.cut and nb.skipped:
                detail += "; skip " + ", ".join(f"§{s.title.split('.')[0]}" for s in nb.skipped)
            rows.append((_clock(now), f"**{nb.label}**", m["total"], detail))
            now += m["total"]
        rows.append((_clock(now), "End", 0, ""))
        days.append((title, rows, _minutes(schedule.end) - now))
    return days


def schedule_markdown(schedule: Schedule, notebooks: list[Notebook]) -> str:
    out = []
    for title, rows, slack in lay_out(schedule, notebooks):
        if title:
            out += [f"*{title}*", ""]
        out += ["| Time | What | Minutes | Teaching + exercises |", "|---|---|---|---|"]
        out += [f"| {start} | {what} | {minutes or ''} | {detail} |" for start, what, minutes, detail in rows]
        verdict = f"{slack} min to spare before {schedule.end}" if slack >= 0 else f"**{-slack} min over {schedule.end}**"
        out += ["", f"Ends {rows[-1][0]}: {verdict}.", ""]
    by_number = {nb.number: nb for nb in notebooks}
    later = [f"**{by_number[n].label}**" for n in schedule.after if n in by_number]
    if later:
        out += [f"After the workshop, on their own (the room has no time left for them; say so in the wrap-up): "
                f"{', '.join(later)}.", ""]
    return "\n".join(out).rstrip()


def pace_table(notebooks: list[Notebook]) -> str:
    rows = [
        "| Notebook | Run (2 cores) | Room: teach + exercises | Room total | Cuts (marked in the notebook) | With cuts |",
        "|---|---|---|---|---|---|",
    ]
    for nb in notebooks:
        full, cut = nb.minutes(), nb.minutes(cut=True)
        cuts = "; ".join(s.title for s in nb.skipped) or "none"
        rows.append(
            f"| {nb.label} | {nb.seconds:.0f} s | {full['teach']} + {full['exercises']} | {full['total']} min "
            f"| {cuts} | {cut['total']} min |"
        )
    first_half = [nb for nb in notebooks if nb.number <= "07"]
    if first_half:
        full = sum(nb.minutes()["total"] for nb in first_half)
        cut = sum(nb.minutes(cut=True)["total"] for nb in first_half)
        rows += ["", f"Notebooks 00-{first_half[-1].number} need {_hours(full)} of room time before any break, "
                     f"{_hours(cut)} with the cuts."]
    return "\n".join(rows)


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min"


def checkpoints_markdown(notebooks: list[Notebook]) -> str:
    grouped = _exercises_by_notebook()
    lines = []
    for nb in notebooks:
        lines.append(f"- **{nb.label}**: {checkpoint_line(nb, grouped.get(nb.file, []))}")
    return "\n".join(lines)


def checkpoint_line(nb: Notebook, exercises: list) -> str:
    keys = [f"`{e.key}`" for e in exercises if getattr(e, "key", None)]
    if nb.number == "00":
        return "green sticky when the setup check ends with `All set.` and `ex00.q1` says Correct."
    if not keys:
        return "green sticky when the last cell has run without an error."
    places = []
    order = {e.key: (int(str(e.section).split(".")[0]) if str(e.section).split(".")[0].isdigit() else 0) for e in exercises}
    for exercise in sorted(exercises, key=lambda e: order[e.key]):
        section = str(getattr(exercise, "section", "")).split(".")[0]
        places.append(f"§{section} ({f'`{exercise.key}`'})" if section.isdigit() else f"`{exercise.key}`")
    done = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]
    return f"after {done}: green sticky when the check says Correct; red sticky for a helper."


def guide_blocks(notebooks: list[Notebook] | None = None) -> dict[str, str]:
    """The generated blocks of the instructor guide, by marker name."""
    notebooks = notebooks if notebooks is not None else load_notebooks()
    blocks = {"workshop:pace": pace_table(notebooks), "workshop:checkpoints": checkpoints_markdown(notebooks)}
    for key, schedule in zip(("half-day", "one-day", "two-day"), SCHEDULES):
        blocks[f"workshop:{key}"] = f"**{schedule.name}**\n\n" + schedule_markdown(schedule, notebooks)
    return blocks


def replace_block(text: str, name: str, body: str, path: Path) -> str:
    start = re.search(rf"<!-- {re.escape(name)}:start[^>]*-->", text)
    end = text.find(f"<!-- {name}:end -->")
    if start is None or end < start.end():
        raise SystemExit(f"{path.relative_to(ROOT)} lacks the markers <!-- {name}:start --> ... <!-- {name}:end -->")
    return text[: start.end()] + "\n" + body + "\n" + text[end:]


def render_guide(text: str, notebooks: list[Notebook] | None = None) -> str:
    for name, body in guide_blocks(notebooks).items():
        text = replace_block(text, name, body, GUIDE)
    return text


# --- the helper sheet --------------------------------------------------------------


def _exercises_by_notebook() -> dict[str, list]:
    from cfcourse.exercises import all_exercises

    grouped: dict[str, list] = {}
    for exercise in all_exercises():
        grouped.setdefault(exercise.notebook, []).append(exercise)
    return grouped


def _one_line(text: str, width: int = 160) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


def _value(value) -> str:
    """A value as a helper would see it printed: short, rounded."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if hasattr(value, "shape") and getattr(value, "size", 99) <= 12:
        import numpy as np

        return np.array2string(np.asarray(value, dtype=float), precision=3, separator=", ").replace("\n", " ")
    if hasattr(value, "shape"):
        return f"an array of shape {tuple(value.shape)}"
    return repr(value)


def mistake_descriptions(exercise) -> list[str]:
    """The typical mistakes an exercise's checker catches: each ``Mistake`` record's description."""
    return [str(mistake.description) for mistake in getattr(exercise, "mistakes", [])]


def expected_answer(exercise) -> str:
    """What a helper compares against: the value, or the body of the reference function."""
    answer = exercise.reference_answer()
    if getattr(exercise, "kind", "value") != "function" and not callable(answer):
        shown = f"`{_one_line(_value(answer), 60)}`"
        accepts = getattr(exercise, "accepts", None)
        return f"{shown}; accepted: {_one_line(accepts, 160)}" if accepts else shown
    code = exercise.solution().code
    body = [line.strip() for line in code.splitlines()[1:] if line.strip() and not line.strip().startswith("#")]
    shown = "; ".join(body)
    if len(body) > 4 or len(shown) > 200:
        return f"a function: see `{exercise.key}.solution()`"
    return f"`{_one_line(shown, 200)}`"


def helper_sheet(notebooks: list[Notebook] | None = None) -> str:
    """docs/helper-sheet.md: one page, every exercise with its answer and the mistakes caught."""
    from cfcourse.exercises import CHECKPOINT

    notebooks = notebooks if notebooks is not None else load_notebooks()
    grouped = _exercises_by_notebook()
    out = [
        "# Helper sheet",
        "",
        "<!-- Generated by ./course slides (tools/workshop.py) from cfcourse/exercises: do not edit by hand. -->",
        "",
        "Print this page for every helper. A learner's check says **Correct**, **Incorrect** (with the",
        "reason and the section to re-read) or **Not attempted**. When it says Incorrect, read the reason",
        "with them and send them to that section; give `exNN.qK.hint()` before `exNN.qK.solution()`.",
        "Full reference code and every checker message: [solutions.md](solutions.md).",
        "",
        "| Exercise | Expected answer | Mistakes the checker catches (it names each one) |",
        "|---|---|---|",
    ]
    for nb in notebooks:
        for exercise in grouped.get(nb.file, []):
            caught = "; ".join(_one_line(description, 60) for description in mistake_descriptions(exercise))
            section = str(getattr(exercise, "section", "")).split(".")[0]
            where = f" (§{section})" if section.isdigit() else ""
            out.append(f"| `{exercise.key}` {_one_line(exercise.name, 50)}{where} | {expected_answer(exercise)} | {caught} |")
    out += [
        "",
        "**Checkpoints (sticky notes).** " + " ".join(
            f"{nb.number}: {checkpoint_line(nb, grouped.get(nb.file, []))}" for nb in notebooks[:1]
        ),
        "Every other notebook: each exercise sits in the section it tests, and the line under it reads "
        + _one_line(CHECKPOINT.format(key="exNN.qK"), 300)
        + " Red sticky on the laptop lid = come over.",
        "",
        "**First aid.** Kernel stuck or cells out of order: *Kernel > Restart Kernel and Run All Cells*.",
        "A notebook damaged beyond repair: `./course reset NN` restores the clean copy and keeps theirs in",
        "`my-work/`. A failed install: the setup check line starting with `NO` says what is missing;",
        "move the learner to a neighbour's screen or the shared hub and fix it at the break.",
    ]
    return "\n".join(out) + "\n"


# --- clean copies -------------------------------------------------------------------


def clean_copy(nb):
    """The notebook as a learner should start it: no outputs, no execution counts."""
    nbformat = _nbformat()
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def clean_text(path: Path) -> str:
    nbformat = _nbformat()
    return nbformat.writes(clean_copy(nbformat.read(path, as_version=4))) + "\n"


# --- generate / check ---------------------------------------------------------------


def wanted_files(notebooks: list[Notebook] | None = None) -> dict[Path, str]:
    """Every file ``generate`` writes, with its content."""
    notebooks = notebooks if notebooks is not None else load_notebooks()
    files = {GUIDE: render_guide(GUIDE.read_text(), notebooks), HELPER_SHEET: helper_sheet(notebooks)}
    for nb in notebooks:
        files[CLEAN / nb.file] = clean_text(nb.path)
    return files


def stale_files() -> list[Path]:
    """Generated files that differ from what ``generate`` would write, and clean copies of no notebook."""
    wanted = wanted_files()
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text() != text]
    stale += [path for path in sorted(CLEAN.glob("*.ipynb")) if path not in wanted]
    return stale


def generate(check: bool = False) -> int:
    wanted = wanted_files()
    stale = stale_files()
    if check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run ./course slides)")
        return 1 if stale else 0
    CLEAN.mkdir(exist_ok=True)
    for path in stale:
        if path in wanted:
            path.write_text(wanted[path])
        else:
            path.unlink()  # the clean copy of a notebook that is gone
        print(f"updated {path.relative_to(ROOT)}")
    return 0


# --- reset ------------------------------------------------------------------------


def find_notebook(name: str) -> Path:
    """``05``, ``05_gradient_descent`` or a path: the notebook in notebooks/ it names."""
    stem = Path(name).name.removesuffix(".ipynb")
    copies = sorted(CLEAN.glob("*.ipynb"))
    if stem.isdigit():  # "5" and "05" both mean 05_...
        matches = [p for p in copies if p.stem[:2].isdigit() and int(p.stem[:2]) == int(stem)]
    else:
        matches = [p for p in copies if p.stem == stem]
    if len(matches) != 1:
        known = ", ".join(p.stem[:2] for p in copies)
        raise SystemExit(f"'{name}' is not a notebook of the course: give its number or file name, one of {known}.")
    return NOTEBOOKS / matches[0].name


def reset(name: str, now: datetime | None = None) -> Path | None:
    """Restore ``notebooks/<name>`` from ``clean/``; move the learner's version to ``my-work/``.

    Returns where the learner's version was kept (None if there was none). Works
    without git: plain file copies, the clean copy written whole to a temporary
    file first and then renamed, so an interrupted reset leaves no half notebook.
    """
    target = find_notebook(name)
    clean = CLEAN / target.name
    kept = None
    if target.exists():
        if target.read_bytes() == clean.read_bytes():
            print(f"{target.relative_to(ROOT)} is already the clean copy: nothing to do.")
            return None
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        KEPT.mkdir(exist_ok=True)
        kept = KEPT / f"{target.stem}.{stamp}.ipynb"
        n = 1
        while kept.exists():
            n += 1
            kept = KEPT / f"{target.stem}.{stamp}-{n}.ipynb"
        shutil.copy2(target, kept)
    partial = target.with_name(f".{target.name}.reset")
    shutil.copyfile(clean, partial)
    partial.replace(target)
    if kept is not None:
        print(f"your version is kept as {kept.relative_to(ROOT)}")
    print(f"restored {target.relative_to(ROOT)} from {clean.relative_to(ROOT)}; in JupyterLab, close the tab")
    print("without saving (or File > Reload Notebook from Disk), then run it from the top.")
    return kept


# --- slides -------------------------------------------------------------------------


def _summary_and_goals(path: Path) -> tuple[list[str], list[str], str]:
    """The "You will learn" bullets, the Summary bullets and the title of a notebook."""
    nb = _nbformat().read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown" and not _generated(c))
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
    return _bullets(text, r"\*\*You will learn\*\*|You will learn"), _bullets(text, r"## Summary"), title


def _bullets(text: str, start: str) -> list[str]:
    match = re.search(start, text)
    if not match:
        return []
    items: list[str] = []
    for line in text[match.end():].splitlines()[1:]:
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif line.startswith("  ") and items:
            items[-1] += " " + line.strip()
        elif line.strip() and items:
            break
        elif line.startswith("#"):
            break
    return items


_MATH_CACHE: dict[str, str] = {}


def _math_svg(tex: str) -> str:
    """A formula as inline SVG, rendered by matplotlib's mathtext (no MathJax, works offline)."""
    if tex not in _MATH_CACHE:
        from matplotlib import mathtext

        buffer = io.StringIO()
        try:
            mathtext.math_to_image(f"${tex}$", buffer, format="svg", dpi=72)
        except ValueError:  # mathtext does not know every LaTeX command: show the source instead
            _MATH_CACHE[tex] = f"<code>{html.escape(tex)}</code>"
        else:
            svg = buffer.getvalue()
            svg = svg[svg.index("<svg"):]
            svg = re.sub(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                         lambda m: f'width="{float(m[1]) / 12:.2f}em" height="{float(m[2]) / 12:.2f}em"', svg, count=1)
            _MATH_CACHE[tex] = f'<span class="math">{svg}</span>'
    return _MATH_CACHE[tex]


def inline_html(text: str) -> str:
    """Markdown of one bullet to HTML: maths, code, bold, italics, links."""
    parts = re.split(r"(\$[^$]+\$|`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(_math_svg(part[1:-1]))
        elif part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            part = html.escape(part)
            part = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", part)
            part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", part)
            part = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", part)
            out.append(part)
    return "".join(out)


DECK_CSS = """
html, body { margin: 0; height: 100%; overflow: hidden; background: #222; font-family: system-ui, sans-serif; }
.slide { box-sizing: border-box; width: 100vw; height: 100vh; padding: 5vh 7vw; background: #fff; overflow: hidden;
         display: none; flex-direction: column; font-size: 3.2vh; line-height: 1.4; color: #222; }
.slide.current { display: flex; }
.slide h1 { font-size: 6vh; margin: 0 0 2vh; } .slide h2 { font-size: 4.5vh; margin: 0 0 2vh; color: #1d4e89; }
.slide .number { color: #888; font-size: 2.5vh; } .slide li { margin: 0.6vh 0; }
.slide .checkpoint { margin-top: auto; padding: 1.5vh 2vw; background: #fff6b3; border-left: 1vw solid #e6c200; }
.slide footer { margin-top: auto; color: #888; font-size: 2vh; }
code { background: #f1f1f1; padding: 0 .2em; border-radius: 3px; }
.math svg { vertical-align: middle; }
@media print { .slide { display: flex; page-break-after: always; height: auto; min-height: 100vh; }
               html, body { overflow: visible; background: #fff; } }
"""

DECK_JS = """
const slides = [...document.querySelectorAll('.slide')];
let i = Math.max(0, slides.findIndex(s => '#' + s.id === location.hash));
function fit(s) {  // shrink a long slide's text until it fits the screen
  let size = 3.2; s.style.fontSize = size + 'vh';
  while (s.scrollHeight > s.clientHeight && size > 1.5) { size -= 0.1; s.style.fontSize = size + 'vh'; } }
function show(n) { i = Math.min(Math.max(n, 0), slides.length - 1);
  slides.forEach((s, k) => s.classList.toggle('current', k === i)); fit(slides[i]);
  history.replaceState(null, '', '#' + slides[i].id); }
addEventListener('resize', () => fit(slides[i]));
document.addEventListener('keydown', e => {
  if (['ArrowRight', 'PageDown', ' '].includes(e.key)) show(i + 1);
  if (['ArrowLeft', 'PageUp'].includes(e.key)) show(i - 1);
  if (e.key === 'Home') show(0); if (e.key === 'End') show(slides.length - 1); });
document.addEventListener('click', e => show(i + (e.clientX > innerWidth / 3 ? 1 : -1)));
show(i);
"""


def slides_html(notebooks: list[Notebook] | None = None) -> str:
    """One self-contained HTML file: a title slide, then per notebook its goals and its summary."""
    notebooks = notebooks if notebooks is not None else load_notebooks()
    grouped = _exercises_by_notebook()
    slides = [
        '<section class="slide" id="title"><h1>Collaborative filtering from first principles</h1>'
        "<p>A movie recommender built by hand, one notebook at a time, on real MovieLens ratings.</p>"
        "<ul>" + "".join(f"<li>{html.escape(nb.label)}</li>" for nb in notebooks) + "</ul>"
        "<footer>← → or click to move; print to PDF from the browser for a handout.</footer></section>"
    ]
    for nb in notebooks:
        goals, summary, title = _summary_and_goals(nb.path)
        minutes = nb.minutes()
        goal_items = "".join(f"<li>{inline_html(g)}</li>" for g in goals)
        slides.append(
            f'<section class="slide" id="nb{nb.number}-goals"><div class="number">Notebook {nb.number} · '
            f"{html.escape(nb.file)} · about {minutes['total']} min in a room</div>"
            f"<h1>{html.escape(title)}</h1><h2>You will learn</h2><ul>{goal_items}</ul></section>"
        )
        if summary:
            summary_items = "".join(f"<li>{inline_html(s)}</li>" for s in summary)
            checkpoint = inline_html(checkpoint_line(nb, grouped.get(nb.file, [])))
            slides.append(
                f'<section class="slide" id="nb{nb.number}-summary"><div class="number">Notebook {nb.number}</div>'
                f"<h2>Summary: {html.escape(nb.title)}</h2><ul>{summary_items}</ul>"
                f'<div class="checkpoint">Checkpoint: {checkpoint}</div></section>'
            )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>cfcourse: slides</title><style>{DECK_CSS}</style></head><body>\n"
        + "\n".join(slides)
        + f"\n<script>{DECK_JS}</script></body></html>\n"
    )


def build_slides(out: Path = SLIDES) -> Path:
    """Write the deck to ``out/index.html`` (whole, or not at all) and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    partial = out / ".index.html.partial"
    partial.write_text(slides_html())
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="the guide's schedules, the helper sheet and the clean copies")
    gen.add_argument("--check", action="store_true", help="only report stale files")
    deck = sub.add_parser("slides", help="generate, then build the slide deck")
    deck.add_argument("--out", type=Path, default=SLIDES, help=f"default: {SLIDES.relative_to(ROOT)}")
    res = sub.add_parser("reset", help="restore a notebook from clean/, keeping yours in my-work/")
    res.add_argument("notebook", help="its number (05) or file name (05_gradient_descent.ipynb)")
    args = parser.parse_args(argv)
    if args.command == "generate":
        return generate(check=args.check)
    if args.command == "reset":
        reset(args.notebook)
        return 0
    generate()
    start = time.perf_counter()
    path = build_slides(args.out)
    size = path.stat().st_size
    print(f"built {path} ({size / 1024:.0f} kB, {time.perf_counter() - start:.1f} s): open it in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())

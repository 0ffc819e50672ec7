"""The workshop kit (tools/workshop.py): agenda, helper sheet, clean copies, reset, slides, hub pins.

Everything an instructor gets is generated from the notebooks and the exercise
objects; these tests check that what is committed is up to date and that the
generated material says what the course really does.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import runpy
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("course_workshop", ROOT / "tools" / "workshop.py")
workshop = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = workshop  # dataclasses look their module up there
spec.loader.exec_module(workshop)

NOTEBOOKS = workshop.load_notebooks()


@pytest.fixture(scope="module")
def exercises():
    from cfcourse.exercises import all_exercises

    return all_exercises()


# --- generated files ---------------------------------------------------------------


def test_generated_workshop_files_are_up_to_date():
    stale = workshop.stale_files()
    assert not stale, f"run ./course slides: stale {[str(p.relative_to(ROOT)) for p in stale]}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[nb.file for nb in NOTEBOOKS])
def test_clean_copy_is_the_notebook_without_outputs(nb):
    stored = nbformat.read(nb.path, as_version=4)
    clean = nbformat.read(ROOT / "clean" / nb.file, as_version=4)
    assert [(c.cell_type, c.source) for c in clean.cells] == [(c.cell_type, c.source) for c in stored.cells]
    code = [c for c in clean.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert any(c.get("outputs") for c in stored.cells), "the stored notebook should have outputs to strip"


def test_stale_clean_copy_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(workshop, "CLEAN", tmp_path)
    shutil.copy(ROOT / "clean" / NOTEBOOKS[0].file, tmp_path / NOTEBOOKS[0].file)
    (tmp_path / "99_gone.ipynb").write_text("{}")
    stale = workshop.stale_files()
    assert tmp_path / "99_gone.ipynb" in stale  # the copy of a notebook that no longer exists
    assert tmp_path / NOTEBOOKS[1].file in stale  # a missing copy
    assert tmp_path / NOTEBOOKS[0].file not in stale


# --- the agenda ----------------------------------------------------------------------


@pytest.mark.parametrize("schedule", workshop.SCHEDULES, ids=lambda s: s.name.split(" (")[0])
def test_every_schedule_fits_its_day_with_a_setup_buffer_and_a_break(schedule):
    for title, rows, slack in workshop.lay_out(schedule, NOTEBOOKS):
        assert slack >= 0, f"{schedule.name} {title}: {-slack} min over {schedule.end}; cut, or move a notebook"
        whats = " ".join(what for _, what, _, _ in rows)
        assert "setup buffer" in whats and "Break" in whats
        times = [workshop._minutes(start) for start, *_ in rows]
        assert times == sorted(times)


def test_one_day_reaches_the_first_model_trained_on_movielens():
    one_day = workshop.SCHEDULES[1]
    taught = [item.number for _, _, items in one_day.days for item in items if isinstance(item, workshop.Teach)]
    assert taught == ["00", "01", "02", "03", "04", "05"]


def test_two_days_teach_every_notebook_once_or_hand_it_on():
    two_days = workshop.SCHEDULES[2]
    taught = [item.number for _, _, items in two_days.days for item in items if isinstance(item, workshop.Teach)]
    written = [n for n in two_days.after if n in {nb.number for nb in NOTEBOOKS}]
    assert taught + written == [nb.number for nb in NOTEBOOKS]
    assert "After the workshop, on their own" in workshop.schedule_markdown(two_days, NOTEBOOKS)


def test_room_pace_is_slower_than_reading_alone():
    for nb in NOTEBOOKS:
        reading = sum(s.words / 150 + 0.5 * s.code_cells + 5 * s.exercises for s in nb.sections)
        assert nb.minutes()["total"] > reading + 5, nb.label


def test_cuts_shorten_the_notebooks_that_have_them():
    for nb in NOTEBOOKS:
        teach = nb.minutes()["teach"]
        if nb.skipped:
            assert nb.minutes(cut=True)["teach"] < teach, nb.label
        else:
            assert nb.minutes(cut=True) == nb.minutes()


def test_no_cut_skips_a_section_an_exercise_tests(exercises):
    for nb in NOTEBOOKS:
        skipped = {s.title for s in nb.skipped}
        for exercise in exercises:
            if exercise.notebook == nb.file:
                assert exercise.section not in skipped, f"{exercise.key} tests a skipped section"


def test_one_day_cuts_are_marked_in_the_notebooks_it_teaches():
    marked = {nb.number for nb in NOTEBOOKS for s in nb.skipped if "one-day" in s.skip_note}
    assert marked and marked <= {"00", "01", "02", "03", "04", "05"}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[nb.file for nb in NOTEBOOKS])
def test_skip_notes_are_one_line_markdown_right_under_a_heading(nb):
    cells = nbformat.read(nb.path, as_version=4).cells
    for i, cell in enumerate(cells):
        if workshop.SKIP_NOTE.search(cell.source):
            assert cell.cell_type == "markdown" and "\n" not in cell.source.strip()
            assert re.search(r"^## ", cells[i - 1].source, re.M), f"cell {i}: put the note right under the heading"


def test_section_parsing_on_a_small_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("[nav]", metadata={"tags": ["navigation"]}),
        nbformat.v4.new_markdown_cell("# 99 Title\n\nfour words of intro"),
        nbformat.v4.new_code_cell("setup()"),
        nbformat.v4.new_markdown_cell("tail of intro\n\n## 1. First\n\none two"),
        nbformat.v4.new_markdown_cell("> **Skip in a one-day workshop:** say it."),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("## Exercises"),
        nbformat.v4.new_code_cell("ex99.q1.check(answer)"),
    ]
    intro, first, exercises = workshop.parse_sections(nb)
    assert (intro.title, intro.code_cells, intro.exercises, intro.skip_note) == ("Introduction", 1, 0, None)
    assert intro.words == len("# 99 Title four words of intro tail of intro".split())
    assert (first.title, first.code_cells, first.words) == ("1. First", 1, 3 + 2 + 8)  # heading, prose, note
    assert first.skip_note is not None
    assert (exercises.exercises, exercises.code_cells) == (1, 0)


def test_guide_links_the_room_kit():
    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    for target in ("helper-sheet.md", "helper-checklist.md", "feedback-form.md", "jupyterhub.md", "setup.md", "offline.md"):
        assert f"]({target})" in guide
    for target in ("helper-sheet.md", "helper-checklist.md", "feedback-form.md", "jupyterhub.md"):
        assert (ROOT / "docs" / target).exists(), target


# --- the helper sheet -------------------------------------------------------------------


def test_helper_sheet_lists_every_exercise_once_with_its_answer(exercises):
    sheet = workshop.helper_sheet(NOTEBOOKS)
    rows = [line for line in sheet.splitlines() if line.startswith("| `ex")]
    assert len(rows) == len(exercises)
    for exercise, row in zip(exercises, rows):
        assert row.startswith(f"| `{exercise.key}` {exercise.name}")
        descriptions = workshop.mistake_descriptions(exercise)
        assert len(descriptions) >= 2 and all(d in row for d in descriptions)
        answer = exercise.reference_answer()
        if not callable(answer):
            assert workshop._value(answer) in row
    assert len(sheet.splitlines()) < 60, "the helper sheet should fit on one page"


def test_helper_sheet_gives_values_not_code_where_a_value_is_asked():
    sheet = workshop.helper_sheet(NOTEBOOKS)
    assert re.search(r"\| `ex00\.q1` .*\| `5` \|", sheet)


# --- reset -----------------------------------------------------------------------------------


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A course tree of one notebook in tmp_path, and the module pointed at it."""
    name = NOTEBOOKS[5].file
    for folder in ("notebooks", "clean"):
        (tmp_path / folder).mkdir()
        shutil.copy(ROOT / folder / name, tmp_path / folder / name)
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "workshop.py", tmp_path / "tools" / "workshop.py")
    for attribute, folder in (("ROOT", ""), ("NOTEBOOKS", "notebooks"), ("CLEAN", "clean"), ("KEPT", "my-work")):
        monkeypatch.setattr(workshop, attribute, tmp_path / folder if folder else tmp_path)
    return tmp_path, name


def test_reset_restores_the_clean_copy_and_keeps_the_learners_version(course_copy, capsys):
    root, name = course_copy
    mine = (root / "notebooks" / name).read_text().replace("____", "my answer")
    (root / "notebooks" / name).write_text(mine)
    kept = workshop.reset(name[:2], now=datetime(2026, 12, 2, 10, 30))
    assert kept == root / "my-work" / f"{name[:-6]}.20261202-103000.ipynb"
    assert kept.read_text() == mine
    assert (root / "notebooks" / name).read_bytes() == (root / "clean" / name).read_bytes()
    assert "your version is kept as my-work/" in capsys.readouterr().out
    again = workshop.reset(name, now=datetime(2026, 12, 2, 10, 30))
    assert again is None and "already the clean copy" in capsys.readouterr().out
    assert not list((root / "notebooks").glob(".*")), "no temporary file left behind"


def test_reset_never_overwrites_an_earlier_kept_version(course_copy):
    root, name = course_copy
    when = datetime(2026, 12, 2, 10, 30)
    first_text = "first attempt"
    (root / "notebooks" / name).write_text(first_text)
    first = workshop.reset(name[:2], now=when)
    (root / "notebooks" / name).write_text("second attempt")
    second = workshop.reset(name[:2], now=when)
    assert first != second and first.read_text() == first_text and second.read_text() == "second attempt"


def test_reset_restores_a_deleted_notebook(course_copy):
    root, name = course_copy
    (root / "notebooks" / name).unlink()
    assert workshop.reset(name[:2]) is None
    assert (root / "notebooks" / name).read_bytes() == (root / "clean" / name).read_bytes()


@pytest.mark.parametrize("name", ["5", "05", "05_gradient_descent", "05_gradient_descent.ipynb", "notebooks/05_gradient_descent.ipynb"])
def test_reset_finds_a_notebook_by_number_or_name(name):
    assert workshop.find_notebook(name) == ROOT / "notebooks" / "05_gradient_descent.ipynb"


@pytest.mark.parametrize("name", ["42", "gradient", "05_gradient"])
def test_reset_names_what_is_wrong(name):
    with pytest.raises(SystemExit, match=f"'{name}' is not a notebook of the course: .* one of 00, 01"):
        workshop.find_notebook(name)


def test_course_reset_runs_on_a_bare_python_without_git(course_copy):
    """`./course reset` with no venv packages at all (a learner whose install failed)."""
    root, name = course_copy
    shutil.copy(ROOT / "course", root / "course")
    (root / "notebooks" / name).write_text("broken")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env["PYTHON"] = sys.executable
    script = "import sys, runpy; sys.modules['nbformat'] = None; sys.argv = ['workshop.py', 'reset', %r]; " \
             "runpy.run_path('tools/workshop.py', run_name='__main__')" % name[:2]  # fmt: skip
    bare = subprocess.run([sys.executable, "-I", "-c", script], cwd=root, env=env, capture_output=True, text=True)
    assert bare.returncode == 0, bare.stderr
    assert (root / "notebooks" / name).read_bytes() == (root / "clean" / name).read_bytes()
    assert [p.read_text() for p in (root / "my-work").iterdir()] == ["broken"]
    (root / "notebooks" / name).write_text("broken again")
    result = subprocess.run(["bash", "course", "reset", name], cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "restored notebooks/" in result.stdout
    assert not (root / ".git").exists()


# --- slides --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    path = workshop.build_slides(tmp_path_factory.mktemp("slides"))
    return path.read_text()


def test_slides_have_every_notebooks_goals_and_summary(deck):
    for nb in NOTEBOOKS:
        assert f'id="nb{nb.number}-goals"' in deck
        goals = re.search(rf'id="nb{nb.number}-goals".*?</section>', deck, re.S).group(0)
        assert goals.count("<li>") >= 3, nb.label
        if nb.number != "00":
            summary = re.search(rf'id="nb{nb.number}-summary".*?</section>', deck, re.S).group(0)
            assert summary.count("<li>") >= 3 and "Checkpoint" in summary, nb.label


def test_slides_work_offline_with_formulas_rendered(deck):
    assert not re.search(r'(src|href)="https?://', deck), "the deck must not load anything from the internet"
    text = re.sub(r"<svg.*?</svg>|<code>.*?</code>|<script>.*?</script>", "", deck, flags=re.S)
    assert "$" not in html.unescape(text), "a formula was left as raw LaTeX"
    assert deck.count("<svg") >= 10


@pytest.mark.parametrize(
    "markdown, fragment",
    [("a **bold** and *italic* `code`", "<strong>bold</strong> and <em>italic</em> <code>code</code>"),
     ("`a*b` stays code", "<code>a*b</code>"), ("[a link](x.ipynb)", "a link"), ("x < y", "x &lt; y")],
)  # fmt: skip
def test_inline_markdown(markdown, fragment):
    assert fragment in workshop.inline_html(markdown)


def test_unknown_latex_falls_back_to_its_source():
    assert workshop._math_svg(r"\notacommand{x}") == r"<code>\notacommand{x}</code>"


# --- the shared hub ---------------------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s#;]+)", line.strip())
        if match:
            pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


def test_hub_requirements_pin_what_constraints_pin():
    hub, constraints = ROOT / "hub" / "requirements.txt", ROOT / "constraints.txt"
    hub_pins, pinned = _pins(hub), _pins(constraints)
    assert hub_pins, "hub/requirements.txt pins nothing"
    for name, version in hub_pins.items():
        assert name in pinned, f"{name} is not pinned in constraints.txt"
        assert version.split("+")[0] == pinned[name], f"{name}: hub {version}, constraints.txt {pinned[name]}"
    assert hub_pins["torch"].endswith("+cpu"), "a CPU hub needs torch's CPU build"


def test_hub_requirements_cover_the_course_and_point_at_the_repository():
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    needed = project["dependencies"] + project["optional-dependencies"]["course"]
    names = {re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower() for req in needed}
    text = (ROOT / "hub" / "requirements.txt").read_text()
    assert names <= set(_pins(ROOT / "hub" / "requirements.txt"))
    assert f"cfcourse @ git+{project['urls']['Repository'].rstrip('/')}\n" in text
    constraint = re.search(r"^-c (\S+)$", text, re.M)
    assert constraint and (ROOT / "hub" / constraint[1]).resolve() == ROOT / "constraints.txt"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text

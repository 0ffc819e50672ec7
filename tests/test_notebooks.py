"""Hygiene of the stored notebooks: what is committed is one clean run, in one shape.

nbval re-runs every notebook and compares outputs; these tests check what nbval
does not: that the stored run is a clean top-to-bottom one, free of errors,
warnings and addresses, small, in the course's shape, and that the generated
navigation, index table and README path are up to date.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f"course_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


tools = _load_tool("nav")          # navigation and generated docs
execute = _load_tool("execute")    # running notebooks and tidying their outputs

STEPS = tools.load_outline()
WRITTEN = [s for s in STEPS if s.written]
MAX_OUTPUT_BYTES = 250_000      # one output (a figure is ~30-60 kB)
MAX_NOTEBOOK_BYTES = 1_500_000  # the whole file
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
WARNING = re.compile(r"\b\w*Warning\b|warnings\.warn")


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback)
    return "\n".join(v for k, v in output.get("data", {}).items() if k.startswith("text/") and isinstance(v, str))


@pytest.fixture(params=WRITTEN, ids=[s.file for s in WRITTEN])
def notebook(request):
    step = request.param
    return step, nbformat.read(step.path, as_version=4)


def test_every_notebook_is_in_the_outline():
    on_disk = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert on_disk == sorted(s.file for s in WRITTEN), "add new notebooks to notebooks/outline.toml"
    assert [s.number for s in STEPS] == [f"{i:02d}" for i in range(len(STEPS))]


def test_valid_nbformat_and_python3_kernel(notebook):
    _, nb = notebook
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.language_info.name == "python"


def test_one_clean_top_to_bottom_run(notebook):
    _, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.source.strip() for c in code), "empty code cells: delete them"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), (
        "execution counts are not 1..N: re-run with ./course execute"
    )
    for cell in nb.cells:
        assert "execution" not in cell.metadata, "timing metadata stored: re-run with ./course execute"


def test_no_errors_warnings_or_addresses(notebook):
    _, nb = notebook
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            text = _text(output)
            assert output.output_type != "error", f"cell {i} stored an error: {text[-300:]}"
            assert not WARNING.search(text), f"cell {i} stored a warning: {text[:300]}"
            assert not ADDRESS.search(text), f"cell {i} stored a memory address: {text[:300]}"


def test_outputs_are_small(notebook):
    step, nb = notebook
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            size = len(json.dumps(output))
            assert size < MAX_OUTPUT_BYTES, f"cell {i} output is {size} bytes"
    assert step.path.stat().st_size < MAX_NOTEBOOK_BYTES


def test_shape(notebook):
    step, nb = notebook
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    h1 = [line for text in markdown for line in text.splitlines() if re.match(r"# \S", line)]
    assert len(h1) == 1, f"one H1 per notebook, found {h1}"
    assert h1[0] == f"# {step.number} {step.title}" if step.number != "00" else h1[0].startswith("# ")
    text = "\n".join(markdown)
    assert "You will learn" in text
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any("setup()" in src for src in code), "call cfcourse.notebook.setup() in the first cells"
    if step.number != "00":
        assert "## Summary" in text
        assert "## Exercises" not in text, "exercises sit in the sections they test, not after the summary"
        assert any(".check(" in src for src in code), "exercises need a check() call"


def test_generated_parts_are_up_to_date():
    stale = tools.stale_files()
    assert not stale, f"run ./course nav: stale {[str(p.relative_to(ROOT)) for p in stale]}"


def test_readme_and_index_list_every_step_in_order():
    readme = (ROOT / "README.md").read_text()
    index = nbformat.read(ROOT / "notebooks" / tools.INDEX, as_version=4)
    index_text = "\n".join(c.source for c in index.cells if c.cell_type == "markdown")
    for text in (readme, index_text):
        positions = [text.find(f"| {s.number} |") for s in STEPS]
        assert -1 not in positions and positions == sorted(positions)
        for step in WRITTEN:
            assert f"{step.file})" in text


def test_first_code_cell_is_the_colab_setup(notebook):
    _, nb = notebook
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert tools.COLAB_TAG in first.metadata.get("tags", [])
    assert first.source == tools.colab_source()
    assert first.source.splitlines()[0].startswith("#@title"), "Colab shows the cell as its title line"
    assert first.metadata.get("jupyter", {}).get("source_hidden") is True, "JupyterLab shows the cell collapsed"
    assert first.outputs == [], "the Colab cell must print nothing outside Colab"


@pytest.mark.parametrize("in_colab", [False, True])
def test_colab_cell_installs_only_inside_colab(monkeypatch, in_colab):
    import subprocess
    import types

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append(args))
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(tools.colab_source(), {})
    if not in_colab:
        assert calls == []
        return
    install, fetch = calls
    assert install[1:4] == ["-m", "pip", "install"]
    assert install[-1] == f"cfcourse @ git+{tools.repository_url()}"
    assert fetch[1:] == ["-m", "cfcourse.data", "fetch"]


def test_repository_url_is_kept_only_in_pyproject():
    url = tools.repository_url()
    readme = (ROOT / "README.md").read_text()
    for name in tools.readme_blocks(STEPS):
        readme = re.sub(rf"<!-- {re.escape(name)}:start.*?<!-- {re.escape(name)}:end -->", "", readme, flags=re.S)
    assert url not in readme, "README.md names the repository outside its generated blocks"
    for step in WRITTEN:
        nb = nbformat.read(step.path, as_version=4)
        hand_written = [c.source for c in nb.cells if not ({tools.NAV_TAG, tools.COLAB_TAG} & set(c.metadata.get("tags", [])))]
        assert url not in "\n".join(hand_written), f"{step.file} names the repository by hand"
    for path in [*(ROOT / "cfcourse").rglob("*.py"), *(ROOT / "docs").glob("*.md")]:
        assert url not in path.read_text(), f"{path.relative_to(ROOT)} names the repository by hand"


def test_steps_are_numbered(notebook):
    step, nb = notebook
    if step.number == "00":
        return
    headings = [line[3:] for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    steps = [h for h in headings if h != "Summary"]
    assert [h.split(". ", 1)[0] for h in steps] == [str(i) for i in range(1, len(steps) + 1)], headings
    assert headings[-1] == "Summary"


def test_every_exercise_points_at_a_real_section():
    from cfcourse.exercises import all_exercises

    for exercise in all_exercises():
        path = ROOT / "notebooks" / exercise.notebook
        assert path.exists(), f"{exercise.key} names {exercise.notebook}, which does not exist"
        nb = nbformat.read(path, as_version=4)
        headings = {line.lstrip("#").strip() for c in nb.cells if c.cell_type == "markdown"
                    for line in c.source.splitlines() if line.startswith("#")}
        assert exercise.section in headings, f"{exercise.key}: no section {exercise.section!r} in {exercise.notebook}"
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert f"{exercise.key}.check(" in code, f"{exercise.key} is never checked in {exercise.notebook}"


def _section_of(cells, index: int) -> str | None:
    """The ``##`` step cell ``index`` belongs to: the last ``## `` heading line above it."""
    for cell in reversed(cells[:index]):
        if cell.cell_type == "markdown":
            found = [line[3:] for line in cell.source.splitlines() if line.startswith("## ")]
            if found:
                return found[-1]
    return None


def test_every_exercise_sits_in_the_section_it_tests_with_its_checkpoint():
    """Issue 15 item 4: each exercise in the section it tests, a sticky-note checkpoint right after it, and
    the exercise module imported in the set-up cell, before the first exercise."""
    from cfcourse.exercises import all_exercises, checkpoint

    for exercise in all_exercises():
        nb = nbformat.read(ROOT / "notebooks" / exercise.notebook, as_version=4)
        checks = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and f"{exercise.key}.check(" in c.source]
        assert len(checks) == 1, f"{exercise.key} is checked {len(checks)} times in {exercise.notebook}"
        i = checks[0]
        assert _section_of(nb.cells, i) == exercise.section, (
            f"{exercise.key} sits in {_section_of(nb.cells, i)!r}, but tests {exercise.section!r}")
        after = nb.cells[i + 1]
        assert after.cell_type == "markdown" and after.source == checkpoint(exercise.key)
        assert tools.CHECKPOINT_TAG in after.metadata.get("tags", [])
        module = exercise.key.split(".")[0]
        setup = next(j for j, c in enumerate(nb.cells) if c.cell_type == "code" and "setup()" in c.source)
        if exercise.notebook == tools.INDEX:  # the index teaches the import in "How exercises work"
            setup = next(j for j, c in enumerate(nb.cells) if c.cell_type == "code" and "cfcourse.exercises" in c.source)
        assert f"from cfcourse.exercises import ____, {module}" in nb.cells[setup].source.splitlines(), (
            f"{exercise.notebook}: import {module} in the set-up cell")
        assert setup <= i


CHECKED = re.compile(r"\b(ex\d\d)\.q(\d+)\.check\(")
LABEL = re.compile(r"\*\*Exercise (\d+)\b")


@pytest.mark.parametrize("step", WRITTEN, ids=lambda s: s.file)
def test_exercise_numbers_follow_the_notebook(step):
    """Issue 15: moving exercises into their sections left "Exercise 2" / `ex03.q2` above `ex03.q1` in five
    notebooks. Reading top to bottom, a learner meets q1, q2, q3 (and "Exercise 1, 2, 3") in that order."""
    from cfcourse.exercises import all_exercises

    nb = nbformat.read(step.path, as_version=4)
    checked, labels = [], []
    for cell in nb.cells:
        if cell.cell_type == "code":
            checked += [(m, int(n)) for m, n in CHECKED.findall(cell.source)]
        elif tools.CHECKPOINT_TAG not in cell.metadata.get("tags", []):
            labels += [int(n) for n in LABEL.findall(cell.source)]
    keys = [f"{m}.q{n}" for m, n in checked]
    mine = sorted((e.key for e in all_exercises() if e.notebook == step.file), key=lambda k: int(k.split(".q")[1]))
    assert keys == mine, f"{step.file} checks {keys} in this order; number them {mine} from the top"
    assert [n for _, n in checked] == list(range(1, len(checked) + 1)), f"{step.file}: {keys}"
    if labels:  # the markdown that introduces each exercise carries the same number
        assert labels == [n for _, n in checked], f"{step.file}: 'Exercise N' labels {labels} for checks {keys}"


def test_checkpoint_cells_are_generated_once_per_check():
    """A checkpoint cell left behind (its exercise moved or deleted) is dropped; a new check gets one."""
    step = next(s for s in WRITTEN if s.number == "05")
    nb = nbformat.read(step.path, as_version=4)
    stray = nbformat.v4.new_markdown_cell("**Checkpoint:** stale", metadata={"tags": [tools.CHECKPOINT_TAG]})
    nb.cells.insert(5, stray)
    nb.cells.insert(5, nbformat.v4.new_code_cell("ex05.q2.check(descent_step)"))
    rendered = tools.render_notebook(nb, step, STEPS)
    checkpoints = [c for c in rendered.cells if tools.CHECKPOINT_TAG in c.metadata.get("tags", [])]
    assert "**Checkpoint:** stale" not in [c.source for c in checkpoints]
    assert [c.source for c in checkpoints].count("**Checkpoint:** stale") == 0
    assert sum("`ex05.q2.check(...)`" in c.source for c in checkpoints) == 2
    assert len(checkpoints) == sum(".check(" in c.source for c in rendered.cells if c.cell_type == "code")


def test_no_stored_output_is_a_stderr_box(notebook):
    # Jupyter shows stderr in a pink box that reads like an error: a progress bar
    # writes to stdout (tqdm(..., file=sys.stdout)), and logs are kept out.
    step, nb = notebook
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"{step.file} cell {i} stored stderr: {output.text[:200]!r}")


def test_navigation_links_are_text_not_remote_images(notebook):
    # A remote badge image is a broken image offline; a text link always reads.
    _, nb = notebook
    for cell in nb.cells:
        if tools.NAV_TAG in cell.metadata.get("tags", []):
            assert "![" not in cell.source and "[Open in Colab](https://colab.research.google.com/" in cell.source


def test_progress_bars_are_stored_as_jupyter_shows_them():
    redraws = ["\rtraining:   0%|          | 0/2", "\rtraining:  50%|#####     | 1/2", "\rtraining: 100%|##########| 2/2"]
    outputs = [nbformat.v4.new_output("stream", name="stderr", text=t) for t in redraws]
    outputs.append(nbformat.v4.new_output("stream", name="stdout", text="done\n"))
    tidy = execute.tidy_streams(outputs)
    assert [(o.name, o.text) for o in tidy] == [("stderr", "training: 100%|##########| 2/2"), ("stdout", "done\n")]
    # nbval compares a fresh run (every redraw) with the tidied stored text through the sanitize file
    patterns = re.findall(r"^regex: (.*)$\n^replace: (.*)$", (ROOT / "tests" / "nbval_sanitize.cfg").read_text(), re.M)
    fresh = "".join(redraws)
    for regex, replace in patterns:
        fresh = re.sub(regex, replace, fresh)
    assert fresh == tidy[0].text


CHECK_FAILED = re.compile(r"\b(same|equal|equals|agree|agrees|match|matches|allclose)\b[^\n]*\bFalse\b", re.I)


def test_no_stored_check_says_false(notebook):
    # Notebooks confirm hand-built versions with lines like "same as cfcourse...: True";
    # a stored False is a broken claim that nobody asserted.
    _, nb = notebook
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            match = CHECK_FAILED.search(_text(output))
            assert not match, f"cell {i} stored a failed check: {match.group(0)!r}"


def test_solutions_give_the_value_where_a_value_is_asked():
    """Issue 15: docs/solutions.md gave code (`return RATING_MAX`) where a helper needs the value (5)."""
    from cfcourse.exercises import all_exercises

    text = tools.SOLUTIONS.read_text()
    for exercise in all_exercises():
        section = text.split(f"### `{exercise.key}`:", 1)[1].split("\n### ", 1)[0]
        if exercise.kind == "value":
            expected = tools._expected_value(exercise.reference_answer())
            assert f"**Expected answer.** `{expected}`" in section, exercise.key
        else:
            assert "**Expected answer.**" not in section, exercise.key
    assert "**Expected answer.** `5`" in text and "**Expected answer.** `0.4545`" in text

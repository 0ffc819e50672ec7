"""cfcourse.notebook: setup() and the set-up check's items (the real machine, one fact changed at a time).

The check with torch really absent, the data really absent and the command line
are in tests/test_course.py.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np

from cfcourse import notebook


def run_check(**kwargs) -> tuple[bool, list[str]]:
    lines: list[str] = []
    ok = notebook.check_setup(out=lines.append, **kwargs)
    return ok, lines


def test_the_module_imports_only_the_standard_library_at_the_top():
    tree = ast.parse(Path(notebook.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name.split(".")[0] for n in top for a in n.names if isinstance(n, ast.Import)}
    names |= {n.module.split(".")[0] for n in top if isinstance(n, ast.ImportFrom) and n.module}
    assert not names & {"torch", "numpy", "pandas", "matplotlib"}, names


def test_setup_seeds_and_fixes_printing():
    notebook.setup(seed=3)
    first = np.random.rand()
    notebook.setup(seed=3)
    assert np.random.rand() == first
    assert np.get_printoptions()["precision"] == 3


def test_everything_in_place_passes_with_one_ok_line_per_item():
    ok, lines = run_check(training=False)
    assert ok and lines[-1] == "All set."
    assert [line[:4] for line in lines[:-1]] == [" ok "] * len(lines[:-1])
    assert len(lines) == 1 + len(notebook.PACKAGES) + 1 + 1 + 1  # Python, packages, torch, data, verdict


def test_an_unsupported_python_is_a_failure_with_the_fix(monkeypatch):
    monkeypatch.setattr(notebook, "PYTHON_VERSIONS", ((3, 14), (3, 15)))
    ok, lines = run_check(training=False)
    assert not ok
    assert lines[0].startswith(" NO  Python 3.") and "the course needs Python 3.14 to 3.15" in lines[0]
    assert lines[1].startswith("     fix: install Python 3.12")
    assert lines[-1].startswith("1 problem(s): Python.")


def test_a_package_that_does_not_import_is_named_with_its_error(monkeypatch):
    real = importlib.import_module

    def broken(name, *args):
        if name == "pandas":
            raise ImportError("libstdc++.so.6: cannot open shared object file")
        return real(name, *args)

    monkeypatch.setattr(notebook.importlib, "import_module", broken)
    ok, lines = run_check(training=False)
    assert not ok
    line = next(line for line in lines if "pandas" in line)
    assert line.startswith(" NO  pandas ") and "does not import (ImportError: libstdc++" in line


def test_a_gpu_build_of_torch_passes_with_a_note(monkeypatch):
    real = notebook._version
    monkeypatch.setattr(notebook, "_version", lambda d: "2.13.0+cu128" if d == "torch" else real(d))
    ok, lines = run_check(training=False)
    assert ok
    assert any(line.startswith(" ok  torch 2.13.0 (a GPU build") for line in lines)


def test_colab_needs_no_jupyterlab(monkeypatch):
    real = notebook._version
    monkeypatch.setattr(notebook, "_version", lambda d: None if d == "jupyterlab" else real(d))
    ok, lines = run_check(training=False)
    assert not ok and " NO  jupyterlab: not installed" in lines
    monkeypatch.setattr(notebook, "_in_colab", lambda: True)
    ok, lines = run_check(training=False)
    assert ok and " ok  jupyterlab: not needed in Colab" in lines


def test_the_same_fix_is_not_repeated(monkeypatch):
    real = notebook._version
    monkeypatch.setattr(notebook, "_version", lambda d: None if d in ("tqdm", "requests") else real(d))
    ok, lines = run_check(training=False)
    assert lines.count("     fix: run ./course lab (it installs everything), or see docs/setup.md") == 1
    assert "     fix: as above" in lines
    assert lines[-1].startswith("2 problem(s): tqdm, requests.")

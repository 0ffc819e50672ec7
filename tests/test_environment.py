"""The three ways to install agree: pyproject.toml, constraints.txt and environment.yml.

And CI runs exactly the README's test command.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# conda-forge names that differ from the pip distribution names
CONDA_TO_PIP = {"pytorch-cpu": "torch"}
NOT_PACKAGES = {"python", "pip"}
# Extras that are not part of the course environment, so environment.yml does not list them:
# "benchmark" installs Surprise for the reference rows of benchmarks/accuracy.py only.
NOT_IN_CONDA_EXTRAS = {"benchmark", "fast", "spark"}  # optional extras: Surprise/implicit, numba, pyspark (+ Java)


def _name(requirement: str) -> str:
    """'numpy>=1.26' -> 'numpy'; normalised as PEP 503 does."""
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement.strip()).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_packages(skip_extras: set[str] = frozenset()) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        if name not in skip_extras:
            reqs += extra
    return {_name(r) for r in reqs}


def conda_packages() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    return {CONDA_TO_PIP.get(n, n) for n in names} - NOT_PACKAGES


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return {_name(line): line.split("==")[1] for line in lines if "==" in line}


def test_environment_yml_names_the_same_packages_as_pyproject():
    conda, pip = conda_packages(), pyproject_packages(skip_extras=NOT_IN_CONDA_EXTRAS)
    assert conda - pip == set(), "in environment.yml but not pyproject.toml"
    assert pip - conda == set(), "in pyproject.toml but not environment.yml"


def test_environment_yml_uses_conda_forge_cpu_torch_and_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"]
    assert "pytorch-cpu" in env["dependencies"]


def test_binder_installs_the_course_from_the_checkout():
    # repo2docker builds environment.yml before copying the repository in, so a
    # pip section with "-e ." fails there; postBuild installs the package instead.
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert not any(isinstance(d, dict) for d in env["dependencies"])
    post_build = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post_build
    assert "cfcourse.data fetch" in post_build


def test_every_package_is_pinned_in_constraints():
    pinned = pins()
    missing = pyproject_packages() - set(pinned)
    assert not missing, f"pin these in constraints.txt: {sorted(missing)}"


def test_torch_is_pinned_to_the_cpu_wheel_version():
    # On Linux, PyPI's torch==2.13.0 is the CUDA build: `./course` installs the
    # CPU build (2.13.0+cpu, which satisfies the pin) from CFCOURSE_TORCH_INDEX first.
    assert pins()["torch"] == "2.13.0"
    assert "CFCOURSE_TORCH_INDEX" in (ROOT / "course").read_text()


def test_course_script_and_setup_check_accept_the_same_pythons():
    from cfcourse.notebook import PYTHON_VERSIONS

    script = (ROOT / "course").read_text()
    low, high = (int(v) for v in re.search(r"^PY_MIN=(\d+) PY_MAX=(\d+)", script, re.M).groups())
    assert PYTHON_VERSIONS == ((3, low), (3, high))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">=3.{low}"


def test_uv_is_pinned_for_the_installer():
    assert "uv" in pins()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- test-command -->\s*```bash\n(.+?)\n```", readme)
    assert match, "README.md marks its test command with <!-- test-command -->"
    command = match.group(1).strip()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command in [line.strip() for line in ci]

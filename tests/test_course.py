"""The `course` script and the set-up check, run for real in copies of this checkout.

The expensive test (a fresh set-up from PyPI plus a PEP 503 index on 127.0.0.1
holding the CPU build of torch) runs once and covers the CPU-torch guarantee,
the learner's install (no test tools), and the rebuild of an interrupted `.venv`.
"""

from __future__ import annotations

import glob
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"


def checkout_copy(dest: Path) -> Path:
    """The working tree's tracked files, as a fresh clone would have them (no .venv)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def course(cwd: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CFCOURSE_"))}
    full_env["CFCOURSE_DATA_DIR"] = os.environ.get("CFCOURSE_DATA_DIR", "") or str(Path.home() / ".cache/cfcourse")
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run([str(cwd / "course"), *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def venv_without_torch(dest: Path) -> Path:
    """A real venv (with pip) that sees every package of .venv except torch and its CUDA/triton kin."""
    subprocess.run([sys.executable, "-m", "venv", str(dest)], check=True, capture_output=True)
    (dest / ".cfcourse-venv").touch()
    visible = dest.parent / "visible-site-packages"
    visible.mkdir()
    source = Path(next(p for p in sys.path if p.endswith("site-packages") and p.startswith(str(VENV))))
    for entry in source.iterdir():
        if re.match(r"(torch|functorch|torchgen|nvidia|triton)\b", entry.name, re.I) or entry.suffix == ".pth":
            continue
        (visible / entry.name).symlink_to(entry)
    site = next((dest / "lib").glob("python3.*/site-packages"))
    (site / "course-packages.pth").write_text(f"{visible}\n")
    return dest


def test_help_lists_every_subcommand():
    text = (ROOT / "course").read_text()
    branches = set(re.findall(r"^    ([a-z|-]+)\)$", text, re.M)) - {"help|-h|--help"}
    usage = subprocess.run([str(ROOT / "course"), "help"], capture_output=True, text=True, check=True).stdout
    documented = set(re.findall(r"^  \./course ([a-z]+)", usage, re.M))
    assert branches and branches == documented


def test_unknown_command_exits_2_with_the_usage():
    result = subprocess.run([str(ROOT / "course"), "lob"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown command 'lob'" in result.stderr and "./course lab" in result.stderr


def test_check_with_torch_absent_says_so_and_how_to_fix_it(tmp_path):
    copy = checkout_copy(tmp_path / "cfcourse")
    venv_without_torch(copy / ".venv")
    result = course(copy, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"^ NO  torch: not installed$", out, re.M), out
    assert "fix: run ./course lab: it installs the CPU build of torch" in out
    assert re.search(r"^ ok  numpy \d", out, re.M) and re.search(r"^ ok  MovieLens ml-latest-small", out, re.M)
    assert " NO  training smoke test: skipped" in out
    assert "problem(s): torch, training" in out
    assert "Traceback" not in out + result.stderr


def test_check_with_the_data_absent_says_so_and_downloads_nothing(tmp_path):
    empty = tmp_path / "cache"
    empty.mkdir()
    result = course(ROOT, "check", "--no-training", env={"CFCOURSE_DATA_DIR": str(empty)})
    assert result.returncode == 1
    assert f" NO  MovieLens ml-latest-small: not in the cache folder {empty}" in result.stdout
    assert "fix: run ./course fetch" in result.stdout
    assert re.search(r"^ ok  torch 2\.\d+\.\d+ \(CPU build\)$", result.stdout, re.M), result.stdout
    assert list(empty.iterdir()) == []


def test_check_passes_on_this_checkout_and_times_the_smoke_test():
    result = course(ROOT, "check")
    out = result.stdout
    assert not re.search(r"^ NO  (?!training smoke test: took \d+ s)", out, re.M), out
    # Timed only from the command line; on a loaded machine it may be slow, never wrong.
    if result.returncode == 0:
        assert re.search(r"^ ok  training smoke test: toy-world RMSE \S+ -> \S+ in [\d.]+ s$", out, re.M), out
        assert out.rstrip().endswith("All set.")
    else:
        assert out.rstrip().endswith("1 problem(s): training. Fix them as shown, then run the check again "
                                     "(./course check)."), out


def fake_python(path: Path, version: tuple[int, int, int]) -> Path:
    """A Python that reports another version (enough for the `course` script's checks)."""
    path.write_text(
        f"#!{sys.executable}\nimport sys\nsys.version_info = {version + ('final', 0)!r}\n"
        "code = sys.argv[2]; sys.argv = sys.argv[2:]\nexec(compile(code, '-c', 'exec'))\n"
    )
    path.chmod(0o755)
    return path


@pytest.mark.parametrize(
    "python, message",
    [
        ("/nonexistent/python3", "PYTHON=/nonexistent/python3: no such program."),
        ("false", "PYTHON=false does not run"),
        ("FAKE310", "is Python 3.10.4; the course needs Python 3.11, 3.12 or 3.13."),
    ],
)
def test_an_invalid_PYTHON_is_reported_not_ignored(tmp_path, python, message):
    copy = checkout_copy(tmp_path / "cfcourse")
    if python == "FAKE310":
        python = str(fake_python(tmp_path / "python3.10", (3, 10, 4)))
    result = course(copy, "fetch", env={"PYTHON": python})
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
    assert not (copy / ".venv").exists()


@pytest.fixture(scope="module")
def cpu_wheel_dir(tmp_path_factory):
    """A folder holding torch's CPU wheel, copied from this machine's pip sources (its pip configuration)."""
    wheels = tmp_path_factory.mktemp("index") / "files"
    pin = next(line for line in (ROOT / "constraints.txt").read_text().splitlines() if line.startswith("torch=="))
    subprocess.run([str(VENV / "bin/python"), "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(wheels),
                    pin], check=True, timeout=300)
    return wheels


@pytest.fixture(scope="module")
def cpu_torch_index(cpu_wheel_dir):
    """A PEP 503 simple index on 127.0.0.1 holding torch's CPU wheel."""
    root = cpu_wheel_dir.parent
    (wheel,) = cpu_wheel_dir.glob("torch-*.whl")
    assert "+cpu" in wheel.name, f"this machine's pip sources gave {wheel.name}, not the CPU build"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    page = root / "simple" / "torch" / "index.html"
    page.parent.mkdir(parents=True)
    href = f"../../files/{wheel.name.replace('+', '%2B')}#sha256={digest}"
    page.write_text(f'<!DOCTYPE html><html><body><a href="{href}">{wheel.name}</a></body></html>\n')
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/simple"
    server.shutdown()


def test_fresh_setup_with_a_pypi_only_pip_gets_cpu_torch_and_no_cuda(tmp_path, cpu_torch_index):
    copy = checkout_copy(tmp_path / "cfcourse")
    # An interrupted `python -m venv`: a .venv without pip and without the finished marker.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(copy / ".venv")], check=True)
    env = {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": None, "CFCOURSE_TORCH_INDEX": cpu_torch_index}
    result = course(copy, "fetch", env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rebuilding .venv: it has no pip" in result.stderr or "did not finish" in result.stderr, result.stderr
    assert f"step 1/2: installing torch==2.13.0 (CPU build) from {cpu_torch_index}" in result.stderr
    python = str(copy / ".venv/bin/python")
    probe = ("import importlib.metadata as m, torch; print(torch.__version__); "
             "print(' '.join(sorted(d.metadata['Name'].lower() for d in m.distributions())))")
    version, names = subprocess.run([python, "-c", probe], capture_output=True, text=True,
                                    check=True).stdout.splitlines()
    assert version.endswith("+cpu")
    names = names.split()
    assert not [n for n in names if n.startswith(("nvidia-", "triton", "cuda-"))], names
    # A learner's install: JupyterLab, not the test tools.
    assert "jupyterlab" in names and "pytest" not in names and "nbval" not in names

    # The same .venv, asked for by another Python, is rebuilt, and says why.
    candidates = [*map(shutil.which, ["python3.13", "python3.12", "python3.11"]),
                  *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[123]*/bin/python3")))]
    other = next((p for p in candidates if p and subprocess.run(
        [p, "-c", "import os, sys; sys.exit(os.path.realpath(sys._base_executable) == sys.argv[1])",
         os.path.realpath(sys._base_executable)], capture_output=True).returncode == 0), None)
    if other is None:
        pytest.skip("no second Python 3.11-3.13 on this machine for the rebuild check")
    rebuilt = course(copy, "fetch", env={**env, "PYTHON": str(other), "CFCOURSE_WHEELHOUSE": str(tmp_path / "none")})
    assert "rebuilding .venv: it was built with" in rebuilt.stderr, rebuilt.stderr
    assert f"CFCOURSE_WHEELHOUSE={tmp_path / 'none'} is not a folder." in rebuilt.stderr


def test_wheelhouse_dry_run_resolves_each_os_without_cuda_and_names_the_unsupported(tmp_path, cpu_wheel_dir):
    if not (VENV / "bin/uv").exists():
        pytest.skip("uv is not in .venv (installed with pip): ./course wheelhouse installs it")
    platforms = ["linux-x86_64", "macos-arm64", "windows-amd64", "macos-x86_64", "windows-arm64"]
    result = subprocess.run(
        [str(VENV / "bin/python"), str(ROOT / "tools/wheelhouse.py"), "--dry-run", "--dest", str(tmp_path),
         "--python", "3.11", *[arg for p in platforms for arg in ("--platform", p)]],
        env={**os.environ, "CFCOURSE_TORCH_INDEX": str(cpu_wheel_dir)}, capture_output=True, text=True, timeout=600)
    lines = {line.split(" Python")[0]: line for line in result.stdout.splitlines() if " Python 3.11: " in line}
    assert result.returncode == 1, result.stdout + result.stderr  # two platforms cannot be served
    assert re.search(r"resolves from the index: \d+ packages, torch==2\.13\.0\+cpu, 0 CUDA", lines["linux-x86_64"])
    for name in ["macos-arm64", "windows-amd64"]:
        assert re.search(r"resolves from the index: \d+ packages, torch==2\.13\.0, 0 CUDA", lines[name]), lines[name]
    for name in ["macos-x86_64", "windows-arm64"]:
        assert "does NOT resolve" in lines[name] and "torch==2.13.0 has no wheels" in lines[name]

"""Offline wheelhouses for a workshop room, one per operating system, prepared on one machine.

``./course wheelhouse`` runs this. For each platform it downloads every wheel a
learner's ``./course lab`` needs (the pinned packages of ``pyproject.toml``'s
dependencies and ``course`` extra, setuptools to build the course package, uv)
resolved for that platform by ``uv pip compile --python-platform``, then fetched
with ``pip download --no-deps --platform ... --python-version ... --only-binary=:all:``,
so the instructor's own operating system does not matter. On Linux, torch is
the CPU build, taken first from ``CFCOURSE_TORCH_INDEX`` (default PyTorch's CPU
index); macOS and Windows take PyPI's wheel, which is the CPU build there.

A learner then installs from the folder for their machine, without internet::

    CFCOURSE_WHEELHOUSE=/media/usb/wheels/linux-x86_64-py3.11 ./course lab

``--dry-run`` only resolves (``uv pip compile --python-platform``): it proves every
platform has a wheel for every pin without downloading them, or, once the folders
exist, that each folder holds everything its platform needs (``--no-index``). See docs/offline.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

# Per learner platform: uv's --python-platform (resolution: uv evaluates environment markers for the
# target, where pip's --platform keeps the host's, so a Linux host would pull torch's Linux-only CUDA
# dependencies into a Windows wheelhouse), then pip's --platform tags (download), newest first.
PLATFORMS = {
    "linux-x86_64": ("x86_64-manylinux_2_28", ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64",
                                               "manylinux2014_x86_64", "manylinux_2_5_x86_64",
                                               "manylinux1_x86_64", "linux_x86_64"]),
    "macos-arm64": ("aarch64-apple-darwin", ["macosx_14_0_arm64", "macosx_11_0_arm64", "macosx_10_9_universal2"]),
    "windows-amd64": ("x86_64-pc-windows-msvc", ["win_amd64"]),
}
# Platforms where torch==2.13.0 has no wheel at all, for the instructor to check (--dry-run).
UNSUPPORTED = {
    "macos-x86_64": ("x86_64-apple-darwin", ["macosx_14_0_x86_64"]),  # Intel Macs: newest torch 2.2.2
    "windows-arm64": ("aarch64-pc-windows-msvc", ["win_arm64"]),
}
MACOS_VERSION = "14.0"  # the oldest macOS torch 2.13.0 has a wheel for (Sonoma)
EXTRA_WHEELS = ["setuptools>=77", "uv"]  # the build backend of `pip install -e .`; the fast installer
CUDA = re.compile(r"(nvidia|triton|cuda)", re.I)


def requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["course"], *EXTRA_WHEELS]


def full_version(python: str) -> str:
    """'3.11' -> '3.11.99': resolve for the newest patch release (some pins need Python >= 3.11.5)."""
    return python if python.count(".") == 2 else f"{python}.99"


def torch_pin() -> str:
    return next(line for line in (ROOT / "constraints.txt").read_text().splitlines() if line.startswith("torch=="))


def uv() -> str:
    found = Path(sys.executable).parent / "uv"
    if found.exists():
        return str(found)
    sys.exit("uv is needed to resolve for other platforms: run ./course wheelhouse (it installs uv into .venv)")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("$ " + " ".join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command)), flush=True)
    return subprocess.run(command, text=True, capture_output=True, **kwargs)


def torch_source_args(name: str, folder: Path | None) -> list[str]:
    """Where the CPU build of torch comes from, for uv: the wheelhouse, else CFCOURSE_TORCH_INDEX."""
    if not name.startswith("linux"):
        return []
    if folder is not None:
        return ["--find-links", str(folder)]
    source = os.environ.get("CFCOURSE_TORCH_INDEX") or TORCH_CPU_INDEX
    if Path(source).is_dir():
        return ["--find-links", source]
    return ["--extra-index-url", source, "--index-strategy", "unsafe-best-match"]


def resolve(name: str, python: str, folder: Path | None = None, offline: bool = False) -> tuple[bool, list[str], str]:
    """The exact wheels (name==version) a learner on this platform installs; (ok, pins, error)."""
    uv_platform = {**PLATFORMS, **UNSUPPORTED}[name][0]
    reqs = requirements()
    if name.startswith("linux"):
        reqs.append(torch_pin() + "+cpu")
    where = ["--no-index", "--find-links", str(folder)] if offline else torch_source_args(name, folder)
    command = [uv(), "pip", "compile", "-", "--quiet", "--no-header", "--no-annotate", "--only-binary", ":all:",
               "--python-platform", uv_platform, "--python-version", full_version(python), "-c", str(ROOT / "constraints.txt"),
               *where]
    # uv reads the macOS version a wheel may target from MACOSX_DEPLOYMENT_TARGET (default 13.0);
    # torch 2.13's Apple-silicon wheel needs macOS 14.
    env = {**os.environ, "MACOSX_DEPLOYMENT_TARGET": MACOS_VERSION}
    result = run(command, input="\n".join(reqs), env=env)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        return False, [], " ".join(lines[:3])
    pins = [line.strip() for line in result.stdout.splitlines() if "==" in line and not line.startswith("#")]
    return True, pins, ""


def folder_size(folder: Path) -> tuple[int, int]:
    wheels = list(folder.glob("*.whl"))
    return len(wheels), sum(w.stat().st_size for w in wheels)


def download(name: str, python: str, dest: Path) -> Path:
    folder = dest / f"{name}-py{python}"
    folder.mkdir(parents=True, exist_ok=True)
    tags = [f"--platform={tag}" for tag in PLATFORMS[name][1]]
    target = [*tags, f"--python-version={full_version(python)}", "--only-binary=:all:"]
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar=off", "-d", str(folder)]
    if name.startswith("linux"):
        source = os.environ.get("CFCOURSE_TORCH_INDEX") or TORCH_CPU_INDEX
        where = ["--no-index", f"--find-links={source}"] if Path(source).is_dir() else [f"--index-url={source}"]
        result = run([*pip, *where, *target, torch_pin()])
        if result.returncode != 0 or not list(folder.glob("torch-*+cpu-*.whl")):
            sys.exit(f"could not get the CPU build of torch for {name} from {source}:\n{result.stderr[-2000:]}\n"
                     "Set CFCOURSE_TORCH_INDEX to a mirror or a folder holding it.")
    ok, pins, error = resolve(name, python, folder)
    if not ok:
        sys.exit(f"{name} Python {python} does not resolve: {error}")
    pins = [p for p in pins if not p.startswith("torch==")] if name.startswith("linux") else pins
    result = run([*pip, *target, *pins])
    if result.returncode != 0:
        sys.exit(f"pip download failed for {name}:\n{result.stderr[-3000:]}")
    cuda = [w.name for w in folder.glob("*.whl") if CUDA.match(w.name)]
    if cuda:
        sys.exit(f"{folder} holds CUDA packages ({', '.join(cuda[:3])}...): torch was not the CPU build")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course wheelhouse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=ROOT / "wheels", help="where the folders go (default: wheels/)")
    parser.add_argument("--platform", action="append", choices=[*PLATFORMS, *UNSUPPORTED],
                        help="repeatable; default: linux-x86_64, macos-arm64 and windows-amd64")
    parser.add_argument("--python", action="append",
                        help="learners' Python version, repeatable (default: this Python's, "
                             f"{sys.version_info.major}.{sys.version_info.minor})")
    parser.add_argument("--dry-run", action="store_true",
                        help="only resolve each platform (against --dest's folders when they exist, else the index)")
    args = parser.parse_args(argv)
    platforms = args.platform or list(PLATFORMS)
    pythons = args.python or [f"{sys.version_info.major}.{sys.version_info.minor}"]
    failed = False
    for python in pythons:
        for name in platforms:
            if args.dry_run:
                folder = args.dest / f"{name}-py{python}"
                ok, pins, error = resolve(name, python, folder if folder.is_dir() else None, offline=folder.is_dir())
                source = f"from {folder}" if folder.is_dir() else "from the index"
                if ok:
                    torch = next((p for p in pins if p.startswith("torch==")), "no torch")
                    cuda = sum(bool(CUDA.match(p)) for p in pins)
                    print(f"{name} Python {python}: resolves {source}: {len(pins)} packages, {torch}, "
                          f"{cuda} CUDA packages")
                else:
                    failed = True
                    print(f"{name} Python {python}: does NOT resolve {source}: {error}")
                continue
            if name in UNSUPPORTED:
                print(f"{name}: torch {torch_pin()[7:]} has no wheel for it; see docs/offline.md")
                failed = True
                continue
            folder = download(name, python, args.dest)
            count, size = folder_size(folder)
            print(f"{folder}: {count} wheels, {size / 1e6:,.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

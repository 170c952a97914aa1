"""Build TrainDesk's one-folder bundle dist/TrainDesk/ with PyInstaller (packaging/TrainDesk.spec).

    python packaging/build.py              # trimmed bundle: no triton, unused Qt plugins, headers ...
    python packaging/build.py --no-trim    # everything the hooks collect (to measure the trimming)
    python packaging/build.py --archive    # also dist/TrainDesk-<version>-linux-x86_64.tar.gz

Run it with the project's interpreter (the one that has torch and PySide6): PyInstaller bundles
the packages of the interpreter it runs in. Then check the result: bash packaging/smoke.sh dist/TrainDesk
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SPEC = HERE / "TrainDesk.spec"
NAME = "TrainDesk"
MB = 1024 * 1024
GB = 1024 * MB
# Measured on Linux x86-64 with torch 2.14 (CUDA wheels): the bundle is 4.3 GB, PyInstaller's work
# folder 0.2 GB, the pip install of the packaging tools up to 1 GB, the .tar.gz 2.7 GB.
BUILD_NEEDS = 6 * GB
ARCHIVE_NEEDS = 3 * GB


def fail(message: str) -> None:
    print(f"build.py: {message}", file=sys.stderr)
    sys.exit(1)


def version() -> str:
    """__version__ from core/version.py, read without importing the app (no torch needed)."""
    tree = ast.parse((REPO / "core" / "version.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__version__"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    fail("no __version__ in core/version.py")


def ensure_disk_space(target: Path, needed: int) -> None:
    """Refuse to start a build that would fill the disk half-way (PyInstaller then dies with a bare
    OSError and leaves a broken bundle behind). A bundle already at target is replaced, so its
    size counts as free."""
    probe = target
    while not probe.exists():
        probe = probe.parent
    old = target / NAME
    free = shutil.disk_usage(probe).free + (folder_sizes(old).get(old, 0) if old.is_dir() else 0)
    if free < needed:
        fail(f"not enough disk space for the build: {free / GB:.1f} GB free at {probe}, "
             f"it needs about {needed / GB:.0f} GB. Free some space or pass --dist/--work "
             "on another disk.")


def ensure_tools() -> None:
    """Install PyInstaller and its contrib hooks at the versions pinned in pyproject's `package`
    extra, unless this interpreter already has them."""
    if all(importlib.util.find_spec(m) for m in ("PyInstaller", "_pyinstaller_hooks_contrib")):
        return
    print("Installing the packaging tools: pip install -e '.[package]'", flush=True)
    cmd = [sys.executable, "-m", "pip", "install", "-e", f"{REPO}[package]"]
    if subprocess.run(cmd).returncode != 0:
        fail("could not install the packaging tools (see pip's output above)")


def run_pyinstaller(dist: Path, work: Path, trim: bool) -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    if not trim:
        cmd += ["--", "--no-trim"]  # arguments after -- go to the spec
    print("Running:", " ".join(cmd), flush=True)
    if subprocess.run(cmd, cwd=REPO).returncode != 0:
        fail("PyInstaller failed (see its output above); no bundle was made")


def check_bundle(bundle: Path) -> None:
    """Catch the known silent failures before anyone runs the bundle."""
    exe = bundle / (NAME + ".exe" if sys.platform == "win32" else NAME)
    if not exe.is_file():
        fail(f"PyInstaller finished but {exe} is missing")
    internal = bundle / "_internal"
    if not list(internal.glob("torchvision/*_stable.*")):
        fail("torchvision's compiled ops (torchvision/*_stable.so) are not in the bundle")
    if not (internal / "resources").is_dir():
        fail("resources/ is not in the bundle")


def libraries_from_the_system(bundle: Path) -> dict[str, list[str]]:
    """Libraries that bundled files link to but the bundle lacks (Linux, ldd): {name: [users]}.
    Expected: the GPU driver (libcuda.so.1) and desktop libraries (Wayland, EGL) that the host
    provides. A library name that trimming took away from a file that stayed would show up here.
    (ldd misses libraries that are only found once torch is loaded; those are in the bundle and
    are skipped by name.)"""
    if not sys.platform.startswith("linux"):
        return {}
    files = [p for p in bundle.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    present = {p.name for p in bundle.rglob("*")}
    missing: dict[str, list[str]] = {}
    for lib in files:
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            name = line.split()[0] if "not found" in line else None
            if name and name not in present:
                missing.setdefault(name, []).append(str(lib.relative_to(bundle)))
    return missing


def folder_sizes(root: Path) -> dict[Path, int]:
    """Bytes under each folder (recursive), like du -s, without following links."""
    sizes: dict[Path, int] = {}
    for folder, _, files in os.walk(root):
        total = sum(os.lstat(os.path.join(folder, f)).st_size for f in files)
        path = Path(folder)
        while True:  # add this folder's files to it and to every folder above it
            sizes[path] = sizes.get(path, 0) + total
            if path == root:
                break
            path = path.parent
    return sizes


def report(bundle: Path, seconds: float) -> None:
    sizes = folder_sizes(bundle)
    internal = bundle / "_internal"
    top = sorted((p for p in sizes if p.parent == internal), key=sizes.get, reverse=True)[:10]
    print(f"\nBuild wall time: {seconds / 60:.1f} min ({seconds:.0f} s)")
    print(f"Bundle: {bundle}  {sizes[bundle] / MB:,.0f} MB")
    print("Ten largest folders in _internal/ (MB):")
    for path in top:
        print(f"  {sizes[path] / MB:8,.0f}  {path.relative_to(bundle)}")


def archive(bundle: Path) -> Path:
    """dist/TrainDesk-<version>-<os>-<arch>.tar.gz holding the folder TrainDesk/."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    target = bundle.parent / f"{NAME}-{version()}-{system}-{platform.machine()}.tar.gz"
    print(f"\nWriting {target} ...", flush=True)
    # Level 6: close to 9 in size on these binaries and much faster on 4 GB.
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=NAME)
    print(f"Archive: {target}  {target.stat().st_size / MB:,.0f} MB")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-trim", action="store_true",
                        help="keep all that the hooks collect; only the fixes every build needs "
                        "(torchvision ops, nvrtc builtins, no pkg_resources) are applied")
    parser.add_argument("--archive", action="store_true", help="also write a .tar.gz of the bundle")
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="default: <repo>/dist")
    parser.add_argument("--work", type=Path, default=REPO / "build", help="default: <repo>/build")
    args = parser.parse_args()

    ensure_disk_space(args.dist.resolve(), BUILD_NEEDS + (ARCHIVE_NEEDS if args.archive else 0))
    ensure_tools()
    start = time.perf_counter()
    run_pyinstaller(args.dist.resolve(), args.work.resolve(), trim=not args.no_trim)
    seconds = time.perf_counter() - start
    bundle = args.dist.resolve() / NAME
    check_bundle(bundle)
    missing = libraries_from_the_system(bundle)
    if missing:
        print("\nLibraries the bundle leaves to the system (ldd; this machine lacks them):")
        for name, users in sorted(missing.items()):
            print(f"  {name}  needed by {len(users)}, e.g. {users[0]}")
    report(bundle, seconds)
    if args.archive:
        archive(bundle)
    print(f"\nNext: bash {HERE.relative_to(REPO)}/smoke.sh {bundle}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

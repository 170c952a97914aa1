"""`install-launcher`: put TrainDesk in the user's applications menu (freedesktop.org, so Linux
desktops: GNOME, KDE, Xfce, ...), and take it out again.

What is installed starts this very install: the packaged executable, or the interpreter and the
main.py it was run from. What was written (files, and folders that did not exist) is recorded in
the launcher itself, so `--uninstall` removes exactly that and nothing else, and a second install
is harmless.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from core.kept_files import write_atomic
from core.paths import resources_dir, xdg_data_home

APP_ID = "traindesk"  # the .desktop file's name, the icon's name and the window's WM_CLASS
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
OWNER_KEY = "X-TrainDesk-Launcher"
FILES_KEY = "X-TrainDesk-Files"
DIRS_KEY = "X-TrainDesk-Created-Folders"
# Characters that make the desktop spec's Exec parser need a quoted argument.
_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


class LauncherError(Exception):
    """Installing or removing the launcher cannot go on; the message says why."""


@dataclass
class Report:
    desktop_file: Path
    exec_line: str = ""
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def command() -> list[str]:
    """How to start this install: the bundle's executable, or this interpreter with our main.py.
    The interpreter's path is kept as run (not resolved): a venv's python is a symlink to the base
    interpreter, which would start without the venv's packages."""
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    return [os.path.abspath(sys.executable), str(resources_dir().parent / "main.py")]


def exec_quote(arg: str) -> str:
    """One Exec argument per the Desktop Entry spec: quoted when needed, with `"`, `` ` ``, `$`
    and `\\` escaped inside the quotes, `%` doubled, and the string-level backslash escape on top."""
    arg = arg.replace("%", "%%")
    if arg and not (set(arg) & _RESERVED):
        return arg
    inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return ('"' + inner + '"').replace("\\", "\\\\")


def desktop_path(data_home: Path | None = None) -> Path:
    return (data_home or xdg_data_home()) / "applications" / f"{APP_ID}.desktop"


def _icon_targets(data_home: Path) -> dict[Path, Path]:
    """{installed path: source file} for every icon size and the scalable SVG."""
    res = resources_dir()
    hicolor = data_home / "icons" / "hicolor"
    targets = {hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png": res / "icons" / f"traindesk-{n}.png"
               for n in ICON_SIZES}
    targets[hicolor / "scalable" / "apps" / f"{APP_ID}.svg"] = res / "traindesk.svg"
    return targets


def _read_entry(path: Path) -> dict[str, str]:
    """The [Desktop Entry] keys of a launcher file (empty when it is absent or unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    keys, in_entry = {}, False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            in_entry = line == "[Desktop Entry]"
        elif in_entry and "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys[k.strip()] = v.strip()
    return keys


def _split_list(value: str) -> list[str]:
    return [p for p in value.split(";") if p]


def _make_dirs(folder: Path, created: list[Path]) -> None:
    """mkdir -p, noting each folder that did not exist (outermost first)."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        p.mkdir()
        created.append(p)


def _desktop_text(exec_line: str, try_exec: str, files: list[Path], dirs: list[Path]) -> str:
    template = (resources_dir() / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + exec_line
        elif line.startswith("TryExec="):
            line = "TryExec=" + try_exec
        lines.append(line)
    lines += [f"{OWNER_KEY}=true",
              f"{FILES_KEY}=" + "".join(f"{p};" for p in files),
              f"{DIRS_KEY}=" + "".join(f"{p};" for p in dirs)]
    return "\n".join(lines) + "\n"


def install(data_home: Path | None = None) -> Report:
    data_home = data_home or xdg_data_home()
    target = desktop_path(data_home)
    old = _read_entry(target)
    if old and old.get(OWNER_KEY) != "true":
        raise LauncherError(f"{target} exists and was not written by TrainDesk; "
                            "move it away first, then run install-launcher again")
    icons = _icon_targets(data_home)
    missing = [str(src) for src in icons.values() if not src.is_file()]
    if missing:
        raise LauncherError("the icon files are missing from this install: " + ", ".join(missing))
    # Folders a previous install created stay on the list: uninstall must still remove them.
    created = [Path(p) for p in _split_list(old.get(DIRS_KEY, ""))]
    cmd = command()
    report = Report(target, " ".join(exec_quote(a) for a in cmd))
    try:
        for dest, src in icons.items():
            _make_dirs(dest.parent, created)
            write_atomic(dest, src.read_bytes())
            report.written.append(dest)
        _make_dirs(target.parent, created)
        files = [*report.written, target]
        # TryExec: the menu hides the entry if this interpreter or bundle is removed later.
        text = _desktop_text(report.exec_line, exec_quote(cmd[0]), files, created)
        write_atomic(target, text.encode("utf-8"))
        report.written.append(target)
    except OSError as e:
        raise LauncherError(f"cannot write the launcher into {data_home}: {e}") from e
    return report


def uninstall(data_home: Path | None = None) -> Report:
    data_home = data_home or xdg_data_home()
    target = desktop_path(data_home)
    entry = _read_entry(target)
    report = Report(target)
    if not target.exists():
        return report  # nothing installed (or removed already): nothing to do
    if entry.get(OWNER_KEY) != "true":
        raise LauncherError(f"{target} was not written by TrainDesk; leaving it alone")
    files = [Path(p) for p in _split_list(entry.get(FILES_KEY, ""))]
    ours = set(_icon_targets(data_home)) | {target}
    for path in files:
        # Only the paths this module writes: a hand-edited list cannot make us delete other files.
        if path in ours and (path.is_file() or path.is_symlink()):
            path.unlink()
            report.removed.append(path)
    if target.exists():
        target.unlink()
        report.removed.append(target)
    dirs = [Path(p) for p in _split_list(entry.get(DIRS_KEY, ""))]
    for folder in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only when empty: whatever else was put there since stays
            report.removed.append(folder)
        except OSError:
            pass
    return report

"""install-launcher: a valid .desktop entry and icons in the user's menu that start this very
install, harmless twice, and an uninstall that leaves the folder exactly as it was."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import launcher
from core.paths import resources_dir

ROOT = Path(__file__).resolve().parents[2]


def tree(folder: Path) -> dict:
    """Every file and folder under `folder` with its content (None for folders)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def unquote_exec(line: str) -> list[str]:
    """The Desktop Entry spec's Exec parsing (string-level unescape, then quoted arguments), as
    a desktop environment does it; written out here so the test does not trust exec_quote."""
    line = line.replace("\\\\", "\\")
    args, cur, quoted, i, started = [], "", False, 0, False
    while i < len(line):
        c = line[i]
        if quoted and c == "\\" and i + 1 < len(line) and line[i + 1] in '"`$\\':
            cur += line[i + 1]
            i += 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started:
                args.append(cur)
            cur, started = "", False
        else:
            cur, started = cur + c, True
        i += 1
    if started:
        args.append(cur)
    return [a.replace("%%", "%") for a in args]


def run_cli(args, data_home, **env):
    full = dict(os.environ, XDG_DATA_HOME=str(data_home), **env)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=full,
                          capture_output=True, text=True, timeout=120, cwd=data_home.parent)


def test_install_writes_a_valid_launcher_that_starts_this_install(tmp_path):
    share = tmp_path / "share"
    out = run_cli(["install-launcher"], share)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    desktop = share / "applications" / "traindesk.desktop"
    assert report["desktop_file"] == str(desktop) and desktop.is_file()
    for n in launcher.ICON_SIZES:
        icon = share / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "traindesk.png"
        assert icon.read_bytes() == (resources_dir() / "icons" / f"traindesk-{n}.png").read_bytes()
    assert (share / "icons/hicolor/scalable/apps/traindesk.svg").is_file()
    entry = launcher._read_entry(desktop)
    assert entry["Icon"] == "traindesk" and entry["StartupWMClass"] == "traindesk"
    assert entry["Terminal"] == "false" and entry["Type"] == "Application"
    argv = unquote_exec(entry["Exec"])
    assert argv == [sys.executable, str(ROOT / "main.py")]
    # The Exec line, started from another folder, is this install: same version, same code.
    started = subprocess.run([*argv, "--version"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    from core.version import __version__
    assert started.returncode == 0 and started.stdout.strip() == f"TrainDesk {__version__}"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils is not installed (CI installs it)")
def test_desktop_files_pass_desktop_file_validate(tmp_path):
    launcher.install(tmp_path / "share")
    for path in (resources_dir() / "traindesk.desktop",
                 tmp_path / "share" / "applications" / "traindesk.desktop"):
        out = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout == "", out.stdout + out.stderr


def test_twice_is_harmless_and_uninstall_restores_the_folder_exactly(tmp_path):
    share = tmp_path / "share"
    # A lived-in data folder: other apps' launchers and icons, an empty folder we also use.
    (share / "applications").mkdir(parents=True)
    (share / "applications" / "other.desktop").write_text("[Desktop Entry]\nName=Other\n")
    (share / "icons" / "hicolor" / "48x48" / "apps").mkdir(parents=True)
    (share / "icons" / "hicolor" / "48x48" / "apps" / "other.png").write_bytes(b"png")
    before = tree(share)
    first = launcher.install(share)
    after_first = tree(share)
    second = launcher.install(share)
    assert tree(share) == after_first and first.exec_line == second.exec_line
    launcher.uninstall(share)
    assert tree(share) == before
    assert launcher.uninstall(share).removed == []  # nothing left to remove: no error either


def test_uninstall_from_an_empty_home_removes_the_folders_it_made(tmp_path):
    share = tmp_path / "share"
    launcher.install(share)
    assert (share / "icons" / "hicolor" / "512x512" / "apps").is_dir()
    launcher.uninstall(share)
    assert not share.exists()


def test_uninstall_keeps_what_the_user_added_since(tmp_path):
    share = tmp_path / "share"
    launcher.install(share)
    mine = share / "icons" / "hicolor" / "16x16" / "apps" / "mine.png"
    mine.write_bytes(b"mine")
    launcher.uninstall(share)
    assert mine.read_bytes() == b"mine"
    assert not (share / "applications").exists()


def test_a_launcher_not_ours_is_never_overwritten_or_removed(tmp_path):
    share = tmp_path / "share"
    foreign = share / "applications" / "traindesk.desktop"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("[Desktop Entry]\nType=Application\nName=Someone else's\nExec=true\n")
    with pytest.raises(launcher.LauncherError, match="not written by TrainDesk"):
        launcher.install(share)
    with pytest.raises(launcher.LauncherError, match="not written by TrainDesk"):
        launcher.uninstall(share)
    assert "Someone else's" in foreign.read_text()


def test_a_hand_edited_file_list_cannot_delete_other_files(tmp_path):
    share = tmp_path / "share"
    victim = tmp_path / "precious.txt"
    victim.write_text("keep")
    desktop = launcher.install(share).desktop_file
    text = desktop.read_text().replace(f"{launcher.FILES_KEY}=", f"{launcher.FILES_KEY}={victim};")
    desktop.write_text(text)
    launcher.uninstall(share)
    assert victim.read_text() == "keep"


def test_uninstall_from_the_command_line(tmp_path):
    share = tmp_path / "share"
    assert run_cli(["install-launcher"], share).returncode == 0
    out = run_cli(["install-launcher", "--uninstall"], share)
    assert out.returncode == 0, out.stderr
    assert str(share / "applications" / "traindesk.desktop") in json.loads(out.stdout)["uninstalled"]
    assert not share.exists()


@pytest.mark.parametrize("arg", ["/opt/Train Desk/bin/python", "/home/a$b/x`y`/main.py",
                                 '/tmp/quote"d\\back/100%/main.py', "/plain/path/python3"])
def test_exec_quoting_round_trips_awkward_paths(arg):
    assert unquote_exec(launcher.exec_quote(arg) + " " + launcher.exec_quote("/x y")) == [arg, "/x y"]


def test_the_xdg_data_home_variable_is_honoured_and_empty_means_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert launcher.desktop_path() == tmp_path / "xdg" / "applications" / "traindesk.desktop"
    monkeypatch.setenv("XDG_DATA_HOME", "")
    assert launcher.desktop_path() == Path.home() / ".local/share/applications/traindesk.desktop"

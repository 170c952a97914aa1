"""packaging/build.py refuses to start a build the disk cannot hold, with a message that says so."""
import importlib.util
import shutil
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[2] / "packaging" / "build.py"


def load_build():
    spec = importlib.util.spec_from_file_location("traindesk_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_build_the_disk_cannot_hold_is_refused_before_it_starts(tmp_path, capsys):
    build = load_build()
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(SystemExit) as stop:
        build.ensure_disk_space(tmp_path / "not" / "made" / "yet", free + 100 * build.GB)
    assert stop.value.code == 1
    message = capsys.readouterr().err
    assert "not enough disk space" in message and str(tmp_path) in message
    assert not (tmp_path / "not").exists()


def test_a_build_that_fits_goes_on_and_the_bundle_it_replaces_counts_as_free(tmp_path):
    build = load_build()
    build.ensure_disk_space(tmp_path, 1)  # returns: there is more than a byte free
    old = tmp_path / build.NAME
    old.mkdir()
    (old / "libbig.so").write_bytes(b"\0" * 40_000_000)
    free = shutil.disk_usage(tmp_path).free
    # Needs 20 MB more than is free: the 40 MB of the bundle that will be replaced make up for it.
    build.ensure_disk_space(tmp_path, free + 20_000_000)
    with pytest.raises(SystemExit):
        build.ensure_disk_space(tmp_path, free + 60_000_000)

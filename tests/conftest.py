"""Shared fixtures: the real Fashion-MNIST, loaded once, and a private data home per session."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # real widgets, no screen needed

from core.paths import user_data_dir  # noqa: E402

REAL_DATA_HOME = user_data_dir()  # before the fixture below points the tests elsewhere


@pytest.fixture(autouse=True, scope="session")
def _private_data_home(tmp_path_factory):
    """Keep the tests' thread-choice cache and downloads out of the user's real data folder."""
    old = os.environ.get("TRAINDESK_DATA_HOME")
    os.environ["TRAINDESK_DATA_HOME"] = str(tmp_path_factory.mktemp("traindesk-home"))
    yield
    if old is None:
        os.environ.pop("TRAINDESK_DATA_HOME", None)
    else:
        os.environ["TRAINDESK_DATA_HOME"] = old


def _data_folder():
    """TRAINDESK_TEST_DATA, else the usual sources; on a machine with none, download it once
    into the user's real data folder (where the app itself would put it)."""
    from core.data.fashion_mnist import DataError, download, locate
    named = os.environ.get("TRAINDESK_TEST_DATA")
    if named:
        return named
    try:
        locate(None)
        return None
    except DataError:
        pass
    folder = REAL_DATA_HOME / "fashion-mnist"
    if not (folder.is_dir() and any(folder.iterdir())):
        print(f"Fashion-MNIST not found: downloading it into {folder}", file=sys.stderr)
    return str(download(target=folder))


@pytest.fixture(scope="session")
def fashion():
    """The real data set: Debian package dataset-fashion-mnist, TRAINDESK_TEST_DATA, or a download."""
    from core.data.fashion_mnist import load_fashion_mnist
    return load_fashion_mnist(_data_folder())


@pytest.fixture(scope="session")
def fashion_files():
    from core.data.fashion_mnist import locate
    return locate(_data_folder())[1]


@pytest.fixture(scope="session")
def fashion_small(fashion):
    """The first 6,000 training and 1,000 test images: enough to learn, quick to train."""
    from core.data.fashion_mnist import FashionData
    return FashionData(fashion.train_x[:6000], fashion.train_y[:6000],
                       fashion.test_x[:1000], fashion.test_y[:1000], "first 6000/1000 of " + fashion.source)

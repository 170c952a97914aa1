"""core/ must run where Qt is absent: import every core module with PySide6 and pyqtgraph blocked."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = r"""
import importlib.abc, pkgutil, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6', 'shiboken6'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, Block())
import core
names = [m.name for m in pkgutil.iter_modules(core.__path__)]
for n in names:
    __import__('core.' + n)
leaked = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]
assert not leaked, leaked
print(len(names))
"""


def test_every_core_module_imports_without_qt():
    out = subprocess.run([sys.executable, "-c", BLOCKER], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 10  # the blocker really walked the package


def test_blocker_really_blocks_qt():
    code = BLOCKER.replace("import core", "import pyqtgraph")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0 and "Qt is blocked" in out.stderr

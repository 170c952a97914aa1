"""Compiled modules that two threads must not import at the same time."""
from __future__ import annotations


def import_shared_natives() -> None:
    """Import, in the UI thread, the compiled modules that both torch (loading in the worker's
    thread) and pyqtgraph (the window's plots) import, before torch starts. Two threads initialising one of them at
    once can fail: in the packaged app pyqtgraph's `from cuda.bindings import runtime` raised
    KeyError 'cuda.bindings.driver' while torch was importing it, and the tabs never loaded. They
    take about 0.15 s together."""
    import importlib
    for name in ("numpy", "cuda.bindings.driver", "cuda.bindings.runtime"):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - absent (a CPU-only torch) or broken: torch says so itself
            pass

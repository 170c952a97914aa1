"""50 start/stop cycles in one process: no thread left behind, memory stays put."""
import os
import threading

import pytest

from gui.training.worker import running_threads
from tests.gui.test_window_run import finished, record

CYCLES = 50


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux /proc")
def test_fifty_start_stop_cycles(window, qtbot):
    w = window
    w.panel.set_config({"model": "fashion-v0", "epochs": 2, "batch_size": 32})
    events = record(w.host.worker)
    python_threads = threading.active_count()
    base_rss = base_tasks = None
    for cycle in range(CYCLES):
        events.clear()
        qtbot.waitUntil(w.start_action.isEnabled, timeout=10000)
        w.start()
        qtbot.waitUntil(lambda: any(n == "batch_done" for n, _ in events), timeout=30000)
        w.stop()
        qtbot.waitUntil(lambda: finished(events), timeout=10000)
        assert events[-1][0] == "run_finished" and events[-1][1].stopped
        if cycle == 4:  # after warm-up: allocator pools, thread pools and caches are in place
            base_rss, base_tasks = rss_mb(), os_threads()
    w.plots.refresh()
    growth = rss_mb() - base_rss
    print(f"RSS growth over {CYCLES - 5} cycles: {growth:.1f} MB")
    assert growth < 50
    assert running_threads() == [w.host.thread]  # still the one worker thread
    assert threading.active_count() == python_threads
    assert os_threads() <= base_tasks

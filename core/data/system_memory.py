"""How much memory the system could give now, without torch: the sweep sizes its parallel runs
by it, and an image folder refuses to load beyond half of it."""
from __future__ import annotations

import os
from typing import Optional


def available_memory() -> Optional[int]:
    """Bytes: Linux's MemAvailable, else the free pages where the platform counts them, else
    None (unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None

"""Which device to train on, and how many CPU threads, chosen by measuring rather than by habit."""
from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Callable, Optional

import torch


def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found.insert(0, "cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.insert(0, "mps")
    return found


def pick_device(requested: str = "auto") -> torch.device:
    found = available_devices()
    if requested == "auto":
        for name in ("cuda", "mps", "cpu"):
            if name in found:
                return torch.device(name)
    if requested not in found:
        raise ValueError(f"device {requested!r} is not available here (found: {', '.join(found)})")
    return torch.device(requested)


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def choose_threads(step: Callable[[], None], max_threads: int | None = None,
                   rounds: int = 8) -> tuple[int, dict[int, float]]:
    """Time `step` (one training step) at each candidate thread count and keep the fastest.

    Tiny models are often several times slower with more threads (synchronisation costs more than
    the work), bigger ones faster; only a measurement on this machine tells. The candidates take
    turns, one step each per round, so that a burst of load from a neighbour on a shared machine
    slows all of them alike instead of whichever was being timed then (timing them one after the
    other once locked TinyVGG to 1 thread, slower than 2). Returns the choice and the median
    seconds per step for each candidate.
    """
    max_threads = max_threads or cpu_count()
    candidates = sorted({1, 2, 4, max_threads} & set(range(1, max_threads + 1)))
    samples: dict[int, list[float]] = {n: [] for n in candidates}
    for n in candidates:  # warm-up: each count's thread pool, the allocator, kernel selection
        torch.set_num_threads(n)
        step()
    for _ in range(rounds):
        for n in candidates:
            torch.set_num_threads(n)
            t0 = time.perf_counter()
            step()
            samples[n].append(time.perf_counter() - t0)
    timings = {n: statistics.median(s) for n, s in samples.items()}
    # Fewest threads within 5% of the fastest: a near tie is noise, and a free core keeps the
    # window responsive.
    best = min(n for n in candidates if timings[n] <= 1.05 * min(timings.values()))
    torch.set_num_threads(best)
    return best, timings


MAX_THREADS = 1024
# One line per damaged cpu-threads.json set aside by this process, for the window to show; the
# same line is also in the `how` that remembered_threads returns (the trainer logs it).
problems: list[str] = []


def _read_choices(store: Path) -> tuple[dict, Optional[str]]:
    """The remembered choices and, when the file had to be set aside, the line saying so."""
    from core.kept_files import damaged_note, json_type, read_json, reason, set_aside

    try:
        known = read_json(store)
        if not isinstance(known, dict):
            raise ValueError(f"it holds {json_type(known)}, not an object")
        for k, v in known.items():
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_THREADS:
                raise ValueError(f"{k!r} is {json.dumps(v)[:40]}, not a thread count")
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as e:
        # A cache: setting the whole file aside costs one short measurement per model.
        note = damaged_note("The CPU thread cache", store, reason(e), set_aside(store))
        problems.append(note)
        return {}, note
    return known, None


def take_problems() -> list[str]:
    """The damaged-file lines set aside so far, each handed out once: a file read by a call whose
    log nobody sees (a warm-up in the window) is still reported by the next run that logs."""
    taken = problems[:]
    del problems[:len(taken)]
    return taken


def remembered_threads(key: str, measure: Callable[[], tuple[int, dict[int, float]]]) -> tuple[int, str]:
    """The thread count measured for `key` on this machine, measuring it the first time.

    Remembering the choice keeps runs reproducible: the same seed and config then always run with
    the same thread count, whose floating-point reduction order can change the last bits.
    Returns (threads, how it was chosen); `how` ends with a note when the file was damaged.
    """
    from core.kept_files import locked, reason, remove_stale_temps, write_atomic
    from core.paths import user_data_dir

    store = user_data_dir() / "cpu-threads.json"
    # "probe 2": choices made by the earlier one-candidate-after-another probe are measured again.
    full_key = f"{key}|torch {torch.__version__}|{cpu_count()} cpus|probe 2"
    with locked(store):
        known, note = _read_choices(store)
    if 1 <= known.get(full_key, 0) <= cpu_count():
        torch.set_num_threads(known[full_key])
        return known[full_key], f"measured earlier on this machine ({store})"
    chosen, timings = measure()
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        # Read again under the lock: another TrainDesk may have added its choice while this one
        # measured, and writing the older copy would drop it.
        with locked(store):
            known, later = _read_choices(store)
            known[full_key] = chosen
            remove_stale_temps(store.parent, store.name)
            write_atomic(store, json.dumps(known, indent=1).encode())
        note = note or later
    except OSError as e:  # a read-only home only costs a fresh measurement next time
        note = (f"{note} " if note else "") + f"(not remembered: {reason(e)})"
    shown = ", ".join(f"{k}: {v * 1000:.2f} ms" for k, v in timings.items())
    how = f"measured now (median step time by thread count: {shown})"
    return chosen, f"{how}; {note}" if note else how

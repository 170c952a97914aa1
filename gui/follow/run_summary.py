"""What the Follow tab says about a followed run, from what core.runs.metrics_digest has read (a
Digest: a sample of the rows, with the first and the last, and counts of them all): its header,
its status line, its record (a core.runs.row.RunRow, as the Evaluate and Draw tabs and the curves
take) and one comparison record per finished epoch kept. No Qt here.

Everything comes from files another process writes, maybe damaged or not ours: each value is
checked for its type and a wrong one reads as missing, never as a crash in the window.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from core.runs.folder import METRICS
from core.runs.metrics_digest import SO_FAR, Digest
from core.runs.row import STATUSES, RunRow, build_row, finite_or_none, is_number

DASH = "\u2014"
WAITING = "waiting for the first epoch"
READING = "reading its metrics\u2026"  # a big file, before its first slice is in
GONE = "no longer there"


def _str(d: Optional[dict], key: str, default: str = "") -> str:
    v = (d or {}).get(key)
    return v if isinstance(v, str) else default


def _int(d: Optional[dict], key: str) -> Optional[int]:
    v = (d or {}).get(key)
    return v if is_number(v, integer=True) else None


def _num(d: Optional[dict], key: str) -> Optional[float]:
    return finite_or_none((d or {}).get(key))


def config_of(info: Optional[dict]) -> dict:
    config = (info or {}).get("config")
    return config if isinstance(config, dict) else {}


def is_image_run(info: Optional[dict]) -> bool:
    """A run of an image workflow (Fashion-MNIST or an image folder): what Evaluate and Draw take."""
    from core import workflows
    return _str(info, "task") in workflows.IMAGE_WORKFLOWS or _str(info, "model").startswith("fashion")


def epochs_done(state: Digest) -> int:
    return max((e["epoch"] for e in state.epochs if is_number(e.get("epoch"), integer=True)), default=0)


def epochs_planned(state: Digest) -> Optional[int]:
    """The run's epochs in all: its settings', or more once it trains on ("+1 epoch")."""
    last = _int(state.epochs[-1], "epochs") if state.epochs else None
    planned = [n for n in (_int(config_of(state.info), "epochs"), last) if n]
    return max(planned) if planned else None


def status_line(state: Digest) -> str:
    """"running — epoch 3 of 10", "finished", "stopped", "failed: …", "no longer there",
    "waiting for the first epoch"."""
    if state.gone:
        return GONE
    if state.end is not None:
        status = _str(state.end, "status", "ended")
        if status in ("finished", "stopped"):
            return status
        error = _str(state.end, "error")
        return f"{status}: {error.splitlines()[0]}" if error else status
    if not state.batches and not state.epochs:
        return READING if state.behind else WAITING
    done = epochs_done(state)
    current = max(done + 1, _int(state.batches[-1], "epoch") or 0 if state.batches else 0)
    total = epochs_planned(state)
    if total:
        return f"running {DASH} epoch {min(current, total)} of {total}"
    return f"running {DASH} epoch {current}"


def header_text(info: Optional[dict], folder: Path) -> str:
    """Run id · model · device · processes, and what it continues or belongs to."""
    if info is None:
        return f"{Path(folder).name} (its run.json is missing or unreadable: only its metrics are known)"
    parts = [_str(info, "run_id", Path(folder).name)]
    name, model = _str(info, "model_name"), _str(info, "model")
    parts.append(f"{name} ({model})" if name and model and name != model else name or model or "?")
    if _str(info, "device"):
        parts.append(_str(info, "device"))
    world = _int(info, "world_size") or 1
    parts.append(f"{world} process{'es' * (world != 1)}")
    if _str(info, "source"):
        parts.append(f"from {_str(info, 'source')}")
    parent = _str(info, "resumed_from")
    if parent:  # the checkpoint it continues, named by its run's folder
        parts.append(f"continues {Path(parent).parent.name or parent}")
    if _str(info, "sweep"):
        parts.append(f"sweep {_str(info, 'sweep')}")
    return " \u00b7 ".join(parts)


def figures_line(state: Digest) -> str:
    """How far the epoch under way is, the last finished epoch's test figures, the damaged lines
    skipped."""
    parts = []
    if state.behind:  # a big file, read a slice at a time: how far
        parts.append(f"reading {METRICS}: {state.read_bytes / 1e6:,.0f} of {state.size / 1e6:,.0f} MB")
    last = state.batches[-1] if state.batches else None
    batch, batches = _int(last, "batch"), _int(last, "batches")
    if state.end is None and not state.gone and batch and batches and batch < batches:
        loss = _num(last, "loss")
        parts.append(f"batch {batch:,} of {batches:,}" + (f", loss {loss:.4f}" if loss is not None else ""))
    if state.epochs:
        e = state.epochs[-1]
        loss, acc = _num(e, "test_loss"), _num(e, "test_acc")
        figures = [f"test loss {loss:.4f}" if loss is not None else "",
                   f"test acc {acc:.2f}%" if acc is not None else ""]
        parts.append(f"epoch {_int(e, 'epoch') or '?'}: " + ", ".join(f for f in figures if f))
    if state.end is not None and _num(state.end, "training_time") is not None:
        parts.append(f"{_num(state.end, 'training_time'):.1f} s training")
    if state.skipped:
        parts.append(f"{state.skipped} damaged line{'s' * (state.skipped != 1)} skipped")
    return " \u00b7 ".join(parts)


def run_row(state: Digest, folder: Path, checkpoint: Optional[str] = None,
            meta: Optional[dict] = None) -> RunRow:
    """The followed run as a RunRow; with a checkpoint's metadata, the figures are the
    checkpoint's own (its epoch may be one the metrics file does not have yet)."""
    info, config = state.info or {}, config_of(state.info)
    metrics = (meta or {}).get("metrics")
    metrics = metrics if isinstance(metrics, dict) else None
    last = state.epochs[-1] if state.epochs else {}
    if metrics is not None:
        loss, acc = _num(metrics, "model_loss"), _num(metrics, "model_acc")
        seconds, epochs = _num(metrics, "training_time"), _int(metrics, "epochs")
    else:
        loss, acc = _num(last, "test_loss"), _num(last, "test_acc")
        seconds = state.seconds  # of every epoch read, kept or not
        epochs = epochs_done(state)
    started = _num(info, "started") or 0.0
    ended = _str(state.end, "status") or None
    status = "running" if ended is None else ended if ended in STATUSES else "failed"
    model = _str(info, "model") or _str(config, "model")
    return build_row(
        run_id=_str(info, "run_id", Path(folder).name), model_id=model,
        model_name=_str(info, "model_name", model or "?"), model_loss=loss, model_acc=acc,
        training_time=seconds if seconds is not None and seconds >= 0 else 0.0,
        epochs=epochs or 0, device=_str(info, "device"), config=config, started=started,
        status=status, checkpoint=checkpoint, torch_version=_str(info, "torch_version"),
        error=_str(state.end, "error") or None, folder=str(folder), source=_str(info, "source"),
        resumed_from=_str(info, "resumed_from") or None, sweep=_str(info, "sweep") or None,
        world_size=_int(info, "world_size") or 1)


CURVE_KEYS = ("loss", "acc", "lr")
EPOCH_KEYS = ("train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds", SO_FAR)


def curve_points(state: Digest) -> list[dict]:
    """The batch rows as gui/runs/run_curves.py draws them: numbers only, in step order. While an
    epoch is under way, a point without values marks where it will end, so its curve takes its
    share of the epoch's width now rather than all of it until the epoch is over."""
    points, last = [], None
    for b in state.batches:
        step, epoch = _int(b, "step"), _int(b, "epoch")
        if step is not None and epoch is not None:
            points.append({"step": step, "epoch": epoch, **{k: _num(b, k) for k in CURVE_KEYS}})
            last = b
    batch, batches = _int(last, "batch"), _int(last, "batches")
    if state.end is None and batch is not None and batches is not None and 0 < batch < batches:
        points.append({"step": last["step"] - batch + batches, "epoch": points[-1]["epoch"],
                       **{k: None for k in CURVE_KEYS}})
    return points


def epoch_points(state: Digest) -> list[dict]:
    """The epoch rows as the curves draw them (a row without its epoch number is left out)."""
    return [{"epoch": _int(e, "epoch"), **{k: _num(e, k) for k in EPOCH_KEYS}}
            for e in state.epochs if _int(e, "epoch") is not None]


def epoch_records(row: RunRow, state: Digest) -> list[RunRow]:
    """One comparison record per finished epoch kept: its test figures and the training time up
    to its end (of every epoch before it, kept or not)."""
    records, elapsed = [], 0.0
    for e in epoch_points(state):
        n = e["epoch"]
        elapsed = e[SO_FAR] if e[SO_FAR] is not None else elapsed + (e["seconds"] or 0.0)
        records.append(RunRow(
            run_id=f"{row.run_id}#epoch{n}", model_id=row.model_id,
            model_name=f"{row.model_name}, epoch {n}", model_loss=e["test_loss"],
            model_acc=e["test_acc"], training_time=elapsed, epochs=n,
            device=row.device, optimizer=row.optimizer, lr=e["lr"],
            batch_size=row.batch_size, checkpoint=None, created=row.created, status=row.status))
    return records

"""`main.py runs`: the run history (core/runs/store.py) as a table, as JSON, or minus one run."""
from __future__ import annotations

import json
import math
import sys

COMMAND = "runs"
COLUMNS = (("run_id", "run", 34), ("status", "status", 11), ("epochs", "epochs", 6),
           ("model_loss", "test loss", 9), ("model_acc", "test acc", 8), ("best", "best", 11),
           ("lr", "lr", 8), ("batch_size", "batch", 5), ("training_time", "time", 7),
           ("created", "started", 19), ("name", "name", 20))


def add_parser(sub) -> None:
    p = sub.add_parser("runs", help="list the runs TrainDesk has kept (window and command line)")
    p.add_argument("--json", action="store_true", help="a JSON list, one object per run, with "
                   "every epoch's figures and the checkpoints")
    p.add_argument("--delete", metavar="ID", help="remove the run ID and the files it made")


def run(args) -> int:
    from core.cli.common import Failure
    from core.runs.store import RunStore, StoreError

    store = RunStore()
    try:
        if args.delete:
            removed = store.delete(args.delete)
            print(json.dumps({"deleted": args.delete, "removed": [str(p) for p in removed]}))
            print(f"Deleted run {args.delete} and {len(removed)} files and folders.", file=sys.stderr)
            return 0
        rows = store.runs()
        if store.problem:
            print(store.problem, file=sys.stderr)
        if args.json:
            print(json.dumps([_as_json(store, r) for r in rows], indent=1, allow_nan=False))
        else:
            _table(rows)
    except StoreError as e:
        raise Failure(str(e)) from e
    return 0


def num(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def _as_json(store, r) -> dict:
    epochs = [{k: num(v) for k, v in e.items()} for e in store.epochs(r.run_id)]
    return {"id": r.run_id, "name": r.name, "model": r.model_id, "model_name": r.model_name,
            "status": r.status, "lr": r.lr, "batch_size": r.batch_size, "optimizer": r.optimizer,
            "epochs": epochs, "test_loss": num(r.model_loss), "test_acc": num(r.model_acc),
            "training_time": r.training_time, "device": r.device, "torch_version": r.torch_version,
            "started": r.created, "checkpoint": r.checkpoint, "best_checkpoint": r.best_checkpoint,
            "best_epoch": r.best_epoch, "best_by": r.best_by, "best_value": num(r.best_value),
            "note": r.note, "error": r.error, "source": r.source, "resumed_from": r.resumed_from,
            "folder": r.folder, "sweep": r.sweep, "world_size": r.world_size, "config": r.config}


def _cell(r, key: str) -> str:
    if key == "best":
        return f"ep {r.best_epoch}" if r.best_epoch is not None else ""
    v = getattr(r, key)
    if v is None:
        return ""
    if key == "model_loss":
        return f"{v:.4f}"
    if key == "model_acc":
        return f"{v:.2f}%"
    if key == "training_time":
        return f"{v:.1f}s"
    if key == "lr":
        return f"{v:g}"
    return str(v)


def _table(rows) -> None:
    if not rows:
        print("No runs yet: train one in the window or with `main.py train`.", file=sys.stderr)
        return
    widths = [max(w, len(h), *(len(_cell(r, k)) for r in rows)) for k, h, w in COLUMNS]
    print("  ".join(h.ljust(w) for (_, h, _), w in zip(COLUMNS, widths)).rstrip())
    for r in rows:
        print("  ".join(_cell(r, k).ljust(w) for (k, _, _), w in zip(COLUMNS, widths)).rstrip())

"""`main.py teach`: teach a trained image model drawings it got wrong. A copy of the checkpoint's
model is fine-tuned on DIR/<class>/*.png (core/teach) and kept as a new run in the history; the
checkpoint given is never written. A set with any problem is refused whole: one line per problem,
naming the file, and nothing written."""
from __future__ import annotations

from pathlib import Path

from core.cli.common import Failure, check_out, emit, image_checkpoint, num, say

COMMAND = "teach"


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="teach a model drawings it got wrong: fine-tune a copy on "
                       "DIR/<class>/*.png (kept as a new run; the checkpoint is not changed)")
    p.add_argument("--checkpoint", required=True, help="the image model to teach")
    p.add_argument("--drawings", required=True, metavar="DIR",
                   help="a folder per class, named by the class's index (0-9 for Fashion-MNIST) or "
                   "its name ('/' written '_'), holding PNG or JPEG drawings")
    p.add_argument("--out", default="runs", help="where the taught run's own folder goes "
                   "(default: ./runs)")
    p.add_argument("--seed", type=int, default=0, help="the fine-tune's random seed (default 0)")
    p.add_argument("--data-dir", help="Fashion-MNIST's folder, if not found by itself")


def _parent(path: str, store) -> tuple[str | None, str]:
    """(the run that wrote the checkpoint, its title), or (None, the file's name)."""
    from core.runs.store import StoreError
    want = Path(path).resolve()
    try:
        rows = store.runs()
    except StoreError:
        rows = []
    for row in reversed(rows):
        if any(p and Path(p).resolve() == want for p in (row.checkpoint, row.best_checkpoint)):
            return row.run_id, row.title
    return None, Path(path).name


def run(args) -> int:
    from core.pictures.recipe import InputRecipe
    from core.runs.store import RunStore
    from core.teach.drawings_dir import read_drawings
    from core.teach.finetune import TuneSettings
    from core.teach.record import record_taught, taught_meta
    from core.teach.session import TEST_SLICE, Teacher, TeachError

    ckpt = image_checkpoint(args.checkpoint, COMMAND)
    meta = ckpt.meta
    recipe = InputRecipe.from_meta(meta)
    pixels, labels, _files, problems = read_drawings(args.drawings, meta["classes"], recipe)
    for problem in problems:
        say(problem)
    if problems:
        raise Failure(f"nothing was taught and nothing written: {len(problems)} problem(s) in "
                      f"{args.drawings}")
    out = Path(args.out)
    check_out(out)
    try:
        teacher = Teacher(meta, data_dir=args.data_dir)
        result = teacher.teach(ckpt.model, pixels, labels, TuneSettings(seed=args.seed))
    except TeachError as e:
        raise Failure(str(e)) from None
    acc, loss = teacher.full_test(result.model)
    store = RunStore()
    parent_run, parent_title = _parent(args.checkpoint, store)
    taught = taught_meta(meta, parent_run, str(Path(args.checkpoint).absolute()), result.drawings,
                         result.seconds)
    try:
        run_id, path, missed = record_taught(result.model, taught, parent_title, acc, loss, out, store)
    except OSError as e:
        raise Failure(f"cannot write the taught checkpoint in {out}: {e.strerror or e}") from None
    if missed:
        say(f"The taught run is not in the run history: {missed}")
    if result.note:
        say(result.note)
    emit({"result": {"checkpoint": str(path), "run_id": run_id, "seconds": round(result.seconds, 2),
                     "drawings": result.drawings, "test_acc_before": round(result.test_acc_before, 2),
                     "test_acc_after": round(result.test_acc_after, 2), "test_slice": TEST_SLICE,
                     "test_acc_full": num(round(acc, 2)), "forgetting": result.note, **result.extra,
                     "taught_from": parent_run, "parent_checkpoint": str(Path(args.checkpoint).absolute())}})
    return 0

"""Screenshots of every evaluation view after a 3-epoch fashion-v2 run (and a 1-epoch fashion-v0
run, so the comparison has two bars).

Trained checkpoints are kept in the temp folder and reused, so only the first call trains.
    python benchmarks/shoot_eval.py [OUT_DIR]
Run under a display (Xvfb works) to see real fonts; offscreen also works.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.checkpoint import load  # noqa: E402
from core.config import TrainConfig  # noqa: E402
from core.data.fashion_mnist import load_fashion_mnist  # noqa: E402
from core.runs.row import RunRow  # noqa: E402
from core.train.trainer import Trainer  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "traindesk-shoot-eval"
RUNS = [("fashion-v0", 1), ("fashion-v2", 3)]


def trained(data, model_id: str, epochs: int) -> RunRow:
    """A run record for model_id trained `epochs` epochs, training only if no checkpoint is cached."""
    path = CACHE / f"{model_id}-{epochs}ep.safetensors"
    if not path.exists():
        print(f"training {model_id} for {epochs} epochs ...", flush=True)
        trainer = Trainer(TrainConfig(model=model_id, epochs=epochs), data=data)
        list(trainer.run())
        trainer.save(path)
    meta = load(path).meta
    m = meta["metrics"]
    config = TrainConfig.from_dict(meta["config"])
    return RunRow(path.stem, model_id, meta["class_name"], m["model_loss"], m["model_acc"],
                  m["training_time"], m["epochs"], m["device"], config.optimizer, config.lr,
                  config.batch_size, str(path), "2026-01-01 12:00:00")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else CACHE / "shots")
    out.mkdir(parents=True, exist_ok=True)
    data = load_fashion_mnist()
    records = [trained(data, m, e) for m, e in RUNS]

    from PySide6.QtWidgets import QApplication
    from gui.evaluate import export
    from gui.evaluate.panel import EvaluationPanel
    app = QApplication.instance() or QApplication(sys.argv)
    panel = EvaluationPanel(seed=1)
    panel.setWindowTitle("TrainDesk evaluation")
    panel.resize(1300, 820)
    panel.show()

    def settle(seconds: float = 0.3) -> None:
        end = time.time() + seconds
        while time.time() < end:
            app.processEvents()
            time.sleep(0.02)

    def shot(name: str, whole: bool = False) -> None:
        """The current tab as the PNG export saves it, or the whole panel (status and progress bar)."""
        settle()
        path = out / f"{name}.png"
        print("wrote", export.save_png(panel, path) if whole else panel.export_png(path))

    shot("0-empty-no-data")
    panel.set_data(data)
    shot("1-empty-no-model")
    for r in records:
        panel.add_run(r, None)  # loaded lazily from the checkpoint, evaluated in the background
    settle(0.05)
    shot("2-evaluating", whole=True)
    while panel.busy or panel.entries[panel.current].report is None:
        settle(0.1)
    report = panel.entries[panel.current].report
    off = report.confusion.copy()
    off[range(10), range(10)] = 0
    t, p = divmod(int(off.argmax()), 10)
    panel.confusion.cell_clicked.emit(t, p)  # the tests click for real; here the picture matters
    panel.gallery.list.setCurrentRow(0)
    shot("3-confusion-counts-gallery")
    panel.confusion.set_mode("recall")
    shot("4-confusion-recall", whole=True)
    panel.confusion.set_mode("counts")
    for i, name in enumerate(["5-per-class", "6-predictions", "7-data-explorer", "8-compare"], start=1):
        panel.tabs.setCurrentIndex(i)
        shot(name)
    panel.shutdown()


if __name__ == "__main__":
    main()

"""One small real model for every evaluation test: trained once per session, then shared.

Test modules import the fixtures below. Pytest would build an imported session fixture once per
importing module, so the trained run itself is cached at module level and built only once.
"""
from __future__ import annotations

import pytest

_cache: dict = {}


def trained_run_for(data, folder):
    """(RunRow, model): fashion-v2 (TinyVGG), one epoch on the small training split."""
    if "run" not in _cache:
        from core.config import TrainConfig
        from core.runs.row import RunRow
        from core.train.trainer import Trainer
        config = TrainConfig(model="fashion-v2", epochs=1, batch_size=64, threads=2)
        trainer = Trainer(config, data=data)
        list(trainer.run())
        path = trainer.save(folder / "tinyvgg")
        r = trainer.result(str(path))
        record = RunRow(f"{config.model}-eval", config.model, r.model_name, r.model_loss, r.model_acc,
                        r.training_time, r.epochs_done, r.device, config.optimizer, config.lr,
                        config.batch_size, r.checkpoint, "2026-01-01 12:00:00")
        _cache["run"] = (record, trainer.model.cpu().eval())
    return _cache["run"]


@pytest.fixture
def trained_run(fashion_small, tmp_path_factory):
    folder = _cache.get("folder") or _cache.setdefault("folder", tmp_path_factory.mktemp("eval-run"))
    return trained_run_for(fashion_small, folder)


@pytest.fixture
def panel(qtbot, fashion):
    """An EvaluationPanel alone, on the full test set, with its thread stopped afterwards."""
    from gui.evaluate.panel import EvaluationPanel
    p = EvaluationPanel(seed=0)
    qtbot.addWidget(p)
    p.resize(1200, 800)
    p.set_data(fashion)
    yield p
    p.shutdown()
    assert not p.evaluator.jobs.thread.isRunning()


def wait_evaluated(qtbot, panel, timeout=60_000):
    qtbot.waitUntil(lambda: not panel.busy and panel.entries[panel.current].report is not None,
                    timeout=timeout)
    return panel.entries[panel.current].report

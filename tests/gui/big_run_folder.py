"""A long run's folder, written fast (for the Follow tab's test and benchmarks/bench_follow.py):
run.json as the trainer writes it, and a metrics.jsonl of `lines` batch lines as TrainDesk writes
them (compact JSON, ~150 bytes each), an epoch line after every `per_epoch` of them, and an end
line. The batch at step s has loss 1/s and accuracy s % 100; epoch e has test accuracy e % 100 + 0.5
and takes 2 seconds, so a reader's figures can be checked exactly."""
from __future__ import annotations

import time
from pathlib import Path

from core.runs.folder import METRICS, RunFolderWriter


def info(run_id: str, epochs: int) -> dict:
    return {"run_id": run_id, "model": "fashion-v0", "model_name": "FashionMNISTModelV0",
            "task": "fashion", "classes": [str(i) for i in range(10)], "device": "cpu",
            "world_size": 1, "source": "cli", "started": time.time(), "resumed_from": None,
            "sweep": None, "config": {"model": "fashion-v0", "epochs": epochs, "lr": 0.1,
                                      "batch_size": 32, "optimizer": "sgd"}}


def batch_line(step: int, per_epoch: int) -> str:
    epoch, k = (step - 1) // per_epoch + 1, (step - 1) % per_epoch + 1
    return (f'{{"kind":"batch","step":{step},"epoch":{epoch},"loss":{1.0 / step!r},'
            f'"acc":{float(step % 100)!r},"lr":0.1,"elapsed":{step * 0.1!r},"batch":{k},'
            f'"batches":{per_epoch}}}\n')


def epoch_line(epoch: int, epochs: int) -> str:
    return (f'{{"kind":"epoch","epoch":{epoch},"epochs":{epochs},"train_loss":{1.0 / epoch!r},'
            f'"train_acc":50.0,"test_loss":{2.0 / epoch!r},"test_acc":{epoch % 100 + 0.5!r},'
            f'"seconds":2.0,"samples_per_s":1000.0,"lr":0.1}}\n')


def end_line(epochs: int) -> str:
    return (f'{{"kind":"end","time":{time.time()!r},"status":"finished","model_loss":'
            f'{2.0 / epochs!r},"model_acc":{epochs % 100 + 0.5!r},"training_time":'
            f'{2.0 * epochs!r},"epochs":{epochs},"checkpoint":null,"error":null}}\n')


def write_big_run(folder: Path, lines: int, per_epoch: int, end: bool = True,
                  run_id: str = "fashion-v0-20260101-120000-b1g000") -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    epochs = -(-lines // per_epoch)
    RunFolderWriter(folder, info(run_id, epochs))
    with open(folder / METRICS, "w", encoding="utf-8") as f:
        chunk = []
        for step in range(1, lines + 1):
            chunk.append(batch_line(step, per_epoch))
            if step % per_epoch == 0:
                chunk.append(epoch_line(step // per_epoch, epochs))
            if len(chunk) >= 10000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
        if end:
            f.write(end_line(epochs))
    return folder

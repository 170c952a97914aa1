"""`main.py sweep`: a grid (or a seeded sample) of real training processes, at most K at once, every
run in the history under the sweep's id, a summary naming the best; bad values refused up front;
a failing run reported while the others finish; a stop passed on to every run, which saves."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.sweep import plan as sweep
from core.sweep.supervise import SweepRun
from core.cli.dispatch import main
from core.runs.store import RunStore
from main_process import default_signals

ROOT = Path(__file__).resolve().parents[2]


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.strip().splitlines()]


def _store(home: Path) -> RunStore:
    return RunStore(home / "runs" / "runs.sqlite")


def test_a_sweep_of_8_runs_ends_with_all_8_in_the_history(tmp_path, fashion_files):
    """The issue's example: learning rates x batch sizes of fashion-v0 on the real Fashion-MNIST,
    two processes at a time, through the real entry point."""
    home, out = tmp_path / "home", tmp_path / "runs"
    data_dir = str(next(iter(fashion_files.values())).parent)
    env = {**os.environ, "TRAINDESK_DATA_HOME": str(home)}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "main.py", "sweep", "--model", "fashion-v0",
                           "--lr", "0.01,0.05,0.1,0.2", "--batch-size", "32,64", "--epochs", "1",
                           "--parallel", "2", "--data-dir", data_dir, "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    wall = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    lines = _lines(proc.stdout)
    plan, runs, summary = lines[0]["plan"], [l["run"] for l in lines[1:-1]], lines[-1]["sweep"]
    assert plan["parallel"] == 2 and plan["threads"] >= 1 and len(plan["runs"]) == 8
    assert plan["runs"][:3] == [{"lr": 0.01, "batch_size": 32}, {"lr": 0.01, "batch_size": 64},
                                {"lr": 0.05, "batch_size": 32}]
    assert len(runs) == 8 and summary["failed"] == 0 and not summary["stopped"]
    assert [r["index"] for r in summary["runs"]] == list(range(1, 9))
    assert all(r["status"] == "finished" and r["exit_code"] == 0 and 60 < r["model_acc"] < 95
               for r in summary["runs"])
    # All 8 in the history, tagged with the sweep's id, each with its own checkpoint and settings.
    rows = {r.run_id: r for r in _store(home).runs()}
    assert summary["id"] == plan["id"] and plan["id"].startswith("sweep-")
    assert len(rows) == 8 and {r.sweep for r in rows.values()} == {plan["id"]}
    assert {r.source for r in rows.values()} == {"sweep"}
    assert {r.status for r in rows.values()} == {"finished"}
    for entry in summary["runs"]:
        row = rows[entry["run_id"]]
        assert (row.lr, row.batch_size, row.epochs) == (entry["lr"], entry["batch_size"], 1)
        assert row.model_acc == pytest.approx(entry["model_acc"])
        assert Path(row.checkpoint).is_file() and Path(row.checkpoint).parent.parent == out
    assert len({r.checkpoint for r in rows.values()}) == 8
    best = max(summary["runs"], key=lambda r: r["model_acc"])
    assert summary["best"] == best
    # One progress line per finished run, and the best named.
    err = proc.stderr.splitlines()
    assert [l.split(" done:")[0] for l in err if " done:" in l] == [f"{i}/8" for i in range(1, 9)]
    assert any(l.startswith("Best: run ") and best["run_id"] in l for l in err)
    print(f"\nsweep of 8: {wall:.1f} s wall, parallel {plan['parallel']}, threads {plan['threads']}: "
          + ", ".join(f"lr {r['lr']:g} batch {r['batch_size']} {r['model_acc']:.2f}%"
                      for r in summary["runs"]))


def test_a_random_sample_is_drawn_from_the_grid_and_repeats_with_its_seed():
    lists = {"lr": [0.001, 0.01, 0.1, 1.0], "batch_size": [16, 32, 64], "optimizer": ["sgd", "adam"]}
    grid = sweep.make_plan("fashion-v0", lists, {"epochs": 1})
    assert len(grid.runs) == grid.grid_size == 24
    a = sweep.make_plan("fashion-v0", lists, {"epochs": 1}, random_n=5, seed=7)
    b = sweep.make_plan("fashion-v0", lists, {"epochs": 1}, random_n=5, seed=7)
    c = sweep.make_plan("fashion-v0", lists, {"epochs": 1}, random_n=5, seed=8)
    assert a.runs == b.runs and a.runs != c.runs and a.id != b.id
    assert len(a.runs) == 5 and a.grid_size == 24
    assert len({json.dumps(r) for r in a.runs}) == 5 and all(r in grid.runs for r in a.runs)
    assert a.runs == [r for r in grid.runs if r in a.runs]  # kept in grid order
    assert sweep.make_plan("fashion-v0", lists, random_n=24, seed=1).runs == grid.runs


def test_a_list_of_one_value_is_given_to_every_run_not_swept():
    plan = sweep.make_plan("fashion-v0", {"lr": [0.1, 0.2], "optimizer": ["adam"]}, {"epochs": 2})
    assert plan.runs == [{"lr": 0.1}, {"lr": 0.2}] and plan.passed == {"epochs": 2, "optimizer": "adam"}
    argv = sweep.train_argv(plan, plan.runs[1])
    assert argv[argv.index("--optimizer") + 1] == "adam" and argv[argv.index("--lr") + 1] == "0.2"
    assert argv[argv.index("--epochs") + 1] == "2" and argv[argv.index("--sweep") + 1] == plan.id


@pytest.mark.parametrize("argv, message", [
    (["--model", "fashion-v0", "--lr", "0.1,-1"], "learning rate (--lr) must be above 0, not -1"),
    (["--model", "fashion-v0", "--lr", "0.1,abc"], "learning rate (--lr) must be a number, not 'abc'"),
    (["--model", "fashion-v0", "--lr", "0.1,,0.2"], "learning rate (--lr) has an empty value"),
    (["--model", "fashion-v2", "--batch-size", "32,0"],
     "batch size (--batch-size) must be between 1 and 60000, not 0"),
    (["--model", "fashion-v0", "--optimizer", "sgd,rmsprop"],
     "optimizer (--optimizer) must be sgd, adam or adamw, not 'rmsprop'"),
    (["--model", "circles-v1", "--lr", "0.1", "--batch-size", "32,64"],
     "batch size (--batch-size) does not apply to circles-v1"),
    (["--model", "fashion-v0", "--lr", "0.1,0.2", "--random", "3"], "more runs than the grid's 2"),
    (["--model", "fashion-v0", "--lr", "0.1", "--parallel", "0"], "--parallel must be 1 or more"),
    (["--model", "fashion-v0", "--lr", "0.1", "--epochs", "0"], "epochs (--epochs) must be 1 or more"),
])
def test_bad_values_are_refused_before_anything_starts(argv, message, tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(home))
    assert main(["sweep", *argv, "--out", str(tmp_path / "runs")]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert captured.out == "" and len(err) == 1 and err[0].startswith("error: ") and message in err[0]
    assert not (tmp_path / "runs").exists() and not (home / "runs").exists()


def test_a_failing_run_is_reported_and_the_others_finish(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TRAINDESK_DATA_HOME", str(home))
    assert main(["sweep", "--model", "circles-v2", "--lr", "0.1,1e6,0.5", "--epochs", "30",
                 "--parallel", "2", "--out", str(tmp_path / "runs")]) == 1
    captured = capsys.readouterr()
    lines = _lines(captured.out)
    summary = lines[-1]["sweep"]
    assert len([l for l in lines if "run" in l]) == 3 and summary["failed"] == 1
    good, bad, other = summary["runs"]
    assert bad["lr"] == 1e6 and bad["status"] == "diverged" and bad["exit_code"] == 1
    assert bad["checkpoint"] is None and "too high for this model" in bad["error"]
    assert good["status"] == other["status"] == "finished"
    assert Path(good["checkpoint"]).is_file() and Path(other["checkpoint"]).is_file()
    assert summary["best"]["run_id"] in (good["run_id"], other["run_id"])
    assert summary["best"]["model_acc"] == max(good["model_acc"], other["model_acc"])
    assert "1 of 3 runs failed" in captured.err and "lr 1e+06 -> diverged" in captured.err
    rows = {r.run_id: r for r in _store(home).runs() if r.sweep == summary["id"]}
    assert {r.status for r in rows.values()} == {"finished", "failed"} and len(rows) == 3


def test_ctrl_c_stops_every_run_and_each_saves(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "TRAINDESK_DATA_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "main.py", "sweep", "--model", "circles-v0",
                             "--lr", "0.1,0.2,0.3", "--epochs", "1000000", "--parallel", "2",
                             "--out", str(tmp_path / "runs")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_signals)
    try:
        plan = json.loads(proc.stdout.readline())["plan"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # both runs training, with an epoch in the history
            rows = [r for r in _store(home).runs() if r.sweep == plan["id"]] \
                if (home / "runs").exists() else []
            if len(rows) == 2 and all(r.epochs > 0 for r in rows):
                break
            time.sleep(0.5)
        else:
            pytest.fail("the sweep's runs did not start")
        proc.send_signal(signal.SIGINT)  # Ctrl+C
        out, err = proc.communicate(timeout=90)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    summary = _lines(out)[-1]["sweep"]
    assert summary["stopped"] and summary["failed"] == 0
    assert [r["status"] for r in summary["runs"]] == ["stopped", "stopped", "not started"]
    assert all(Path(r["checkpoint"]).is_file() for r in summary["runs"][:2])
    rows = [r for r in _store(home).runs() if r.sweep == plan["id"]]
    assert len(rows) == 2 and {r.status for r in rows} == {"stopped"}
    assert "SIGINT: the sweep stopped" in err and "Traceback" not in err


# A stand-in for `main.py train`: notes when it ran, its argv and GPU, then prints a result line.
FAKE_TRAIN = r"""
import json, os, sys, time
args = sys.argv[1:]
lr = args[args.index("--lr") + 1]
log = os.environ["FAKE_LOG"]
start = time.time()
time.sleep(0.6)
if lr == "0.3":
    print("error: the stand-in fails for lr 0.3", file=sys.stderr)
    sys.exit(3)
with open(os.path.join(log, lr), "w") as f:
    json.dump({"start": start, "end": time.time(), "argv": args,
               "gpu": os.environ.get("CUDA_VISIBLE_DEVICES")}, f)
print(json.dumps({"epoch": 1}))
print(json.dumps({"result": {"run_id": "run-" + lr, "status": "finished", "model_acc": float(lr) * 100,
                             "model_loss": 1.0, "epochs": 1, "checkpoint": "/x/" + lr}}))
"""


def test_at_most_k_at_once_each_told_its_sweep_threads_and_gpu(tmp_path, monkeypatch):
    fake = tmp_path / "fake_train.py"
    fake.write_text(FAKE_TRAIN)
    log = tmp_path / "log"
    log.mkdir()
    lrs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    plan = sweep.make_plan("circles-v0", {"lr": lrs}, {"epochs": 5, "device": "cpu"}, parallel=3,
                           out=str(tmp_path / "runs"))
    plan.gpus = 2  # as on a machine with two GPUs: each run sees one
    emitted, said = [], []
    run = SweepRun(plan, command=[sys.executable, str(fake)], emit=emitted.append,
                         say=said.append, env={**os.environ, "FAKE_LOG": str(log)})
    summary = run.run()
    assert summary["failed"] == 1 and len(summary["runs"]) == 7
    failed = summary["runs"][2]
    assert failed["status"] == "failed" and failed["exit_code"] == 3
    assert failed["error"] == "error: the stand-in fails for lr 0.3"
    assert summary["best"]["run_id"] == "run-0.7"
    records = [json.loads((log / repr(lr)).read_text()) for lr in lrs if lr != 0.3]
    # Never more than 3 at once, and 3 at once at some point.
    events = sorted([(r["start"], 1) for r in records] + [(r["end"], -1) for r in records])
    level, most = 0, 0
    for _, step in events:
        level += step
        most = max(most, level)
    assert most == 3
    for r in records:
        argv = r["argv"]
        assert argv[:2] == ["train", "--model"] and argv[argv.index("--sweep") + 1] == plan.id
        assert argv[argv.index("--threads") + 1] == str(plan.threads)
        assert argv[argv.index("--epochs") + 1] == "5" and argv[argv.index("--device") + 1] == "cpu"
        assert r["gpu"] in ("0", "1")
    assert {r["gpu"] for r in records} == {"0", "1"}
    assert list(emitted[0]) == ["plan"] and sum("run" in e for e in emitted) == 7
    assert sum(" done: " in line for line in said) == 7


def test_how_many_at_once_and_how_many_threads(monkeypatch):
    import core.device
    monkeypatch.setattr(core.device, "cpu_count", lambda: 8)
    monkeypatch.setattr(sweep, "_memory_available", lambda: 64e9)
    choose = sweep.choose_parallel
    assert choose(8, "fashion", "fashion-v0", 0, None, None)[:2] == (8, 1)  # a core a run
    assert choose(8, "fashion", "fashion-v2", 0, None, None)[:2] == (4, 2)  # TinyVGG: two
    assert choose(3, "circles", "circles-v0", 0, None, None)[:2] == (3, 2)  # no more than the runs
    assert choose(8, "fashion", "fashion-v0", 0, 5, None)[:2] == (5, 1)
    assert choose(8, "fashion", "fashion-v0", 0, None, 4)[:2] == (8, 4)     # the user's threads
    assert choose(8, "fashion", "fashion-v0", 2, None, None)[:2] == (2, 4)  # a run per GPU
    monkeypatch.setattr(sweep, "_memory_available", lambda: 2.5e9)
    k, threads, why = choose(8, "fashion", "fashion-v0", 0, None, None)
    assert (k, threads) == (2, 4) and "memory" in why

"""Teaching a trained model drawings (core/teach, `main.py teach`): real checkpoints from
`main.py train`, real PNG drawings, the real run history and Fashion-MNIST."""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from teach_fixture import trained_checkpoint, write_drawings  # noqa: E402

from core.cli.dispatch import main  # noqa: E402


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    """A fashion-v0 run trained for one epoch, recorded in this session's history."""
    return trained_checkpoint(tmp_path_factory.mktemp("parent-runs"))["result"]


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_teach_from_the_cli_keeps_a_taught_run(parent, tmp_path, capsys):
    from core import checkpoint
    from core.runs.store import RunStore
    from core.teach.record import taught_from
    drawings = tmp_path / "drawings"
    write_drawings(drawings, {"8": 8, "Bag": 8, "T-shirt_top": 0, "ankle boot": 9}, per_class=2)
    before = _digest(parent["checkpoint"])
    assert main(["teach", "--checkpoint", parent["checkpoint"], "--drawings", str(drawings),
                 "--out", str(tmp_path / "runs"), "--seed", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])["result"]
    assert result["drawings"] == 8 and result["taught_from"] == parent["run_id"]
    assert 0 < result["seconds"] < 60
    assert 50 < result["test_acc_before"] <= 100 and 50 < result["test_acc_after"] <= 100
    assert _digest(parent["checkpoint"]) == before  # the original is never written
    taught = checkpoint.load(result["checkpoint"])
    assert taught.meta["taught"]["drawings"] == 8
    assert taught.meta["taught"]["from_run"] == parent["run_id"]
    original = checkpoint.load(parent["checkpoint"])
    assert any(not torch.equal(a, b) for a, b in zip(taught.model.state_dict().values(),
                                                     original.model.state_dict().values()))
    row = RunStore().get(result["run_id"])  # the history, read afresh: it survives a restart
    assert row.name.startswith("taught from ") and row.checkpoint == result["checkpoint"]
    assert taught_from(row)["from_run"] == parent["run_id"] and taught_from(row)["drawings"] == 8
    assert row.source == "teach" and row.status == "finished"


@pytest.mark.parametrize("case", ["no class", "empty", "unreadable", "not a picture"])
def test_a_bad_set_is_refused_whole_and_nothing_is_written(parent, tmp_path, capsys, case):
    from core.runs.store import RunStore
    drawings = tmp_path / "drawings"
    drawings.mkdir()
    if case != "empty":
        write_drawings(drawings, {"Bag": 8}, per_class=1)
    bad = {"no class": drawings / "shoes", "unreadable": drawings / "Bag" / "broken.png",
           "not a picture": drawings / "Bag" / "notes.txt"}.get(case)
    if case == "no class":
        write_drawings(drawings, {"shoes": 7}, per_class=1)
    elif bad is not None:
        bad.write_bytes(b"\x89PNG\r\n\x1a\n this is not a picture")
    runs_before = len(RunStore().runs())
    out = tmp_path / "runs"
    assert main(["teach", "--checkpoint", parent["checkpoint"], "--drawings", str(drawings),
                 "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip().splitlines()
    assert err[-1].startswith("error: nothing was taught and nothing written")
    assert len(err) == 2  # one line for the problem, one for the refusal
    assert str(bad or drawings) in err[0]
    assert not out.exists() and len(RunStore().runs()) == runs_before


def test_the_personal_set_keeps_both_pictures_and_round_trips_as_a_folder(tmp_path):
    from core.data.fashion_mnist import CLASS_NAMES
    from core.pictures.recipe import FASHION
    from core.teach.personal_set import PersonalSet
    source = tmp_path / "shared"
    write_drawings(source, {"Bag": 8, "0": 0}, per_class=2)
    mine = PersonalSet(tmp_path / "mine", CLASS_NAMES)
    n, problems = mine.import_folder(source, FASHION)
    assert (n, problems) == (4, [])
    items = mine.drawings()
    assert sorted(d.label for d in items) == [0, 0, 8, 8]
    assert all(d.input_path.exists() and d.canvas_path.exists() for d in items)
    assert (tmp_path / "mine" / "T-shirt_top").is_dir()  # '/' written '_'
    x, y = mine.arrays()
    assert x.shape == (4, 1, 28, 28) and x.max() > 100  # the framed inputs, light on dark
    moved = mine.relabel(items[0], 3)
    mine.delete(items[-1])
    assert sorted(d.label for d in mine.drawings()) == [0, 3, 8]
    assert moved.input_path.parent.name == "Dress"
    exported = tmp_path / "export"
    assert mine.export(exported) == 3
    again = PersonalSet(tmp_path / "again", CLASS_NAMES)
    assert again.import_folder(exported, FASHION) == (3, [])
    assert sorted(d.label for d in again.drawings()) == [0, 3, 8]
    n, problems = again.import_folder(tmp_path / "nothing-here", FASHION)
    assert n == 0 and "no such folder" in problems[0]


def test_fine_tune_leaves_the_model_alone_and_augments_within_the_picture(fashion_small):
    from core.models import build_model
    from core.pictures.recipe import FASHION
    from core.teach.finetune import TuneSettings, augment, fine_tune
    torch.manual_seed(0)
    model = build_model("fashion-v2", 10)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = fashion_small.train_x[:20].float().unsqueeze(1)
    y = fashion_small.train_y[:20]
    varied = augment(x, torch.Generator().manual_seed(0), light_paper=False)
    assert varied.shape == x.shape and varied.min() >= 0 and varied.max() <= 255
    assert not torch.equal(varied, x)
    taught, seconds, info = fine_tune(model, FASHION, x, y, fashion_small.train_x,
                                      fashion_small.train_y, TuneSettings(steps=5, budget_s=None))
    assert info == {"steps": 5, "last_layer_only": False}
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert any(not torch.equal(before[k], v) for k, v in taught.state_dict().items())
    assert seconds > 0
    # a model too slow for the budget goes on with its last layer only, and stops in time
    slow, seconds, info = fine_tune(model, FASHION, x, y, fashion_small.train_x, fashion_small.train_y,
                                    TuneSettings(steps=10_000, budget_s=0.5))
    assert info["steps"] < 10_000 and seconds < 30  # stopped by the budget, not the steps
    assert info["last_layer_only"] or info["steps"] <= 3  # switched on its third step, if it got there


def test_forgetting_is_said_in_words_only_past_a_point():
    from core.teach.session import forgetting_note
    assert forgetting_note(88.0, 87.2) is None
    assert "fell 2.5 points" in forgetting_note(88.0, 85.5)


def test_an_image_folder_model_is_taught_in_colour_at_its_size(tmp_path, fashion, capsys):
    from core import checkpoint
    from core.pictures.recipe import InputRecipe
    from core.teach.personal_set import PersonalSet
    from image_folder_fixture import trained_folder_run
    written, _trainer, path = trained_folder_run(tmp_path, data=fashion)
    drawings = tmp_path / "drawings"
    write_drawings(drawings, {"Bag": 8, "trouser": 1}, per_class=2)
    assert main(["teach", "--checkpoint", str(path), "--drawings", str(drawings),
                 "--out", str(tmp_path / "runs")]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["drawings"] == 4 and result["taught_from"] is None  # a file outside the history
    taught = checkpoint.load(result["checkpoint"])
    recipe = InputRecipe.from_meta(taught.meta)
    assert recipe.shape == (3, 32, 32) and taught.meta["classes"] == written.classes
    # its personal set keeps what it saw in colour, at its size
    mine = PersonalSet(tmp_path / "mine", written.classes)
    assert mine.import_folder(drawings, recipe) == (4, [])
    x, _y = mine.arrays()
    assert x.shape == (4, 3, 32, 32)

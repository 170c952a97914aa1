"""The run history survives a restart and shrugs off a damaged index."""
from core.config import RunResult, TrainConfig
from core.runs.legacy_json import INDEX, RunHistory, RunRecord


def _record(acc):
    result = RunResult("FashionMNISTModelV0", 0.5, acc, 4.2, 3, "cpu", 2, checkpoint="/x.safetensors")
    return RunRecord.from_run(TrainConfig(model="fashion-v0"), result)


def test_records_persist(tmp_path):
    h = RunHistory(tmp_path)
    h.add(_record(82.0))
    h.add(_record(83.0))
    again = RunHistory(tmp_path)
    assert [r.model_acc for r in again.records] == [82.0, 83.0]
    assert again.records[0].model_name == "FashionMNISTModelV0" and again.records[0].epochs == 3
    again.remove(again.records[0].run_id)
    assert [r.model_acc for r in RunHistory(tmp_path).records] == [83.0]


def test_damaged_index_is_set_aside(tmp_path):
    (tmp_path / INDEX).write_text("{not json")
    h = RunHistory(tmp_path)
    assert h.records == [] and "could not be read" in h.problem
    assert any(p.name.startswith(INDEX + ".damaged") for p in tmp_path.iterdir())
    h.add(_record(80.0))
    assert len(RunHistory(tmp_path).records) == 1

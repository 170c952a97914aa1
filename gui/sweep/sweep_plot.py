"""What a sweep view shows of its runs (gui/sweep/sweep_view.py): one scatter point per run (x a
swept setting, y its test accuracy or, for a regression model, its test loss; colour its status,
shape the next swept setting's value, a star for the best) and one table row per run.

A mixin of SweepView: it reads the view's plan, results, rows, plot, scatter, legend, axis combo
and table.
"""
from __future__ import annotations

import math
from typing import Optional

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from core.config import TrainConfig
from core.settings_spec import settings_of

# How the axis, the columns and the tips name a swept setting: as its declaration does.
NAMES = {**{s.name: s.words for s in settings_of(TrainConfig)}, "index": "run number"}
# The trainer's endings as the history names them (core/runs/recorded.py's STATUS).
HISTORY_STATUS = {"halted": "failed", "diverged": "failed", "not started": "not started"}
STATUS_COLORS = {"finished": "#1f77b4", "running": "#9a9a9a", "stopped": "#ff7f0e",
                 "pruned": "#9467bd", "failed": "#d62728", "interrupted": "#8c564b"}
PRUNED_SYMBOL = "x"  # a pruned run's point is its last epoch's figure: marked apart
SYMBOLS = ("o", "s", "t", "d", "h", "p", "t1", "star")


def _value_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _finite(x) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


class SweepPlot:
    def dimensions(self) -> list[str]:
        """The swept settings, in the plan's order (a study's: its search space's)."""
        if self.plan and isinstance(self.plan.get("space"), dict):
            return list(self.plan["space"])
        return list(self.plan["runs"][0]) if self.plan and self.plan["runs"] else []

    def count(self) -> int:
        """Runs the view shows: the plan's, or the study's trials so far."""
        if self.study is not None:
            return len(self.study["trials"])
        return len(self.plan["runs"]) if self.plan else 0

    def _is_range(self, key: str) -> bool:
        space = (self.plan or {}).get("space")
        return isinstance(space, dict) and isinstance(space.get(key), dict)

    def _regression(self) -> bool:
        """The plan's model predicts numbers (the line's): its runs are scored by test loss."""
        from core import workflows
        from core.models import MODELS  # torch is in by the time a sweep is shown
        spec = MODELS.get(str(self.plan["model"])) if self.plan else None
        return spec is not None and workflows.get(spec.task).kind == workflows.REGRESSION

    def entry(self, i: int) -> dict:
        """Run i of the plan (or trial i of the study) as it stands: values, status, figures, run id."""
        if self.study is not None:
            return self.trial_entry(i)
        values = self.plan["runs"][i]
        row, result = self.rows.get(i), self.results.get(i)
        e = {"index": i + 1, **values, "status": "waiting", "acc": None, "loss": None,
             "epochs": 0, "run_id": None, "error": None}
        if row is not None:
            e.update(status=row.status, acc=_finite(row.model_acc), loss=_finite(row.model_loss),
                     epochs=row.epochs, run_id=row.run_id, error=row.error)
        if result is not None:  # final: a row read a moment earlier may still say running
            status = HISTORY_STATUS.get(result["status"], result["status"])
            e.update(status=status, run_id=result.get("run_id") or e["run_id"],
                     error=result.get("error") or e["error"])
            for key, name in (("acc", "model_acc"), ("loss", "model_loss")):
                if _finite(result.get(name)) is not None:
                    e[key] = _finite(result[name])
            if isinstance(result.get("epochs"), int):
                e["epochs"] = result["epochs"]
        return e

    def trial_entry(self, i: int) -> dict:
        """Trial i of the study (in number order): its values and state from the study, its
        figures from this machine's history when the run is here, else the study's own figure
        (a pruned or running trial's last reported epoch)."""
        t = self.study["trials"][i]
        e = {"index": i + 1, "trial": t["number"], **t["params"], "status": t["status"], "acc": None,
             "loss": None, "epochs": t["epochs"], "run_id": t["run_id"], "error": None}
        row = self.rows.get(t["run_id"]) if t["run_id"] else None
        if row is not None:
            e.update(acc=_finite(row.model_acc), loss=_finite(row.model_loss), epochs=row.epochs,
                     error=row.error)
        if _finite(t["value"]) is not None and self._y(e) is None:
            e["loss" if self._regression() else "acc"] = _finite(t["value"])
        return e

    def _y(self, e: dict) -> Optional[float]:
        return e["loss"] if self._regression() else e["acc"]

    def _best(self, entries: list[dict]) -> Optional[int]:
        scored = [e for e in entries if self._y(e) is not None and e["status"] in ("finished", "stopped")]
        if not scored:
            return None
        pick = min if self._regression() else max
        return pick(scored, key=self._y)["index"]

    def _draw(self) -> None:
        if not self.plan:
            return
        entries = [self.entry(i) for i in range(self.count())]
        if self.table.rowCount() != len(entries):
            self.table.setRowCount(len(entries))
        self._fill_table(entries)
        self._show_progress(entries)
        key = self.axis.currentData() or "index"
        dims = self.dimensions()
        shape_key = next((k for k in dims if k != key), None)
        values = sorted({e[key] for e in entries if e.get(key) is not None},
                        key=lambda v: (isinstance(v, str), v))
        log = key == "lr" and all(isinstance(v, (int, float)) and v > 0 for v in values)
        if self._is_range(key):  # sampled values: at their place on the axis, not one tick each
            log = bool(self.plan["space"][key].get("log"))
            position = {v: (math.log10(v) if log and v > 0 else float(v)) for v in values}
        else:
            position = {v: (math.log10(v) if log else float(j)) for j, v in enumerate(values)}
        if log and len(values) > 1:
            gap = min(b - a for a, b in zip(sorted(position.values()), sorted(position.values())[1:]))
        else:
            gap = 1.0
        shapes = {}
        if shape_key is not None and not self._is_range(shape_key):
            for j, v in enumerate(sorted({e[shape_key] for e in entries if e.get(shape_key) is not None},
                                         key=lambda v: (isinstance(v, str), v))):
                shapes[v] = SYMBOLS[j % len(SYMBOLS)]
        groups: dict = {}
        for e in entries:
            if e.get(key) is not None:
                groups.setdefault(e[key], []).append(e)
        best = self._best(entries)
        spots, self.points = [], []
        for v, members in groups.items():
            shown = [e for e in members if self._y(e) is not None]
            for k, e in enumerate(shown):  # side by side, so equal figures do not hide each other
                x = position[v] + (k - (len(shown) - 1) / 2) * 0.12 * gap * (not self._is_range(key))
                color = STATUS_COLORS.get(e["status"], "#7f7f7f")
                is_best = e["index"] == best
                spots.append({"pos": (x, self._y(e)), "data": e["index"],
                              "symbol": "star" if is_best else PRUNED_SYMBOL if e["status"] == "pruned"
                              else shapes.get(e.get(shape_key), "o"),
                              "size": 18 if is_best else 11,
                              "brush": pg.mkBrush(color + ("ff" if e["status"] != "running" else "80")),
                              "pen": pg.mkPen("#000000" if is_best else "#000000a0",
                                              width=1.5 if is_best else 1)})
                self.points.append({**e, "x": x, "y": self._y(e), "best": is_best})
        self.scatter.setData(spots)
        axis = self.plot.getAxis("bottom")
        if not self._is_range(key):
            axis.setTicks([[(position[v], _value_text(v)) for v in values]])
        elif log and values:  # powers of ten
            lo, hi = math.floor(min(position.values())), math.ceil(max(position.values()))
            axis.setTicks([[(p, f"{10 ** p:g}") for p in range(lo, hi + 1)]])
        else:
            axis.setTicks(None)
        self.plot.setLabel("bottom", NAMES.get(key, key) + (" (log scale)" if log else ""))
        if values:
            lo, hi = min(position.values()), max(position.values())
            pad = 0.5 * gap if not self._is_range(key) else 0.05 * max(hi - lo, 1e-9)
            self.plot.setXRange(lo - pad, hi + pad, padding=0)
        self._legend(entries, shape_key, shapes)
        if spots:
            self.plot_state.show_content()
        else:
            self.plot_state.show_message("Each run appears here once its first epoch is in.")

    def _legend(self, entries: list[dict], shape_key, shapes: dict) -> None:
        self.legend.clear()
        for status in [s for s in STATUS_COLORS if any(e["status"] == s for e in entries)]:
            sample = pg.ScatterPlotItem(symbol=PRUNED_SYMBOL if status == "pruned" else "o", size=10,
                                        brush=pg.mkBrush(STATUS_COLORS[status]), pen=pg.mkPen("#000000a0"))
            self.legend.addItem(sample, "pruned (its last epoch)" if status == "pruned" else status)
        if shape_key is not None and len(shapes) > 1:
            for value, symbol in shapes.items():
                sample = pg.ScatterPlotItem(symbol=symbol, size=10, brush=pg.mkBrush("#c8c8c8"),
                                            pen=pg.mkPen("#000000a0"))
                self.legend.addItem(sample, f"{NAMES.get(shape_key, shape_key)} {_value_text(value)}")
        if self._best(entries) is not None:
            self.legend.addItem(pg.ScatterPlotItem(symbol="star", size=14, brush=pg.mkBrush("#c8c8c8"),
                                                   pen=pg.mkPen("#000000")),
                                "best" if self.exit_code is not None else "best so far")

    def _fill_table(self, entries: list[dict]) -> None:
        dims = self.dimensions()
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, e in enumerate(entries):
            values = [e["index"], *(e.get(k, "") for k in dims), e["status"], e["acc"], e["loss"], e["epochs"],
                      e["run_id"] or ""]
            texts = [str(e.get("trial", e["index"])), *(_value_text(e.get(k, "")) for k in dims), e["status"],
                     "" if e["acc"] is None else f"{e['acc']:.2f}%",
                     "" if e["loss"] is None else f"{e['loss']:.4f}", str(e["epochs"]), e["run_id"] or ""]
            for c, (value, text) in enumerate(zip(values, texts)):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    if not isinstance(value, str):  # numbers to the right
                        item.setTextAlignment(right)
                    self.table.setItem(r, c, item)
                if item.text() != text:
                    item.setText(text)
            status_item = self.table.item(r, len(dims) + 1)
            color = STATUS_COLORS.get(e["status"]) if e["status"] != "finished" else None
            status_item.setData(Qt.ItemDataRole.ForegroundRole, pg.mkColor(color) if color else None)
            status_item.setToolTip(e["error"] or "")

    def _show_progress(self, entries: list[dict]) -> None:
        if self.exit_code is not None:
            return  # the ending's line stays
        done = sum(1 for e in entries if (e["index"] - 1 in self.results or self.study is not None)
                   and e["status"] not in ("not started", "running", "waiting"))
        training = sum(1 for e in entries if e["status"] == "running")
        text = f"{done} of {len(entries)} runs done, {training} training"
        best = self._best(entries)
        if best is not None:
            e = entries[best - 1]
            text += f"; best so far: run {best} ({self._describe(e)}), {self._figure(e)}"
        if not self._stopping:
            self.message.setText(text)

    def _describe(self, e: dict) -> str:
        return ", ".join(f"{NAMES.get(k, k)} {_value_text(e[k])}" for k in self.dimensions()
                         if k in e) or "defaults"

    def _figure(self, e: dict) -> str:
        acc = e.get("acc", e.get("model_acc"))
        loss = e.get("loss", e.get("model_loss"))
        if acc is not None and not self._regression():
            return f"{acc:.2f}%"
        return f"test loss {loss:.4g}" if loss is not None else "no figures"

    def _tip(self, x, y, data) -> str:
        if not self.plan or not isinstance(data, int):
            return ""
        e = self.entry(data - 1)
        return (f"run {e['index']}: {self._describe(e)}\n{e['status']}, {self._figure(e)}, "
                f"{e['epochs']} epochs" + (f"\n{e['run_id']}" if e["run_id"] else ""))

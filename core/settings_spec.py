"""How a training setting is declared once and read everywhere.

A setting is one field of a settings dataclass made with `setting()`: a run's (core.config.
TrainConfig) or a toy data set's (core.data.toy_settings: the line's, the circles'). Its name, type
and default are the field's; the rest (label, help, group, range or choices, the workflows that use
it, the defaults that differ per workflow or per model, where the setup panel shows it, how a sweep
and the exported script use it) rides in the field's metadata. From that one declaration come

- the dataclass's default and its validate(): `check_all()`, one message naming the CLI flag;
- the `train` command's flag in its help group (core/cli/common.py);
- the panel's widget, tooltip, range and visibility (gui/training/setup_panel.py, gui/toy/);
- restoring remembered values: `Setting.restore()` converts and clamps into the widget's range;
- what a sweep may vary and how it names it (core/sweep/plan.py), and the exported training
  script's constants (core/export/script.py).

Plain Python and no torch, so the window can read it before its first paint. Adding a setting is
one `setting(...)` field plus the code that uses its value.
"""
from __future__ import annotations

import functools
import math
import numbers
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping, Optional, Union

# The `train --help` sections, in this order.
GROUPS = ("Model", "Optimiser", "Schedule", "Data", "Advanced")
# The setup panel's group boxes, top to bottom; a setting with box=None is on the command line only.
BOXES = ("Experiment", "Training", "Hardware and data")
# Widgets with their own handling in the panel; "" picks one from the type (see gui/training/setup_panel.py).
WIDGETS = ("", "check", "model", "device", "folder")

_KEY = "traindesk.setting"
_KIND_WORDS = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}
_BIG = {int: 2**31 - 1, float: 1e9}  # a widget's bounds where a setting has none (Qt's int limit)


@dataclass(frozen=True, eq=False)
class Setting:
    name: str                      # the field's name; the flag is --name-with-dashes
    kind: type                     # int, float, str or bool (from the field's annotation)
    optional: bool                 # None is allowed (Optional[...]): "automatic"
    default: Any                   # the field's default
    label: str                     # the panel's row label (a check box's text)
    help: str                      # the flag's help and the widget's tooltip
    group: str                     # one of GROUPS
    workflows: Optional[tuple] = None    # the workflows that use it; None: all of them
    low: Optional[float] = None          # inclusive, unless `above`
    high: Optional[float] = None         # inclusive
    above: bool = False                  # `low` itself is not allowed ("above 0")
    # value -> the name the panel shows; or a function giving them, read only when needed
    # (the model list imports torch). The CLI writes an empty-string value as "none".
    choices: Union[None, Mapping[str, str], Callable[[], Mapping[str, str]]] = None
    widget: str = ""                     # one of WIDGETS
    box: Optional[str] = "Training"      # one of BOXES, or None: not in the panel
    widget_range: Optional[tuple] = None  # the panel's narrower (low, high), if it differs
    per_workflow: Mapping[str, Any] = field(default_factory=dict)  # defaults that differ
    per_model: Mapping[str, Any] = field(default_factory=dict)     # a model's own (wins over those)
    # The workflows whose loaded data chooses the value when it is not given (the image folder's
    # epochs and augmentation, from its size: the workflow's data_defaults); until the data is
    # read the value is the workflow's default above. A value given is always obeyed.
    from_data: tuple = ()
    noun: str = ""                       # how messages name it; default: the label
    decimals: int = 8                    # float widgets: the smallest step shown
    step: Optional[float] = None         # a widget's arrow step, if a fixed one suits it
    flag_name: str = ""                  # the flag's name after the prefix, if not the setting's
    prefix: str = ""                     # its dataclass's FLAG_PREFIX ("line"): --line-weight
    # A sweep (core/sweep/plan.py): `sweep` > 0 lets it vary the setting, in this place of the
    # grid's order (1 varies slowest); `short` names it in progress lines ("batch 32");
    # `sweep_pass` gives one value of it to every run.
    sweep: int = 0
    short: str = ""
    sweep_pass: bool = False
    script: str = ""                     # the exported training script's constant holding it

    def __post_init__(self):
        if self.kind not in _KIND_WORDS:
            raise TypeError(f"setting {self.name}: type {self.kind} is not int, float, str or bool")
        if self.group not in GROUPS:
            raise ValueError(f"setting {self.name}: group {self.group!r} is not one of {GROUPS}")
        if self.box is not None and self.box not in BOXES:
            raise ValueError(f"setting {self.name}: box {self.box!r} is not one of {BOXES}")
        if self.widget not in WIDGETS:
            raise ValueError(f"setting {self.name}: widget {self.widget!r} is not one of {WIDGETS}")

    # -- names ---------------------------------------------------------------------------------
    @property
    def flag(self) -> str:
        name = self.flag_name or self.name
        return "--" + (f"{self.prefix}-{name}" if self.prefix else name).replace("_", "-")

    @property
    def dest(self) -> str:
        """Where argparse keeps the flag's value: the name, after the prefix ("line_weight")."""
        return f"{self.prefix}_{self.name}" if self.prefix else self.name

    @property
    def words(self) -> str:
        """How a message names it: 'batch size', 'CPU threads'."""
        if self.noun:
            return self.noun
        label = self.label
        return label if label[1:2].isupper() else label[:1].lower() + label[1:]

    def options(self, resolve: bool = True) -> Optional[dict]:
        """The allowed values and their shown names; None if any value of the type will do (or
        the choices come from a function and `resolve` is false)."""
        choices = self.choices
        if callable(choices):
            if not resolve:
                return None
            choices = choices()
        return None if choices is None else dict(choices)

    @staticmethod
    def cli_text(value) -> str:
        """A choice as it is written on the command line: the empty string is 'none'."""
        return "none" if value == "" else str(value)

    def from_cli(self, value):
        if value == "none" and not callable(self.choices) and "" in (self.choices or {}):
            return ""
        return value

    # -- defaults and workflows ----------------------------------------------------------------
    def default_for(self, task: str, model: Optional[str] = None):
        """The value a new run starts from: the model's own default, else the workflow's, else
        the plain one."""
        if model is not None and model in self.per_model:
            return self.per_model[model]
        return self.per_workflow.get(task, self.default)

    @property
    def varies(self) -> bool:
        """Its default depends on the workflow or the model: the CLI leaves the flag unset (None)
        and fills it in once the model is known."""
        return bool(self.per_workflow or self.per_model or self.from_data)

    def data_chooses(self, task: str) -> bool:
        """Left unset, this workflow's loaded data picks the value (see `from_data`)."""
        return task in self.from_data

    def used_in(self, task: str) -> bool:
        return self.workflows is None or task in self.workflows

    # -- checking ------------------------------------------------------------------------------
    def range_text(self) -> str:
        lo, hi = self.low, self.high
        low = None if lo is None else f"above {_show(lo)}" if self.above else f"{_show(lo)} or more"
        if lo is not None and hi is not None:
            return (f"above {_show(lo)} and at most {_show(hi)}" if self.above
                    else f"between {_show(lo)} and {_show(hi)}")
        return low or (f"at most {_show(hi)}" if hi is not None else "")

    def error(self, must: str, value) -> ValueError:
        return ValueError(f"{self.words} ({self.flag}) must be {must}, not {_show(value)}")

    def check(self, value) -> None:
        """Raise ValueError, naming the flag, unless `value` is allowed."""
        if value is None and self.optional:
            return
        if not _is_kind(value, self.kind):
            raise self.error(_KIND_WORDS[self.kind], value)
        options = self.options()
        if options is not None and value not in options:
            names = [self.cli_text(o) for o in options]
            raise self.error(", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1
                             else names[0], value)
        if self.kind in (int, float):
            if isinstance(value, float) and not math.isfinite(value):
                raise self.error("a finite number", value)
            if (self.low is not None and (value <= self.low if self.above else value < self.low)
                    or self.high is not None and value > self.high):
                raise self.error(self.range_text(), value)

    # -- the panel -----------------------------------------------------------------------------
    def widget_bounds(self) -> tuple:
        """The (low, high) a panel widget offers: `widget_range`, else the setting's own range
        (an excluded low moves up by the smallest step shown)."""
        if self.widget_range is not None:
            return self.kind(self.widget_range[0]), self.kind(self.widget_range[1])
        big = _BIG.get(self.kind, 0)
        lo = -big if self.low is None else self.low
        if self.low is not None and self.above:
            lo = lo + (1 if self.kind is int else 10 ** -self.decimals)
        hi = big if self.high is None else self.high
        return self.kind(lo), self.kind(hi)

    def restore(self, value, fallback):
        """A remembered value as the panel can hold it: converted, finite and clamped into the
        widget's range (a hand-edited 3000000000 epochs becomes the maximum, not an error);
        anything it cannot use gives `fallback`."""
        if value is None:
            return None if self.optional else fallback
        if self.kind in (int, float):
            try:
                number = self.kind(value)
            except (TypeError, ValueError, OverflowError):
                return fallback
            if not math.isfinite(number):
                return fallback
            lo, hi = self.widget_bounds()
            return min(max(number, lo), hi)
        if not _is_kind(value, self.kind):
            return fallback
        options = self.options(resolve=False)  # a model list from core is checked by the panel
        return value if options is None or value in options else fallback


def _is_kind(value, kind) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    return isinstance(value, str)


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def setting(default, label: str, help: str, group: str, **options) -> Any:
    """A settings-dataclass field declared as a setting; `options` are Setting's other fields."""
    return field(default=default, metadata={_KEY: dict(default=default, label=label, help=help,
                                                       group=group, **options)})


def _plain_type(hint) -> tuple:
    """(kind, optional) from an annotation such as int, Optional[str] or str | None."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return hint, False


@functools.lru_cache(maxsize=None)
def settings_of(cls) -> tuple:
    """The Setting of every field declared with `setting()`, in field order; a class's
    FLAG_PREFIX ("line") goes before each of its flags."""
    hints = typing.get_type_hints(cls)
    prefix = getattr(cls, "FLAG_PREFIX", "")
    out = []
    for f in fields(cls):
        meta = f.metadata.get(_KEY)
        if meta is not None:
            kind, optional = _plain_type(hints[f.name])
            out.append(Setting(name=f.name, kind=kind, optional=optional, prefix=prefix, **meta))
    return tuple(out)


def check_all(config) -> None:
    """Validate every declared setting of a settings dataclass instance."""
    for s in settings_of(type(config)):
        s.check(getattr(config, s.name))

"""The exported training script's constants (core/export/script.py), read from the settings'
declarations: each setting declared with `script="NAME"` (core/config.py) becomes `NAME = value`,
in declaration order, its value written as its declared type says."""
from __future__ import annotations

import json

# What a reader of the script needs to know beside a constant.
NOTES = {
    "EPOCHS": "--epochs changes it",
    "MOMENTUM": "SGD only",
    "LR_SCHEDULE": "constant (the notebooks'), step, cosine or onecycle: see lr_at()",
    "STEP_EPOCHS": '"step": epochs between two x0.1 drops',
    "WARMUP_EPOCHS": "raise the rate from 0 over this many epochs first",
    "LABEL_SMOOTHING": "training targets give this share to the other classes",
    "FLIP": "mirror each training image left to right at even odds",
    "SHIFT": "move each training image by up to this many pixels each way (zeros fill in)",
}


def literal(kind: type, value) -> str:
    """A checked setting's value as Python source: text quoted, numbers and truth values as
    Python writes them (floats exactly)."""
    return json.dumps(str(value)) if kind is str else repr(kind(value))


def constants_block(config, **values) -> str:
    """`NAME = value  # note` for each setting of the checked TrainConfig `config` that the script
    holds; `values` replace the config's (the hidden units the checkpoint was built with)."""
    from core.settings_spec import settings_of

    lines = []
    for spec in settings_of(type(config)):
        if spec.script:
            value = values.get(spec.name, getattr(config, spec.name))
            note = NOTES.get(spec.script)
            lines.append(f"{spec.script} = {literal(spec.kind, value)}"
                         + (f"  # {note}" if note else ""))
    return "\n".join(lines)

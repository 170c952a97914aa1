"""The straight line (notebook 01): learn y = 0.7x + 0.3 from 50 points."""
from __future__ import annotations

from core.workflows.base import REGRESSION, VIEW_CURVES, VIEW_LINE_FIT, Workflow


def _load(config, progress=None):
    from core.data.toy import make_line
    return make_line(**config.line)


WORKFLOW = Workflow(
    id="line", name="Straight line",
    blurb="Regression: learn y = 0.7·x + 0.3 from 50 points (notebook 01).",
    kind=REGRESSION, default_model="line", views=(VIEW_LINE_FIT, VIEW_CURVES), load=_load,
    notebook="01", paced=True)

"""Two circles (notebook 02): binary classification of two noisy rings."""
from __future__ import annotations

from core.workflows.base import BINARY, VIEW_BOUNDARY, VIEW_CURVES, Workflow


def _load(config, progress=None):
    from core.data.toy import make_circles
    return make_circles(**config.circles)


WORKFLOW = Workflow(
    id="circles", name="Two circles",
    blurb="Binary classification of two noisy rings (notebook 02).",
    kind=BINARY, default_model="circles-v2", views=(VIEW_BOUNDARY, VIEW_CURVES), load=_load,
    notebook="02", paced=True)

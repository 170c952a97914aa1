"""What TrainDesk can train on: one module per workflow, and the registry that lists them.

A workflow says what it is once: its data (how it is found and loaded), its models' kind (which
loss and metrics follow), the model a new run starts from, and the live views the window shows
while it trains. The trainer, the CLI, the worker and the setup panel all ask here instead of
testing workflow names. Adding a workflow is one module in this folder plus its models in
core/models.py (and at most one new view in the window).

Plain Python and no torch at import time: the window reads this before its first paint.
"""
from __future__ import annotations

from core.workflows.base import (BINARY, IMAGES, REGRESSION, VIEW_BOUNDARY, VIEW_CANVAS,
                                 VIEW_CONFUSION, VIEW_CURVES, VIEW_LINE_FIT, Workflow)
from core.workflows import circles, fashion, image_folder, line

# In the order the window lists them.
WORKFLOWS: dict[str, Workflow] = {w.id: w for w in (fashion.WORKFLOW, line.WORKFLOW,
                                                     circles.WORKFLOW, image_folder.WORKFLOW)}
IMAGE_WORKFLOWS = tuple(w.id for w in WORKFLOWS.values() if w.kind == IMAGES)


def get(workflow_id: str) -> Workflow:
    try:
        return WORKFLOWS[workflow_id]
    except KeyError:
        raise ValueError(f"unknown workflow {workflow_id!r}; choose one of: "
                         f"{', '.join(WORKFLOWS)}") from None


__all__ = ["WORKFLOWS", "IMAGE_WORKFLOWS", "Workflow", "get", "IMAGES", "REGRESSION", "BINARY",
           "VIEW_CURVES", "VIEW_CONFUSION", "VIEW_CANVAS", "VIEW_LINE_FIT", "VIEW_BOUNDARY"]

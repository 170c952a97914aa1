"""The Follow tab: a run folder another process writes, followed live (core/runs/folder.py)."""

"""The Follow tab: a run folder another process writes, followed live (core/run_folder.py)."""

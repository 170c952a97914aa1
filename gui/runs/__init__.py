"""The Runs tab: every run of the history (core.runs.store) in a table, their curves overlaid, and
the actions on them (open, continue, rename, note, delete, export)."""

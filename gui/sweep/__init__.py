"""Sweeps in the window: the dialog that plans one (sweep_dialog), the tab that runs `main.py sweep`
and shows its runs filling in (sweep_view), and the Run menu's "Sweep…" action (sweep_launch)."""

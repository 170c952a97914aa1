"""The Training tab: the setup panel, the run controls and status, the live plots, and the worker that trains."""

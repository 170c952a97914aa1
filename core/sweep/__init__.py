"""Sweeps: planning a set of runs and supervising the processes that train them."""

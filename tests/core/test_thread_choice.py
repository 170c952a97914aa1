"""Choosing the CPU thread count by measuring: candidates take turns, near ties keep fewer threads."""
import time

import torch

from core.device import choose_threads


def timed_step(seconds_by_threads: dict[int, float], calls: list[int]):
    def step():
        n = torch.get_num_threads()
        calls.append(n)
        time.sleep(seconds_by_threads[n])
    return step


def test_faster_count_wins_and_candidates_take_turns():
    before = torch.get_num_threads()
    calls: list[int] = []
    try:
        best, timings = choose_threads(timed_step({1: 0.004, 2: 0.001}, calls), max_threads=2, rounds=5)
        assert best == 2 and torch.get_num_threads() == 2
        assert timings[1] > timings[2] > 0
        # one warm-up each, then rounds alternate 1, 2, 1, 2, ...
        assert calls == [1, 2] + [1, 2] * 5
    finally:
        torch.set_num_threads(before)


def test_near_tie_keeps_fewer_threads():
    before = torch.get_num_threads()
    try:
        # 2 threads 2% faster: within the 5% that counts as a tie
        best, _ = choose_threads(timed_step({1: 0.0100, 2: 0.0098}, []), max_threads=2, rounds=5)
        assert best == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)

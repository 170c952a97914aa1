"""How a running training is steered from another thread: stop, pause, and the pace of a run.

The trainer asks between batches (`checkpoint`) and before each epoch (`epoch_turn`); the window
or a signal handler calls the rest from its own thread. Pace is a property of a run, as TF
Playground has it: the toy workflows' epochs take a millisecond, so a learner plays them at a
chosen number of epochs a second, or steps one epoch at a time; an image run steps the same way.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional


class Control:
    """Stop, pause, step and speed for one run (thread-safe)."""

    def __init__(self, paused: bool = False, rate: float = 0.0):
        self._cv = threading.Condition()
        self._stop = False
        self._paused = paused
        self._steps = 0           # epochs granted while paused (Step)
        self._stepping = False    # an epoch granted by a step is in progress: batches run on
        self.rate = rate          # epochs a second at most; 0: as fast as it goes
        self._next = 0.0          # monotonic time the next epoch may start at, with a rate

    # -- from any thread ---------------------------------------------------------------------
    def stop(self) -> None:
        self._change(_stop=True)  # wakes a paused run, so it notices

    def pause(self) -> None:
        self._change(_paused=True)

    def resume(self) -> None:
        self._change(_paused=False, _next=0.0)

    def step(self) -> None:
        """One epoch more, then paused: a playing run pauses once its current epoch ends; a
        paused one trains to the end of the epoch it is in (or the next one)."""
        with self._cv:
            if self._paused:
                self._steps += 1
            else:
                self._paused = self._stepping = True
            self._cv.notify_all()

    def set_rate(self, rate: float) -> None:
        self._change(rate=max(0.0, float(rate)), _next=0.0)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stop

    # -- from the training loop ----------------------------------------------------------------
    def checkpoint(self) -> bool:
        """Between batches: block while paused (unless a step's epoch is running); True when
        the run should stop."""
        with self._cv:
            while self._paused and not self._stepping and not self._stop:
                if self._steps:  # paused in the middle of an epoch: a step finishes it
                    self._steps -= 1
                    self._stepping = True
                    break
                self._cv.wait()
            return self._stop

    def epoch_turn(self, idle: Optional[Callable[[], None]] = None) -> bool:
        """Before an epoch: wait until it may start (played at the rate, or a step granted);
        True when the run should stop. `idle()` is called once before any real wait, so the
        caller can show what it has not shown yet."""
        told = False
        with self._cv:
            self._stepping = False
            while not self._stop:
                if self._paused:
                    if self._steps:
                        self._steps -= 1
                        self._stepping = True
                        return False
                    delay = None
                else:
                    now = time.monotonic()
                    delay = self._next - now if self.rate else 0.0
                    if delay <= 0:
                        self._next = max(now, self._next) + 1.0 / self.rate if self.rate else 0.0
                        return False
                if not told and idle is not None and (delay is None or delay >= 0.02):
                    told = True
                    self._cv.release()  # the idle work (a frame to the window) runs unlocked
                    try:
                        idle()
                    finally:
                        self._cv.acquire()
                    continue  # things may have changed meanwhile
                self._cv.wait(delay)
            return True

    def _change(self, **values) -> None:
        with self._cv:
            for k, v in values.items():
                setattr(self, k, v)
            self._cv.notify_all()

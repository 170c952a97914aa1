"""A run folder read in bounded memory and in slices, for a window that follows it (the Follow tab).

MetricsReader (core/runs/folder.py) keeps every row it reads: a long run's metrics.jsonl (two million
batch lines, 300 MB) took 4 GB and half a minute, and its curve minutes to draw. `MetricsDigest`
reads the same whole lines, picks up where it stopped and starts over on a replaced file just as
it does, but keeps a sample of the rows:
- batch rows: the first line starting at or after each multiple of k bytes of the file, at most
  POINTS of them, k doubling as the file grows (lines are about the same length, so this is about
  every n-th line; the first line is always kept, and the last line read is added to what is
  shown). Batch lines as TrainDesk writes them are counted and sampled without a Python step per
  line (bytes.count and find): a thread reading a 300 MB file then leaves the interpreter to the
  window's thread nearly all the time. Only the lines kept are parsed (json).
- epoch rows: every k-th, at most EPOCHS (all of them up to that many epochs), each with the batch
  row read just before it (its epoch's last: the curves place each epoch's points by where it ends).
`read(limit)` reads about `limit` bytes at most, so a caller can read a big file a slice at a time.

Counting without parsing has one cost: a damaged batch line that is not kept is not noticed (it
counts as a batch); every other damaged line is counted in `skipped`, as before.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from core.runs.folder import MAX_LINE, FolderState, MetricsReader, _parse
from core.runs.row import finite_or_none, is_number

POINTS = 2000         # batch rows kept at most (the curves' points)
EPOCHS = 1000         # epoch rows kept at most: all of them in a run of up to this many epochs
SLICE = 2 << 20       # bytes a `read(SLICE)` reads at most: a few thousandths of a second of work
SO_FAR = "seconds_so_far"  # added to each epoch row kept: the training seconds up to its end
_BATCH = b'{"kind":"batch"'  # how TrainDesk's writer starts a batch line (compact JSON)
_OTHERS = (b'\n{"kind":"epoch"', b'\n{"kind":"end"')  # its other lines


@dataclass
class Digest(FolderState):
    """What has been read of a run folder: `batches` and `epochs` are the rows kept (first and
    last included), the counts and the seconds are of every row read."""
    batches_read: int = 0
    epochs_read: int = 0
    seconds: float = 0.0     # training seconds of every epoch read
    read_bytes: int = 0      # of the metrics file, up to the last whole line read
    size: int = 0            # the metrics file's size when it was last looked at
    behind: bool = False     # whole lines wait beyond what the last `read(limit)` read


class Sample:
    """Rows at positions (byte offsets, or counts), at most `most` kept: for each multiple of
    `stride`, the first row at or after it. When more would be kept, the stride doubles and the
    rows no longer first after a multiple go. A row is offered with the position of the one
    before it, which tells the multiples it is first after."""

    def __init__(self, most: int):
        self.most = most
        self.rows: list[tuple] = []  # (first multiple, last multiple, position, row)
        self.stride = 1
        self.count = 0  # rows offered (or counted) so far

    def wanted(self, before: int, at: int) -> bool:
        return at // self.stride > before // self.stride

    def offer(self, before: int, at: int, row) -> None:
        """The row at `at`, the one before it at `before` (-1: none). Does not count it."""
        first, last = before // self.stride + 1, at // self.stride
        if row is None or first > last:
            return
        self.rows.append((first, last, at, row))
        while len(self.rows) > self.most:
            self.stride *= 2
            self.rows = [(-(-a // 2), b // 2, at, r) for a, b, at, r in self.rows if -(-a // 2) <= b // 2]


def _seconds(row: dict) -> float:
    s = finite_or_none(row.get("seconds"))
    return s if s is not None and s > 0 else 0.0


def _find_all(data: bytes, what: bytes) -> list[int]:
    found, i = [], data.find(what)
    while i >= 0:
        found.append(i)
        i = data.find(what, i + 1)
    return found


class MetricsDigest(MetricsReader):
    """`read(limit=None) -> changed`, then `snapshot()` for a Digest that shares nothing that
    will change (another thread may hold it while this one reads on)."""

    def __init__(self, folder, points: int = POINTS, epochs: int = EPOCHS):
        super().__init__(folder)
        self._most = (points, epochs)
        self._limit: Optional[int] = None
        self.behind = False
        self.size = 0
        self._reset()

    def _reset(self) -> None:
        self._batches, self._epochs = Sample(self._most[0]), Sample(self._most[1])
        self._last_batch = None  # (offset, its bytes, or its row once parsed) of the last batch line
        self._last_epoch: Optional[tuple] = None  # (its row, (offset, batch row before it) or None)
        self._before = -1        # the offset of the last line read (-1: none yet)
        self._seconds = 0.0
        self._lines = 0          # rows read (a change to show)

    def read(self, limit: Optional[int] = None) -> bool:
        """Read what was appended (about `limit` bytes at most, none for 0; `behind` then says
        whether more waits); True when what is shown changed. Never raises for a missing or
        damaged folder."""
        self._limit, self.behind = limit, False
        lines = self._lines
        _, changed = self.poll()
        return changed or self._lines != lines

    # -- MetricsReader's hooks --------------------------------------------------------------------
    def _read(self, f, size: int) -> list:
        self.size = size
        end = size
        if self._limit == 0:  # only run.json and the file's size: the lines are read later
            end = self._offset
        elif self._limit is not None:  # whole lines only: a slice holds at least the longest one
            end = min(size, self._offset + max(self._limit, 2 * MAX_LINE))
        self.behind = end < size
        return super()._read(f, end)

    def _restart(self, identity) -> bool:
        dropped = super()._restart(identity) or self._batches.count + self._epochs.count > 0
        self._reset()
        return dropped

    def _take_lines(self, data: bytes, start: int, end: int, rows: list) -> None:
        # `chunk` starts with a newline, so every line in it starts after one; chunk[i] lies at
        # the file offset base + i.
        chunk, base = b"\n" + data[start:end], self._offset + start - 1
        others = sorted(i for what in _OTHERS for i in _find_all(chunk, what))
        if chunk.count(b"\n") - 1 != chunk.count(b'\n' + _BATCH) + len(others):
            # a damaged line, one written by something else, or with spaces: line by line
            at = 1
            for raw in chunk[1:].split(b"\n")[:-1]:
                self._line(raw, base + at)
                at += len(raw) + 1
            return
        at = 1
        for i in others:  # the newline before an epoch or end line
            self._batch_lines(chunk, base, at, i + 1)
            line_end = chunk.find(b"\n", i + 1)
            self._line(chunk[i + 1:line_end], base + i + 1)
            at = line_end + 1
        self._batch_lines(chunk, base, at, len(chunk))

    def _batch_lines(self, chunk: bytes, base: int, start: int, end: int) -> None:
        """chunk[start:end]: whole batch lines as TrainDesk writes them, counted and sampled."""
        n = chunk.count(b"\n", start, end)
        if not n:
            return
        self._lines += n
        self.state.end = None  # trained on after its end (the window's "+1 epoch"): running again
        b = self._batches
        before = self._before
        while True:  # the first line at or after each multiple of the stride
            target = (before // b.stride + 1) * b.stride - base
            at = start if target <= start else chunk.find(b"\n", target - 1) + 1
            if at == 0 or at >= end:
                break
            if at > start:
                before = base + chunk.rfind(b"\n", 0, at - 1) + 1
            row = _parse(chunk[at:chunk.find(b"\n", at)])
            self.state.skipped += row is None
            b.offer(before, base + at, row)
            before = base + at
        last = chunk.rfind(b"\n", start - 1, end - 1) + 1  # chunk[start - 1] is a newline
        self._last_batch = (base + last, chunk[last:end - 1])
        self._before = base + last
        b.count += n

    def _line(self, raw: bytes, at: int) -> None:
        """One line at the file offset `at`, parsed unless it is a batch line not kept."""
        s, b, before = self.state, self._batches, self._before
        if raw.startswith(_BATCH):
            self._lines += 1
            s.end = None
            if b.wanted(before, at):
                row = _parse(raw)
                s.skipped += row is None
                b.offer(before, at, row)
            b.count += 1
            self._last_batch, self._before = (at, raw), at
            return
        self._before = at
        row = _parse(raw)
        if row is None:
            s.skipped += bool(raw.strip())
            return
        self._lines += 1
        kind = row.get("kind")
        if kind in ("batch", "epoch") and s.end is not None:
            s.end = None
        if kind == "batch":  # written with spaces, or by something else: parsed already
            b.offer(before, at, row)
            b.count += 1
            self._last_batch = (at, row)
        elif kind == "epoch":
            self._epoch(row)
        elif kind == "end":
            s.end = row

    def _epoch(self, row: dict) -> None:
        n = row.get("epoch")
        old = self._last_epoch[0].get("epoch") if self._last_epoch is not None else None
        kept = self._epochs
        if is_number(n, integer=True) and is_number(old, integer=True) and n <= old:
            # An epoch written again replaces the row before it (as MetricsReader has it); its
            # seconds are taken back when that row was kept (always, in a run of <= EPOCHS epochs).
            self._seconds -= sum(_seconds(p[0]) for *_, p in kept.rows if p[0].get("epoch") == n)
            kept.rows = [k for k in kept.rows if k[3][0].get("epoch") != n]
        self._seconds += _seconds(row)
        row[SO_FAR] = self._seconds
        self._last_epoch = (row, self._batch_before())
        kept.offer(kept.count - 1, kept.count, self._last_epoch)
        kept.count += 1

    def _batch_before(self) -> Optional[tuple]:
        """(offset, row) of the last batch line read (its epoch's last, before an epoch line)."""
        if self._last_batch is not None and isinstance(self._last_batch[1], bytes):
            at, raw = self._last_batch
            row = _parse(raw)  # once: a damaged one is not shown
            self._last_batch = None if row is None else (at, row)
        return self._last_batch

    # -- what is shown ----------------------------------------------------------------------------
    def snapshot(self) -> Digest:
        s, b, e = self.state, self._batches, self._epochs
        pairs = [p for *_, p in e.rows]
        if self._last_epoch is not None and (not pairs or pairs[-1] is not self._last_epoch):
            pairs.append(self._last_epoch)
        batches = {at: row for _, _, at, row in b.rows}  # by offset: each row once, in file order
        for _, before in pairs:
            if before is not None:
                batches.setdefault(*before)
        last = self._batch_before()
        if last is not None:
            batches.setdefault(*last)
        return Digest(info=s.info, batches=[batches[i] for i in sorted(batches)],
                      epochs=[r for r, _ in pairs], end=s.end, skipped=s.skipped, gone=s.gone,
                      batches_read=b.count, epochs_read=e.count, seconds=self._seconds,
                      read_bytes=self._offset, size=self.size, behind=self.behind)

"""Event-time windows in bounded memory: a sum and a count per epoch-aligned slot.

A window of length L is split into n slots of width w = L / n. Slot k holds the readings
with event time in [k·w, (k+1)·w) counted from the Unix epoch (UTC), so a reading lands in
the same slot whenever it arrives. The window *at* time t is the n slots ending with the
slot that contains t: it reaches back between L − w and L before t. So a 24 h window is the
24 UTC hours ending with the current (partial) hour, an 8 h window 24 slots of 20 minutes,
a 30 min window 24 slots of 75 s.

The mean of a window is the mean of its slot means (a sensor reporting more often in one
slot does not outweigh the others); coverage is the share of slots holding a reading.
Only the n slots ending with the newest slot are kept: older slots are dropped, and a
reading older than them is ignored.
"""

from __future__ import annotations

_NEVER = -(2**62)  # slot id before any reading: far enough back to empty every slot


class SlotWindow:
    """Slot sums and counts of the last `n` slots; running totals for the newest window."""

    __slots__ = ("width", "n", "head", "filled", "mean_sum", "_sums", "_counts")

    def __init__(self, length_seconds: float, n: int) -> None:
        if n < 1 or length_seconds <= 0:
            raise ValueError("a window needs a positive length and at least one slot")
        self.width = length_seconds / n
        self.n = n
        self.head = _NEVER  # id of the newest slot
        self.filled = 0  # slots of the newest window holding a reading
        self.mean_sum = 0.0  # sum of their slot means
        # Lists, not arrays: an array boxes a new float or int on every read.
        self._sums: list[float] = [0.0] * n
        self._counts: list[int] = [0] * n

    def add(self, t: float, value: float, n: int = 1) -> bool:
        """Add a reading at epoch seconds `t`; False when it is older than the kept slots.

        With `n` > 1, `value` is the sum of that many readings of one slot (a window
        rebuilt from stored slot sums after a restart)."""
        k = int(t // self.width)
        if k > self.head:
            self._advance(k)
        elif k <= self.head - self.n:
            return False
        p = k % self.n
        count = self._counts[p]
        total = self._sums[p]
        # Update the running sum of slot means in O(1); _advance recomputes it exactly.
        if count:
            self.mean_sum += (total + value) / (count + n) - total / count
        else:
            self.mean_sum += value / n
            self.filled += 1
        self._sums[p] = total + value
        self._counts[p] = count + n
        return True

    @property
    def mean(self) -> float | None:
        """Mean of slot means of the newest window (None when empty)."""
        return self.mean_sum / self.filled if self.filled else None

    @property
    def coverage(self) -> float:
        """Share of the newest window's slots holding at least one reading."""
        return self.filled / self.n

    def at(self, t: float) -> tuple[float | None, float]:
        """(mean, coverage) of the window at epoch seconds `t`, from the kept slots."""
        k = int(t // self.width)
        n, head = self.n, self.head
        means = 0.0
        filled = 0
        for p in range(n):
            count = self._counts[p]
            slot = head - (head - p) % n  # the slot id position p holds
            if count and k - n < slot <= k:
                means += self._sums[p] / count
                filled += 1
        return (means / filled if filled else None), filled / n

    def _advance(self, k: int) -> None:
        """Make slot `k` the newest, emptying the slots that leave the window."""
        n = self.n
        sums, counts = self._sums, self._counts
        # Slots head+1..k take positions of slots n older; after a long gap, that is all n.
        for slot in range(max(self.head + 1, k - n + 1), k + 1):
            sums[slot % n] = 0.0
            counts[slot % n] = 0
        self.head = k
        # Recomputed once per slot change, so the O(1) updates never drift far.
        self.mean_sum = 0.0
        self.filled = 0
        for p in range(n):
            if counts[p]:
                self.mean_sum += sums[p] / counts[p]
                self.filled += 1

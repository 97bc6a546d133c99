# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server's clock: wall time plus an offset tests can advance."""

from __future__ import annotations

import threading
import time


class Clock:
    """Monotonic-by-construction wall clock; `advance` lets tests jump ahead (e.g. past expires_at)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._last = 0.0

    def now(self) -> float:
        with self._lock:
            # Never go backwards, even if the system clock is stepped back:
            # run timelines and list ordering rely on it.
            self._last = max(self._last, time.time() + self._offset)
            return self._last

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def reset(self) -> None:
        # Only called when the store is emptied, so nothing depends on earlier timestamps.
        with self._lock:
            self._offset = 0.0
            self._last = 0.0

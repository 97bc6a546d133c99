# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters for the reliability_* integration targets (test helpers, not part of the collection)."""

from __future__ import annotations


def reliability_gaps(entries):
    """Seconds between consecutive entries of the server's request log (their `time`), e.g. to see how long a
    client waited before retrying: `seen | selectattr('path', 'search', 'runs$') | reliability_gaps`."""
    times = [float(entry["time"]) for entry in entries]
    return [round(later - earlier, 3) for earlier, later in zip(times, times[1:])]


class FilterModule:
    def filters(self):
        return {"reliability_gaps": reliability_gaps}

# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark timer: writes when each task started and when each host's (or loop item's) result came back.

Used only by tools/bench/bench.py (enabled there with ANSIBLE_CALLBACKS_ENABLED). One JSON object a line,
appended to the file named by BENCH_TIMINGS; times are time.time() on the controller, the clock the local
server's request log and run timings use too.
"""

from __future__ import annotations

import json
import os
import time
import typing as t

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Record task start and result times for tools/bench
description:
  - Appends one JSON line per task start and per result to the file named by the BENCH_TIMINGS environment variable.
requirements:
  - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_TIMINGS")

    def _write(self, record: dict[str, t.Any]) -> None:
        record["time"] = time.time()
        if self._path:
            with open(self._path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    @staticmethod
    def _summary(result: t.Any) -> dict[str, t.Any]:
        data = result._result  # pylint: disable=protected-access
        run = data.get("run") if isinstance(data.get("run"), dict) else {}
        summary = {
            "host": result._host.get_name(),  # pylint: disable=protected-access
            "task": result._task.get_name(),  # pylint: disable=protected-access
            "run_id": run.get("id"),
            "run_status": run.get("status"),
            "thread_id": data.get("thread_id"),
            "http_status": data.get("status") if isinstance(data.get("status"), int) else None,
        }
        if isinstance(data.get("runs"), list):
            summary["runs"] = len(data["runs"])
        if "item" in data:
            summary["item"] = data["item"]
        if data.get("failed"):
            summary["msg"] = str(data.get("msg"))[:500]
        return summary

    def v2_playbook_on_task_start(self, task: t.Any, is_conditional: bool) -> None:
        self._write({"event": "task_start", "task": task.get_name()})

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._write(dict(self._summary(result), event="ok"))

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._write(dict(self._summary(result), event="failed"))

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._write(dict(self._summary(result), event="failed"))

    def v2_runner_item_on_ok(self, result: t.Any) -> None:
        self._write(dict(self._summary(result), event="item_ok"))

    def v2_runner_item_on_failed(self, result: t.Any) -> None:
        self._write(dict(self._summary(result), event="item_failed"))

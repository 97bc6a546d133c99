# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-memory objects, kept in their API shape, in creation order."""

from __future__ import annotations

import copy
import random
import string
import threading
from typing import Any, TypeVar

from assistants_server.errors import not_found

_ID_ALPHABET = string.ascii_letters + string.digits
_RANDOM = random.SystemRandom()
ACTIVE_STATUSES = frozenset({"queued", "in_progress", "requires_action", "cancelling"})


def new_id(prefix: str) -> str:
    """Ids shaped like the hosted API's: a prefix and 24 random alphanumerics."""
    return prefix + "".join(_RANDOM.choices(_ID_ALPHABET, k=24))


T = TypeVar("T")


def snapshot(obj: T) -> T:
    """A private copy, safe to hand out after the store lock is released."""
    return copy.deepcopy(obj)


class Store:
    """All objects of one server. Callers hold `lock` for a whole request so reads are consistent.

    Every dict below keeps insertion order, which is creation order (objects are only ever inserted
    as the clock moves forward), so lists sort stably even when many objects share a created_at second.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.assistants: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}  # thread_id -> message_id -> message
        self.runs: dict[str, dict[str, dict[str, Any]]] = {}  # thread_id -> run_id -> run
        self.steps: dict[str, dict[str, dict[str, Any]]] = {}  # run_id -> step_id -> step
        self.active_runs: dict[str, str] = {}  # thread_id -> id of its one active run

    def clear(self) -> None:
        with self.lock:
            self.assistants.clear()
            self.threads.clear()
            self.messages.clear()
            self.runs.clear()
            self.steps.clear()
            self.active_runs.clear()

    # ---- lookups that answer 404 like the hosted API ----

    def assistant(self, assistant_id: str) -> dict[str, Any]:
        try:
            return self.assistants[assistant_id]
        except KeyError:
            raise not_found("assistant", assistant_id) from None

    def thread(self, thread_id: str) -> dict[str, Any]:
        try:
            return self.threads[thread_id]
        except KeyError:
            raise not_found("thread", thread_id) from None

    def message(self, thread_id: str, message_id: str) -> dict[str, Any]:
        self.thread(thread_id)
        try:
            return self.messages[thread_id][message_id]
        except KeyError:
            raise not_found("message", message_id) from None

    def run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        self.thread(thread_id)
        try:
            return self.runs[thread_id][run_id]
        except KeyError:
            raise not_found("run", run_id) from None

    def step(self, thread_id: str, run_id: str, step_id: str) -> dict[str, Any]:
        self.run(thread_id, run_id)
        try:
            return self.steps[run_id][step_id]
        except KeyError:
            raise not_found("run step", step_id) from None

    # ---- inserts and deletes ----

    def add_assistant(self, assistant: dict[str, Any]) -> None:
        self.assistants[assistant["id"]] = assistant

    def add_thread(self, thread: dict[str, Any]) -> None:
        self.threads[thread["id"]] = thread
        self.messages[thread["id"]] = {}
        self.runs[thread["id"]] = {}

    def add_message(self, message: dict[str, Any]) -> None:
        self.messages[message["thread_id"]][message["id"]] = message

    def add_run(self, run: dict[str, Any]) -> None:
        self.runs[run["thread_id"]][run["id"]] = run
        self.steps[run["id"]] = {}

    def add_step(self, step: dict[str, Any]) -> None:
        self.steps[step["run_id"]][step["id"]] = step

    def delete_thread(self, thread_id: str) -> None:
        self.thread(thread_id)
        for run_id in self.runs.pop(thread_id, {}):
            self.steps.pop(run_id, None)
        self.messages.pop(thread_id, None)
        self.active_runs.pop(thread_id, None)
        del self.threads[thread_id]

    def delete_message(self, thread_id: str, message_id: str) -> None:
        self.message(thread_id, message_id)
        del self.messages[thread_id][message_id]

    def delete_assistant(self, assistant_id: str) -> None:
        self.assistant(assistant_id)
        del self.assistants[assistant_id]

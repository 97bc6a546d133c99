# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server's objects, kept in their API shape, in creation order: in memory, or in SQLite too (--db).

Both stores hold every object in memory (the routes and the run lifecycle read and change those dicts in
place, under `lock`); `SqliteStore` also writes each object that changed to its database before the reply
that acknowledges the change is sent (`commit()`), and loads them all back on start.
"""

from __future__ import annotations

import copy
import json
import random
import sqlite3
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

    # ---- persistence (nothing to do in memory) ----

    def touch(self, obj: dict[str, Any]) -> None:
        """`obj` (an object of this store) may have changed: the next commit() saves it."""

    def commit(self) -> None:
        """Make every change so far durable; called under lock before a change is acknowledged."""

    def close(self) -> None:
        """Release the database, if any."""

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


_KINDS = {"assistant": "assistant", "thread": "thread", "thread.message": "message", "thread.run": "run", "thread.run.step": "step"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    thread_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_thread ON objects (thread_id);
"""


SYNCHRONOUS = ("full", "normal")


class StoreError(Exception):
    """The database cannot be opened or is not one of this server's."""


class SqliteStore(Store):
    """The memory store, written through to SQLite (WAL) so a restart or kill -9 loses nothing acknowledged.

    One row per object holds its API shape as JSON; `seq` keeps creation order. A change is saved when
    commit() runs, which the app calls under the lock before it answers (and the run workers at each
    checkpoint), so what a client was told happened is on disk first.
    """

    def __init__(self, path: str, synchronous: str = "full") -> None:
        super().__init__()
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}; got {synchronous!r}")
        try:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # full: each commit is fsynced, so a change survives a power cut too; normal (WAL): it survives a killed
            # process and a restart, but a power cut or an OS crash may take the last ones.
            self.db.execute(f"PRAGMA synchronous={synchronous.upper()}")
            self.db.executescript(_SCHEMA)
            rows = self.db.execute("SELECT kind, body FROM objects ORDER BY seq").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use {path} as the server's database: {exc}") from None
        self._saved: dict[str, int] = {}  # id -> hash of the JSON last written
        self._touched: dict[str, dict[str, Any]] = {}
        self._deleted: list[tuple[str, str]] = []  # ("id" | "thread", id)
        self._load(rows)

    def _load(self, rows: list[tuple[str, str]]) -> None:
        by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _KINDS.values()}
        for kind, body in rows:
            obj = json.loads(body)
            by_kind[kind].append(obj)
            self._saved[obj["id"]] = hash(body)
        for obj in by_kind["assistant"]:
            super().add_assistant(obj)
        for obj in by_kind["thread"]:
            super().add_thread(obj)
        for obj in by_kind["message"]:
            if obj["thread_id"] in self.threads:
                super().add_message(obj)
        for obj in by_kind["run"]:
            if obj["thread_id"] in self.threads:
                super().add_run(obj)
                if obj["status"] in ACTIVE_STATUSES:
                    self.active_runs[obj["thread_id"]] = obj["id"]
        for obj in by_kind["step"]:
            if obj["run_id"] in self.steps:
                super().add_step(obj)

    # ---- change tracking ----

    def touch(self, obj: dict[str, Any]) -> None:
        self._touched[obj["id"]] = obj

    def commit(self) -> None:
        with self.lock:
            if not self._touched and not self._deleted:
                return
            writes = []
            for obj in self._touched.values():
                body = json.dumps(obj, separators=(",", ":"))
                digest = hash(body)
                if self._saved.get(obj["id"]) != digest:
                    writes.append((obj["id"], _KINDS[obj["object"]], obj.get("thread_id"), body, digest))
            deleted, self._deleted = self._deleted, []
            self._touched.clear()
            if not writes and not deleted:
                return
            with self.db:  # one transaction: all of it or none of it
                self.db.execute("BEGIN")
                for what, object_id in deleted:
                    self.db.execute(f"DELETE FROM objects WHERE {'thread_id' if what == 'thread' else 'id'} = ?", (object_id,))
                    if what == "thread":
                        self.db.execute("DELETE FROM objects WHERE id = ?", (object_id,))
                self.db.executemany("INSERT INTO objects (id, kind, thread_id, body) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                                    [write[:4] for write in writes])
            for write in writes:
                self._saved[write[0]] = write[4]

    def close(self) -> None:
        with self.lock:
            self.commit()
            self.db.close()

    def size_bytes(self) -> int:
        with self.lock:
            pages = self.db.execute("PRAGMA page_count").fetchone()[0]
            page_size = self.db.execute("PRAGMA page_size").fetchone()[0]
            return int(pages * page_size)

    # ---- lookups hand out objects a request may change in place ----

    def assistant(self, assistant_id: str) -> dict[str, Any]:
        obj = super().assistant(assistant_id)
        self.touch(obj)
        return obj

    def thread(self, thread_id: str) -> dict[str, Any]:
        obj = super().thread(thread_id)
        self.touch(obj)
        return obj

    def message(self, thread_id: str, message_id: str) -> dict[str, Any]:
        obj = super().message(thread_id, message_id)
        self.touch(obj)
        return obj

    def run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        obj = super().run(thread_id, run_id)
        self.touch(obj)
        return obj

    def step(self, thread_id: str, run_id: str, step_id: str) -> dict[str, Any]:
        obj = super().step(thread_id, run_id, step_id)
        self.touch(obj)
        return obj

    # ---- inserts and deletes ----

    def add_assistant(self, assistant: dict[str, Any]) -> None:
        super().add_assistant(assistant)
        self.touch(assistant)

    def add_thread(self, thread: dict[str, Any]) -> None:
        super().add_thread(thread)
        self.touch(thread)

    def add_message(self, message: dict[str, Any]) -> None:
        super().add_message(message)
        self.touch(message)

    def add_run(self, run: dict[str, Any]) -> None:
        super().add_run(run)
        self.touch(run)

    def add_step(self, step: dict[str, Any]) -> None:
        super().add_step(step)
        self.touch(step)

    def _forget(self, ids: list[str]) -> None:
        for object_id in ids:
            self._touched.pop(object_id, None)
            self._saved.pop(object_id, None)

    def delete_thread(self, thread_id: str) -> None:
        gone = [thread_id, *self.messages.get(thread_id, {}), *self.runs.get(thread_id, {})]
        gone += [step_id for run_id in self.runs.get(thread_id, {}) for step_id in self.steps.get(run_id, {})]
        super().delete_thread(thread_id)
        self._forget(gone)
        self._deleted.append(("thread", thread_id))

    def delete_message(self, thread_id: str, message_id: str) -> None:
        super().delete_message(thread_id, message_id)
        self._forget([message_id])
        self._deleted.append(("id", message_id))

    def delete_assistant(self, assistant_id: str) -> None:
        super().delete_assistant(assistant_id)
        self._forget([assistant_id])
        self._deleted.append(("id", assistant_id))

    def clear(self) -> None:
        with self.lock:
            super().clear()
            self._touched.clear()
            self._saved.clear()
            self._deleted.clear()
            self.db.execute("DELETE FROM objects")

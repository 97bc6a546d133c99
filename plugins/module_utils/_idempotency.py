# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Idempotency of runs: the key a run carries in its metadata, how it is derived, and finding a run by it.

Private to llmops.assistants: not a public API, it may change in any release.
A run the collection creates carries IDEMPOTENCY_METADATA_KEY; running the task again finds that run
instead of starting another, and a create whose answer was lost is looked up by it before any resend.
A thread openai_thread_run creates carries THREAD_OWNER_METADATA_KEY, so state=absent may delete it.
"""

from __future__ import annotations

import hashlib
import json
import typing as t

from ._client import Client
from ._errors import ApiError, TaskFailed

IDEMPOTENCY_METADATA_KEY = "ansible_idempotency_key"
THREAD_OWNER_METADATA_KEY = "ansible_created_by"
THREAD_OWNER = "llmops.assistants.openai_thread_run"


def idempotency_value(thread_id: str, payload: dict[str, t.Any], kind: str = "run") -> str:
    """The derived key: the same thread, kind of object (run, message) and parameters always give the same key."""
    canonical = json.dumps({"thread_id": thread_id, kind: payload}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def keyed_payload(idempotency_key: str | None, thread_id: str, payload: dict[str, t.Any]) -> tuple[dict[str, t.Any], str]:
    """The payload with its key (the task's idempotency_key, else the derived one) in its metadata, and that key.

    The derived key covers every setting of the run, metadata included: two tasks that differ in anything ask for
    two runs. A given idempotency_key names one run whatever its settings (see the guide).
    """
    key = idempotency_key or idempotency_value(thread_id, payload)
    keyed = dict(payload)
    keyed["metadata"] = dict(payload.get("metadata") or {}, **{IDEMPOTENCY_METADATA_KEY: key})
    return keyed, key


def find_run_by_key(client: Client, thread_id: str, key: str) -> tuple[dict[str, t.Any] | None, dict[str, t.Any] | None]:
    """The run carrying this idempotency key, and the thread's newest run (the only one that can be active).

    A 404 fails the task: the thread is not there.
    """
    newest = None
    try:
        for run in client.items("threads", thread_id, "runs", order="desc"):
            if run.get("thread_id", thread_id) != thread_id:
                continue  # some self-hosted servers list every thread's runs here
            newest = newest or run
            if (run.get("metadata") or {}).get(IDEMPOTENCY_METADATA_KEY) == key:
                return run, newest
    except ApiError as exc:
        if exc.status == 404:
            raise TaskFailed(f"Thread {thread_id} was not found: {exc.message}", thread_id=thread_id) from None
        raise
    return None, newest


def created_by_thread_run(thread: t.Mapping[str, t.Any]) -> bool:
    """Whether openai_thread_run created this thread (so that state=absent may delete it)."""
    return (thread.get("metadata") or {}).get(THREAD_OWNER_METADATA_KEY) == THREAD_OWNER

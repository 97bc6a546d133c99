# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thread messages: add one idempotently, update its metadata, delete it, and list a thread's messages.

Private to llmops.assistants: not a public API, it may change in any release.
Idempotency is the runs' own: a key derived from the task (or given) kept in the message's metadata, and the
message found again by listing the thread. Listing pages exactly, with the runs' pager (_api.list_exact).
"""

from __future__ import annotations

import typing as t

from ._api import list_exact, not_found, output_text
from ._client import Client
from ._errors import ApiError
from ._idempotency import IDEMPOTENCY_METADATA_KEY, idempotency_value
from ._options import normalize_message

# What the key is derived from: what a message is and cannot change. Metadata is left out, so that a task
# whose metadata changed updates its message instead of adding another.
KEYED_FIELDS = ("role", "content", "attachments")


def with_text(message: dict[str, t.Any]) -> dict[str, t.Any]:
    """The message as the API gives it, plus `text`: its text parts joined."""
    return dict(message, text=output_text([message]))


def snapshot(message: dict[str, t.Any] | None) -> dict[str, t.Any]:
    """What diff mode shows of a message."""
    if not message:
        return {}
    return {"id": message.get("id"), "role": message.get("role"), "text": output_text([message]), "metadata": message.get("metadata") or {}}


def list_messages(
    client: Client,
    thread_id: str,
    *,
    limit: int,
    order: str,
    after: str | None,
    before: str | None,
    run_id: str | None,
    all_pages: bool,
) -> dict[str, t.Any]:
    """The thread's messages, exactly paged; run_id is the API's own filter."""
    listing = list_exact(client, ("threads", thread_id, "messages"), limit=limit, order=order, after=after, before=before,
                         params={"run_id": run_id} if run_id else None, all_pages=all_pages)
    return {"messages": [with_text(message) for message in listing.pop("items")], **listing}


def message_payload(params: t.Mapping[str, t.Any], warn: t.Callable[[str], None]) -> dict[str, t.Any]:
    """The create body without the key: role (user by default), content, attachments and metadata. Raises OptionError."""
    given = {name: params.get(name) for name in ("content", "attachments", "metadata") if params.get(name) is not None}
    message = normalize_message({"role": params.get("role") or "user", **given}, warn)
    return {name: message[name] for name in ("role", "content", "attachments", "metadata") if message.get(name) is not None}


class MessageEngine:
    """Brings one message of a thread to the state a task asks for."""

    def __init__(self, client: Client, params: t.Mapping[str, t.Any], *, check_mode: bool, warn: t.Callable[[str], None],
                 payload: dict[str, t.Any] | None = None) -> None:
        self.client = client
        self._payload = payload
        self.params = params
        self.check_mode = check_mode
        self.warn = warn
        self.thread_id: str = params["thread_id"]
        self.changed = False
        self.missing: ApiError | None = None
        self.diff: dict[str, t.Any] = {"before": {}, "after": {}}

    # ---- what the task asks for (checked before any request) ----

    def payload(self) -> dict[str, t.Any]:
        if self._payload is None:
            self._payload = message_payload(self.params, self.warn)
        return self._payload

    def key(self, payload: dict[str, t.Any]) -> str:
        keyed = {name: payload[name] for name in KEYED_FIELDS if name in payload}
        return self.params.get("idempotency_key") or idempotency_value(self.thread_id, keyed, kind="message")

    # ---- reading ----

    def read(self, message_id: str) -> dict[str, t.Any] | None:
        """The message, or None on a 404 (kept in self.missing: the thread or the message may be gone)."""
        try:
            return self.client.get("threads", self.thread_id, "messages", message_id).data
        except ApiError as exc:
            if exc.status != 404:
                raise
            self.missing = exc
            return None

    def find_by_key(self, key: str, *, thread_missing_ok: bool = False) -> dict[str, t.Any] | None:
        try:
            for message in self.client.items("threads", self.thread_id, "messages", order="desc"):
                if (message.get("metadata") or {}).get(IDEMPOTENCY_METADATA_KEY) == key:
                    return message
        except ApiError as exc:
            if exc.status != 404:
                raise
            if not thread_missing_ok:
                raise not_found(self.client, exc, self.thread_id, kind="Message") from None
        return None

    # ---- the flows ----

    def present(self) -> dict[str, t.Any]:
        message_id = self.params.get("message_id")
        if message_id:
            message = self.read(message_id)
            if message is None:
                raise not_found(self.client, t.cast(ApiError, self.missing), self.thread_id, message_id, kind="Message")
            self.diff["before"] = snapshot(message)
            return self.result(self.converge_metadata(message, self.params.get("metadata")))
        payload = self.payload()
        key = self.key(payload)
        message = self.find_by_key(key)
        if message is not None:
            self.diff["before"] = snapshot(message)
            return self.result(self.converge_metadata(message, payload.get("metadata")))
        body = dict(payload, metadata=dict(payload.get("metadata") or {}, **{IDEMPOTENCY_METADATA_KEY: key}))
        self.changed = True
        if self.check_mode:
            self.diff["after"] = {"role": body["role"], "metadata": body["metadata"]}
            return self.result(None)
        response = self.client.create("threads", self.thread_id, "messages", body=body, find_existing=lambda: self.find_by_key(key))
        return self.result(response.data)

    def converge_metadata(self, message: dict[str, t.Any], wanted: dict[str, t.Any] | None) -> dict[str, t.Any]:
        """Metadata becomes exactly `wanted` (plus the message's idempotency key, kept so the task finds it again)."""
        current = message.get("metadata") or {}
        if wanted is None:
            return message
        target = dict(wanted)
        if IDEMPOTENCY_METADATA_KEY in current:
            target[IDEMPOTENCY_METADATA_KEY] = current[IDEMPOTENCY_METADATA_KEY]
        if target == current:
            return message
        self.changed = True
        if self.check_mode:
            updated = dict(message, metadata=target)
        else:
            updated = self.client.post("threads", self.thread_id, "messages", message["id"], body={"metadata": target}).data
        self.diff["after"] = snapshot(updated)
        return updated

    def absent(self) -> dict[str, t.Any]:
        message_id = self.params.get("message_id")
        if message_id:
            message = self.read(message_id)
        else:
            # A missing thread holds no message: nothing to delete.
            message = self.find_by_key(self.params.get("idempotency_key") or self.key(self.payload()), thread_missing_ok=True)
        if message is None:
            return self.result(None)
        self.diff["before"] = snapshot(message)
        self.changed = True
        if not self.check_mode:
            try:
                self.client.delete("threads", self.thread_id, "messages", message["id"])
            except ApiError as exc:
                if exc.status != 404:  # deleted meanwhile: what was asked for
                    raise
        return self.result(message)

    def result(self, message: dict[str, t.Any] | None) -> dict[str, t.Any]:
        if message is not None and not self.diff["after"] and self.params.get("state") != "absent":
            self.diff["after"] = snapshot(message)
        return {"changed": self.changed, "thread_id": self.thread_id, "message": with_text(message) if message else None, "diff": self.diff}

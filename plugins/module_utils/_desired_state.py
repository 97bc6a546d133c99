# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state of the objects openai_assistant and openai_thread manage: find, create, update, delete, diff.

Private to llmops.assistants: not a public API, it may change in any release.
Both modules compare the options a task sets with the object the server returns and send only what differs;
the comparison (changed_fields) and the flow (DesiredState) live here once. Nothing here imports Ansible.
"""

from __future__ import annotations

import typing as t

from ._api import find_object
from ._client import Client
from ._errors import ApiError, TaskFailed

# Compared exactly: a key removed from these must count as a difference. Everywhere else a server may add
# fields of its own (defaults such as a function's strict or file_search's ranking_options), so a dict the
# task gives matches when the server's dict holds at least those keys with those values.
EXACT_KEYS = frozenset({"metadata", "parameters"})


def covers(current: t.Any, desired: t.Any, exact: bool = False) -> bool:
    """Whether the server's value already is what the task asks for (see EXACT_KEYS)."""
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return not desired and current is None
        if exact and set(current) != set(desired):
            return False
        return all(covers(current.get(key), value, exact or key in EXACT_KEYS) for key, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(current, list):
            return not desired and current is None
        return len(current) == len(desired) and all(covers(have, want, exact) for have, want in zip(current, desired))
    if isinstance(desired, bool) or isinstance(current, bool):
        return desired is current
    if isinstance(desired, float) and isinstance(current, (int, float)):
        # A server may keep sampling values as 32-bit floats: 0.7 can come back as 0.699999988.
        return abs(current - desired) <= 1e-6 * max(1.0, abs(desired))
    return current == desired


def changed_fields(current: t.Mapping[str, t.Any], desired: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The desired fields whose value on the server differs.

    A field the server does not return at all (a server without reasoning_effort in its objects, say)
    cannot be compared, so it is only sent when the object is created.
    """
    return {
        field: value
        for field, value in desired.items()
        if field in current and not covers(current[field], value, field in EXACT_KEYS)
    }


def comparable_tool_resources(value: dict[str, t.Any]) -> dict[str, t.Any]:
    """tool_resources without file_search.vector_stores.

    That helper asks the server to make a vector store when the object is created; the object then
    holds the new store's ID instead, so it can neither be compared nor sent in an update.
    """
    result = dict(value)
    search = result.get("file_search")
    if isinstance(search, dict) and "vector_stores" in search:
        search = {key: item for key, item in search.items() if key != "vector_stores"}
        if search:
            result["file_search"] = search
        else:
            del result["file_search"]
    return result


class DesiredState:
    """The flow for one kind of object (`kind` "assistant" or "thread", under the path "<kind>s").

    Results hold `changed`, the object under `kind`, its ID under `<kind>_id`, and `diff` (the `fields`
    of the object before and after). In check mode nothing is sent and the result says what would change.
    """

    def __init__(
        self, client: Client, *, kind: str, fields: t.Sequence[str], check_mode: bool, warn: t.Callable[[str], None] | None = None
    ) -> None:
        self.client = client
        self.kind = kind
        self.collection = f"{kind}s"
        self.fields = fields
        self.check_mode = check_mode
        self.warn = warn or (lambda _message: None)

    def check_kept(self, answer: t.Mapping[str, t.Any], asked: t.Mapping[str, t.Any]) -> None:
        """Warn about each field the server's answer to a create or update does not hold as it was asked.

        A server that drops a field (or answers it under another name) would otherwise make the task claim success.
        """
        for field, value in asked.items():
            if field not in self.fields:
                continue
            if field not in answer:
                detail = f"its answer has no {field}"
            elif not covers(answer[field], value, field in EXACT_KEYS):
                detail = f"it answered {answer[field]!r}, not {value!r}"
            else:
                continue
            self.warn(f"The server did not keep the {field} it was asked to set on {self.kind} {answer.get('id')}: {detail}.")

    def snapshot(self, obj: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
        """What diff mode shows of the object."""
        return {field: obj[field] for field in self.fields if field in obj} if obj else {}

    def result(self, changed: bool, obj: dict[str, t.Any] | None, object_id: str | None, diff: dict[str, t.Any]) -> dict[str, t.Any]:
        return {"changed": changed, self.kind: obj, f"{self.kind}_id": object_id, "diff": diff}

    def failed_change(self, error: ApiError, object_id: str | None, maybe_applied: bool = False) -> ApiError | TaskFailed:
        """The failure of a create, update or delete. One the server may have applied (a lost answer, 5xx) still
        reports changed, with the object's ID when it is known, so the task does not claim it changed nothing."""
        if not (error.maybe_applied or maybe_applied):
            return error
        return TaskFailed(str(error), changed=True, api_error=error.to_dict(), **{self.kind: None, f"{self.kind}_id": object_id})

    def find(self, object_id: str) -> dict[str, t.Any] | None:
        """The object by its ID; None when the server has none (404)."""
        return find_object(self.client, self.collection, object_id)

    def create(self, payload: dict[str, t.Any], find_existing: t.Callable[[], t.Any] | None = None) -> dict[str, t.Any]:
        """Create it. A create whose answer was lost is looked up with find_existing (when the object can be
        found again) before it is sent again; without it, such a create is never re-sent."""
        diff = {"before": {}, "after": dict(payload)}
        if self.check_mode:
            return self.result(True, None, None, diff)
        looked_up = []

        def lookup() -> t.Any:
            # Asked only after a failure that may have applied the create: whatever fails next, it may exist.
            looked_up.append(True)
            return find_existing() if find_existing is not None else None

        try:
            obj = self.client.create(self.collection, body=payload, find_existing=lookup if find_existing else None).data
        except ApiError as exc:
            raise self.failed_change(exc, None, maybe_applied=bool(looked_up)) from None
        asked = dict(payload)
        if "tool_resources" in asked:
            asked["tool_resources"] = comparable_tool_resources(asked["tool_resources"])
        self.check_kept(obj, asked)
        return self.result(True, obj, obj["id"], diff)

    def update(self, current: dict[str, t.Any], desired: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        """Send only the fields that differ (see changed_fields); nothing when none does."""
        desired = dict(desired)
        if "tool_resources" in desired:
            desired["tool_resources"] = comparable_tool_resources(desired["tool_resources"])
        changes = changed_fields(current, desired)
        for field in desired:
            if field not in current:
                self.warn(
                    f"The server's {self.kind} {current['id']} has no {field}, so the {field} this task sets can be neither "
                    "compared nor kept there; it was not sent."
                )
        before = self.snapshot(current)
        diff = {"before": before, "after": dict(before, **changes)}
        if changes and not self.check_mode:
            try:
                current = self.client.post(self.collection, current["id"], body=changes).data
            except ApiError as exc:
                raise self.failed_change(exc, current["id"]) from None
            diff["after"] = self.snapshot(current)
            self.check_kept(current, changes)
        return self.result(bool(changes), current, current["id"], diff)

    def delete(self, current: dict[str, t.Any] | None, object_id: str | None = None) -> dict[str, t.Any]:
        """Delete the object found; nothing changes when none was. The result's ID is object_id when given."""
        ident = object_id or (current["id"] if current else None)
        result = self.result(current is not None, None, ident, {"before": self.snapshot(current), "after": {}})
        if current is None or self.check_mode:
            return result
        try:
            self.client.delete(self.collection, ident)
        except ApiError as exc:
            if exc.status != 404:
                raise self.failed_change(exc, ident) from None
            # Deleted by someone else between our lookup and our delete: it is gone all the same.
            result["changed"] = False
        return result

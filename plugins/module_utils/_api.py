# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every read helper: an assistant, a thread, a run, its steps, the messages it wrote, a thread's runs.

Private to llmops.assistants: not a public API, it may change in any release.
What a 404 means is decided here, once per helper: find_object and find_thread answer None (not there),
get_run fails the task (the run is not on that thread), not_found says which of thread or run is missing.
Shared by the modules and the engines; every request goes through the shared Client.
"""

from __future__ import annotations

import json
import typing as t

from ._client import PAGE_SIZE_MAX, Client
from ._errors import ApiError, OptionError, TaskFailed
from ._options import check_range

ORDERS = ("asc", "desc")
DEFAULT_LIMIT = 20


def paging_argument_spec() -> dict[str, dict[str, t.Any]]:
    """The options of a listing module: limit, order, after, before, all_pages (after and before exclude each other)."""
    return {
        # No default in the spec, so that a limit given together with all_pages can be told apart and refused.
        "limit": {"type": "int"},
        "order": {"type": "str", "choices": list(ORDERS), "default": "desc"},
        "after": {"type": "str"},
        "before": {"type": "str"},
        "all_pages": {"type": "bool", "default": False},
    }


def check_paging(params: t.Mapping[str, t.Any], items: str) -> None:
    """Raises OptionError for a limit below 1 or given with all_pages."""
    if params["all_pages"] and params["limit"] is not None:
        raise OptionError(f"limit cannot be combined with all_pages=true, which returns every {items}; drop one of them.")
    check_range(params, "limit", minimum=1)


def find_object(client: Client, collection: str, object_id: str) -> dict[str, t.Any] | None:
    """An assistant or thread (`collection` "assistants" or "threads"); None when the server has none with that ID (404)."""
    try:
        return client.get(collection, object_id).data
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def find_thread(client: Client, thread_id: str) -> dict[str, t.Any] | None:
    """The thread; None when it is not there (404)."""
    return find_object(client, "threads", thread_id)


def get_run(
    client: Client, thread_id: str, run_id: str, *, deadline: float | None = None, explain: bool = False
) -> tuple[dict[str, t.Any], t.Mapping[str, str]]:
    """The run as the API returns it, and the response headers (for openai-poll-after-ms).

    A 404 fails the task (TaskFailed with thread_id): the run is not on that thread. With `explain`, one more
    request tells whether the thread itself is missing, and the result carries the API's error.
    """
    try:
        response = client.get("threads", thread_id, "runs", run_id, deadline=deadline)
    except ApiError as exc:
        if exc.status != 404:
            raise
        if explain:
            raise not_found(client, exc, thread_id, run_id) from exc
        raise TaskFailed(f"Run {run_id} was not found on thread {thread_id}: {exc.message}", thread_id=thread_id) from None
    return response.data, response.headers


def newest_run(client: Client, thread_id: str) -> dict[str, t.Any] | None:
    """The thread's newest run (the only one that can be active), or None."""
    runs = client.get("threads", thread_id, "runs", params={"limit": 1, "order": "desc"}).data.get("data") or []
    return runs[0] if runs else None


def run_steps(client: Client, thread_id: str, run_id: str) -> list[dict[str, t.Any]]:
    """Every step of the run, oldest first, each with `details`: its step_details as a JSON string."""
    steps = []
    for step in client.items("threads", thread_id, "runs", run_id, "steps", order="asc"):
        # The Terraform data source users come from exposes step_details as this string; keep it comparable.
        steps.append(dict(step, details=json.dumps(step.get("step_details"), sort_keys=True)))
    return steps


def run_steps_if_listed(client: Client, thread_id: str, run_id: str, warn: t.Callable[[str], None]) -> list[dict[str, t.Any]] | None:
    """run_steps, or None with a warning when the server has no run-steps endpoint.

    Only for a run just read: the run exists, so a 404/405 here is about the endpoint, not the run.
    """
    try:
        return run_steps(client, thread_id, run_id)
    except ApiError as exc:
        if exc.status not in (404, 405):
            raise
        warn(
            f"The server does not list run steps (GET {exc.path} answered HTTP {exc.status}), so run.steps is "
            "not returned; set include_steps to false to skip this request."
        )
        return None


def run_messages(client: Client, thread_id: str, run_id: str) -> list[dict[str, t.Any]]:
    """The assistant messages the run created, oldest first."""
    return [
        message
        for message in client.items("threads", thread_id, "messages", params={"run_id": run_id}, order="asc")
        if message.get("role") == "assistant"
    ]


def output_text(messages: t.Iterable[t.Mapping[str, t.Any]]) -> str:
    """The text parts of the messages, in order, joined by a blank line."""
    parts = []
    for message in messages:
        for part in message.get("content") or ():
            text = part.get("text") if isinstance(part, dict) and part.get("type") == "text" else None
            if isinstance(text, dict) and isinstance(text.get("value"), str):
                parts.append(text["value"])
    return "\n\n".join(parts)


def list_runs(
    client: Client,
    thread_id: str,
    *,
    limit: int,
    order: str = "desc",
    after: str | None = None,
    before: str | None = None,
    statuses: t.Iterable[str] | None = None,
    all_pages: bool = False,
) -> dict[str, t.Any]:
    """Up to `limit` runs of the thread (every one with `all_pages`) in `order`, optionally of some statuses only.

    The API has no status filter, so runs are filtered while paging (see list_exact).
    """
    wanted = frozenset(statuses) if statuses else None
    keep = None if wanted is None else (lambda run: run.get("status") in wanted)
    listing = list_exact(client, ("threads", thread_id, "runs"), limit=limit, order=order, after=after, before=before,
                         keep=keep, all_pages=all_pages)
    return {"runs": listing.pop("items"), **listing}


def list_exact(
    client: Client,
    segments: t.Sequence[str],
    *,
    limit: int,
    order: str = "desc",
    after: str | None = None,
    before: str | None = None,
    keep: t.Callable[[dict[str, t.Any]], bool] | None = None,
    params: dict[str, t.Any] | None = None,
    all_pages: bool = False,
) -> dict[str, t.Any]:
    """Up to `limit` items of a list endpoint (every one with `all_pages`) in `order`, those `keep` accepts.

    Exact in the cursor sense: `after=result["last_id"]` continues right after the last item returned and
    `before=result["first_id"]` right before the first, with or without a filter, so no item is skipped
    or repeated; `has_more` is true exactly when such a call would return at least one item.

    With `keep`, pages are read until `limit` items match or the list ends, and once `limit` are found the
    listing looks ahead to the next matching item to answer `has_more`. Without it `limit` items take
    ceil(limit / 100) requests (pages of min(limit, 100), and the last page's own has_more answers);
    `all_pages` takes ceil(N / 100) requests for N items. `params` go into every request (server-side filters).
    """
    if after is not None and before is not None:
        raise ValueError("after and before cannot be combined")
    if not all_pages and limit < 1:
        raise ValueError(f"limit must be at least 1; got {limit!r}")
    # Paging with only `before` walks backwards (see Client.pages): each page is the one immediately
    # preceding the cursor, still sorted in `order`, so it is read from its end to stay nearest the cursor.
    backwards = before is not None
    page_size = PAGE_SIZE_MAX if (keep is not None or all_pages) else min(limit, PAGE_SIZE_MAX)
    found: list[dict[str, t.Any]] = []
    has_more = False

    def full() -> bool:
        return not all_pages and len(found) >= limit

    for page in client.pages(*segments, params=params, limit=page_size, order=order, after=after, before=before):
        data = page["data"]
        for item in reversed(data) if backwards else data:
            if keep is not None and not keep(item):
                continue
            if full():
                # A matching item beyond the last one kept: the next call would return it.
                has_more = True
                break
            found.append(item)
        if has_more:
            break
        if full() and keep is None:
            # Nothing of this page was left over; without a filter every further item counts, and the
            # server's has_more already says whether there is one, without another request.
            has_more = bool(page.get("has_more"))
            break
    if backwards:
        found.reverse()
    return {
        "items": found,
        "first_id": found[0].get("id") if found else None,
        "last_id": found[-1].get("id") if found else None,
        "has_more": has_more,
    }


def thread_exists(client: Client, thread_id: str) -> bool | None:
    """Whether the thread is there; None when that cannot be told."""
    try:
        return find_thread(client, thread_id) is not None
    except ApiError:
        return None


def not_found(client: Client, error: ApiError, thread_id: str, object_id: str | None = None, kind: str = "Run") -> TaskFailed:
    """The task's failure after a 404 reading a thread's runs or messages: what is missing, and the API's error."""
    return TaskFailed(not_found_message(client, error, thread_id, object_id, kind), api_error=error.to_dict(), thread_id=thread_id)


def not_found_message(client: Client, error: ApiError, thread_id: str, run_id: str | None = None, kind: str = "Run") -> str:
    """After a 404 reading a thread's runs (or messages: kind), say whether the thread or the object is missing (one more request)."""
    if thread_exists(client, thread_id) is False:
        what = f"Thread {thread_id} was not found"
    elif run_id is not None:
        what = f"{kind} {run_id} was not found on thread {thread_id}"
    else:
        return str(error)
    return f"{what} (the server said: {error.message})"

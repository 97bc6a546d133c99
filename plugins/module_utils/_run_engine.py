# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run engine shared by openai_run and openai_thread_run, and the run statuses.

Private to llmops.assistants: not a public API, it may change in any release.
One flow for both modules: build the request body, find the run by its idempotency key (_idempotency),
make room on a busy thread, create, submit tool outputs, cancel, wait (wait_on_stream reads the event
stream of a create; poll_until polls, never past the deadline), and report. Nothing here imports Ansible.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import typing as t

from ._api import get_run, newest_run, output_text, run_messages, run_steps
from ._client import ApiResponse, Client, EventStream
from ._desired_state import changed_fields
from ._errors import ApiError, NoApiAtBase, TaskFailed
from ._idempotency import IDEMPOTENCY_METADATA_KEY, find_run_by_key, keyed_payload
from ._options import normalize_messages, normalize_response_format, normalize_tools

# Every status a run can have (openai_runs_info's status choices); the sets below group them.
RUN_STATUSES = (
    "queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed", "completed", "incomplete", "expired",
)
KNOWN_STATUSES = frozenset(RUN_STATUSES)
KEEP_WAITING = frozenset({"queued", "in_progress", "cancelling"})
CANCELLABLE = frozenset({"queued", "in_progress", "requires_action"})
ACTIVE = KEEP_WAITING | {"requires_action"}
TERMINAL = KNOWN_STATUSES - ACTIVE
ANSWER_STATUSES = TERMINAL | {"requires_action"}
FAILED_STATUSES = frozenset({"failed", "expired", "cancelled"})

# What a run in requires_action asks for (required_action.type). Tool outputs are answered with tool_outputs.
# Tool approvals (Azure AI Foundry, 2025-05-15-preview) decide whether a tool such as an MCP server may run:
# a security decision the collection never takes by itself, so the run is returned with a warning. Any other
# type fails the task rather than leave it waiting for an answer nobody sends.
TOOL_OUTPUTS_ACTION = "submit_tool_outputs"
TOOL_APPROVAL_ACTION = "submit_tool_approval"

POLL_FIRST = 0.4
POLL_GROWTH = 1.5
_BUSY_THREAD = re.compile(r"already has an active run")

# Options sent to the API as they are (after their checks); order only matters for readability.
RUN_FIELDS = (
    "assistant_id", "model", "instructions", "tools", "metadata", "temperature", "top_p", "max_prompt_tokens",
    "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format",
)
CREATE_RUN_ONLY_FIELDS = ("additional_instructions", "additional_messages", "reasoning_effort")
# The settings a run object shows, so that a run found by a given idempotency_key can be compared with the task.
RUN_SETTINGS = tuple(name for name in RUN_FIELDS if name != "metadata") + ("reasoning_effort",)


def snapshot(run: dict[str, t.Any] | None) -> dict[str, t.Any]:
    """What diff mode shows of a run."""
    if not run:
        return {}
    return {"id": run.get("id"), "status": run.get("status"), "metadata": run.get("metadata") or {}}


def poll_after_seconds(headers: t.Mapping[str, str]) -> float | None:
    value = headers.get("openai-poll-after-ms") if headers else None
    try:
        return max(float(value) / 1000.0, 0.0) if value is not None else None
    except ValueError:
        return None


class RunEngine:
    """Drives one run on one thread (self.thread_id, set by each flow) to the state a task asks for."""

    def __init__(
        self,
        client: Client,
        params: t.Mapping[str, t.Any],
        *,
        check_mode: bool,
        warn: t.Callable[[str], None],
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
        wall: t.Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.warn = warn
        self._clock = clock
        self._sleep = sleep
        self._wall = wall
        window = params.get("completion_window")
        self.wait = True if window is not None else params.get("wait", True)
        self.wait_timeout = window if window is not None else params.get("wait_timeout", 600.0)
        self.deadline = clock() + self.wait_timeout
        self.changed = False
        self.cancel_requested = False
        self.diff: dict[str, t.Any] = {"before": {}, "after": {}}
        self._payload: dict[str, t.Any] | None = None
        self.found_by_key: str | None = None
        self.thread_id: str | None = None
        # The task's run as last seen: a failure after a create still reports it (made()).
        self.run: dict[str, t.Any] | None = None

    def made(self) -> dict[str, t.Any]:
        """What a failed task still reports: whether it changed anything, its thread and its run."""
        return {"changed": self.changed, "thread_id": self.thread_id, "run": self.run}

    @contextlib.contextmanager
    def creating(self) -> t.Iterator[None]:
        """Around a create: the task changed something unless the server refused it outright (nothing applied)."""
        before, self.changed = self.changed, True
        try:
            yield
        except NoApiAtBase:
            self.changed = before
            raise
        except ApiError as exc:
            if not exc.maybe_applied:
                self.changed = before
            raise

    # ---- request bodies ------------------------------------------------------------------------

    def run_payload(self) -> dict[str, t.Any]:
        """The request body for a run on an existing thread; built (and so checked) once."""
        if self._payload is None:
            self._payload = self.build_payload(RUN_FIELDS + CREATE_RUN_ONLY_FIELDS)
        return self._payload

    def build_payload(self, fields: t.Sequence[str]) -> dict[str, t.Any]:
        """A request body from the options that are set, in their API v2 form. Raises OptionError."""
        params = dict(self.params)
        params["tools"] = normalize_tools(params.get("tools"), self.warn)
        params["response_format"] = normalize_response_format(params.get("response_format"))
        if "additional_messages" in fields:
            params["additional_messages"] = normalize_messages(params.get("additional_messages"), self.warn, "additional_messages")
        return {name: params[name] for name in fields if params.get(name) is not None}

    def _keyed_run_payload(self) -> tuple[dict[str, t.Any], str]:
        return keyed_payload(self.params.get("idempotency_key"), self.thread_id, self.run_payload())

    def _body(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        """A create's body, asking for the event stream when the engine waits on it."""
        return dict(body, stream=True) if self.waits_on_stream else body

    @property
    def waits_on_stream(self) -> bool:
        """Whether to wait on the event stream rather than by polling."""
        return bool(self.wait and self.params.get("stream", True) and not self.check_mode)

    # ---- reading -------------------------------------------------------------------------------

    def _read_run(self, run_id: str) -> tuple[dict[str, t.Any], t.Mapping[str, str]]:
        return get_run(self.client, self.thread_id, run_id, deadline=self.deadline)

    def _find_by_key(self, key: str) -> tuple[dict[str, t.Any] | None, dict[str, t.Any] | None]:
        return find_run_by_key(self.client, self.thread_id, key)

    def _run_unless(self, run_id: str, statuses: t.Collection[str]) -> dict[str, t.Any] | None:
        """The run, read again; None while its status is still one of `statuses` (the request was not applied)."""
        run, _headers = self._read_run(run_id)
        return None if run["status"] in statuses else run

    # ---- the flows (each names the thread it works on) -----------------------------------------

    def present(self, thread_id: str) -> dict[str, t.Any]:
        """A run on an existing thread: the one named by run_id, the one carrying the key, or a new one."""
        self.thread_id = thread_id
        run_id = self.params.get("run_id")
        if run_id:
            run, headers = self._read_run(run_id)
        else:
            payload, key = self._keyed_run_payload()
            run, newest = self._find_by_key(key)
            headers = {}
            if run is None:
                return self._create_run(payload, key, newest)
            self.found_by_key = key
            self._warn_if_made_otherwise(run)
        self.run = run
        self.diff["before"] = snapshot(run)
        run = self._converge_metadata(run)
        if self.params.get("tool_outputs"):
            run, headers = self._submit_tool_outputs(run)
        return self.wait_and_report(run, headers)

    def absent(self, thread_id: str) -> dict[str, t.Any]:
        """No run left running: cancel the run found by run_id or by the key."""
        self.thread_id = thread_id
        run_id = self.params.get("run_id")
        try:
            if run_id:
                run, _headers = self._read_run(run_id)
            else:
                _payload, key = self._keyed_run_payload()
                run, _newest = self._find_by_key(key)
        except TaskFailed:
            # The run or its thread is gone: nothing is running.
            return self.result(None)
        return self.cancel_and_report(run)

    def cancel_newest(self, thread_id: str) -> dict[str, t.Any]:
        """No run left running on the thread: cancel its newest run (the only one that can be active)."""
        self.thread_id = thread_id
        return self.cancel_and_report(newest_run(self.client, thread_id))

    def unchanged(self, thread_id: str | None) -> dict[str, t.Any]:
        """The result of a task that found nothing to do on the thread."""
        self.thread_id = thread_id
        return self.result(None)

    def create_thread_and_run(self, payload: dict[str, t.Any]) -> dict[str, t.Any]:
        """A new thread and its run in one request. A thread cannot be found again, so a create that may
        have been applied is never re-sent (no find_existing)."""
        if self.check_mode:
            self.changed = True
            self.diff["after"] = {"status": "queued", "metadata": payload.get("metadata") or {}}
            return self.result(None)
        try:
            with self.creating():
                response = self.client.create("threads", "runs", body=self._body(payload), stream=self.waits_on_stream)
        except ApiError as exc:
            if exc.status != 404:
                raise
            # Nothing was made. Some servers have no such route (open-assistant-api's POST /threads/{thread_id}
            # catches it); a wrong api_base answers the same way.
            raise TaskFailed(
                "The server has no create-thread-and-run endpoint: POST /threads/runs answered "
                f"404 ({exc.message}). Create the thread first (llmops.assistants.openai_thread), then start the run on "
                "it with existing_thread_id (or llmops.assistants.openai_run). If the server should have this endpoint, "
                "check api_base (it usually ends in /v1).",
                changed=False, api_error=exc.to_dict(),
            ) from None
        run, headers = self.wait_on_stream(response)
        if run is None:
            newest = newest_run(self.client, self.thread_id) if self.thread_id else None
            if newest is None:
                raise TaskFailed(
                    "The event stream broke before it named the new thread's run, and a thread cannot be looked up "
                    "without its ID, so the run could not be found (it was not created again).",
                    thread_id=self.thread_id, changed=True,
                )
            run = newest
        self.thread_id = run["thread_id"]
        return self.wait_and_report(run, headers)

    def cancel_and_report(self, run: dict[str, t.Any] | None) -> dict[str, t.Any]:
        self.diff["before"] = snapshot(run)
        if run is None or run["status"] not in CANCELLABLE:
            if run is not None and run["status"] == "cancelling" and self.wait:
                run = self.poll_until(run, TERMINAL)
            self.diff["after"] = snapshot(run)
            return self.result(run)
        run = self._cancel(run)
        if self.wait and not self.check_mode:
            run = self.poll_until(run, TERMINAL)
        self.diff["after"] = snapshot(run)
        return self.result(run)

    def wait_and_report(self, run: dict[str, t.Any], headers: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
        """Poll until the run stops if asked to wait, then report it (or fail the task as its end deserves)."""
        self.run = run
        if self.wait and not self.check_mode and run["status"] not in ANSWER_STATUSES:
            run = self.poll_until(run, ANSWER_STATUSES, headers)
        self.diff["after"] = snapshot(run)
        return self.report_stopped_run(run)

    # ---- changing ------------------------------------------------------------------------------

    def _create_run(self, payload: dict[str, t.Any], key: str, newest: dict[str, t.Any] | None) -> dict[str, t.Any]:
        if newest is not None and newest.get("status") in ACTIVE:
            self.make_room(newest)
        if self.check_mode:
            # Only now: waiting for a blocker that never finishes changed nothing.
            self.changed = True
            predicted = {"status": "queued", "metadata": payload.get("metadata") or {}}
            self.diff["after"] = predicted
            return self.result(None)

        def find_existing() -> dict[str, t.Any] | None:
            return self._find_by_key(key)[0]

        try:
            with self.creating():
                response = self.client.create(
                    "threads", self.thread_id, "runs", body=self._body(payload), find_existing=find_existing, stream=self.waits_on_stream,
                )
        except ApiError as exc:
            if not (exc.status == 400 and _BUSY_THREAD.search(exc.message or "")):
                raise
            # Another client started a run between our lookup and our create: make room once more, then send it again.
            _run, newest = self._find_by_key(key)
            if newest is None or newest.get("status") not in ACTIVE:
                raise
            self.make_room(newest)
            with self.creating():
                response = self.client.create(
                    "threads", self.thread_id, "runs", body=self._body(payload), find_existing=find_existing, stream=self.waits_on_stream,
                )
        run, headers = self.wait_on_stream(response)
        if run is None:
            # The stream broke before it named the run: the key says whether the create was applied.
            run = find_existing()
            if run is None:
                with self.creating():
                    response = self.client.create("threads", self.thread_id, "runs", body=payload, find_existing=find_existing)
                run, headers = self.wait_on_stream(response)
        return self.wait_and_report(run, headers)

    def make_room(self, active: dict[str, t.Any]) -> None:
        """A thread holds one active run: fail, wait for it, or cancel it, as on_active_run says."""
        policy = self.params.get("on_active_run", "fail")
        if policy == "fail":
            raise TaskFailed(
                f"Thread {self.thread_id} already has an active run {active['id']} (status {active['status']}). "
                "Set on_active_run to wait or cancel, or cancel that run first.",
                thread_id=self.thread_id, active_run=active, changed=False,
            )
        if self.check_mode:
            return
        if policy == "cancel" and active["status"] in CANCELLABLE:
            active = self._cancel(active, requested=False)
        active = self.poll_until(
            active, TERMINAL | {"requires_action"}, what=f"the active run {active['id']} to finish before creating a new one",
        )
        if active["status"] == "requires_action":
            # It waits for tool outputs that nobody sends while this task waits: it would never finish.
            raise TaskFailed(
                f"Thread {self.thread_id} has an active run {active['id']} in requires_action: it waits for tool outputs, "
                "so waiting for it to finish would last until it expires. Answer it with tool_outputs (and run_id), "
                "or set on_active_run to cancel.",
                thread_id=self.thread_id, active_run=active, changed=self.changed,
            )

    def _warn_if_made_otherwise(self, run: dict[str, t.Any]) -> None:
        """A run found by the task's own idempotency_key may have been made with other settings: say which.

        A derived key is a digest of these settings, so a run found by it was made with them.
        """
        key = self.params.get("idempotency_key")
        if not key:
            return
        payload = self.run_payload()
        asked = {name: payload[name] for name in RUN_SETTINGS if name in payload}
        if payload.get("additional_instructions"):
            asked.pop("instructions", None)  # the run shows both joined
        differ = changed_fields(run, asked)
        if differ:
            detail = "; ".join(
                f"{name}: the run has {json.dumps(run.get(name), sort_keys=True)}, the task asks for {json.dumps(value, sort_keys=True)}"
                for name, value in differ.items()
            )
            self.warn(
                f"Run {run['id']} was found by idempotency_key {key!r} but was made with other settings than this task "
                f"asks for ({detail}). It is returned as it is, since a run's settings cannot change. To start a new "
                "run with these settings, give idempotency_key a new value."
            )

    def _converge_metadata(self, run: dict[str, t.Any]) -> dict[str, t.Any]:
        wanted = self.params.get("metadata")
        current = run.get("metadata") or {}
        if not wanted or all(current.get(k) == v for k, v in wanted.items()):
            return run
        self.changed = True
        merged = dict(current, **wanted)
        if self.check_mode:
            return dict(run, metadata=merged)
        return self.client.post("threads", self.thread_id, "runs", run["id"], body={"metadata": merged}).data

    def _submit_tool_outputs(self, run: dict[str, t.Any]) -> tuple[dict[str, t.Any], t.Mapping[str, str]]:
        outputs = self.params["tool_outputs"]
        given = [item["tool_call_id"] for item in outputs]
        if run["status"] != "requires_action":
            if self._already_answered(run, outputs):
                return run, {}
            raise TaskFailed(
                f"Run {run['id']} is {run['status']}, not requires_action, so tool_outputs cannot be submitted.",
                run=run, thread_id=self.thread_id,
            )
        kind = (run.get("required_action") or {}).get("type")
        if kind != TOOL_OUTPUTS_ACTION:
            raise TaskFailed(
                f"Run {run['id']} requires an action of type {kind!r}, not {TOOL_OUTPUTS_ACTION}, so tool_outputs cannot answer it.",
                run=run, thread_id=self.thread_id,
            )
        calls = ((run.get("required_action") or {}).get("submit_tool_outputs") or {}).get("tool_calls") or []
        wanted = [call["id"] for call in calls]
        missing = [call_id for call_id in wanted if call_id not in given]
        unknown = [call_id for call_id in given if call_id not in wanted]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing an output for {', '.join(missing)}")
            if unknown:
                parts.append(f"answering tool calls the run did not make: {', '.join(unknown)}")
            raise TaskFailed(
                f"tool_outputs must answer exactly the tool calls of run {run['id']} ({', '.join(wanted)}); it is "
                + " and ".join(parts) + ".",
                run=run, thread_id=self.thread_id,
            )
        self.changed = True
        if self.check_mode:
            return dict(run, status="queued"), {}
        run_id = run["id"]
        response = self.client.create(
            "threads", self.thread_id, "runs", run_id, "submit_tool_outputs",
            body=self._body({"tool_outputs": [{"tool_call_id": o["tool_call_id"], "output": o["output"]} for o in outputs]}),
            find_existing=lambda: self._run_unless(run_id, {"requires_action"}), stream=self.waits_on_stream,
        )
        answered, headers = self.wait_on_stream(response)
        if answered is None:
            return self._read_run(run_id)
        return answered, headers

    def _already_answered(self, run: dict[str, t.Any], outputs: list[dict[str, t.Any]]) -> bool:
        """A re-run of the task that answered these tool calls: the run's steps hold the same outputs."""
        answered = {}
        for step in run_steps(self.client, self.thread_id, run["id"]):
            for call in (step.get("step_details") or {}).get("tool_calls") or []:
                answered[call.get("id")] = (call.get("function") or {}).get("output")
        return all(answered.get(o["tool_call_id"]) == o["output"] for o in outputs)

    def _cancel(self, run: dict[str, t.Any], *, requested: bool = True) -> dict[str, t.Any]:
        self.changed = True
        self.cancel_requested = self.cancel_requested or requested
        if self.check_mode:
            return dict(run, status="cancelling")
        try:
            return self.client.create(
                "threads", self.thread_id, "runs", run["id"], "cancel", body={},
                find_existing=lambda: self._run_unless(run["id"], CANCELLABLE),
            ).data
        except ApiError as exc:
            if exc.status != 400:
                raise
            # It finished (or began cancelling) between our read and our cancel.
            current, _headers = self._read_run(run["id"])
            if current["status"] in CANCELLABLE:
                raise
            if requested:
                self.changed = False
            return current

    # ---- waiting -------------------------------------------------------------------------------

    def wait_on_stream(self, response: ApiResponse) -> tuple[dict[str, t.Any] | None, t.Mapping[str, str]]:
        """The run a create answered with: the last run its event stream showed, or the JSON run of a server
        that did not stream. None when the stream broke before it named the run.

        The stream is read until the run stops, the stream breaks, or the deadline passes; wait_and_report
        polls from there. A thread.created event names the thread of a create_thread_and_run.
        """
        if not isinstance(response.data, EventStream):
            return response.data, response.headers
        run = None
        try:
            # Every read of the stream is bounded by the time left: a server may send nothing while it works.
            for event, data in response.data.until(self.deadline, self._clock):
                if event.startswith("thread.run.") and not event.startswith("thread.run.step.") and isinstance(data, dict):
                    run = self.run = data
                    if run.get("status") in ANSWER_STATUSES:
                        break
                elif event == "thread.created" and isinstance(data, dict):
                    self.thread_id = data.get("id")
                if self._clock() >= self.deadline:
                    break
        except ApiError:
            pass  # a broken stream is followed by polling
        finally:
            response.data.close()
        return run, {}

    def poll_until(
        self,
        run: dict[str, t.Any],
        stop: t.Collection[str],
        headers: t.Mapping[str, str] | None = None,
        what: str = "",
    ) -> dict[str, t.Any]:
        """Poll until the run's status is in `stop`, backing off to poll_interval_max, never past the deadline."""
        interval = POLL_FIRST
        cap = self.params.get("poll_interval_max") or 2.0
        hint = poll_after_seconds(headers or {})
        # `run` may be older than the deadline (the last event of a stream that went quiet): it is read once
        # more at the deadline, so a run that ended meanwhile is reported as it is, not as timed out.
        read_at = -float("inf")
        while run["status"] not in stop:
            if run["status"] not in KNOWN_STATUSES:
                raise TaskFailed(
                    f"Run {run['id']} has the status {run['status']!r}, which this module does not know; stopped waiting.",
                    run=run, thread_id=self.thread_id,
                )
            remaining = self.deadline - self._clock()
            if remaining <= 0 and read_at >= self.deadline:
                self._timed_out(run, what)
            if remaining > 0:
                delay = hint if hint is not None else interval
                interval = min(interval * POLL_GROWTH, cap)
                self._sleep(max(0.0, min(delay, remaining)))
            read_at = self._clock()
            run, headers = self._read_run(run["id"])
            if not what:
                self.run = run
            hint = poll_after_seconds(headers)
        return run

    def _timed_out(self, run: dict[str, t.Any], what: str) -> t.NoReturn:
        message = f"Timed out after {self.wait_timeout:g} seconds waiting for {what or 'run ' + run['id']}; its last status was {run['status']}."
        if what:
            # A run that blocked the thread is not the task's run: it is reported as active_run, as with fail.
            raise TaskFailed(message, active_run=run, thread_id=self.thread_id, changed=self.changed)
        if self.params.get("cancel_on_timeout") and run["status"] in CANCELLABLE:
            run = self._cancel(run)
            self.run = run
            message += f" The run was cancelled (cancel_on_timeout); its status is now {run['status']}."
        raise TaskFailed(message, run=run, thread_id=self.thread_id, changed=self.changed)

    # ---- results -------------------------------------------------------------------------------

    def report_stopped_run(self, run: dict[str, t.Any]) -> dict[str, t.Any]:
        """The result for a run that stopped (or was not waited for); a run that went wrong fails the task."""
        status = run.get("status")
        if status in FAILED_STATUSES and not (status == "cancelled" and self.cancel_requested):
            error = run.get("last_error") or {}
            detail = f": {error.get('code')}: {error.get('message')}" if error else ""
            if self.found_by_key:
                detail = detail.rstrip(".") + (
                    f". This run was not started by this task: it was found by its idempotency key {self.found_by_key!r} "
                    f"(metadata {IDEMPOTENCY_METADATA_KEY}), so the same task finds it again. To start a new run, give "
                    "idempotency_key a new value."
                )
            raise TaskFailed(f"Run {run['id']} {status}{detail}", run=run, thread_id=self.thread_id, changed=self.changed)
        result = self.result(run)
        if status == "completed":
            result["messages"] = run_messages(self.client, self.thread_id, run["id"])
            result["output_text"] = output_text(result["messages"])
        elif status == "incomplete":
            self.warn(f"Run {run['id']} ended incomplete: {json.dumps(run.get('incomplete_details'))}")
        elif status == "requires_action":
            self._check_required_action(run)
            # A number of seconds on every server we know; anything else is left out rather than break the task.
            if isinstance(run.get("expires_at"), (int, float)) and not isinstance(run["expires_at"], bool):
                result["expires_in"] = max(0, int(run["expires_at"] - self._wall()))
        return result

    def _check_required_action(self, run: dict[str, t.Any]) -> None:
        """Tool outputs are the task's to give; tool approvals only warn; an unknown type fails the task."""
        action = run.get("required_action") or {}
        kind = action.get("type")
        if kind == TOOL_OUTPUTS_ACTION:
            return
        if kind == TOOL_APPROVAL_ACTION:
            calls = (action.get(kind) or {}).get("tool_calls") or []
            named = ", ".join(f"{call.get('name') or call.get('type')} ({call.get('id')})" for call in calls) or "none listed"
            self.warn(
                f"Run {run['id']} waits for approval of tool calls: {named}. The collection never approves tool calls "
                "itself: approve or deny each by POSTing tool_approvals to the run's submit_tool_outputs endpoint (see "
                "docs/compatibility.md), then wait for the run with openai_run and run_id."
            )
            return
        raise TaskFailed(
            f"Run {run['id']} requires an action of type {kind!r}, which this module does not know how to answer "
            f"(it answers {TOOL_OUTPUTS_ACTION} with tool_outputs and reports {TOOL_APPROVAL_ACTION}); the run is left as it is.",
            run=run, thread_id=self.thread_id, changed=self.changed,
        )

    def result(self, run: dict[str, t.Any] | None) -> dict[str, t.Any]:
        return {"changed": self.changed, "run": run, "thread_id": self.thread_id, "diff": self.diff}

# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run state machine: queued -> in_progress -> terminal, driven by the server clock.

Nothing runs in the background. Each run has a timeline of absolute times fixed when it is created
(or resumed, or cancelled); every request first calls `tick()`, which applies all transitions whose
time has come, stamping each with its scheduled time rather than the time it was noticed. Results are
therefore the same whatever the polling pattern, and there is no scheduler thread to race with.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from assistants_server.clock import Clock
from assistants_server.errors import bad_request
from assistants_server.store import Store, new_id, snapshot

RUN_LIFETIME_SECONDS = 600
OUTCOMES = ("completed", "failed", "expired", "incomplete", "requires_action", "requires_approval")
APPROVAL_TOOL = {"name": "search_docs", "server_label": "local_mcp"}  # the MCP tool a requires_approval run asks to call
MAX_SIM_STEPS = 1000
MAX_SIM_SECONDS = 86400.0
QUEUED_SHARE = 0.2  # part of a run's duration spent queued before in_progress
FAILED_ERROR = {"code": "server_error", "message": "Sorry, something went wrong."}
RESTART_ERROR = {"code": "server_error", "message": "The server restarted while this run was queued or in progress; the run was not resumed "
                 "(that would ask the model twice). Everything the run had finished is kept: create a new run to go on."}


@dataclass
class RunPlan:
    """What a run will do, decided (and checked) before anything is written."""

    duration: float
    outcome: str
    steps: int
    tools: list[dict[str, Any]]
    tool_choice: Any
    function_call: dict[str, Any] | None
    tool_rounds: int = 1  # how many times a requires_action run asks for tool outputs before it answers
    answer: str | None = None  # metadata sim_answer: the answer text, instead of the echo


@dataclass
class RunState:
    run: dict[str, Any]
    plan: RunPlan
    phase: str  # queued | in_progress | requires_action | cancelling | done
    start_at: float
    end_at: float
    expire_at: float
    prompt_tokens: int
    user_text: str
    resumed: bool = False  # every round of tool calls answered: the run goes on to its answer
    rounds_answered: int = 0
    cancel_done_at: float = 0.0
    message: dict[str, Any] | None = None
    tool_outputs: list[tuple[str, str]] = field(default_factory=list)
    approvals: list[tuple[str, bool]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] | None = None  # recorded only for streamed runs
    work: Any = None  # the chat backend's handle on the run's upstream call
    # The event stream of this run waits on it (a Condition on the store lock); one per run, so an event wakes
    # only the stream that reports it.
    wakeup: threading.Condition | None = None


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def message_text(message: dict[str, Any]) -> str:
    parts = []
    for part in message.get("content") or []:
        if part.get("type") == "text":
            parts.append(part["text"]["value"])
        elif part.get("type") in ("image_file", "image_url"):
            parts.append(f"[{part['type']}]")
    return " ".join(parts)


def _example_value(schema: Any, text: str) -> Any:
    if not isinstance(schema, dict):
        return text
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(kind, text)


def example_arguments(function: dict[str, Any], text: str) -> str:
    """Deterministic arguments for a function call: one value per declared parameter."""
    parameters = function.get("parameters") or {}
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    if not isinstance(properties, dict):
        return "{}"
    return json.dumps({name: _example_value(schema, text) for name, schema in properties.items()})


def _whole_number(metadata: dict[str, Any], key: str, default: int) -> int:
    if key not in metadata:
        return default
    raw = metadata[key]
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_SIM_STEPS):
        raise bad_request(f"Invalid value for 'metadata.{key}': must be a whole number between 1 and {MAX_SIM_STEPS}, got '{raw}'.",
                          param=f"metadata.{key}", code="invalid_value")
    return int(raw)


def json_answer(response_format: Any, text: str) -> str:
    """A run asked for JSON answers JSON: {"answer": text}, or one value per property of its json_schema."""
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_object":
        return json.dumps({"answer": text})
    if kind == "json_schema":
        schema = response_format["json_schema"].get("schema") or {}
        return example_arguments({"parameters": schema}, text) if schema.get("properties") else json.dumps({"answer": text})
    return text


def _metadata_controls(metadata: dict[str, Any], default_seconds: float) -> tuple[float, str | None, int]:
    seconds = default_seconds
    if "sim_seconds" in metadata:
        raw = metadata["sim_seconds"]
        try:
            seconds = float(raw)
        except ValueError:
            seconds = -1.0
        if not (math.isfinite(seconds) and 0 <= seconds <= MAX_SIM_SECONDS):
            raise bad_request(f"Invalid value for 'metadata.sim_seconds': must be a number of seconds between 0 and {int(MAX_SIM_SECONDS)}, got '{raw}'.",
                              param="metadata.sim_seconds", code="invalid_value")
    outcome = metadata.get("sim_outcome")
    if outcome is not None and outcome not in OUTCOMES:
        raise bad_request(f"Invalid value for 'metadata.sim_outcome': '{outcome}'. Supported values are: {', '.join(OUTCOMES)}.",
                          param="metadata.sim_outcome", code="invalid_value")
    return seconds, outcome, _whole_number(metadata, "sim_steps", 1)


class Lifecycle:
    def __init__(self, store: Store, clock: Clock, *, run_seconds: float = 0.5, cancel_seconds: float = 0.1, approvals: bool = False) -> None:
        self.store = store
        self.clock = clock
        self.run_seconds = run_seconds
        self.cancel_seconds = cancel_seconds
        self.approvals = approvals  # --flavor azure: runs may stop for submit_tool_approval
        self.active: dict[str, RunState] = {}  # run_id -> state, for runs not yet terminal
        self.transitions = 0  # clock-driven transitions applied so far (an event stream commits when this moved)
        # run_id -> when it was created and ended, in float server seconds: the API's timestamps are whole
        # seconds, too coarse to tell how long a client took to notice a run's end (GET /__control/timings).
        self.timings: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        self.active.clear()
        self.timings.clear()

    # ---- a restart on the same --db ----

    # Runs that were queued or in progress when the process died are failed, not resumed: resuming would
    # call the model a second time for one run (the first call may have been answered and billed), and a
    # run that fails says so at once, where a resumed one could end differently from what was streamed.
    KEEPS_WAITING_RUNS = False  # whether a run left in requires_action can still take tool outputs after a restart

    def recover(self) -> None:
        """Settle the runs a previous process left active; callers hold the store lock."""
        now = self.clock.now()
        for thread_id, run_id in list(self.store.active_runs.items()):
            run = self.store.runs[thread_id][run_id]
            state = self.restored_state(run, now)
            if run["status"] == "cancelling":
                self._cancelled(state, now)
            elif run["status"] == "requires_action" and now >= state.expire_at:
                self._expire(state, now)
            elif run["status"] == "requires_action" and self.KEEPS_WAITING_RUNS:
                self.active[run_id] = state
            else:
                self.fail(state, now, dict(RESTART_ERROR))
        self.store.commit()

    def restored_state(self, run: dict[str, Any], now: float) -> RunState:
        plan = RunPlan(duration=0.0, outcome="completed", steps=1, tools=run["tools"], tool_choice=run["tool_choice"], function_call=None)
        message = next((m for m in reversed(list(self.store.messages[run["thread_id"]].values()))
                        if m["run_id"] == run["id"] and m["status"] == "in_progress"), None)
        expire_at = float(run["expires_at"]) if run["expires_at"] is not None else now
        return RunState(run=run, plan=plan, phase=run["status"], start_at=now, end_at=now, expire_at=expire_at, prompt_tokens=0, user_text="",
                        resumed=True, message=message)

    def fail(self, state: RunState, when: float, error: dict[str, str]) -> None:
        self._close_open_parts(state, when, step_status="failed", message_reason="run_failed", error=error)
        self._terminal(state, "failed", when, failed_at=int(when), last_error=error)

    # ---- planning and creation ----

    def plan(self, assistant: dict[str, Any], body: dict[str, Any]) -> RunPlan:
        """Decide what the run will do; raises 400 before anything is stored."""
        seconds, outcome, steps = _metadata_controls(body.get("metadata") or {}, self.run_seconds)
        tool_rounds = _whole_number(body.get("metadata") or {}, "sim_tool_rounds", 1)
        tools = body["tools"] if body.get("tools") is not None else assistant["tools"]
        tool_choice = body["tool_choice"] if body.get("tool_choice") is not None else "auto"
        functions = [tool["function"] for tool in tools if tool["type"] == "function"]
        function_call = None
        if isinstance(tool_choice, dict):
            if tool_choice["type"] == "function":
                name = tool_choice["function"]["name"]
                function_call = next((f for f in functions if f["name"] == name), None)
                if function_call is None:
                    raise bad_request(f"Invalid value for 'tool_choice': the function '{name}' is not among the run's tools.",
                                      param="tool_choice", code="invalid_value")
        elif tool_choice != "none" and functions:
            function_call = functions[0]
        if outcome == "requires_approval" and not self.approvals:
            raise bad_request("metadata.sim_outcome 'requires_approval' (a submit_tool_approval required action) needs a server started with --flavor azure.",
                              param="metadata.sim_outcome", code="invalid_value")
        if outcome == "requires_approval":
            function_call = None  # the run asks to approve an MCP tool call, not for a function's output
        if outcome is None:
            outcome = "requires_action" if function_call else "completed"
        elif outcome == "requires_action" and function_call is None:
            raise bad_request("metadata.sim_outcome 'requires_action' needs a function tool the run can call (and tool_choice not 'none').",
                              param="metadata.sim_outcome", code="invalid_value")
        if tool_rounds > 1 and outcome != "requires_action":
            raise bad_request("metadata.sim_tool_rounds needs a run that asks for tool outputs (a function tool it can call).",
                              param="metadata.sim_tool_rounds", code="invalid_value")
        return RunPlan(duration=seconds, outcome=outcome, steps=steps, tools=tools, tool_choice=tool_choice, function_call=function_call,
                       tool_rounds=tool_rounds, answer=(body.get("metadata") or {}).get("sim_answer"))

    def create(self, thread_id: str, assistant: dict[str, Any], body: dict[str, Any], plan: RunPlan, now: float, *, stream: bool = False,
               thread_created: dict[str, Any] | None = None) -> RunState:
        instructions = body["instructions"] if body.get("instructions") is not None else (assistant.get("instructions") or "")
        if body.get("additional_instructions"):
            instructions = f"{instructions}\n{body['additional_instructions']}" if instructions else body["additional_instructions"]
        truncation = body.get("truncation_strategy") or {"type": "auto"}
        truncation = {"type": truncation["type"], "last_messages": truncation.get("last_messages")}
        created_at = int(now)
        run = {
            "id": new_id("run_"),
            "object": "thread.run",
            "created_at": created_at,
            "assistant_id": assistant["id"],
            "thread_id": thread_id,
            "status": "queued",
            "required_action": None,
            "last_error": None,
            "expires_at": created_at + RUN_LIFETIME_SECONDS,
            "started_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "incomplete_details": None,
            "model": body.get("model") or assistant["model"],
            "instructions": instructions,
            "tools": snapshot(plan.tools),
            "metadata": dict(body.get("metadata") or {}),
            "usage": None,
            "temperature": body["temperature"] if body.get("temperature") is not None else assistant.get("temperature", 1.0),
            "top_p": body["top_p"] if body.get("top_p") is not None else assistant.get("top_p", 1.0),
            "max_prompt_tokens": body.get("max_prompt_tokens"),
            "max_completion_tokens": body.get("max_completion_tokens"),
            "truncation_strategy": truncation,
            "tool_choice": plan.tool_choice,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "response_format": body["response_format"] if body.get("response_format") is not None else assistant.get("response_format", "auto"),
        }
        messages = list(self.store.messages[thread_id].values())
        if truncation["type"] == "last_messages" and truncation["last_messages"]:
            messages = messages[-truncation["last_messages"]:]
        prompt = " ".join([instructions] + [message_text(m) for m in messages])
        user_text = next((message_text(m) for m in reversed(list(self.store.messages[thread_id].values())) if m["role"] == "user"), "")
        state = RunState(
            run=run, plan=plan, phase="queued",
            start_at=now + plan.duration * QUEUED_SHARE, end_at=now + plan.duration,
            expire_at=float(created_at + RUN_LIFETIME_SECONDS),
            prompt_tokens=_tokens(prompt), user_text=user_text,
            events=[] if stream else None,
        )
        self.store.add_run(run)
        self.store.active_runs[thread_id] = run["id"]
        self.active[run["id"]] = state
        self.timings[run["id"]] = {"id": run["id"], "thread_id": thread_id, "status": None, "created": now, "ended": None}
        if thread_created is not None:
            self._emit(state, "thread.created", thread_created)
        self._emit(state, "thread.run.created", run)
        self._emit(state, "thread.run.queued", run)
        return state

    # ---- requests that change a run ----

    def cancel(self, run: dict[str, Any], now: float) -> RunState:
        state = self.active.get(run["id"])
        if state is None or state.phase not in ("queued", "in_progress", "requires_action"):
            raise bad_request(f"Cannot cancel run with status '{run['status']}'.", param=None, code=None)
        state.phase = "cancelling"
        state.cancel_done_at = now + self.cancel_seconds
        run["status"] = "cancelling"
        self._emit(state, "thread.run.cancelling", run)
        return state

    def submit_tool_approvals(self, run: dict[str, Any], approvals: list[dict[str, Any]], now: float, *, stream: bool = False) -> RunState:
        """Azure's answer to submit_tool_approval: approve (or deny) each pending call; the run then goes on."""
        state = self.active.get(run["id"])
        if state is None or state.phase != "requires_action":
            raise bad_request(f'Runs in status "{run["status"]}" do not accept tool approvals.', param=None, code=None)
        if run["required_action"]["type"] != "submit_tool_approval":
            raise bad_request("This run requires tool outputs, not tool approvals: submit tool_outputs.", param="tool_approvals", code="invalid_value")
        pending = [call["id"] for call in run["required_action"]["submit_tool_approval"]["tool_calls"]]
        given = [item["tool_call_id"] for item in approvals]
        if sorted(given) != sorted(pending):
            raise bad_request(f"Expected tool approvals for call_ids {pending}, got {given}.", param="tool_approvals", code="invalid_value")
        if stream:
            state.events = []
        by_id = {item["tool_call_id"]: item["approve"] for item in approvals}
        step = next(s for s in self.store.steps[run["id"]].values() if s["type"] == "tool_calls" and s["status"] == "in_progress")
        for call in step["step_details"]["tool_calls"]:
            approved = by_id[call["id"]]
            call["output"] = "approved" if approved else "denied"
            state.approvals.append((call["name"], approved))
        self._resume(state, run, step, now)
        return state

    def submit_tool_outputs(self, run: dict[str, Any], outputs: list[dict[str, Any]], now: float, *, stream: bool = False) -> RunState:
        state = self.active.get(run["id"])
        if state is None or state.phase != "requires_action":
            raise bad_request(f'Runs in status "{run["status"]}" do not accept tool outputs.', param=None, code=None)
        if run["required_action"]["type"] != "submit_tool_outputs":
            raise bad_request("This run requires tool approvals, not tool outputs: submit tool_approvals.", param="tool_outputs", code="invalid_value")
        pending = [call["id"] for call in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
        given = [item["tool_call_id"] for item in outputs]
        if sorted(given) != sorted(pending):
            missing = [cid for cid in pending if cid not in given]
            unknown = [cid for cid in given if cid not in pending]
            detail = []
            if missing:
                detail.append(f"missing outputs for {missing}")
            if unknown:
                detail.append(f"unknown tool_call_ids {unknown}")
            if not detail:
                detail.append("each tool call must be answered exactly once")
            raise bad_request(f"Expected tool outputs for call_ids {pending}, got {given}: {'; '.join(detail)}.", param="tool_outputs", code="invalid_value")
        if stream:
            state.events = []
        by_id = {item["tool_call_id"]: item.get("output", "") for item in outputs}
        step = self._step_with_calls(run)
        for call in step["step_details"]["tool_calls"]:
            call["function"]["output"] = by_id[call["id"]]
            state.tool_outputs.append((call["function"]["name"], by_id[call["id"]]))
        self._resume(state, run, step, now)
        return state

    def _resume(self, state: RunState, run: dict[str, Any], step: dict[str, Any], now: float) -> None:
        """The required action was answered: the tool step completes and the run is queued again."""
        tick = int(now)
        step["status"] = "completed"
        step["completed_at"] = tick
        step["usage"] = self._usage(state.prompt_tokens, _tokens(json.dumps(step["step_details"])))
        self._emit(state, "thread.run.step.completed", step)
        run["required_action"] = None
        run["status"] = "queued"
        state.phase = "queued"
        state.rounds_answered += 1
        state.resumed = state.rounds_answered >= state.plan.tool_rounds
        state.start_at = now + state.plan.duration * QUEUED_SHARE
        state.end_at = now + state.plan.duration
        self._emit(state, "thread.run.queued", run)

    # ---- the clock ----

    def tick(self) -> float:
        """Apply every transition that is due; callers hold the store lock."""
        now = self.clock.now()
        for state in list(self.active.values()):
            self.advance(state, now)
        return now

    def advance(self, state: RunState, now: float) -> None:
        if state.run["thread_id"] not in self.store.threads:
            self.active.pop(state.run["id"], None)  # thread deleted under the run
            state.phase = "done"
            return
        while True:
            due = self._next(state)
            if due is None or due[0] > now:
                return
            when, action = due
            action(state, when)
            self.transitions += 1

    def next_transition_at(self, state: RunState) -> float | None:
        """When the run will next change by itself (None once terminal)."""
        due = self._next(state)
        return None if due is None else due[0]

    def _next(self, state: RunState) -> tuple[float, Callable[[RunState, float], None]] | None:
        if state.phase == "queued":
            return (state.expire_at, self._expire) if state.expire_at < state.start_at else (state.start_at, self._start)
        if state.phase == "in_progress":
            return (state.expire_at, self._expire) if state.expire_at < state.end_at else (state.end_at, self._finish)
        if state.phase == "requires_action":
            return state.expire_at, self._expire
        if state.phase == "cancelling":
            return state.cancel_done_at, self._cancelled
        return None

    def _start(self, state: RunState, when: float) -> None:
        run = state.run
        run["status"] = "in_progress"
        if run["started_at"] is None:
            run["started_at"] = int(when)
        state.phase = "in_progress"
        self._emit(state, "thread.run.in_progress", run)
        if state.resumed or state.plan.outcome in ("completed", "incomplete"):
            if not state.rounds_answered:
                for index in range(1, state.plan.steps):
                    self._add_code_step(state, index, when)
            self._add_message_step(state, when)

    def _finish(self, state: RunState, when: float) -> None:
        outcome = "completed" if state.resumed else state.plan.outcome
        if outcome == "requires_action":
            self._require_action(state, when)
        elif outcome == "requires_approval":
            self._require_approval(state, when)
        elif outcome == "completed":
            self._complete_message(state, when, incomplete=False)
            self._terminal(state, "completed", when, completed_at=int(when))
        elif outcome == "incomplete":
            self._complete_message(state, when, incomplete=True)
            run = state.run
            reason = "max_prompt_tokens" if run["max_prompt_tokens"] and not run["max_completion_tokens"] else "max_completion_tokens"
            self._terminal(state, "incomplete", when, incomplete_details={"reason": reason})
        elif outcome == "failed":
            self._terminal(state, "failed", when, failed_at=int(when), last_error=dict(FAILED_ERROR))
        else:  # simulated expiry: the run ends as if its expires_at had come now
            self._expire(state, when, expires_at=int(when))

    def _require_approval(self, state: RunState, when: float) -> None:
        run = state.run
        call = {"id": new_id("call_"), "type": "mcp", "arguments": json.dumps({"query": state.user_text}), **APPROVAL_TOOL}
        step = self._new_step(state, "tool_calls", when, {"type": "tool_calls", "tool_calls": [{**call, "output": None}]})
        self._emit(state, "thread.run.step.created", step)
        self._emit(state, "thread.run.step.in_progress", step)
        run["status"] = "requires_action"
        run["required_action"] = {"type": "submit_tool_approval", "submit_tool_approval": {"tool_calls": [call]}}
        state.phase = "requires_action"
        self._emit(state, "thread.run.requires_action", run)

    def _require_action(self, state: RunState, when: float) -> None:
        run = state.run
        function = state.plan.function_call or {}
        call = {"id": new_id("call_"), "type": "function", "function": {"name": function["name"], "arguments": example_arguments(function, state.user_text)}}
        step = self._new_step(state, "tool_calls", when, {"type": "tool_calls", "tool_calls": [{**call, "function": {**call["function"], "output": None}}]})
        self._emit(state, "thread.run.step.created", step)
        self._emit(state, "thread.run.step.in_progress", step)
        run["status"] = "requires_action"
        run["required_action"] = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [call]}}
        state.phase = "requires_action"
        self._emit(state, "thread.run.requires_action", run)

    def _expire(self, state: RunState, when: float, expires_at: int | None = None) -> None:
        self._close_open_parts(state, when, step_status="expired", message_reason="run_expired")
        extra: dict[str, Any] = {}
        if expires_at is not None:
            extra["expires_at"] = expires_at
        self._terminal(state, "expired", when, keep_expires_at=True, **extra)

    def _cancelled(self, state: RunState, when: float) -> None:
        self._close_open_parts(state, when, step_status="cancelled", message_reason="run_cancelled")
        self._terminal(state, "cancelled", when, cancelled_at=int(when))

    def _terminal(self, state: RunState, status: str, when: float, *, keep_expires_at: bool = False, **fields: Any) -> None:
        run = state.run
        timing = self.timings.get(run["id"])
        if timing is not None:
            timing.update(status=status, ended=when)
        run["status"] = status
        run["required_action"] = None
        if not keep_expires_at:
            run["expires_at"] = None  # the hosted API clears it once a run can no longer expire
        run.update(fields)
        steps = self.store.steps.get(run["id"], {}).values()
        prompt = sum(s["usage"]["prompt_tokens"] for s in steps if s["usage"])
        completion = sum(s["usage"]["completion_tokens"] for s in steps if s["usage"])
        run["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        state.phase = "done"
        self.active.pop(run["id"], None)
        if self.store.active_runs.get(run["thread_id"]) == run["id"]:
            del self.store.active_runs[run["thread_id"]]
        self._emit(state, f"thread.run.{status}", run)

    # ---- steps and messages ----

    def _new_step(self, state: RunState, kind: str, when: float, details: dict[str, Any]) -> dict[str, Any]:
        run = state.run
        step = {
            "id": new_id("step_"),
            "object": "thread.run.step",
            "created_at": int(when),
            "assistant_id": run["assistant_id"],
            "thread_id": run["thread_id"],
            "run_id": run["id"],
            "type": kind,
            "status": "in_progress",
            "step_details": details,
            "last_error": None,
            "expired_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "metadata": {},
            "usage": None,
        }
        self.store.add_step(step)
        return step

    def _add_code_step(self, state: RunState, index: int, when: float) -> None:
        call = {"id": new_id("call_"), "type": "code_interpreter",
                "code_interpreter": {"input": f"print('step {index}')", "outputs": [{"type": "logs", "logs": f"step {index}\n"}]}}
        step = self._new_step(state, "tool_calls", when, {"type": "tool_calls", "tool_calls": [call]})
        self._emit(state, "thread.run.step.created", step)
        step["status"] = "completed"
        step["completed_at"] = int(when)
        step["usage"] = self._usage(state.prompt_tokens, _tokens(call["code_interpreter"]["input"]))
        self._emit(state, "thread.run.step.completed", step)

    def _add_message_step(self, state: RunState, when: float) -> None:
        run = state.run
        message = {
            "id": new_id("msg_"),
            "object": "thread.message",
            "created_at": int(when),
            "thread_id": run["thread_id"],
            "status": "in_progress",
            "incomplete_details": None,
            "completed_at": None,
            "incomplete_at": None,
            "role": "assistant",
            "content": [],
            "assistant_id": run["assistant_id"],
            "run_id": run["id"],
            "attachments": [],
            "metadata": {},
        }
        self.store.add_message(message)
        state.message = message
        step = self._new_step(state, "message_creation", when, {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
        self._emit(state, "thread.run.step.created", step)
        self._emit(state, "thread.run.step.in_progress", step)
        self._emit(state, "thread.message.created", message)
        self._emit(state, "thread.message.in_progress", message)

    def answer_text(self, state: RunState) -> str:
        text = f"Echo: {state.user_text}"
        for name, output in state.tool_outputs:
            text += f"\n{name} returned: {output}"
        for name, approved in state.approvals:
            text += f"\n{name} was {'approved' if approved else 'denied'}"
        if state.plan.answer is not None:  # the answer exactly as given, JSON or not
            return state.plan.answer
        return json_answer(state.run["response_format"], text)

    def _complete_message(self, state: RunState, when: float, *, incomplete: bool) -> None:
        message = state.message
        if message is None:
            return
        text = self.answer_text(state)
        completion = _tokens(text)
        if incomplete:
            text = text[: max(1, len(text) // 2)]
            completion = state.run["max_completion_tokens"] or completion
        self._emit(state, "thread.message.delta", {
            "id": message["id"], "object": "thread.message.delta",
            "delta": {"content": [{"index": 0, "type": "text", "text": {"value": text, "annotations": []}}]},
        })
        message["content"] = [{"type": "text", "text": {"value": text, "annotations": []}}]
        if incomplete:
            message.update(status="incomplete", incomplete_at=int(when), incomplete_details={"reason": "max_tokens"})
            self._emit(state, "thread.message.incomplete", message)
        else:
            message.update(status="completed", completed_at=int(when))
            self._emit(state, "thread.message.completed", message)
        step = self._step_for_message(state)
        if step is not None:
            step["status"] = "completed"
            step["completed_at"] = int(when)
            step["usage"] = self._usage(state.prompt_tokens, completion)
            self._emit(state, "thread.run.step.completed", step)

    def _close_open_parts(self, state: RunState, when: float, *, step_status: str, message_reason: str, error: dict[str, str] | None = None) -> None:
        stamp = {"expired": "expired_at", "cancelled": "cancelled_at", "failed": "failed_at"}[step_status]
        for step in self.store.steps.get(state.run["id"], {}).values():
            if step["status"] == "in_progress":
                step["status"] = step_status
                step[stamp] = int(when)
                if error is not None:
                    step["last_error"] = dict(error)
                self._emit(state, f"thread.run.step.{step_status}", step)
        message = state.message
        if message is not None and message["status"] == "in_progress":
            message.update(status="incomplete", incomplete_at=int(when), incomplete_details={"reason": message_reason})
            self._emit(state, "thread.message.incomplete", message)

    def _step_for_message(self, state: RunState) -> dict[str, Any] | None:
        for step in self.store.steps.get(state.run["id"], {}).values():
            if step["type"] == "message_creation" and step["step_details"]["message_creation"]["message_id"] == (state.message or {}).get("id"):
                return step
        return None

    def _step_with_calls(self, run: dict[str, Any]) -> dict[str, Any]:
        pending = {call["id"] for call in run["required_action"]["submit_tool_outputs"]["tool_calls"]}
        for step in self.store.steps[run["id"]].values():
            if step["type"] == "tool_calls" and any(call["id"] in pending for call in step["step_details"]["tool_calls"]):
                return step
        raise KeyError(run["id"])

    @staticmethod
    def _usage(prompt: int, completion: int) -> dict[str, int]:
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _emit(self, state: RunState, event: str, obj: dict[str, Any]) -> None:
        # Every change to a run, step or message is emitted, so this is also where the store learns what to save.
        if obj.get("object") != "thread.message.delta" and obj.get("object") != "thread.run.step.delta":
            self.store.touch(obj)
        if state.events is not None:
            state.events.append((event, snapshot(obj)))
            if state.wakeup is not None:
                state.wakeup.notify_all()

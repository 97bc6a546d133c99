# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""--backend chat: runs answered by an OpenAI-compatible Chat Completions API.

The protocol (what runs, steps and messages look like, which transitions are allowed) is the one in
lifecycle.py; this backend only decides what the assistant says and when. A pool of workers takes queued
runs; a worker builds the chat request from the run and its thread, streams the upstream's answer, and
applies each chunk under the store lock (a message delta per content chunk, a step delta per tool-call
chunk), so pollers and event streams see the run move as the model answers.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from assistants_server.clock import Clock
from assistants_server.errors import bad_request
from assistants_server.lifecycle import Lifecycle, RunPlan, RunState
from assistants_server.store import Store, new_id
from assistants_server.upstream import Aborted, Call, Upstream, UpstreamError

LOG = logging.getLogger("assistants_server.chat")
HOSTED_ONLY_TOOLS = {
    "code_interpreter": "it runs code in OpenAI's hosted sandbox",
    "file_search": "it searches OpenAI-hosted vector stores",
}
INTERNAL_ERROR = {"code": "server_error", "message": "The bridge had an internal error while running this run; see the server's log."}
STOPPED_ERROR = {"code": "server_error", "message": "The server was stopped while this run was in progress (its grace period ran out); create a new run."}


class CannotPass(Exception):
    """Something in the thread that a chat model cannot be given."""


@dataclass
class Round:
    """What one upstream call has answered so far."""

    step: dict[str, Any] | None = None  # the tool_calls step, once a tool-call chunk arrived
    finish: str | None = None
    usage: dict[str, Any] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)


def _usage(raw: dict[str, Any] | None) -> dict[str, int]:
    raw = raw or {}
    prompt = int(raw.get("prompt_tokens") or 0)
    completion = int(raw.get("completion_tokens") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": int(raw.get("total_tokens") or prompt + completion)}


class ChatLifecycle(Lifecycle):
    KEEPS_WAITING_RUNS = True  # a tool round is rebuilt from the run's steps, all of which are stored

    def __init__(self, store: Store, clock: Clock, upstream: Upstream, *, workers: int = 4, max_tool_rounds: int = 8,
                 cancel_seconds: float = 0.1) -> None:
        super().__init__(store, clock, run_seconds=0.0, cancel_seconds=cancel_seconds)
        self.upstream = upstream
        self.max_tool_rounds = max_tool_rounds
        self._queue: queue.Queue[RunState | None] = queue.Queue()
        self._working: set[str] = set()  # run ids queued for or held by a worker
        self._idle = threading.Condition()
        self._workers = [threading.Thread(target=self._worker, name=f"assistants-chat-{n}", daemon=True) for n in range(max(1, workers))]
        for worker in self._workers:
            worker.start()

    # ---- the protocol's hooks ----

    def plan(self, assistant: dict[str, Any], body: dict[str, Any]) -> RunPlan:
        tools = body["tools"] if body.get("tools") is not None else assistant["tools"]
        for tool in tools:
            if tool["type"] in HOSTED_ONLY_TOOLS:
                where = "the run's tools" if body.get("tools") is not None else f"the tools of assistant {assistant['id']}"
                raise bad_request(f"The tool '{tool['type']}' (in {where}) cannot run on a chat model behind this bridge: {HOSTED_ONLY_TOOLS[tool['type']]}. "
                                  "Only function tools are supported; remove it, or pass tools without it to the run.",
                                  param="tools", code="unsupported_tool")
        tool_choice = body["tool_choice"] if body.get("tool_choice") is not None else "auto"
        if isinstance(tool_choice, dict):
            if tool_choice.get("type") != "function":
                raise bad_request(f"Invalid value for 'tool_choice': '{tool_choice.get('type')}' cannot run on a chat model; only functions can.",
                                  param="tool_choice", code="unsupported_tool")
            name = tool_choice["function"]["name"]
            if not any(tool["type"] == "function" and tool["function"]["name"] == name for tool in tools):
                raise bad_request(f"Invalid value for 'tool_choice': the function '{name}' is not among the run's tools.", param="tool_choice",
                                  code="invalid_value")
        return RunPlan(duration=0.0, outcome="chat", steps=1, tools=tools, tool_choice=tool_choice, function_call=None)

    def create(self, thread_id: str, assistant: dict[str, Any], body: dict[str, Any], plan: RunPlan, now: float, *, stream: bool = False,
               thread_created: dict[str, Any] | None = None) -> RunState:
        state = super().create(thread_id, assistant, body, plan, now, stream=stream, thread_created=thread_created)
        self._enqueue(state)
        return state

    def cancel(self, run: dict[str, Any], now: float) -> RunState:
        state = super().cancel(run, now)
        if state.work is not None:
            state.work.abort()  # the worker stops reading; tick() ends the run at cancel_done_at
        return state

    def _resume(self, state: RunState, run: dict[str, Any], step: dict[str, Any], now: float) -> None:
        step["status"] = "completed"
        step["completed_at"] = int(now)
        self._emit(state, "thread.run.step.completed", step)
        run["required_action"] = None
        run["status"] = "queued"
        state.phase = "queued"
        self._emit(state, "thread.run.queued", run)
        self._enqueue(state)

    def _next(self, state: RunState) -> Any:
        # Queued and in-progress runs move when their worker says so; only the waits are on the clock.
        if state.phase == "requires_action":
            return state.expire_at, self._expire
        if state.phase == "cancelling":
            return state.cancel_done_at, self._cancelled
        return None

    def clear(self) -> None:
        for state in self.active.values():
            if state.work is not None:
                state.work.abort()
        super().clear()

    # ---- workers ----

    def _enqueue(self, state: RunState) -> None:
        with self._idle:
            self._working.add(state.run["id"])
        self._queue.put(state)

    def _worker(self) -> None:
        while True:
            state = self._queue.get()
            if state is None:
                return
            try:
                self._work(state)
            except Exception:  # pylint: disable=broad-exception-caught
                # A bug must end the run visibly rather than leave it in_progress for ever.
                LOG.exception("run %s: unexpected error", state.run["id"])
                with self.store.lock:
                    if self._alive(state) and state.phase in ("queued", "in_progress"):
                        self.fail(state, self.clock.now(), dict(INTERNAL_ERROR))
                        self.store.commit()
            finally:
                with self._idle:
                    self._working.discard(state.run["id"])
                    self._idle.notify_all()

    def _alive(self, state: RunState) -> bool:
        return self.active.get(state.run["id"]) is state and state.run["thread_id"] in self.store.threads

    def drain(self, grace: float) -> None:
        """On SIGTERM: let runs in flight finish for up to `grace` seconds, then fail those still going."""
        with self._idle:
            self._idle.wait_for(lambda: not self._working, timeout=grace)
        with self.store.lock:
            now = self.clock.now()
            for state in list(self.active.values()):
                if state.work is not None:
                    state.work.abort()
                if state.phase in ("queued", "in_progress"):
                    self.fail(state, now, dict(STOPPED_ERROR))
            self.store.commit()
        for _worker in self._workers:
            self._queue.put(None)

    def _work(self, state: RunState) -> None:
        run = state.run
        with self.store.lock:
            if not self._alive(state) or state.phase != "queued":
                return
            now = self.clock.now()
            run["status"] = "in_progress"
            if run["started_at"] is None:
                run["started_at"] = int(now)
            state.phase = "in_progress"
            state.message = None
            self._emit(state, "thread.run.in_progress", run)
            # No commit here or at the first delta: only what a client is told as an answer to a request needs to be
            # on disk first (a request's reply commits everything so far); after a crash an unsaved in_progress run is
            # failed just the same.
            try:
                request = self._request(state)
            except CannotPass as exc:
                self.fail(state, now, {"code": "invalid_prompt", "message": str(exc)})
                self.store.commit()
                return
            if request.get(self.upstream.max_tokens_field) == 0:
                self._incomplete(state, Round(finish="length"), now)
                self.store.commit()
                return
            call = Call()
            state.work = call
        answer = Round()
        chunks = self.upstream.stream(request, call)
        try:
            for chunk in chunks:
                with self.store.lock:
                    if not self._alive(state) or state.phase != "in_progress":
                        return
                    self._apply(state, answer, chunk)
        except Aborted:
            return
        except UpstreamError as exc:
            with self.store.lock:
                if self._alive(state) and state.phase == "in_progress":
                    self.fail(state, self.clock.now(), {"code": exc.code, "message": exc.message})
                    self.store.commit()
            return
        finally:
            chunks.close()
            state.work = None
        with self.store.lock:
            if self._alive(state) and state.phase == "in_progress":
                self._finish_round(state, answer, self.clock.now())
                self.store.commit()

    # ---- the request ----

    def _request(self, state: RunState) -> dict[str, Any]:
        run = state.run
        messages: list[dict[str, Any]] = []
        if run["instructions"]:
            messages.append({"role": "system", "content": run["instructions"]})
        history = list(self.store.messages[run["thread_id"]].values())
        truncation = run["truncation_strategy"]
        if truncation["type"] == "last_messages" and truncation.get("last_messages"):
            history = history[-truncation["last_messages"]:]
        messages += [_chat_message(message) for message in history]
        completion_used = 0
        for step in self.store.steps[run["id"]].values():
            completion_used += (step["usage"] or {}).get("completion_tokens", 0)
            if step["type"] != "tool_calls" or step["status"] != "completed":
                continue
            calls = step["step_details"]["tool_calls"]
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": c["id"], "type": "function", "function": {"name": c["function"]["name"], "arguments": c["function"]["arguments"]}} for c in calls]})
            messages += [{"role": "tool", "tool_call_id": c["id"], "content": c["function"]["output"] or ""} for c in calls]
        body: dict[str, Any] = {"model": self.upstream.model(run["model"]), "messages": messages}
        tools = []
        for tool in run["tools"]:
            function = tool["function"]
            tools.append({"type": "function", "function": {key: function[key] for key in ("name", "description", "parameters", "strict")
                                                           if function.get(key) is not None}})
        if tools:
            body["tools"] = tools
            # Defaults are left out: some servers refuse fields they do not know.
            if run["tool_choice"] not in (None, "auto"):
                body["tool_choice"] = run["tool_choice"]
            if run["parallel_tool_calls"] is False:
                body["parallel_tool_calls"] = False
        response_format = run["response_format"]
        if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
            body["response_format"] = response_format
        for key in ("temperature", "top_p"):
            if run[key] is not None:
                body[key] = run[key]
        if run["max_completion_tokens"]:
            body[self.upstream.max_tokens_field] = max(0, run["max_completion_tokens"] - completion_used)
        return body

    # ---- applying the answer ----

    def _apply(self, state: RunState, answer: Round, chunk: dict[str, Any]) -> None:
        if chunk.get("usage"):
            answer.usage = chunk["usage"]
        now = self.clock.now()
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            for text in (delta.get("content"), delta.get("refusal")):
                if isinstance(text, str) and text:
                    self._text_delta(state, text, now)
            for index, call in enumerate(delta.get("tool_calls") or []):
                self._tool_delta(state, answer, call, index, now)
            if choice.get("finish_reason"):
                answer.finish = choice["finish_reason"]

    def _text_delta(self, state: RunState, text: str, now: float) -> None:
        if state.message is None:
            self._add_message_step(state, now)
        message = state.message
        assert message is not None
        if not message["content"]:
            message["content"] = [{"type": "text", "text": {"value": "", "annotations": []}}]
        message["content"][0]["text"]["value"] += text
        self._emit(state, "thread.message.delta", {
            "id": message["id"], "object": "thread.message.delta",
            "delta": {"content": [{"index": 0, "type": "text", "text": {"value": text, "annotations": []}}]},
        })

    def _tool_delta(self, state: RunState, answer: Round, chunk: dict[str, Any], position: int, now: float) -> None:
        if answer.step is None:
            answer.step = self._new_step(state, "tool_calls", now, {"type": "tool_calls", "tool_calls": answer.calls})
            self._emit(state, "thread.run.step.created", answer.step)
            self._emit(state, "thread.run.step.in_progress", answer.step)
        index = chunk.get("index", position)
        if not isinstance(index, int) or not 0 <= index < 128:
            index = position
        while len(answer.calls) <= index:
            answer.calls.append({"id": None, "type": "function", "function": {"name": "", "arguments": "", "output": None}})
        call = answer.calls[index]
        function = chunk.get("function") or {}
        if chunk.get("id"):
            call["id"] = chunk["id"]
        name = function.get("name") or ""
        if name and not call["function"]["name"].endswith(name):
            call["function"]["name"] += name
        arguments = function.get("arguments") or ""
        if isinstance(arguments, dict):  # a few servers send the arguments as an object
            arguments = json.dumps(arguments)
        call["function"]["arguments"] += arguments
        out: dict[str, Any] = {"index": index, "type": "function", "function": {"name": name or None, "arguments": arguments, "output": None}}
        if chunk.get("id"):
            out["id"] = chunk["id"]
        self._emit(state, "thread.run.step.delta", {"id": answer.step["id"], "object": "thread.run.step.delta",
                                                    "delta": {"step_details": {"type": "tool_calls", "tool_calls": [out]}}})

    def _finish_round(self, state: RunState, answer: Round, now: float) -> None:
        finish = answer.finish or ("tool_calls" if answer.step else "stop")
        if finish in ("length", "content_filter"):
            self._incomplete(state, answer, now)
        elif answer.step is not None:
            self._close_message(state, now, usage=_usage(None))
            self._ask_for_tools(state, answer, now)
        else:
            if state.message is None:
                self._add_message_step(state, now)
            self._close_message(state, now, usage=_usage(answer.usage))
            self._terminal(state, "completed", now, completed_at=int(now))

    def _close_message(self, state: RunState, now: float, *, usage: dict[str, int], reason: str | None = None) -> None:
        message = state.message
        if message is None:
            return
        if not message["content"]:
            message["content"] = [{"type": "text", "text": {"value": "", "annotations": []}}]
        if reason is None:
            message.update(status="completed", completed_at=int(now))
            self._emit(state, "thread.message.completed", message)
        else:
            message.update(status="incomplete", incomplete_at=int(now), incomplete_details={"reason": reason})
            self._emit(state, "thread.message.incomplete", message)
        step = self._step_for_message(state)
        if step is not None:
            step.update(status="completed", completed_at=int(now), usage=usage)
            self._emit(state, "thread.run.step.completed", step)

    def _incomplete(self, state: RunState, answer: Round, now: float) -> None:
        content_filter = answer.finish == "content_filter"
        if answer.step is not None:
            # The answer was cut off inside a tool call: there is nothing complete to ask the client for.
            answer.step.update(status="failed", failed_at=int(now), usage=_usage(answer.usage),
                               last_error={"code": "server_error", "message": f"The model's answer was cut off ({answer.finish}) in a tool call."})
            self._emit(state, "thread.run.step.failed", answer.step)
            usage = _usage(None)
        else:
            usage = _usage(answer.usage)
        if state.message is None:
            self._add_message_step(state, now)
        self._close_message(state, now, usage=usage, reason="content_filter" if content_filter else "max_tokens")
        self._terminal(state, "incomplete", now, incomplete_details={"reason": "content_filter" if content_filter else "max_completion_tokens"})

    def _ask_for_tools(self, state: RunState, answer: Round, now: float) -> None:
        step = answer.step
        assert step is not None
        for call in answer.calls:
            call["id"] = call["id"] or new_id("call_")
        rounds = sum(1 for s in self.store.steps[state.run["id"]].values() if s["type"] == "tool_calls")
        step["usage"] = _usage(answer.usage)
        if rounds > self.max_tool_rounds:
            error = {"code": "server_error",
                     "message": f"The model asked for tool calls more than {self.max_tool_rounds} times in this run "
                                "(the bridge's --max-tool-rounds); the run was stopped."}
            self.fail(state, now, error)
            return
        self._emit(state, "thread.run.step.in_progress", step)
        run = state.run
        run["status"] = "requires_action"
        run["required_action"] = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["function"]["name"], "arguments": c["function"]["arguments"]}} for c in answer.calls]}}
        state.phase = "requires_action"
        self._emit(state, "thread.run.requires_action", run)


def _chat_message(message: dict[str, Any]) -> dict[str, Any]:
    if message.get("attachments"):
        raise CannotPass(f"Message {message['id']} has attachments (files for code_interpreter or file_search), which a chat model cannot read. "
                         "Put the text in the message instead.")
    parts: list[dict[str, Any]] = []
    for part in message["content"]:
        if part["type"] == "text":
            parts.append({"type": "text", "text": part["text"]["value"]})
        elif part["type"] == "image_url":
            parts.append({"type": "image_url", "image_url": dict(part["image_url"])})
        else:
            raise CannotPass(f"Message {message['id']} has a {part['type']} part: the bridge has no Files API to read it from, "
                             "and a chat model takes images only as image_url.")
    if all(part["type"] == "text" for part in parts):
        return {"role": message["role"], "content": "\n".join(part["text"] for part in parts)}
    return {"role": message["role"], "content": parts}

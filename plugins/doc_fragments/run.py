# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The run options openai_run and openai_thread_run share; both modules use the one run engine.
    DOCUMENTATION = r"""
options:
  state:
    description:
      - V(present) makes sure the run exists (creating it when no run carries the task's idempotency key),
        answers its tool calls when O(tool_outputs) is given, and waits for it with O(wait=true).
      - V(absent) makes sure the run is not running any more. A queued, in_progress or requires_action run is
        cancelled (and waited for until V(cancelled) when O(wait) is true); a finished or missing run is left as
        it is and reported unchanged.
    type: str
    choices: [present, absent]
    default: present
  run_id:
    description:
      - The ID of an existing run to manage, instead of finding the run by its idempotency key.
      - The Terraform provider's import by C(thread_id:run_id) is O(thread_id) plus O(run_id) here.
    type: str
  assistant_id:
    description:
      - The ID of the assistant that executes the run.
      - Required to create a run; not needed with O(run_id).
    type: str
  model:
    description:
      - The model to use for the run, overriding the assistant's model.
    type: str
  instructions:
    description:
      - Instructions that replace the assistant's instructions for this run only.
    type: str
  tools:
    description:
      - Tools the assistant can use for this run, overriding the assistant's tools. At most 20.
      - Each item is a dict with C(type) (V(code_interpreter), V(file_search) or V(function)) and, for a function,
        C(function) with C(name) (matching C(^[a-zA-Z0-9_-]{1,64}$)), C(description), C(parameters) (a JSON Schema
        object as a dict or as a JSON string) and C(strict) (a boolean); a V(file_search) tool may carry C(file_search)
        with C(max_num_results) and C(ranking_options).
      - The API v1 type V(retrieval) is sent as V(file_search), its v2 name, with a deprecation warning.
      - Every key is checked against the API's request schema before any request, as are those of the other nested
        options (O(tool_choice), O(response_format), O(truncation_strategy), messages and their content parts and
        attachments); an unknown key or a value of the wrong type fails naming its path, such as
        C(tools[0].function.strict).
    type: list
    elements: dict
  metadata:
    description:
      - Key-value pairs stored on the run. Keys at most 64 characters, values strings of at most 512 characters.
      - At most 15 pairs, because the module keeps one key, C(ansible_idempotency_key), for itself.
      - C(ansible_idempotency_key) and C(ansible_created_by) are the collection's own keys; a task that sets either fails, naming it.
      - When an existing run is found (by O(run_id) or by its idempotency key) and its metadata lacks these pairs,
        the run's metadata is updated.
    type: dict
  temperature:
    description:
      - Sampling temperature between 0 and 2. Higher values make the output more random.
    type: float
  top_p:
    description:
      - Nucleus sampling, between 0 and 1. An alternative to O(temperature).
    type: float
  max_prompt_tokens:
    description:
      - The most prompt tokens the run may use, at least 256. A run that reaches it ends V(incomplete).
    type: int
  max_completion_tokens:
    description:
      - The most completion tokens the run may use, at least 256. A run that reaches it ends V(incomplete).
      - O(max_tokens) is the Terraform provider's name for it.
    type: int
    aliases: [max_tokens]
  truncation_strategy:
    description:
      - How the thread is truncated before the run, a dict with C(type) (V(auto) or V(last_messages)) and, for
        V(last_messages), C(last_messages), the number of recent messages to keep (at least 1).
    type: dict
  tool_choice:
    description:
      - Which tool the model calls, V(none), V(auto), V(required), or a dict naming one tool such as
        C({"type":"function","function":{"name":"get_weather"}}) or C({"type":"file_search"}).
    type: raw
  parallel_tool_calls:
    description:
      - Whether the model may call several functions at once.
    type: bool
  response_format:
    description:
      - The format of the answer, V(auto), V(text), V(json_object), or a dict with C(type) V(text),
        V(json_object) or V(json_schema) (with C(json_schema) holding at least C(name) and C(schema)).
      - C(json_schema.schema) is required. The official schema marks only C(name) as required, but the hosted API
        refused a C(json_schema) without C(schema), and so does the module, before any request.
      - A plain V(text) or V(json_object) is sent as C({"type":...}).
    type: raw
  stream:
    description:
      - Whether to wait on the run's event stream. With O(wait=true), the run is created (and tool outputs are
        submitted) with C(stream) set, and the module reads the server-sent events until the run stops, so one
        request both creates and waits, and the answer is seen the moment it is ready.
      - A server that answers with JSON instead of an event stream, or a stream that breaks, is followed by
        polling the run by its ID; no second run is created.
      - V(false) forces polling. Has no effect with O(wait=false).
    type: bool
    default: true
  wait:
    description:
      - Whether to wait until the run stops, that is until it is V(completed), V(failed), V(cancelled), V(expired),
        V(incomplete) or V(requires_action).
      - When it polls (with O(stream=false), or when the server answers without an event stream), the module reads
        the run after 0.4 seconds, then waits half as long again each time (0.6, 0.9, ... seconds) up to
        O(poll_interval_max), or as the server's C(openai-poll-after-ms) header says, and never sleeps past
        O(wait_timeout).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the run (and, with O(on_active_run=wait) or O(on_active_run=cancel), for the run that
        was blocking the thread), counted from the start of the task. Independent of O(request_timeout).
      - Every read of the event stream (O(stream=true)) is bounded by the time left, so the task never waits
        longer, even on a server that sends nothing while the run works.
      - When it runs out, the run is read once more, and a run that ended meanwhile is reported as it ended. Otherwise
        the task fails with the run's last status and the run in RV(run); see O(cancel_on_timeout). A task that
        created the run reports C(changed=true) in that failure, too.
      - When waiting for a run that blocked the thread (O(on_active_run=wait)) runs out, nothing was created, so the
        task fails with C(changed=false) and that run in RV(active_run).
    type: float
    default: 600
  completion_window:
    description:
      - The Terraform provider's name for waiting. Setting it means O(wait=true) with O(wait_timeout) set to it,
        so it cannot be given with O(wait_timeout) or with O(wait=false).
    type: float
  poll_interval_max:
    description:
      - The longest pause in seconds between two polls of a run, between 0.05 and 60.
    type: float
    default: 2
  cancel_on_timeout:
    description:
      - Whether to cancel the run when O(wait_timeout) runs out, before failing the task.
    type: bool
    default: false
  tool_outputs:
    description:
      - Answers to the tool calls of a run in V(requires_action), one dict per call with C(tool_call_id) (from
        RV(llmops.assistants.openai_run#module:run.required_action) in the result) and C(output) (a string).
        They must answer exactly the calls the run asks for.
      - After submitting them the module waits for the run again with O(wait=true).
      - Running the same task again when the run already has these outputs changes nothing.
      - Ignored with O(state=absent), which cancels the run instead.
    type: list
    elements: dict
  idempotency_key:
    description:
      - The key that makes the task create one run, however often it runs. Stored in the run's metadata as
        C(ansible_idempotency_key); before creating, the module looks on the thread for a run carrying it.
      - When not set, the key is derived from the thread, the assistant and every run parameter, O(metadata)
        included, so the same task finds the same run, and a task that differs in any of them starts a new one.
        Set this option to start a new run where the parameters are the same, for example
        C("{{ ansible_date_time.date }}") for one run a day.
      - A run found by a key given here is the task's run whatever its settings. O(metadata) pairs it lacks are set
        on it, and when it was made with other settings than the task asks for (a run's settings cannot change) it
        is returned with a warning naming each setting that differs.
    type: str
  on_active_run:
    description:
      - What to do when the thread already has an active run (queued, in_progress, requires_action or
        cancelling), since a thread holds one active run at a time.
      - V(fail) fails the task, naming that run and its status.
      - V(wait) waits for that run to finish (within O(wait_timeout)) and then creates the new run. A run in (or
        reaching) V(requires_action) waits for tool outputs nobody sends meanwhile, so the task fails at once, naming
        it in RV(active_run).
      - V(cancel) cancels that run, waits until it has left V(cancelling), then creates the new run.
    type: str
    choices: [fail, wait, cancel]
    default: fail
  additional_instructions:
    description:
      - Instructions appended to the assistant's instructions for this run only.
      - M(llmops.assistants.openai_thread_run) takes it only on an existing thread, not with
        O(llmops.assistants.openai_thread_run#module:thread), since the API's create-thread-and-run request has no
        such field.
    type: str
  additional_messages:
    description:
      - Messages added to the thread before the run starts, each a dict with C(role) (V(user) or V(assistant)),
        C(content), and optionally C(attachments) and C(metadata).
      - M(llmops.assistants.openai_thread_run) takes it only on an existing thread; a new thread's messages are
        in O(llmops.assistants.openai_thread_run#module:thread).
    type: list
    elements: dict
  reasoning_effort:
    description:
      - How much reasoning a reasoning model spends.
      - M(llmops.assistants.openai_thread_run) takes it only on an existing thread.
    type: str
    choices: [none, minimal, low, medium, high, xhigh, max]
notes:
  - B(Idempotency without a state file.) The module stores an idempotency key in the run's metadata and, before
    creating a run, looks for a run carrying it on the thread. The same lookup makes a create whose response was
    lost (timeout, reset, server error after the run was made) safe to retry, so a task never makes two runs.
  - A run found by its key is the result even if it failed; the task then fails again with the run's error and
    says it was found by its key. Change O(idempotency_key) (or a parameter) to start a new run.
  - Check mode sends only reads. It reports C(changed) from the same lookups a real run makes.
"""

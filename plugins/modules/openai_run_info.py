#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_run_info
short_description: Look up one run of an assistant on a thread, with its steps and answer
version_added: 0.1.0
description:
  - Reads one run of the OpenAI Assistants API (v2), or of any server that speaks it, as the API returns it.
  - Adds every step of the run (all pages), each with its details as a JSON string, unless O(include_steps=false).
  - With O(include_messages=true), adds the assistant messages the run wrote and their text.
  - The counterpart of the Terraform C(openai_run) data source.
author:
  - llmops.assistants developers (@llmops)
options:
  thread_id:
    description:
      - The ID of the thread the run belongs to.
    type: str
    required: true
  run_id:
    description:
      - The ID of the run to look up.
    type: str
    required: true
  include_steps:
    description:
      - Whether to read every step of the run into RV(run.steps).
      - Set to V(false) to save the requests when only the run itself is wanted.
      - A server without the run-steps endpoint (it answers HTTP 404 or 405) gives the run without RV(run.steps),
        and a warning.
    type: bool
    default: true
  include_messages:
    description:
      - Whether to read the assistant messages the run created into RV(messages), and their text into RV(output_text).
    type: bool
    default: false
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.attributes.info_module
notes:
  - A missing thread or run fails the task with a message that names it.
  - The Terraform data source also lists C(file_ids), a field of Assistants v1 runs. Assistants v2 runs have no
    files of their own (files belong to the assistant's and the thread's C(tool_resources)), so RV(run.file_ids) is
    only returned by servers that still send it.
seealso:
  - module: llmops.assistants.openai_runs_info
  - module: llmops.assistants.openai_run
  - name: The run object
    description: The fields of a run in the Assistants API reference.
    link: https://platform.openai.com/docs/api-reference/runs/object
"""

EXAMPLES = r"""
# Reads a run and shows its status, token usage and completion time.
- name: Look up a run
  llmops.assistants.openai_run_info:
    thread_id: thread_abc123
    run_id: run_xyz789
  register: example

- name: Output the run's status, usage and completion time
  ansible.builtin.debug:
    msg:
      run_status: "{{ example.run.status }}"
      run_usage: "{{ example.run.usage }}"
      run_completed_at: "{{ example.run.completed_at }}"

# Reads the details of a run an earlier task started with llmops.assistants.openai_run.
- name: Start a run
  llmops.assistants.openai_run:
    thread_id: "{{ my_thread_id }}"
    assistant_id: "{{ my_assistant_id }}"
  register: my_run

- name: Look up the run that was just started
  llmops.assistants.openai_run_info:
    thread_id: "{{ my_run.run.thread_id }}"
    run_id: "{{ my_run.run.id }}"
  register: details

- name: Output its status and its steps
  ansible.builtin.debug:
    msg:
      detailed_status: "{{ details.run.status }}"
      steps_information: "{{ details.run.steps }}"

# Reads a run with its steps, and shows the id, type, status and details of each.
- name: Look up a run with its steps
  llmops.assistants.openai_run_info:
    thread_id: thread_abc123
    run_id: run_xyz789
  register: with_steps

- name: Output each step's details
  ansible.builtin.debug:
    msg:
      id: "{{ item.id }}"
      type: "{{ item.type }}"
      status: "{{ item.status }}"
      details: "{{ item.details }}"
  loop: "{{ with_steps.run.steps }}"
  loop_control:
    label: "{{ item.id }}"

- name: Decode one step's details to reach its tool calls
  ansible.builtin.debug:
    msg: "{{ (with_steps.run.steps[0].details | from_json).tool_calls | default([]) }}"
  when: with_steps.run.steps | length > 0

# Reads the answer the run wrote; then polls a run until it ends, reading only the run (no steps).
- name: Read the answer the run wrote
  llmops.assistants.openai_run_info:
    thread_id: thread_abc123
    run_id: run_xyz789
    include_messages: true
  register: answered

- name: Print the answer
  ansible.builtin.debug:
    msg: "{{ answered.output_text }}"

- name: Wait until a run has ended, reading only the run
  llmops.assistants.openai_run_info:
    thread_id: thread_abc123
    run_id: run_xyz789
    include_steps: false
  register: polled
  until: polled.run.status not in ['queued', 'in_progress', 'cancelling']
  retries: 60
  delay: 5
"""

RETURN = r"""
run:
  description:
    - The run as the API returns it, with RV(run.steps) added.
  returned: success
  type: dict
  contains:
    id:
      description: The ID of the run.
      type: str
      sample: run_xyz789
    object:
      description: The object type, always V(thread.run).
      type: str
      sample: thread.run
    created_at:
      description: When the run was created, in Unix seconds.
      type: int
      sample: 1699063290
    thread_id:
      description: The ID of the thread the run belongs to.
      type: str
      sample: thread_abc123
    assistant_id:
      description: The ID of the assistant used for the run.
      type: str
      sample: asst_abc123
    status:
      description:
        - The status of the run, one of V(queued), V(in_progress), V(requires_action), V(cancelling), V(cancelled),
          V(failed), V(completed), V(incomplete) or V(expired).
      type: str
      sample: completed
    required_action:
      description:
        - What the run needs to continue when its status is V(requires_action), else V(null).
        - C(type) is V(submit_tool_outputs), with C(submit_tool_outputs.tool_calls) listing the calls to answer; Azure AI
          Foundry (api_version V(2025-05-15-preview)) may also ask for V(submit_tool_approval), with
          C(submit_tool_approval.tool_calls) listing the calls to approve or deny.
      type: dict
      sample: {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [{"id": "call_abc123",
               "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris\"}"}}]}}
    last_error:
      description: The last error of the run, else V(null).
      type: dict
      sample: {"code": "server_error", "message": "Something went wrong."}
      contains:
        code:
          description: One of V(server_error), V(rate_limit_exceeded) or V(invalid_prompt).
          type: str
          sample: server_error
        message:
          description: A human-readable description of the error.
          type: str
          sample: Something went wrong.
    expires_at:
      description: When the run expires if it is not finished, in Unix seconds; V(null) once it has ended.
      type: int
      sample: 1699063890
    started_at:
      description: When the run started, in Unix seconds; V(null) if it has not started.
      type: int
      sample: 1699063291
    cancelled_at:
      description: When the run was cancelled, in Unix seconds; else V(null).
      type: int
      sample: null
    failed_at:
      description: When the run failed, in Unix seconds; else V(null).
      type: int
      sample: null
    completed_at:
      description: When the run completed, in Unix seconds; V(null) if it has not completed.
      type: int
      sample: 1699063298
    incomplete_details:
      description: Why the run is V(incomplete), with C(reason) (V(max_completion_tokens) or V(max_prompt_tokens)); else V(null).
      type: dict
      sample: {"reason": "max_completion_tokens"}
    model:
      description: The model used for the run.
      type: str
      sample: gpt-4o
    instructions:
      description: The instructions used for the run, which may differ from the assistant's if they were overridden.
      type: str
      sample: You are a helpful assistant.
    tools:
      description: The tools available to the assistant during the run.
      type: list
      elements: dict
      sample: [{"type": "code_interpreter"}, {"type": "file_search"}]
    file_ids:
      description:
        - The file IDs available during the run, a field of Assistants v1 runs that the Terraform data source lists.
        - Assistants v2 servers do not send it; files belong to the assistant's and thread's C(tool_resources).
      returned: when the server sends it
      type: list
      elements: str
      sample: []
    metadata:
      description: The metadata attached to the run.
      type: dict
      sample: {"ticket": "SEC-2024-001"}
    usage:
      description: Token usage of the run; V(null) until the run has ended.
      type: dict
      sample: {"prompt_tokens": 123, "completion_tokens": 456, "total_tokens": 579}
      contains:
        prompt_tokens:
          description: Number of tokens in the prompt.
          type: int
          sample: 123
        completion_tokens:
          description: Number of tokens in the completion.
          type: int
          sample: 456
        total_tokens:
          description: Total tokens used.
          type: int
          sample: 579
    temperature:
      description: The sampling temperature of the run.
      type: float
      sample: 1.0
    top_p:
      description: The nucleus sampling value of the run.
      type: float
      sample: 1.0
    max_prompt_tokens:
      description: The most prompt tokens the run could use, else V(null).
      type: int
      sample: 1000
    max_completion_tokens:
      description: The most completion tokens the run could use, else V(null).
      type: int
      sample: 1000
    truncation_strategy:
      description: How the thread was truncated before the run, with C(type) and C(last_messages).
      type: dict
      sample: {"type": "auto", "last_messages": null}
    tool_choice:
      description: Which tool the model was told to call, V(none), V(auto), V(required) or a dict naming a tool.
      type: raw
      sample: auto
    parallel_tool_calls:
      description: Whether the model could call several functions at once.
      type: bool
      sample: true
    response_format:
      description: The format of the answer, V(auto) or a dict with C(type).
      type: raw
      sample: auto
    steps:
      description:
        - Every step of the run, oldest first, as the API returns them, each with RV(run.steps[].details) added.
      returned: when O(include_steps=true) and the server lists run steps
      type: list
      elements: dict
      contains:
        id:
          description: The ID of the step.
          type: str
          sample: step_abc123
        object:
          description: The object type, always V(thread.run.step).
          type: str
          sample: thread.run.step
        created_at:
          description: When the step was created, in Unix seconds.
          type: int
          sample: 1699063291
        run_id:
          description: The ID of the run the step belongs to.
          type: str
          sample: run_xyz789
        assistant_id:
          description: The ID of the assistant of the run.
          type: str
          sample: asst_abc123
        thread_id:
          description: The ID of the thread of the run.
          type: str
          sample: thread_abc123
        type:
          description: The type of the step, V(message_creation) or V(tool_calls).
          type: str
          sample: message_creation
        status:
          description: The status of the step, V(in_progress), V(cancelled), V(failed), V(completed) or V(expired).
          type: str
          sample: completed
        step_details:
          description: The details of the step, as the API returns them.
          type: dict
          sample: {"type": "message_creation", "message_creation": {"message_id": "msg_abc123"}}
        details:
          description:
            - RV(run.steps[].step_details) encoded as a JSON string with sorted keys, as the Terraform data source
              returns it; decode it with the P(ansible.builtin.from_json#filter) filter.
          type: str
          sample: '{"message_creation": {"message_id": "msg_abc123"}, "type": "message_creation"}'
        last_error:
          description: The last error of the step, with C(code) and C(message); else V(null).
          type: dict
          sample: null
        expired_at:
          description: When the step expired, in Unix seconds; else V(null).
          type: int
          sample: null
        cancelled_at:
          description: When the step was cancelled, in Unix seconds; else V(null).
          type: int
          sample: null
        failed_at:
          description: When the step failed, in Unix seconds; else V(null).
          type: int
          sample: null
        completed_at:
          description: When the step completed, in Unix seconds; else V(null).
          type: int
          sample: 1699063298
        metadata:
          description: The metadata of the step.
          type: dict
          sample: {}
        usage:
          description: Token usage of the step, with C(prompt_tokens), C(completion_tokens), C(total_tokens); V(null) while in progress.
          type: dict
          sample: {"prompt_tokens": 123, "completion_tokens": 456, "total_tokens": 579}
thread_id:
  description: The ID of the thread of the run.
  returned: always
  type: str
  sample: thread_abc123
messages:
  description: The assistant messages the run created, oldest first, as the API returns them.
  returned: when O(include_messages=true)
  type: list
  elements: dict
  sample: [{"id": "msg_abc123", "object": "thread.message", "role": "assistant", "run_id": "run_xyz789",
            "content": [{"type": "text", "text": {"value": "Hello!", "annotations": []}}]}]
output_text:
  description: The text parts of RV(messages), in order, joined by a blank line.
  returned: when O(include_messages=true)
  type: str
  sample: Hello!
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
  sample: {"status": 404, "type": "invalid_request_error", "code": null, "param": null,
           "message": "No run found with id 'run_xyz789'.", "method": "GET", "path": "/threads/thread_abc123/runs/run_xyz789"}
"""

import typing as t

from ansible_collections.llmops.assistants.plugins.module_utils._api import get_run, output_text, run_messages, run_steps_if_listed
from ansible_collections.llmops.assistants.plugins.module_utils._module import AssistantsModule


class RunInfo(AssistantsModule):
    argument_spec = {
        "thread_id": {"type": "str", "required": True},
        "run_id": {"type": "str", "required": True},
        "include_steps": {"type": "bool", "default": True},
        "include_messages": {"type": "bool", "default": False},
    }
    id_options = ("thread_id", "run_id")

    def run(self) -> dict[str, t.Any]:
        thread_id: str = self.params["thread_id"]
        run_id: str = self.params["run_id"]
        run, _headers = get_run(self.client, thread_id, run_id, explain=True)
        result: dict[str, t.Any] = {"changed": False, "thread_id": thread_id, "run": run}
        if self.params["include_steps"]:
            steps = run_steps_if_listed(self.client, thread_id, run_id, self.module.warn)
            if steps is not None:
                run["steps"] = steps
        if self.params["include_messages"]:
            result["messages"] = run_messages(self.client, thread_id, run_id)
            result["output_text"] = output_text(result["messages"])
        return result


def main() -> None:
    RunInfo.execute()


if __name__ == "__main__":
    main()

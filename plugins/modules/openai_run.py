#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_run
short_description: Start, wait for, answer and cancel a run of an assistant on a thread
version_added: 0.1.0
description:
  - Starts a run of an assistant on an existing thread with the OpenAI Assistants API (v2), or on any server that
    speaks it, and by default waits for its answer.
  - Answers the run's tool calls (O(tool_outputs)) and cancels it (O(state=absent)).
  - Idempotent without a state file; see O(idempotency_key).
author:
  - llmops.assistants developers (@llmops)
options:
  thread_id:
    description:
      - The ID of the thread to run the assistant on.
    type: str
    required: true
  stream_for_tool:
    description:
      - Accepted for compatibility with the Terraform provider. Only V(false) is allowed, because streaming tool use
        is a Chat Completions notion that the Assistants API does not have.
    type: bool
    default: false
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.run
  - llmops.assistants.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows the run's status and metadata before and after.
  idempotent:
    support: full
    details:
      - A run is found again by its idempotency key (O(idempotency_key), or one derived from the thread, the assistant
        and the run's options), so running the task again returns the same run and starts no other.
seealso:
  - module: llmops.assistants.openai_thread_run
  - module: llmops.assistants.openai_run_info
  - module: llmops.assistants.openai_runs_info
"""

EXAMPLES = r"""
- name: Run an assistant on a thread and wait for its answer
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    assistant_id: asst_abc123
    model: gpt-4o  # optional, overrides the assistant's model
    instructions: Additional instructions for this run only
  register: basic_run

- name: Print the answer
  ansible.builtin.debug:
    msg: "{{ basic_run.output_text }}"

# Overrides the assistant's instructions, model and tools for this run only, and tags the run with metadata.
- name: Review code with a run that overrides instructions, model, metadata and tools
  llmops.assistants.openai_run:
    thread_id: "{{ code_review_thread.thread_id }}"
    assistant_id: "{{ code_reviewer.assistant_id }}"
    instructions: Focus particularly on SQL injection vulnerabilities and suggest secure alternatives.
    model: gpt-4-turbo-preview
    metadata:
      priority: high
      requested_by: security-team
      ticket_id: SEC-2024-001
    tools:
      - type: code_interpreter
  register: code_review_run

# Sets the sampling temperature and caps the answer's length (max_tokens is an alias of max_completion_tokens).
- name: Run with a temperature and a token limit
  llmops.assistants.openai_run:
    thread_id: "{{ optimization_thread.thread_id }}"
    assistant_id: "{{ code_reviewer.assistant_id }}"
    instructions: Provide optimized versions of the code with explanations of the improvements.
    temperature: 0.7
    max_tokens: 1000
    metadata:
      optimization_type: algorithm
      complexity_focus: time-complexity

# Gives this run the file_search tool, so the assistant answers from its vector stores.
- name: Search the documentation with file_search
  llmops.assistants.openai_run:
    thread_id: "{{ docs_thread.thread_id }}"
    assistant_id: "{{ docs_assistant.assistant_id }}"
    tools:
      - type: file_search
    metadata:
      search_type: documentation
      topic: authentication

- name: Wait at most five minutes for the run to end (completion_window)
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    assistant_id: asst_abc123
    completion_window: 300

- name: Start a run and do not wait for it
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    assistant_id: asst_abc123
    wait: false
  register: started

- name: One new run a day, even with the same parameters
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    assistant_id: asst_abc123
    idempotency_key: "daily-report-{{ ansible_date_time.date }}"

- name: Take over a thread that an aborted client left busy
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    assistant_id: asst_abc123
    on_active_run: cancel

- name: Start a run that may call a function
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    assistant_id: asst_abc123
    tools:
      - type: function
        function:
          name: get_weather
          description: Get the current weather in a given location
          parameters:
            type: object
            properties:
              location:
                type: string
            required: [location]
  register: weather_run

- name: Answer its tool calls and wait for the final answer
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    run_id: "{{ weather_run.run.id }}"
    tool_outputs:
      - tool_call_id: "{{ weather_run.run.required_action.submit_tool_outputs.tool_calls[0].id }}"
        output: 22 degrees and sunny
  when: weather_run.run.status == 'requires_action'

- name: Manage a run that already exists, named by its thread and run IDs
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    run_id: run_xyz789
    metadata:
      reviewed: "yes"

- name: Cancel the run, and wait until it is cancelled
  llmops.assistants.openai_run:
    thread_id: thread_abc123
    run_id: run_xyz789
    state: absent
"""

RETURN = r"""
run:
  description:
    - The run as the API returns it, after waiting with O(wait=true).
    - V(null) in check mode when the run would be created, and with O(state=absent) when there is no run.
  returned: always
  type: dict
  contains:
    id:
      description: The ID of the run.
      type: str
      sample: run_abc123
    object:
      description: Always V(thread.run).
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
      description: >-
        One of V(queued), V(in_progress), V(requires_action), V(cancelling), V(cancelled), V(failed), V(completed),
        V(incomplete), V(expired).
      type: str
      sample: completed
    required_action:
      description: What the run needs to continue, when its status is V(requires_action).
      type: dict
      sample: {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [{"id": "call_abc", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris\"}"}}]}}
    last_error:
      description: The last error of the run, with C(code) and C(message); V(null) when there is none.
      type: dict
      sample: {"code": "server_error", "message": "Something went wrong."}
    expires_at:
      description: When the run expires, in Unix seconds.
      type: int
    started_at:
      description: When the run started, in Unix seconds.
      type: int
    cancelled_at:
      description: When the run was cancelled, in Unix seconds.
      type: int
    failed_at:
      description: When the run failed, in Unix seconds.
      type: int
    completed_at:
      description: When the run completed, in Unix seconds.
      type: int
    incomplete_details:
      description: Why the run is incomplete, with C(reason).
      type: dict
    model:
      description: The model the run used.
      type: str
      sample: gpt-4o
    instructions:
      description: The instructions the run used.
      type: str
    tools:
      description: The tools the run could use.
      type: list
      elements: dict
    metadata:
      description: The run's metadata, including C(ansible_idempotency_key).
      type: dict
      sample: {"ansible_idempotency_key": "3f2a9c0d1e"}
    usage:
      description: Token usage, with C(prompt_tokens), C(completion_tokens) and C(total_tokens); V(null) until the run ends.
      type: dict
      sample: {"prompt_tokens": 120, "completion_tokens": 48, "total_tokens": 168}
    temperature:
      description: The sampling temperature of the run.
      type: float
    top_p:
      description: The nucleus sampling value of the run.
      type: float
    max_prompt_tokens:
      description: The most prompt tokens the run may use.
      type: int
    max_completion_tokens:
      description: The most completion tokens the run may use.
      type: int
    truncation_strategy:
      description: How the thread was truncated for the run.
      type: dict
    tool_choice:
      description: Which tool the model was told to call.
      type: raw
    parallel_tool_calls:
      description: Whether the model could call several functions at once.
      type: bool
    response_format:
      description: The format of the answer.
      type: raw
thread_id:
  description: The ID of the thread of the run.
  returned: always
  type: str
  sample: thread_abc123
messages:
  description: The assistant messages the run created, oldest first, as the API returns them.
  returned: when the run completed
  type: list
  elements: dict
output_text:
  description: The text of RV(messages), joined with blank lines.
  returned: when the run completed
  type: str
  sample: Use a parameterised query instead of an f-string.
expires_in:
  description: Seconds left before a run in V(requires_action) expires, to answer its tool calls in time.
  returned: when the run is in requires_action
  type: int
  sample: 587
active_run:
  description: The run that keeps the thread busy, when the task failed because of it.
  returned: >-
    when the thread had an active run the task could not wait past (O(on_active_run=fail), or O(on_active_run=wait)
    timing out or meeting a run in V(requires_action))
  type: dict
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
"""

from ansible_collections.llmops.assistants.plugins.module_utils._errors import OptionError
from ansible_collections.llmops.assistants.plugins.module_utils._module import RunModule
from ansible_collections.llmops.assistants.plugins.module_utils._options import (
    RUN_MUTUALLY_EXCLUSIVE,
    run_argument_spec,
)


class OpenAIRun(RunModule):
    argument_spec = {
        **run_argument_spec(),
        "thread_id": {"type": "str", "required": True},
        "stream_for_tool": {"type": "bool", "default": False},
    }
    module_kwargs = {"mutually_exclusive": RUN_MUTUALLY_EXCLUSIVE}
    id_options = ("thread_id", "run_id", "assistant_id")

    def validate(self) -> None:
        super().validate()
        if self.params["stream_for_tool"]:
            raise OptionError(
                "stream_for_tool: only false is allowed; streaming tool use belongs to the Chat Completions API, "
                "which the Assistants API does not have."
            )

    def run(self) -> dict:
        thread_id = self.params["thread_id"]
        if self.params["state"] == "absent":
            return self.engine.absent(thread_id)
        return self.engine.present(thread_id)


def main() -> None:
    OpenAIRun.execute()


if __name__ == "__main__":
    main()

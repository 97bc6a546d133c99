#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_assistant
short_description: Create, update and delete an assistant, found by its name or ID
version_added: 0.1.0
description:
  - Makes sure an assistant of the OpenAI Assistants API (v2), or of any server that speaks it, exists with the
    given settings, or does not exist.
  - The assistant is found by O(assistant_id) when given, else by O(name) among all the assistants of the account
    (every page of the list), so running the same task again changes nothing.
  - An existing assistant is updated with only the settings that differ; options that are not set are left as they
    are on the server.
  - The counterpart of the Terraform C(openai_assistant) resource.
author:
  - llmops.assistants developers (@llmops)
options:
  state:
    description:
      - V(present) creates the assistant when none is found, or updates the one found.
      - V(absent) deletes the assistant found; when none is found nothing changes.
    type: str
    choices: [present, absent]
    default: present
  assistant_id:
    description:
      - The ID of the assistant to manage. With it, O(name) is a setting like the others (a new name renames the
        assistant).
      - Without it, the assistant is found by O(name). Names are not unique in the API; when several assistants have
        the name, the task fails and lists their IDs, so that one can be chosen with this option.
      - A given ID that does not exist fails the task with O(state=present) (the module does not create an assistant
        under an ID) and changes nothing with O(state=absent).
    type: str
  name:
    description:
      - The name of the assistant, at most 256 characters.
      - Required unless O(assistant_id) is given, and required to create an assistant.
    type: str
  description:
    description:
      - The description of the assistant, at most 512 characters.
    type: str
  model:
    description:
      - The ID of the model the assistant uses, such as V(gpt-4o).
      - Required to create an assistant; when an assistant is found, a different model updates it.
    type: str
  instructions:
    description:
      - The system instructions of the assistant, at most 256000 characters.
    type: str
  tools:
    description:
      - The tools of the assistant, replacing its current list, at most 128.
      - Each item is a dict with C(type) (V(code_interpreter), V(file_search) or V(function)) and, for a function,
        C(function) with C(name) (matching C(^[a-zA-Z0-9_-]{1,64}$)), C(description), C(parameters) (a JSON Schema
        object as a dict or as a JSON string) and C(strict).
      - The API v1 type V(retrieval) is sent as V(file_search), its v2 name, with a deprecation warning.
      - Every key is checked against the API's request schema before any request; an unknown key or a value of the
        wrong type fails naming its path, such as C(tools[0].function.strict).
      - V([]) removes every tool.
    type: list
    elements: dict
  tool_resources:
    description:
      - Resources for the assistant's tools, a dict with C(code_interpreter) (C(file_ids), at most 20) and
        C(file_search) (C(vector_store_ids), at most 1).
      - C(file_search.vector_stores), a list of one vector store to create (with C(file_ids)), is sent only when the
        assistant is created; afterwards the assistant holds the new store's ID and the module does not compare it.
    type: dict
  metadata:
    description:
      - Key-value pairs stored on the assistant, at most 16. Keys at most 64 characters, values strings of at most
        512 characters.
      - This is the whole set, so keys the assistant has and this option lacks are removed. V({}) removes them all.
      - C(ansible_idempotency_key) and C(ansible_created_by) are the collection's own keys; a task that sets either fails, naming it.
    type: dict
  temperature:
    description:
      - The default sampling temperature of the assistant's runs, between 0 and 2.
    type: float
  top_p:
    description:
      - The default nucleus sampling of the assistant's runs, between 0 and 1.
    type: float
  response_format:
    description:
      - The format of the assistant's answers, V(auto), V(text), V(json_object), or a dict with C(type) V(text),
        V(json_object) or V(json_schema) (with C(json_schema) holding at least C(name) and C(schema)).
      - C(json_schema.schema) is required. The official schema marks only C(name) as required, but the hosted API
        refused a C(json_schema) without C(schema), and so does the module, before any request.
      - A plain V(text) or V(json_object) is sent as C({"type":...}).
    type: raw
  reasoning_effort:
    description:
      - How much reasoning a reasoning model spends on each run.
      - A server whose assistant objects do not report it (the local server in C(tools/) does not) gets it when the
        assistant is created only, since the module cannot see whether it differs.
    type: str
    choices: [none, minimal, low, medium, high, xhigh, max]
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.attributes
attributes:
  check_mode:
    support: full
    details: Sends only reads, and reports what would be created, updated or deleted.
  diff_mode:
    support: full
    details: Shows the assistant's managed settings (the options above, without the connection) before and after.
  idempotent:
    support: full
    details: The assistant is found by O(assistant_id) or O(name), and only settings that differ are sent.
notes:
  - After a create or an update the module compares the server's answer with what it asked for; a field the server
    did not keep (or does not return at all, so that it cannot be compared) is a warning that names it, never silence.
  - Settings the server fills in by itself (such as a function tool's C(strict), or C(file_search) ranking options)
    do not count as differences; O(metadata) and a function's C(parameters) are compared exactly.
  - When the answer to a create is lost (a timeout or a dropped connection after the server made the assistant),
    the module looks the assistant up by O(name) before it sends the create again, so a task never makes two.
  - A create, update or delete that fails after the server may have applied it (a lost answer that the lookup could
    not settle, a 5xx) fails with C(changed) and, when known, RV(assistant_id); one refused outright (a 4xx) changed
    nothing.
seealso:
  - module: llmops.assistants.openai_thread
  - module: llmops.assistants.openai_run
  - name: Assistants
    description: The assistants endpoints in the Assistants API reference.
    link: https://platform.openai.com/docs/api-reference/assistants
"""

EXAMPLES = r"""
# Creates the assistant named below, or updates the one with that name to these settings; a second run changes nothing.
- name: Make sure the example assistant exists
  llmops.assistants.openai_assistant:
    name: Example Run Assistant
    model: gpt-4o
    instructions: You are a helpful AI assistant created for demonstrating run operations.
    tools:
      - type: code_interpreter
    metadata:
      created_by: ansible
      purpose: example
  register: assistant

- name: Use its ID
  ansible.builtin.debug:
    msg: "{{ assistant.assistant_id }}"

- name: An assistant with a function and a vector store for file_search
  llmops.assistants.openai_assistant:
    name: Documentation Assistant
    model: gpt-4o
    instructions: You help users find and understand documentation.
    tools:
      - type: file_search
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
    tool_resources:
      file_search:
        vector_store_ids: [vs_abc123]
    temperature: 0.2
    response_format: auto

- name: Rename an assistant (found by its ID)
  llmops.assistants.openai_assistant:
    assistant_id: asst_abc123
    name: Code Review Assistant v2

- name: Delete the assistant
  llmops.assistants.openai_assistant:
    name: Example Run Assistant
    state: absent

- name: Set the connection once for every module of the collection
  module_defaults:
    group/llmops.assistants.openai:
      api_base: http://127.0.0.1:8000/v1
      api_key: "{{ lookup('ansible.builtin.env', 'OPENAI_API_KEY') }}"
  block:
    - name: Make sure the assistant exists on that server
      llmops.assistants.openai_assistant:
        name: Local Assistant
        model: gpt-4o
"""

RETURN = r"""
assistant:
  description:
    - The assistant as the API returns it, after the create or update (in check mode, as it is now).
    - V(null) in check mode when it would be created, and with O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: The ID of the assistant.
      type: str
      sample: asst_abc123
    object:
      description: Always V(assistant).
      type: str
      sample: assistant
    created_at:
      description: When the assistant was created, in Unix seconds.
      type: int
      sample: 1699009709
    name:
      description: The name of the assistant.
      type: str
      sample: Example Run Assistant
    description:
      description: The description of the assistant.
      type: str
    model:
      description: The model of the assistant.
      type: str
      sample: gpt-4o
    instructions:
      description: The system instructions of the assistant.
      type: str
    tools:
      description: The tools of the assistant.
      type: list
      elements: dict
      sample: [{"type": "code_interpreter"}]
    tool_resources:
      description: The resources of the assistant's tools.
      type: dict
      sample: {"file_search": {"vector_store_ids": ["vs_abc123"]}}
    metadata:
      description: The key-value pairs stored on the assistant.
      type: dict
      sample: {"created_by": "ansible", "purpose": "example"}
    temperature:
      description: The default sampling temperature.
      type: float
      sample: 1.0
    top_p:
      description: The default nucleus sampling.
      type: float
      sample: 1.0
    response_format:
      description: The format of the answers, V(auto) or a dict with C(type).
      type: raw
      sample: auto
assistant_id:
  description:
    - The ID of the assistant.
    - With O(state=absent), the ID of the assistant that was (or in check mode would be) deleted.
    - V(null) when there is no assistant, or in check mode when it would be created.
  returned: always
  type: str
  sample: asst_abc123
assistants:
  description: The assistants that have O(name), with C(id), C(name) and C(created_at), when several have it.
  returned: when the task failed because the name is not unique
  type: list
  elements: dict
  sample: [{"id": "asst_abc123", "name": "Example Run Assistant", "created_at": 1699009709}]
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
"""

import typing as t

from ansible_collections.llmops.assistants.plugins.module_utils._desired_state import DesiredState
from ansible_collections.llmops.assistants.plugins.module_utils._errors import OptionError, TaskFailed
from ansible_collections.llmops.assistants.plugins.module_utils._module import AssistantsModule
from ansible_collections.llmops.assistants.plugins.module_utils._options import (
    MAX_ASSISTANT_TOOLS,
    REASONING_EFFORTS,
    check_metadata,
    check_range,
    check_tool_resources,
    normalize_response_format,
    normalize_tools,
)

# The settings this module manages, in the API's order; diff mode shows these.
FIELDS = (
    "name", "description", "model", "instructions", "tools", "tool_resources", "metadata", "temperature", "top_p",
    "response_format", "reasoning_effort",
)
MAX_LENGTHS = {"name": 256, "description": 512, "instructions": 256000}


class OpenAIAssistant(AssistantsModule):
    argument_spec = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "assistant_id": {"type": "str"},
        "name": {"type": "str"},
        "description": {"type": "str"},
        "model": {"type": "str"},
        "instructions": {"type": "str"},
        "tools": {"type": "list", "elements": "dict"},
        "tool_resources": {"type": "dict"},
        "metadata": {"type": "dict"},
        "temperature": {"type": "float"},
        "top_p": {"type": "float"},
        "response_format": {"type": "raw"},
        "reasoning_effort": {"type": "str", "choices": list(REASONING_EFFORTS)},
    }
    module_kwargs = {"required_one_of": [("name", "assistant_id")]}
    id_options = ("assistant_id",)

    desired: dict[str, t.Any]

    def validate(self) -> None:
        super().validate()
        params = self.params
        for option, most in MAX_LENGTHS.items():
            value = params.get(option)
            if value is not None and len(value) > most:
                raise OptionError(f"{option} must be at most {most} characters; got {len(value)}.")
        if params.get("name") == "":
            raise OptionError("name must not be empty: the module finds the assistant by it.")
        check_range(params, "temperature", minimum=0, maximum=2)
        check_range(params, "top_p", minimum=0, maximum=1)
        check_metadata(params.get("metadata"))
        check_tool_resources(params.get("tool_resources"))
        # Building the request body runs the remaining checks, so a bad tool fails before any request.
        values = dict(params)
        values["tools"] = normalize_tools(params.get("tools"), self.module.warn, limit=MAX_ASSISTANT_TOOLS)
        values["response_format"] = normalize_response_format(params.get("response_format"))
        self.desired = {field: values[field] for field in FIELDS if values.get(field) is not None}

    def run(self) -> dict[str, t.Any]:
        state = DesiredState(self.client, kind="assistant", fields=FIELDS, check_mode=self.module.check_mode, warn=self.module.warn)
        assistant_id = self.params.get("assistant_id")
        current = state.find(assistant_id) if assistant_id else self.find_by_name()
        if self.params["state"] == "absent":
            return state.delete(current)
        if current is None:
            if assistant_id:
                raise TaskFailed(
                    f"Assistant {assistant_id} was not found. To create an assistant, give its name "
                    "(and model) without assistant_id.",
                    changed=False, assistant=None, assistant_id=None,
                )
            if not self.desired.get("model"):
                raise TaskFailed(
                    f"model is required to create the assistant {self.params['name']!r}: no assistant has that name yet.",
                    changed=False, assistant=None, assistant_id=None,
                )
            # A create whose answer was lost is looked up by name before it is sent again, so there is never a second one.
            return state.create(dict(self.desired), find_existing=self.find_by_name)
        return state.update(current, self.desired)

    def find_by_name(self) -> dict[str, t.Any] | None:
        """The one assistant named name; None when there is none."""
        name = self.params["name"]
        named = [assistant for assistant in self.client.items("assistants") if assistant.get("name") == name]
        if len(named) > 1:
            ids = ", ".join(assistant["id"] for assistant in named)
            raise TaskFailed(
                f"{len(named)} assistants are named {name!r} ({ids}), so the module cannot tell which one to manage. "
                "Set assistant_id to the one you mean (and rename or delete the others).",
                changed=False, assistant=None, assistant_id=None,
                assistants=[{key: assistant.get(key) for key in ("id", "name", "created_at")} for assistant in named],
            )
        return named[0] if named else None


def main() -> None:
    OpenAIAssistant.execute()


if __name__ == "__main__":
    main()

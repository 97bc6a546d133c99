#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: openai_messages_info
short_description: List the messages of a thread, optionally of one run only, page by page or all at once
version_added: 0.1.0
description:
  - Lists the messages of a thread of the OpenAI Assistants API (v2), or of any server that speaks it, newest first
    by default; the conversation, read back.
  - Pages exactly, as M(llmops.assistants.openai_runs_info) does. Passing RV(last_id) as O(after) continues right
    after the last message returned, and RV(first_id) as O(before) right before the first one, so no message is
    skipped or returned twice; RV(has_more) says exactly whether such a call would return more.
author:
  - llmops.assistants developers (@llmops)
options:
  thread_id:
    description: The ID of the thread to list the messages of.
    type: str
    required: true
  limit:
    description:
      - How many messages to return at most, any positive number; V(20) when not set.
      - The API returns at most 100 messages a page, so the module reads as many pages as needed
        (ceil(O(limit) / 100) requests).
      - Cannot be combined with O(all_pages=true).
    type: int
  order:
    description: Sort order by creation time, V(asc) for oldest first or V(desc) for newest first.
    type: str
    choices: [asc, desc]
    default: desc
  after:
    description:
      - The ID of a message; return the messages that follow it in O(order).
      - Pass the RV(last_id) of the previous call to get the next page.
    type: str
  before:
    description:
      - The ID of a message; return the messages immediately preceding it in O(order), still sorted in O(order).
      - Pass the RV(first_id) of the previous call to page backwards.
      - Cannot be combined with O(after).
    type: str
  run_id:
    description:
      - Return only the messages this run created (the API's own filter), such as the answer of a run.
    type: str
  all_pages:
    description:
      - Return every message after O(after) or before O(before), or of the whole thread, instead of at most
        O(limit). Reads pages of 100; RV(has_more) is then always V(false).
    type: bool
    default: false
extends_documentation_fragment:
  - llmops.assistants.connection
  - llmops.assistants.attributes.info_module
notes:
  - A missing thread fails the task with a message that names it, as does an O(after) or O(before) message that is
    not on the thread.
seealso:
  - module: llmops.assistants.openai_message
  - module: llmops.assistants.openai_runs_info
  - module: llmops.assistants.openai_run_info
  - name: List messages
    description: The list messages endpoint in the Assistants API reference.
    link: https://platform.openai.com/docs/api-reference/messages/listMessages
"""

EXAMPLES = r"""
- name: Read a whole conversation, oldest first
  llmops.assistants.openai_messages_info:
    thread_id: thread_abc123
    order: asc
    all_pages: true
  register: conversation

- name: Show who said what
  ansible.builtin.debug:
    msg: "{{ conversation.messages | map(attribute='role') | zip(conversation.messages | map(attribute='text')) | list }}"

- name: The answer of one run
  llmops.assistants.openai_messages_info:
    thread_id: thread_abc123
    run_id: run_abc123
  register: answer

- name: The ten newest messages, then the ten before them
  llmops.assistants.openai_messages_info:
    thread_id: thread_abc123
    limit: 10
  register: newest

- name: The next page
  llmops.assistants.openai_messages_info:
    thread_id: thread_abc123
    limit: 10
    after: "{{ newest.last_id }}"
  when: newest.has_more
"""

RETURN = r"""
messages:
  description:
    - The messages, sorted in O(order), each as the API gives it plus C(text).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The ID of the message.
      type: str
      sample: msg_abc123
    object:
      description: The object type, always V(thread.message).
      type: str
      sample: thread.message
    created_at:
      description: When the message was created, in Unix seconds.
      type: int
      sample: 1699017614
    thread_id:
      description: The ID of the thread.
      type: str
      sample: thread_abc123
    role:
      description: V(user) or V(assistant).
      type: str
      sample: assistant
    content:
      description: The content parts, each with C(type) and, for V(text), C(text.value) and C(text.annotations).
      type: list
      elements: dict
      sample: [{"type": "text", "text": {"value": "Paris.", "annotations": []}}]
    text:
      description: The message's text parts joined by a blank line; V("") when there are none.
      type: str
      sample: Paris.
    status:
      description: V(in_progress), V(incomplete) or V(completed), for servers that send it.
      type: str
      sample: completed
    attachments:
      description: The files attached to the message.
      type: list
      elements: dict
      sample: []
    assistant_id:
      description: The assistant that wrote the message, for a message a run created; else V(null).
      type: str
      sample: asst_abc123
    run_id:
      description: The run that created the message; else V(null).
      type: str
      sample: run_abc123
    metadata:
      description: The message's metadata.
      type: dict
      sample: {}
first_id:
  description:
    - The ID of the first message in RV(messages); V(null) when none was returned.
    - Pass it as O(before) to page backwards.
  returned: always
  type: str
  sample: msg_abc123
last_id:
  description:
    - The ID of the last message in RV(messages); V(null) when none was returned.
    - Pass it as O(after) to get the next page.
  returned: always
  type: str
  sample: msg_abc456
has_more:
  description:
    - Whether a further call would return more messages, exactly.
    - That call is the same task with O(after) set to RV(last_id), or, when paging with O(before), with O(before)
      set to RV(first_id).
  returned: always
  type: bool
  sample: false
thread_id:
  description: The ID of the thread.
  returned: always
  type: str
  sample: thread_abc123
api_error:
  description: The API's error, with C(status), C(type), C(code), C(param), C(message), C(method) and C(path).
  returned: when a request failed
  type: dict
  sample: {"status": 404, "type": "invalid_request_error", "code": null, "param": null,
           "message": "No thread found with id 'thread_abc123'.", "method": "GET", "path": "/threads/thread_abc123/messages"}
"""

import typing as t

from ansible_collections.llmops.assistants.plugins.module_utils._api import DEFAULT_LIMIT, check_paging, not_found, paging_argument_spec
from ansible_collections.llmops.assistants.plugins.module_utils._errors import ApiError
from ansible_collections.llmops.assistants.plugins.module_utils._messages import list_messages
from ansible_collections.llmops.assistants.plugins.module_utils._module import AssistantsModule


class MessagesInfo(AssistantsModule):
    argument_spec = {
        "thread_id": {"type": "str", "required": True},
        **paging_argument_spec(),
        "run_id": {"type": "str"},
    }
    module_kwargs = {"mutually_exclusive": [("after", "before")]}
    id_options = ("thread_id", ("after", "msg_abc123"), ("before", "msg_abc123"), "run_id")

    def validate(self) -> None:
        super().validate()
        check_paging(self.params, "message")

    def run(self) -> dict[str, t.Any]:
        params = self.params
        thread_id: str = params["thread_id"]
        try:
            listing = list_messages(
                self.client, thread_id, limit=params["limit"] or DEFAULT_LIMIT, order=params["order"], after=params["after"],
                before=params["before"], run_id=params["run_id"], all_pages=params["all_pages"],
            )
        except ApiError as exc:
            if exc.status != 404:
                raise
            cursor = params["after"] or params["before"]
            raise not_found(self.client, exc, thread_id, cursor, kind="Message") from exc
        return {"changed": False, "thread_id": thread_id, **listing}


def main() -> None:
    MessagesInfo.execute()


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""reliability_case: the start and the end of one fault case of the reliability_faults target, each one lookup.

    lookup('reliability_case', 'start', rules=[...])       -> {thread_id, mark}
    lookup('reliability_case', 'end', thread_id=..., mark=...) -> {fired, seen, runs}

start makes a thread with one question, notes where the server's request log stands (mark) and puts the rules in
force, with __THREAD__ in a rule's path replaced by the new thread's id. end reads how often the rules fired,
removes them (so its own reads are not faulted), then reads the requests that came after mark (seen) and the
runs on the thread. The server is found through the facts setup_assistants_server sets. A test helper, not
part of the collection: each case costs two tasks instead of a dozen.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.plugins.loader import lookup_loader
from ansible.plugins.lookup import LookupBase

QUESTION = {"messages": [{"role": "user", "content": "What is the capital of France?"}]}


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        try:
            api = self._templar.template(variables["assistants_api_base"])
            control = self._templar.template(variables["assistants_server_control"])
            key = self._templar.template(variables["assistants_api_key"])
        except KeyError as exc:
            raise AnsibleError(f"reliability_case needs the facts of setup_assistants_server: {exc}") from None
        http = lookup_loader.get("reliability_http", loader=self._loader, templar=self._templar)

        def call(method, url, **options):
            return http.run([method, url], variables, **options)[0]

        step = terms[0] if terms else None
        if step == "start":
            thread_id = call("POST", f"{api}/threads", body=QUESTION, api_key=key)["id"]
            mark = max((entry["seq"] for entry in call("GET", f"{control}/requests")["requests"]), default=0)
            rules = [dict(rule, path=rule["path"].replace("__THREAD__", thread_id)) if "path" in rule else rule
                     for rule in kwargs.get("rules") or []]
            call("PUT", f"{control}/faults", body=rules)
            return [{"thread_id": thread_id, "mark": mark}]
        if step == "end":
            fired = sum(rule["fired"] for rule in call("GET", f"{control}/faults")["rules"])
            call("DELETE", f"{control}/faults")
            mark = int(kwargs["mark"])
            seen = [entry for entry in call("GET", f"{control}/requests")["requests"] if entry["seq"] > mark]
            runs = call("GET", f"{api}/threads/{kwargs['thread_id']}/runs?limit=100", api_key=key)["data"]
            return [{"fired": fired, "seen": seen, "runs": runs}]
        raise AnsibleError("reliability_case takes 'start' or 'end'")

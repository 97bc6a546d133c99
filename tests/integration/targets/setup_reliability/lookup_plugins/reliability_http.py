# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""reliability_http: one JSON request from the controller, for the reliability_* integration targets.

    lookup('reliability_http', 'PUT', control ~ '/faults', body=[...])
    lookup('reliability_http', 'POST', api ~ '/threads', body={...}, api_key=key)
    query('reliability_http', 'GET', list_of_urls, api_key=key)    # one answer per URL

A test helper, not part of the collection. It sets fault rules, reads the request log and makes threads and
runs in about a millisecond, where ansible.builtin.uri costs a module run (about a second on a busy 2-core CI
machine): the targets drive the server dozens of times per case. Call it from set_fact (evaluated once),
never from vars (evaluated on every use). Returns the decoded JSON answer; fails on a status outside `status`.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

DOCUMENTATION = r"""
name: reliability_http
short_description: One JSON request to the local Assistants server (reliability tests only)
description:
  - Sends one request and returns its decoded JSON answer.
options:
  _terms:
    description: The method, then one URL or more (a list is flattened); one answer per URL.
    required: true
  body:
    description: The JSON body.
  api_key:
    description: Adds C(Authorization) and C(OpenAI-Beta) headers for C(/v1) requests.
  ca_path:
    description: CA bundle for an https URL.
  status:
    description: The statuses that count as success (default any 2xx).
"""


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        if len(terms) < 2:
            raise AnsibleError("reliability_http takes a method and one URL or more")
        method = str(terms[0]).upper()
        urls = []
        for term in terms[1:]:
            urls.extend(term if isinstance(term, (list, tuple)) else [term])
        return [self._request(method, str(url), kwargs) for url in urls]

    @staticmethod
    def _request(method, url, kwargs):
        headers = {"Accept": "application/json"}
        data = None
        if "body" in kwargs:
            data = json.dumps(kwargs["body"]).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if kwargs.get("api_key"):
            headers["Authorization"] = f"Bearer {kwargs['api_key']}"
            headers["OpenAI-Beta"] = "assistants=v2"
        context = ssl.create_default_context(cafile=kwargs["ca_path"]) if kwargs.get("ca_path") else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        # Loopback only: a proxy from the environment must not see these requests.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
        try:
            with opener.open(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise AnsibleError(f"reliability_http {method} {url} failed: {exc}") from None
        wanted = kwargs.get("status")
        if not (status in wanted if wanted else 200 <= status < 300):
            raise AnsibleError(f"reliability_http {method} {url} answered {status}: {raw[:500]!r}")
        try:
            return json.loads(raw) if raw.strip() else None
        except ValueError:
            return raw.decode("utf-8", "replace")

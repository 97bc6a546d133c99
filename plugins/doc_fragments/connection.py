# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of every module; set them once with module_defaults and the group
    # llmops.assistants.openai.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - The API key (or token) sent in the C(Authorization) header as a bearer token.
      - If not set, the value of the E(OPENAI_API_KEY) environment variable is used.
      - It is never shown in results, messages or verbose output.
    type: str
  api_base:
    description:
      - The base URL of an Assistants-compatible server, including the version path.
      - If not set, the value of the E(OPENAI_BASE_URL) environment variable is used, then the default.
      - OpenAI retired its hosted Assistants API on 2026-08-26, so the default answers 404 for every
        Assistants endpoint. Point this at a server that still speaks the protocol, such as Azure AI Foundry
        Agent Service (classic), a self-hosted Assistants server, or the local server shipped in
        C(tools/assistants_server).
    type: str
    default: https://api.openai.com/v1
  organization:
    description:
      - The organization sent as C(OpenAI-Organization).
      - If not set, the value of the E(OPENAI_ORG_ID) environment variable is used.
    type: str
  project:
    description:
      - The project sent as C(OpenAI-Project).
      - If not set, the value of the E(OPENAI_PROJECT_ID) environment variable is used.
    type: str
  request_timeout:
    description:
      - Seconds to wait for one HTTP request (connect and read), between 0.1 and 3600.
      - Waiting for a run is bounded separately by the run modules' C(wait_timeout).
    type: float
    default: 60
  max_retries:
    description:
      - How many times a request that failed transiently is retried, between 0 and 20.
      - Transient failures are connection errors, timeouts, HTTP 408, 409, 429 and 5xx, or what the
        C(x-should-retry) header says. Retries back off exponentially with jitter and honour
        C(retry-after-ms) and C(Retry-After).
      - A request that creates something is never re-sent blindly; see the module's notes on idempotency.
    type: int
    default: 3
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (PEM file) to verify the server's certificate with, for a server behind a private CA.
      - Without it, the E(REQUESTS_CA_BUNDLE) environment variable or the system's bundle is used.
    type: path
requirements:
  - requests
notes:
  - Set the connection options for every module of the collection at once with
    C(module_defaults) and the action group C(group/llmops.assistants.openai).
"""

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
      - The API key (or token) sent in the C(Authorization) header as a bearer token, or in the C(api-key) header
        with O(auth_type=api-key).
      - If not set, or set to an empty string (what C(lookup('ansible.builtin.env', ...)) of an unset variable gives
        in C(module_defaults)), the value of the E(OPENAI_API_KEY) environment variable is used.
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
      - For Azure AI Foundry Agent Service (classic) it is the project endpoint,
        C(https://<resource>.services.ai.azure.com/api/projects/<project>), with O(api_version) set.
    type: str
    default: https://api.openai.com/v1
  organization:
    description:
      - The organization sent as C(OpenAI-Organization).
      - If not set or empty, the value of the E(OPENAI_ORG_ID) environment variable is used.
    type: str
  project:
    description:
      - The project sent as C(OpenAI-Project).
      - If not set or empty, the value of the E(OPENAI_PROJECT_ID) environment variable is used.
    type: str
  request_timeout:
    description:
      - Seconds to wait for one HTTP request (connect and read), between 0.1 and 3600.
      - Waiting for a run is bounded separately by the run modules' O(llmops.assistants.openai_run#module:wait_timeout).
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
      - A file that does not exist or holds no PEM certificate fails the task, naming O(ca_path) (or the variable),
        before any request. Not checked when O(validate_certs=false) or for an C(http://) O(api_base), where no bundle is loaded.
    type: path
  api_version:
    description:
      - Sent as the C(api-version) query parameter of every request, which Azure AI Foundry Agent Service
        requires, for example V(2025-05-01) (GA) or V(2025-05-15-preview).
      - If not set or empty, the value of the E(OPENAI_API_VERSION) environment variable is used; if neither is set
        (an empty value counts as not set), no C(api-version) is sent, as OpenAI's own protocol has none.
    type: str
  auth_type:
    description:
      - How requests are authenticated.
      - V(bearer) sends O(azure_ad_token) if set, else O(api_key), as a bearer token in the C(Authorization) header. With neither, on an
        Azure host (one ending in C(.azure.com)) a token comes from the C(azure-identity) package's
        C(DefaultAzureCredential), for the scope C(https://ai.azure.com/.default) (C(https://cognitiveservices.azure.com/.default)
        for C(*.openai.azure.com) and C(*.cognitiveservices.azure.com)). Such a token is never sent to any other host.
      - V(api-key) sends O(api_key) in an C(api-key) header, as Azure OpenAI resources accept.
      - V(none) sends no credentials, for a self-hosted server without authentication.
    type: str
    choices: [bearer, api-key, none]
    default: bearer
  azure_ad_token:
    description:
      - A Microsoft Entra ID access token, sent as the bearer token when O(auth_type=bearer); it wins over O(api_key).
      - Get one with C(az account get-access-token --resource https://ai.azure.com), for example.
      - If not set or empty, the value of the E(AZURE_OPENAI_AD_TOKEN) environment variable is used.
      - It is never shown in results, messages or verbose output.
    type: str
  send_beta_header:
    description:
      - Whether to send the C(OpenAI-Beta) header with C(assistants=v2), which OpenAI's protocol requires.
      - Azure ignores it; set V(false) for a server that refuses unknown headers.
    type: bool
    default: true
requirements:
  - requests
  - azure-identity, only for tokens from C(DefaultAzureCredential) (see O(auth_type))
notes:
  - Set the connection options for every module of the collection at once with
    C(module_defaults) and the action group C(group/llmops.assistants.openai).
  - Which servers still speak the Assistants API, and how to connect to each, is in the collection's
    C(docs/compatibility.md).
"""

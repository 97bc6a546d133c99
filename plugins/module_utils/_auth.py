# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every credential rule: what each auth_type needs, which credential a request carries, and Entra ID tokens.

Private to llmops.assistants: not a public API, it may change in any release.
check_credentials (before any request), credential (which header and value the Client sends) and
azure_token_provider (when DefaultAzureCredential is asked) decide it together, here only.
azure-identity is optional: it is imported if present and only needed when a module would use it.
"""

from __future__ import annotations

import logging
import time
import traceback
import typing as t
from urllib.parse import urlsplit

from ._errors import ApiError, OptionError

AZURE_IDENTITY_IMPORT_ERROR: str | None
try:
    from azure.identity import DefaultAzureCredential
except ImportError:  # pragma: no cover - depends on what the host has installed
    DefaultAzureCredential = None
    AZURE_IDENTITY_IMPORT_ERROR = traceback.format_exc()
else:
    AZURE_IDENTITY_IMPORT_ERROR = None

AUTH_TYPES = ("bearer", "api-key", "none")
# The header each auth_type puts the credential in, and the prefix of its value.
AUTH_HEADERS = {"bearer": ("Authorization", "Bearer "), "api-key": ("api-key", "")}
# The Entra ID audience of Azure AI Foundry projects (https://<resource>.services.ai.azure.com/api/projects/<project>),
# and of Azure OpenAI / Cognitive Services resources, which accept only their own.
FOUNDRY_SCOPE = "https://ai.azure.com/.default"
COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"
_COGNITIVE_SERVICES_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com")
# A token is fetched again when it has less than this many seconds left, so a long wait never sends an expired one.
REFRESH_MARGIN = 300.0
MISSING_AZURE_IDENTITY = (
    "No api_key or azure_ad_token is set, so a token would come from DefaultAzureCredential, which needs the "
    "azure-identity Python package on the host that runs the module; it is not installed. Install it "
    "(pip install azure-identity), or set azure_ad_token (or AZURE_OPENAI_AD_TOKEN), or api_key (or OPENAI_API_KEY)."
)


def _host(api_base: str) -> str:
    return (urlsplit(api_base).hostname or "").lower()


def is_azure_host(api_base: str) -> bool:
    """DefaultAzureCredential's token is only ever sent to Azure's own hosts: anywhere else it could be replayed."""
    return _host(api_base).endswith(".azure.com")


def token_scope(api_base: str) -> str:
    host = _host(api_base)
    return COGNITIVE_SERVICES_SCOPE if host.endswith(_COGNITIVE_SERVICES_HOSTS) else FOUNDRY_SCOPE


class AzureTokenProvider:
    """Entra ID tokens for one scope from DefaultAzureCredential: fetched on first use, again shortly before expiry."""

    def __init__(self, scope: str, credential: t.Any = None, wall: t.Callable[[], float] = time.time) -> None:
        self.scope = scope
        self._credential = credential
        self._wall = wall
        self._token: str | None = None
        self._expires_on = 0.0

    def __call__(self) -> str:
        if self._token is None or self._expires_on - self._wall() < REFRESH_MARGIN:
            self._token, self._expires_on = self._fetch()
        return self._token

    def _fetch(self) -> tuple[str, float]:
        if self._credential is None:
            if DefaultAzureCredential is None:
                raise ApiError(MISSING_AZURE_IDENTITY)
            # azure-identity logs each credential it tried to stderr; the task's message says what failed.
            logging.getLogger("azure").addHandler(logging.NullHandler())
            self._credential = DefaultAzureCredential()
        try:
            access = self._credential.get_token(self.scope)
        # azure-identity raises several types (CredentialUnavailableError, ClientAuthenticationError, ...).
        except Exception as exc:  # pylint: disable=broad-exception-caught
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
            raise ApiError(
                f"DefaultAzureCredential could not get an Entra ID token for {self.scope}: {first_line}. Sign in "
                "(az login, a managed identity, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET), or set azure_ad_token"
            ) from None
        return access.token, float(access.expires_on)


def azure_token_provider(params: t.Mapping[str, t.Any]) -> AzureTokenProvider | None:
    """DefaultAzureCredential's tokens, when bearer auth has neither api_key nor azure_ad_token and the host is Azure's."""
    api_base = params.get("api_base") or ""
    if (params.get("auth_type") or "bearer") != "bearer" or params.get("api_key") or params.get("azure_ad_token"):
        return None
    return AzureTokenProvider(token_scope(api_base)) if is_azure_host(api_base) else None


class Credential(t.NamedTuple):
    """What a request carries: `header: prefix + value()`; no header means nothing is sent."""

    header: str | None
    prefix: str
    secret: str | None
    provider: t.Callable[[], str] | None


def credential(
    auth_type: str, api_key: str | None, azure_ad_token: str | None, token_provider: t.Callable[[], str] | None
) -> Credential:
    """bearer: azure_ad_token, else api_key, else the token provider; api-key: api_key; none: nothing."""
    if auth_type == "none":
        return Credential(None, "", None, None)
    if auth_type not in AUTH_HEADERS:
        raise ValueError(f"unknown auth_type {auth_type!r}")
    header, prefix = AUTH_HEADERS[auth_type]
    secret = api_key if auth_type == "api-key" else (azure_ad_token or api_key)
    if secret:
        return Credential(header, prefix, secret, None)
    if auth_type == "bearer" and token_provider is not None:
        return Credential(header, prefix, None, token_provider)
    return Credential(None, "", None, None)


def check_credentials(params: t.Mapping[str, t.Any], api_base: str) -> None:
    """What auth_type needs. bearer takes azure_ad_token, else api_key, else (on an Azure host only, where
    the token may go) a token from azure-identity's DefaultAzureCredential; api-key takes api_key; none, nothing."""
    auth_type = params.get("auth_type") or "bearer"
    key = (params.get("api_key") or "").strip()
    token = (params.get("azure_ad_token") or "").strip()
    if auth_type == "none":
        return
    if auth_type == "api-key":
        if not key:
            raise OptionError("api_key is required with auth_type api-key: set the api_key option or the OPENAI_API_KEY environment variable.")
        check_api_key(key)
        return
    if token:
        check_api_key(token, "azure_ad_token")
    elif key:
        check_api_key(key)
    elif not is_azure_host(api_base):
        # The wording predates auth_type; the documentation of auth_type and azure_ad_token gives the other ways.
        raise OptionError("api_key is required: set the api_key option or the OPENAI_API_KEY environment variable.")
    elif AZURE_IDENTITY_IMPORT_ERROR is not None:
        raise OptionError(MISSING_AZURE_IDENTITY)


def check_api_key(key: str, option: str = "api_key") -> None:
    """A key goes into a header: a space, line break or non-ASCII character inside it cannot be sent, and
    requests' own error would quote the key (escaped, so no scrubbing finds it). Never echo the key."""
    key = key.strip()
    for position, char in enumerate(key, start=1):
        if not "!" <= char <= "~":
            raise OptionError(
                f"{option} must be printable ASCII without spaces or line breaks, as API keys and tokens are; the character at "
                f"position {position} of {len(key)} is not (the value itself is not shown)."
            )

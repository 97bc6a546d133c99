# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which credential a request carries, and Entra ID tokens from azure-identity when nothing else is given.

Private to llmops.assistants: not a public API, it may change in any release.
azure-identity is optional: it is imported if present and only needed when a module would use it.
"""

from __future__ import annotations

import logging
import time
import traceback
import typing as t
from urllib.parse import urlsplit

from ._client import ApiError

AZURE_IDENTITY_IMPORT_ERROR: str | None
try:
    from azure.identity import DefaultAzureCredential
except ImportError:  # pragma: no cover - depends on what the host has installed
    DefaultAzureCredential = None
    AZURE_IDENTITY_IMPORT_ERROR = traceback.format_exc()
else:
    AZURE_IDENTITY_IMPORT_ERROR = None

AUTH_TYPES = ("bearer", "api-key", "none")
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

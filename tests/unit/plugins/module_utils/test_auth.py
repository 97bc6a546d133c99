# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The auth options (api_version, auth_type, azure_ad_token, send_beta_header), their checks before any request,
and Entra ID tokens from azure-identity's DefaultAzureCredential, with a fake credential (no azure-identity needed)."""

from __future__ import annotations

import types

import pytest

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.llmops.assistants.plugins.module_utils import _auth
from ansible_collections.llmops.assistants.plugins.module_utils._auth import (
    COGNITIVE_SERVICES_SCOPE,
    FOUNDRY_SCOPE,
    AzureTokenProvider,
    is_azure_host,
    token_scope,
)
from ansible_collections.llmops.assistants.plugins.module_utils._errors import ApiError
from ansible_collections.llmops.assistants.plugins.module_utils._options import OptionError, check_connection, connection_argument_spec
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import API_KEY, module_args

FOUNDRY = "https://myresource.services.ai.azure.com/api/projects/myproject"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload-4f1c9e0b.signature"
GOOD = {"api_key": API_KEY, "api_base": "https://assistants.example.test/v1", "request_timeout": 60.0, "max_retries": 3}


def params(**changes):
    return {**GOOD, **changes}


@pytest.fixture
def without_azure_identity(monkeypatch):
    monkeypatch.setattr(_auth, "AZURE_IDENTITY_IMPORT_ERROR", "ModuleNotFoundError: No module named 'azure'")
    monkeypatch.setattr(_auth, "DefaultAzureCredential", None)


@pytest.fixture
def with_azure_identity(monkeypatch):
    monkeypatch.setattr(_auth, "AZURE_IDENTITY_IMPORT_ERROR", None)


# --------------------------------------------------------------------------------------------
# The argument spec
# --------------------------------------------------------------------------------------------

def test_the_new_connection_options_and_their_environment_variables():
    spec = connection_argument_spec()
    assert spec["api_version"] == {"type": "str", "fallback": (env_fallback, ["OPENAI_API_VERSION"])}
    assert spec["auth_type"] == {"type": "str", "default": "bearer", "choices": ["bearer", "api-key", "none"]}
    assert spec["azure_ad_token"] == {"type": "str", "no_log": True, "fallback": (env_fallback, ["AZURE_OPENAI_AD_TOKEN"])}
    assert spec["send_beta_header"] == {"type": "bool", "default": True}


def test_the_environment_fills_api_version_and_the_token_which_stays_secret(monkeypatch):
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-05-15-preview")
    monkeypatch.setenv("AZURE_OPENAI_AD_TOKEN", TOKEN)
    with module_args({}):
        module = AnsibleModule(argument_spec=connection_argument_spec())
    assert module.params["api_version"] == "2025-05-15-preview"
    assert module.params["azure_ad_token"] == TOKEN
    assert TOKEN in module.no_log_values
    assert module.params["auth_type"] == "bearer" and module.params["send_beta_header"] is True


# --------------------------------------------------------------------------------------------
# check_connection: auth-aware
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "changes",
    [
        {"api_key": None, "azure_ad_token": TOKEN},
        {"api_key": None, "auth_type": "none"},
        {"api_key": "  ", "auth_type": "none", "azure_ad_token": None},
        {"auth_type": "api-key"},
        {"api_version": "2025-05-01"},
        {"api_version": "2025-05-15-preview"},
        {"api_base": FOUNDRY, "api_version": "2025-05-01"},
    ],
    ids=["token-only", "none", "none-blank-key", "api-key", "ga-version", "preview-version", "foundry-with-key"],
)
def test_good_auth_options_pass(changes):
    check_connection(params(**changes))


def test_a_missing_key_for_a_non_azure_host_names_the_option_and_the_variable():
    with pytest.raises(OptionError) as caught:
        check_connection(params(api_key=None))
    assert str(caught.value) == "api_key is required: set the api_key option or the OPENAI_API_KEY environment variable."


def test_auth_type_api_key_needs_a_key_even_with_a_token():
    with pytest.raises(OptionError, match="^api_key is required with auth_type api-key: set the api_key option or the OPENAI_API_KEY"):
        check_connection(params(api_key=None, auth_type="api-key", azure_ad_token=TOKEN))


def test_an_azure_host_without_key_or_token_names_the_missing_package(without_azure_identity):
    with pytest.raises(OptionError) as caught:
        check_connection(params(api_key=None, api_base=FOUNDRY, api_version="2025-05-01"))
    message = str(caught.value)
    assert "azure-identity" in message and "pip install azure-identity" in message
    assert "azure_ad_token" in message and "AZURE_OPENAI_AD_TOKEN" in message and "api_key" in message


def test_an_azure_host_without_key_or_token_passes_when_azure_identity_is_there(with_azure_identity):
    check_connection(params(api_key=None, api_base=FOUNDRY, api_version="2025-05-01"))


def test_default_azure_credential_is_never_used_for_another_host(with_azure_identity):
    # A token for ai.azure.com sent to any other server could be replayed against Azure by that server.
    with pytest.raises(OptionError, match="^api_key is required"):
        check_connection(params(api_key=None, api_base="https://assistants.example.test/v1"))


def test_a_token_that_cannot_go_into_a_header_is_refused_without_showing_it():
    with pytest.raises(OptionError) as caught:
        check_connection(params(api_key=None, azure_ad_token="eyJ0eX\nAiOiJKV1Q"))
    message = str(caught.value)
    assert message.startswith("azure_ad_token must be printable ASCII without spaces or line breaks")
    assert "position 7 of 16" in message
    assert "eyJ0eX" not in message


@pytest.mark.parametrize("value", ["2025 05 01", "2025-05-01&x=1", "../v1", "-1", "v" * 65])
def test_a_bad_api_version_names_the_option_and_an_example(value):
    with pytest.raises(OptionError) as caught:
        check_connection(params(api_version=value))
    assert str(caught.value).startswith("api_version must be a version such as 2025-05-01 or 2025-05-15-preview")
    assert repr(value) in str(caught.value)


def test_an_empty_api_version_is_unset():
    check_connection(params(api_version=""))


def test_api_version_pasted_into_api_base_points_to_the_option():
    with pytest.raises(OptionError) as caught:
        check_connection(params(api_base=f"{FOUNDRY}?api-version=2025-05-01"))
    assert str(caught.value).startswith("api_base must be an http:// or https:// URL without query or fragment")
    assert str(caught.value).endswith("Set the api-version with the api_version option instead.")


# --------------------------------------------------------------------------------------------
# Hosts and scopes
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("api_base", "azure", "scope"),
    [
        (FOUNDRY, True, FOUNDRY_SCOPE),
        ("https://MyResource.Services.AI.Azure.com/api/projects/p", True, FOUNDRY_SCOPE),
        ("https://myresource.openai.azure.com/openai", True, COGNITIVE_SERVICES_SCOPE),
        ("https://myresource.cognitiveservices.azure.com/openai", True, COGNITIVE_SERVICES_SCOPE),
        ("https://azure.com.example.test/v1", False, FOUNDRY_SCOPE),
        ("https://notazure.com/v1", False, FOUNDRY_SCOPE),
        ("http://127.0.0.1:8000/v1", False, FOUNDRY_SCOPE),
    ],
)
def test_azure_hosts_and_their_token_scopes(api_base, azure, scope):
    assert is_azure_host(api_base) is azure
    assert token_scope(api_base) == scope


# --------------------------------------------------------------------------------------------
# AzureTokenProvider
# --------------------------------------------------------------------------------------------

class FakeCredential:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.scopes = []

    def get_token(self, scope):
        self.scopes.append(scope)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer  # pylint: disable=raising-bad-type
        return types.SimpleNamespace(token=answer[0], expires_on=answer[1])


def test_a_token_is_fetched_once_and_again_shortly_before_it_expires():
    now = [1000.0]
    credential = FakeCredential(("token-a", 1000.0 + 3600), ("token-b", 1000.0 + 7200))
    provider = AzureTokenProvider(FOUNDRY_SCOPE, credential, wall=lambda: now[0])
    assert provider() == "token-a"
    now[0] += 3600 - 301
    assert provider() == "token-a"
    now[0] += 2
    assert provider() == "token-b"
    assert credential.scopes == [FOUNDRY_SCOPE, FOUNDRY_SCOPE]


def test_default_azure_credential_is_made_on_first_use(monkeypatch):
    made = []

    def default_azure_credential():
        made.append(True)
        return FakeCredential(("token-a", 10 ** 10))

    monkeypatch.setattr(_auth, "DefaultAzureCredential", default_azure_credential)
    provider = AzureTokenProvider(COGNITIVE_SERVICES_SCOPE)
    assert made == []
    assert provider() == "token-a" and provider() == "token-a"
    assert made == [True]


def test_a_credential_failure_is_an_api_error_with_its_first_line():
    credential = FakeCredential(RuntimeError("DefaultAzureCredential failed to retrieve a token.\n\tEnvironmentCredential: ..."))
    with pytest.raises(ApiError) as caught:
        AzureTokenProvider(FOUNDRY_SCOPE, credential)()
    assert caught.value.message.startswith(
        f"DefaultAzureCredential could not get an Entra ID token for {FOUNDRY_SCOPE}: DefaultAzureCredential failed to retrieve a token.")
    assert "EnvironmentCredential" not in caught.value.message
    assert caught.value.transient is False


def test_without_azure_identity_the_provider_names_the_package(without_azure_identity):
    with pytest.raises(ApiError, match="needs the azure-identity Python package"):
        AzureTokenProvider(FOUNDRY_SCOPE)()

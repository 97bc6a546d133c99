# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options and the checks that run before any request."""

from __future__ import annotations

import pytest

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.llmops.assistants.plugins.module_utils._client import DEFAULT_API_BASE
from ansible_collections.llmops.assistants.plugins.module_utils._options import (
    OptionError,
    check_connection,
    check_id,
    check_ids,
    check_range,
    connection_argument_spec,
)
from ansible_collections.llmops.assistants.tests.unit.plugins.fakes import API_KEY, module_args

GOOD = {
    "api_key": API_KEY,
    "api_base": "https://assistants.example.test/v1",
    "organization": None,
    "project": None,
    "request_timeout": 60.0,
    "max_retries": 3,
    "validate_certs": True,
    "ca_path": None,
}


def params(**changes):
    return {**GOOD, **changes}


# --------------------------------------------------------------------------------------------
# The argument spec
# --------------------------------------------------------------------------------------------

def test_api_key_is_no_log():
    assert connection_argument_spec()["api_key"]["no_log"] is True


@pytest.mark.parametrize(
    "option, variable",
    [
        ("api_key", "OPENAI_API_KEY"),
        ("api_base", "OPENAI_BASE_URL"),
        ("organization", "OPENAI_ORG_ID"),
        ("project", "OPENAI_PROJECT_ID"),
    ],
)
def test_connection_options_fall_back_to_the_openai_environment_variables(option, variable):
    assert connection_argument_spec()[option]["fallback"] == (env_fallback, [variable])


def test_connection_defaults():
    spec = connection_argument_spec()
    assert spec["api_base"]["default"] == DEFAULT_API_BASE == "https://api.openai.com/v1"
    assert spec["request_timeout"] == {"type": "float", "default": 60.0}
    assert spec["max_retries"] == {"type": "int", "default": 3}
    assert spec["validate_certs"] == {"type": "bool", "default": True}
    assert spec["ca_path"] == {"type": "path"}


def test_connection_argument_spec_is_a_fresh_copy_each_time():
    spec = connection_argument_spec()
    spec["api_key"]["no_log"] = False
    assert connection_argument_spec()["api_key"]["no_log"] is True


def test_environment_fills_the_options_in_a_real_module(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://assistants.example.test/v1")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_env")
    with module_args({}):
        module = AnsibleModule(argument_spec=connection_argument_spec())
    assert module.params["api_key"] == API_KEY
    assert module.params["api_base"] == "https://assistants.example.test/v1"
    assert module.params["organization"] == "org-env"
    assert module.params["project"] == "proj_env"
    assert API_KEY in module.no_log_values


def test_an_explicit_option_beats_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "https://from-env.example.test/v1")
    with module_args({"api_base": "https://from-task.example.test/v1"}):
        module = AnsibleModule(argument_spec=connection_argument_spec())
    assert module.params["api_base"] == "https://from-task.example.test/v1"


# --------------------------------------------------------------------------------------------
# check_connection
# --------------------------------------------------------------------------------------------

def test_good_connection_options_pass():
    check_connection(params())
    check_connection(params(api_base="http://127.0.0.1:8080/v1", request_timeout=0.1, max_retries=0))
    check_connection(params(request_timeout=3600, max_retries=20))


@pytest.mark.parametrize("key", [None, ""])
def test_missing_key_names_the_option_and_the_variable(key):
    with pytest.raises(OptionError) as caught:
        check_connection(params(api_key=key))
    assert "api_key is required" in str(caught.value)
    assert "OPENAI_API_KEY" in str(caught.value)


@pytest.mark.parametrize(
    "api_base",
    [
        "ftp://assistants.example.test/v1",
        "assistants.example.test/v1",
        "https://",
        "https://assistants.example.test/v1?key=1",
        "https://assistants.example.test/v1#frag",
        "",
    ],
    ids=["ftp", "no-scheme", "no-host", "query", "fragment", "empty"],
)
def test_bad_api_base_names_the_option_and_what_is_allowed(api_base):
    with pytest.raises(OptionError) as caught:
        check_connection(params(api_base=api_base))
    message = str(caught.value)
    assert message.startswith("api_base must be")
    assert "http://" in message and "https://" in message
    assert "without query or fragment" in message
    assert DEFAULT_API_BASE in message
    assert f"got {api_base!r}" in message


@pytest.mark.parametrize("value", [0, 0.05, -1, 3600.5, 86400])
def test_request_timeout_out_of_range(value):
    with pytest.raises(OptionError) as caught:
        check_connection(params(request_timeout=value))
    assert str(caught.value) == f"request_timeout must be between 0.1 and 3600; got {value!r}."


@pytest.mark.parametrize("value", [-1, 21, 1000])
def test_max_retries_out_of_range(value):
    with pytest.raises(OptionError) as caught:
        check_connection(params(max_retries=value))
    assert str(caught.value) == f"max_retries must be between 0 and 20; got {value!r}."


def test_option_error_is_a_value_error():
    assert issubclass(OptionError, ValueError)


# --------------------------------------------------------------------------------------------
# check_range
# --------------------------------------------------------------------------------------------

def test_check_range_with_both_bounds():
    with pytest.raises(OptionError, match=r"^limit must be between 1 and 100; got 101\.$"):
        check_range({"limit": 101}, "limit", minimum=1, maximum=100)


def test_check_range_with_only_a_minimum():
    with pytest.raises(OptionError, match=r"^poll_interval must be at least 0\.5; got 0\.1\.$"):
        check_range({"poll_interval": 0.1}, "poll_interval", minimum=0.5)


def test_check_range_with_only_a_maximum():
    with pytest.raises(OptionError, match=r"^top_p must be at most 1; got 1\.5\.$"):
        check_range({"top_p": 1.5}, "top_p", maximum=1)


def test_check_range_bounds_are_inclusive():
    check_range({"limit": 1}, "limit", minimum=1, maximum=100)
    check_range({"limit": 100}, "limit", minimum=1, maximum=100)


def test_check_range_ignores_an_unset_option():
    check_range({"limit": None}, "limit", minimum=1, maximum=100)
    check_range({}, "limit", minimum=1, maximum=100)


# --------------------------------------------------------------------------------------------
# check_id / check_ids
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value",
    ["thread/1", "..", "thread_1/../x", "a?b", "a#b", "a b", "thré", "", 123],
    ids=["slash", "dotdot", "traversal", "query", "fragment", "space", "non-ascii", "empty", "not-a-string"],
)
def test_check_id_refuses_what_could_change_the_url(value):
    with pytest.raises(OptionError) as caught:
        check_id({"thread_id": value}, "thread_id")
    message = str(caught.value)
    assert message.startswith("thread_id must be an id")
    assert "thread_abc123" in message
    assert f"got {value!r}" in message


def test_check_id_accepts_ids_and_unset_options():
    check_id({"thread_id": "thread_abc123"}, "thread_id")
    check_id({"thread_id": None}, "thread_id")
    check_id({}, "thread_id")


def test_check_ids_names_the_failing_option():
    with pytest.raises(OptionError, match=r"^run_id must be an id"):
        check_ids({"thread_id": "thread_1", "run_id": "run 1"}, ("thread_id", "run_id"))


# --------------------------------------------------------------------------------------------
# ca_path (issue #12 item 4): a bundle that cannot be read fails naming ca_path, before any request
# --------------------------------------------------------------------------------------------

def test_a_missing_ca_path_names_the_option(tmp_path):
    missing = str(tmp_path / "nonexistent" / "ca.pem")
    with pytest.raises(OptionError) as caught:
        check_connection(params(ca_path=missing))
    assert str(caught.value).startswith(f"ca_path {missing!r} does not exist")


def test_a_ca_path_that_is_not_a_pem_bundle_names_the_option(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(OptionError) as caught:
        check_connection(params(ca_path=str(bundle)))
    assert str(caught.value).startswith(f"ca_path {str(bundle)!r} is not a CA bundle")


def test_a_ca_path_is_not_checked_when_certificates_are_not_verified(tmp_path):
    check_connection(params(ca_path=str(tmp_path / "nonexistent.pem"), validate_certs=False))


def test_a_ca_bundle_is_not_checked_for_plain_http(tmp_path, monkeypatch):
    """requests loads no bundle for http://, so a stale REQUESTS_CA_BUNDLE must not break the local server."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    check_connection(params(api_base="http://127.0.0.1:8000/v1"))
    check_connection(params(api_base="http://127.0.0.1:8000/v1", ca_path=str(tmp_path / "nonexistent.pem")))


def test_a_ca_path_directory_and_a_real_bundle_pass(tmp_path):
    import certifi  # pylint: disable=import-outside-toplevel  # requests' own bundle, always there with requests

    check_connection(params(ca_path=certifi.where()))
    check_connection(params(ca_path=str(tmp_path)))


def test_a_missing_requests_ca_bundle_names_the_variable(tmp_path, monkeypatch):
    missing = str(tmp_path / "missing.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", missing)
    with pytest.raises(OptionError) as caught:
        check_connection(params())
    assert str(caught.value).startswith(f"REQUESTS_CA_BUNDLE {missing!r} does not exist")
    assert "ca_path" in str(caught.value)

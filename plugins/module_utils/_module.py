# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base class of every module: options, the client, and turning errors into task failures.

Private to llmops.assistants: not a public API, it may change in any release.
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._auth import AzureTokenProvider, is_azure_host, token_scope
from ._client import REQUESTS_IMPORT_ERROR, ApiError, Client
from ._options import OptionError, check_connection, check_ids, connection_argument_spec


def azure_token_provider(params: t.Mapping[str, t.Any]) -> AzureTokenProvider | None:
    """DefaultAzureCredential's tokens, when bearer auth has neither api_key nor azure_ad_token and the host is Azure's."""
    api_base = params.get("api_base") or ""
    if (params.get("auth_type") or "bearer") != "bearer" or params.get("api_key") or params.get("azure_ad_token"):
        return None
    return AzureTokenProvider(token_scope(api_base)) if is_azure_host(api_base) else None


class TaskFailed(Exception):
    """Stop the task as failed, with a message and whatever the result already holds."""

    def __init__(self, message: str, **result: t.Any) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


class AssistantsModule:
    """A module is a subclass that declares its options and implements run()."""

    argument_spec: dict[str, dict[str, t.Any]] = {}
    module_kwargs: dict[str, t.Any] = {}
    # Options that hold ids; they are checked before any request because they end up in URL paths.
    id_options: tuple[str, ...] = ()

    def __init__(self, module: AnsibleModule | None = None) -> None:
        self.module = module or AnsibleModule(
            argument_spec={**connection_argument_spec(), **self.argument_spec},
            supports_check_mode=True,
            **self.module_kwargs,
        )
        self.params: dict[str, t.Any] = self.module.params
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        """The client is made on first use, so that bad options fail before any session exists."""
        if self._client is None:
            params = self.params
            self._client = Client(
                api_key=params["api_key"],
                api_base=params["api_base"],
                organization=params.get("organization"),
                project=params.get("project"),
                request_timeout=params["request_timeout"],
                max_retries=params["max_retries"],
                validate_certs=params["validate_certs"],
                ca_path=params.get("ca_path"),
                api_version=params.get("api_version"),
                auth_type=params.get("auth_type") or "bearer",
                azure_ad_token=params.get("azure_ad_token"),
                token_provider=azure_token_provider(params),
                send_beta_header=params.get("send_beta_header", True),
                on_retry=self.module.log,
            )
        return self._client

    def validate(self) -> None:
        """Checks beyond the argument spec; subclasses extend it. Raises OptionError."""
        check_connection(self.params)
        check_ids(self.params, self.id_options)

    def run(self) -> dict[str, t.Any]:  # pragma: no cover - every module implements it
        raise NotImplementedError

    @classmethod
    def execute(cls) -> None:
        """Entry point of every module's main()."""
        instance = cls()
        module = instance.module
        if REQUESTS_IMPORT_ERROR is not None:
            module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        try:
            instance.validate()
            result = instance.run()
        except OptionError as exc:
            module.fail_json(msg=str(exc))
        except TaskFailed as exc:
            exc.result.pop("diff", None)
            module.fail_json(msg=instance.scrub(exc.message), **exc.result)
        except ApiError as exc:
            module.fail_json(msg=instance.scrub(str(exc)), api_error=exc.to_dict())
        if not module._diff:
            result.pop("diff", None)
        module.exit_json(**result)

    def scrub(self, text: str) -> str:
        return self._client.scrub(text) if self._client is not None else text

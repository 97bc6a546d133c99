# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Ansible layer: AssistantsModule (the base class of every module) and RunModule (of the two run modules).

Private to llmops.assistants: not a public API, it may change in any release.
A module declares its options and implements run(); execute() checks the options, makes the client on first
use, and turns OptionError, ApiError, TaskFailed and NoApiAtBase (from _errors) into the task's failure.
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._auth import azure_token_provider
from ._client import REQUESTS_IMPORT_ERROR, Client, url_userinfo
from ._errors import ApiError, NoApiAtBase, OptionError, TaskFailed
from ._options import (
    check_completion_window,
    check_connection,
    check_ids,
    check_metadata,
    check_run_options,
    connection_argument_spec,
    unset_empty_options,
)
from ._run_engine import RunEngine


class AssistantsModule:
    """A module is a subclass that declares its options and implements run()."""

    argument_spec: dict[str, dict[str, t.Any]] = {}
    module_kwargs: dict[str, t.Any] = {}
    # Options that hold ids; they are checked before any request because they end up in URL paths.
    id_options: tuple[str | tuple[str, str], ...] = ()

    def __init__(self, module: AnsibleModule | None = None) -> None:
        self.module = module or AnsibleModule(
            argument_spec={**connection_argument_spec(), **self.argument_spec},
            supports_check_mode=True,
            **self.module_kwargs,
        )
        self.params: dict[str, t.Any] = self.module.params
        self._client: Client | None = None
        # What the task has made so far (changed, the objects' ids): a failed result still carries it, as
        # community.docker's fail_results. Record into it, or override made(), as soon as something changes.
        self.fail_results: dict[str, t.Any] = {}
        userinfo = url_userinfo(self.params.get("api_base"))
        if userinfo:
            # A password in api_base (http://user:secret@host) is masked in every message, warning and result.
            self.module.no_log_values.add(userinfo)

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
        self.module.no_log_values.update(unset_empty_options(self.params))
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
            module.fail_json(msg=instance.scrub(exc.message), **instance.failed_result(exc.result))
        except ApiError as exc:
            module.fail_json(msg=instance.scrub(str(exc)), **instance.failed_result({"api_error": exc.to_dict()}))
        except NoApiAtBase as exc:
            module.fail_json(msg=instance.scrub(exc.message), **instance.failed_result({"api_error": exc.error.to_dict()}))
        if not module._diff:
            result.pop("diff", None)
        module.exit_json(**result)

    def scrub(self, text: str) -> str:
        return self._client.scrub(text) if self._client is not None else text

    def made(self) -> dict[str, t.Any]:
        """What the task has changed or created so far (see fail_results)."""
        return dict(self.fail_results)

    def failed_result(self, result: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        """A failure's result over what the task made: a change once made stays reported, and so do its ids."""
        merged = {key: value for key, value in self.made().items() if key != "diff"}
        merged.update((key, value) for key, value in result.items() if key != "diff" and (value is not None or key not in merged))
        merged["changed"] = bool(result.get("changed") or merged.get("changed"))
        return merged


class RunModule(AssistantsModule):
    """The base class of openai_run and openai_thread_run: their shared checks and the engine they call."""

    _engine: RunEngine | None = None

    @property
    def engine(self) -> RunEngine:
        if self._engine is None:
            self._engine = RunEngine(self.client, self.params, check_mode=self.module.check_mode, warn=self.module.warn)
        return self._engine

    def made(self) -> dict[str, t.Any]:
        made = super().made()
        if self._engine is not None:
            made.update(self._engine.made())
        return made

    def validate(self) -> None:
        super().validate()
        params = self.params
        check_run_options(params)
        check_completion_window(params)
        check_metadata(params.get("metadata"), reserved=1)
        if params["state"] == "present" and not params.get("run_id") and not params.get("assistant_id"):
            raise OptionError("assistant_id is required to create a run (or give run_id to manage an existing run).")
        if params["state"] == "absent" and self.run_id_needed_for_absent():
            self.check_run_identity()
        if not params.get("run_id"):
            # Builds the request body once, so every tool, message and format is checked before any request.
            self.request_body()

    def request_body(self) -> dict[str, t.Any]:
        """The body of the run this task would create; openai_thread_run's differs for a new thread."""
        return self.engine.run_payload()

    def run_id_needed_for_absent(self) -> bool:
        return True

    def check_run_identity(self) -> None:
        """state=absent must be able to find the run: by run_id, by its key, or by the options that made it."""
        params = self.params
        if not (params.get("run_id") or params.get("assistant_id") or params.get("idempotency_key")):
            raise OptionError(
                "state=absent needs run_id, idempotency_key, or the options that created the run (assistant_id and the rest)."
            )

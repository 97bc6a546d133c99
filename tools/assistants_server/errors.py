# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors answered in OpenAI's error envelope."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the API answers with `{"error": {...}}` and an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        error_type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.error_type = error_type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, param=self.param, code=self.code, error_type=self.error_type)


class AzureError(ApiError):
    """An error Azure's own front end answers (api-version, credentials): `{"error": {"code", "message"}}` only."""

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def error_body(message: str, *, param: str | None = None, code: str | None = None, error_type: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def not_found(kind: str, object_id: str) -> ApiError:
    # Same wording as the hosted API: "No thread found with id 'thread_x'."
    return ApiError(404, f"No {kind} found with id '{object_id}'.")


def invalid_url(method: str, path: str) -> ApiError:
    return ApiError(404, f"Invalid URL ({method} {path})")


# Bodies the hosted API sends for common failure statuses; used by fault injection.
STATUS_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Bad request.", "invalid_request_error", None),
    401: ("Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None),
    404: ("Not found.", "invalid_request_error", None),
    408: ("Request timed out.", "timeout", None),
    409: ("The request conflicted with another request.", "invalid_request_error", None),
    429: ("Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
    504: ("Gateway timeout.", "server_error", None),
}


def status_error_body(status: int, message: str | None = None, code: str | None = None, error_type: str | None = None) -> dict[str, Any]:
    fallback = (f"HTTP {status}.", "server_error" if status >= 500 else "invalid_request_error", None)
    default_message, default_type, default_code = STATUS_ERRORS.get(status, fallback)
    return error_body(message or default_message, code=code if code is not None else default_code, error_type=error_type or default_type)


HTML_ERROR_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
)

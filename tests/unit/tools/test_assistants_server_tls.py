# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""--tls-cert/--tls-key: the local server behind HTTPS, with a throwaway CA made at test time (tools/tls_test_certs.py)."""

from __future__ import annotations

import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from assistants_server import start_server
from tls_test_certs import make_certs

REPO_ROOT = Path(__file__).resolve().parents[3]
HEADERS = {"Authorization": "Bearer k", "OpenAI-Beta": "assistants=v2"}
EMPTY_LIST = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


@pytest.fixture(name="certs", scope="module")
def fixture_certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("tls"))


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no CA bundle or proxy from the environment
    session.headers.update(HEADERS)
    return session


def test_with_a_certificate_it_serves_https_that_the_ca_verifies(certs) -> None:
    with start_server(tls_cert=str(certs["cert"]), tls_key=str(certs["key"])) as server:
        assert server.url.startswith("https://127.0.0.1:")
        response = _session().get(f"{server.url}/assistants", verify=str(certs["ca"]), timeout=10)
        assert response.status_code == 200 and response.json() == EMPTY_LIST


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_client_that_does_not_trust_the_ca_is_refused_and_the_server_keeps_serving(certs) -> None:
    with start_server(tls_cert=str(certs["cert"]), tls_key=str(certs["key"])) as server:
        with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            _session().get(f"{server.url}/assistants", verify=True, timeout=10)
        with pytest.raises(requests.exceptions.ConnectionError):
            _session().get(f"{server.url.replace('https:', 'http:')}/assistants", timeout=10)
        assert _session().get(f"{server.url}/assistants", verify=False, timeout=10).json() == EMPTY_LIST


def test_without_a_certificate_it_serves_plain_http() -> None:
    with start_server() as server:
        assert server.url.startswith("http://127.0.0.1:")


def test_the_command_line_flags_serve_https_and_say_so(certs) -> None:
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "tools/assistants_server", "--port", "0", "--tls-cert", str(certs["cert"]), "--tls-key", str(certs["key"])],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([process.stdout], [], [], 15)[0], "no listening line within 15 s"
        match = re.fullmatch(r"listening on (https://127\.0\.0\.1:\d+/v1)\n", process.stdout.readline())
        assert match
        assert _session().get(f"{match.group(1)}/assistants", verify=str(certs["ca"]), timeout=10).json() == EMPTY_LIST
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize(("args", "complaint"), [
    (["--tls-key", "key.pem"], "--tls-key needs --tls-cert"),
    (["--tls-cert", "/nonexistent/cert.pem"], "cannot load --tls-cert/--tls-key"),
])
def test_bad_tls_flags_exit_2_with_the_reason(args, complaint) -> None:
    result = subprocess.run([sys.executable, "tools/assistants_server", "--port", "0", *args], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and complaint in result.stderr and result.stdout == ""


def test_help_documents_the_tls_flags() -> None:
    result = subprocess.run([sys.executable, "tools/assistants_server", "--help"], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=30, check=True)
    assert "--tls-cert" in result.stdout and "--tls-key" in result.stdout

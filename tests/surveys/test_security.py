import subprocess
import sys
import time
import urllib.request

import pytest
from django.test import Client


def test_pages_send_a_strict_content_security_policy_and_no_referrer(client, open_link):
    response = client.get(f"/s/{open_link.slug}/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"  # never to another site
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_loads_anything_from_another_host(client, open_link):
    import re

    for url in [f"/s/{open_link.slug}/", "/", "/privacy/", "/accounts/login/"]:
        html = client.get(url).text
        assert not re.search(r"(src|href)=[\"']https?://", html), url


def test_production_settings_turn_https_protections_on(settings, open_link):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    assert client.get(f"/s/{open_link.slug}/")["Location"].startswith("https://")
    secure = client.get(f"/s/{open_link.slug}/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db(transaction=True)
def test_the_server_access_log_records_no_address_agent_token_or_respondent_page(tmp_path):
    """Runs the real `freeassoc serve` (gunicorn) and reads what it logs."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "FREEASSOC_DATA_DIR": str(tmp_path),
        "FREEASSOC_HTTPS": "0",
        "SECRET_KEY": "tests-only-not-secret-" + "x" * 40,
    }
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "freeassoc.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        for path in ["/s/nosuchlink/", "/nosuchpage/"]:
            request = urllib.request.Request(  # noqa: S310
                f"{url}{path}?t=SECRET-INVITATION-TOKEN",
                headers={"User-Agent": "DistinctiveAgent-4242"},
            )
            try:
                urllib.request.urlopen(request, timeout=5)  # noqa: S310
            except urllib.error.HTTPError as exc:
                assert exc.code == 404
    finally:
        server.terminate()
        log = server.communicate(timeout=20)[0]
    assert '"GET /nosuchpage/" 404' in log  # other requests are logged...
    assert "127.0.0.1 " not in log.replace(f"127.0.0.1:{port}", "")  # ...without the address
    assert "DistinctiveAgent" not in log
    assert "/s/" not in log  # a respondent's page is not logged at all: the time would date it
    assert "SECRET-INVITATION-TOKEN" not in log

"""Debian's nginx, configured from the file operators copy (deploy/nginx.conf), with TLS from a
throwaway certificate, in front of the real `freeassoc serve`; clients from several loopback
addresses (all of 127/8 is this machine), as a respondent's browser would connect."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, Server, free_port, server_env
from .respondents import Browser, run_respondents

NGINX = Path("/usr/sbin/nginx")
HOST = "survey.example.org"
AGENT = "DistinctiveAgent-4242"


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=DNS:{HOST}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def nginx_config(folder: Path, *, ports: dict, upstream: int, cert, key, static: Path) -> Path:
    """deploy/nginx.conf as shipped, with only the machine's particulars replaced, inside the
    main configuration that Debian's /etc/nginx/nginx.conf would otherwise provide."""
    shipped = (ROOT / "deploy" / "nginx.conf").read_text()
    logs = folder / "logs"
    logs.mkdir()
    for old, new in [
        (f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert)),
        (f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key)),
        ("listen 80;", f"listen 127.0.0.1:{ports['http']};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("127.0.0.1:8000", f"127.0.0.1:{upstream}"),
        ("/var/log/nginx/", f"{logs}/"),
        ("/var/lib/freeassoc/static/", f"{static}/"),
    ]:
        assert old in shipped, f"deploy/nginx.conf no longer has {old!r}: update this test"
        shipped = shipped.replace(old, new)
    temp = folder / "temp"
    temp.mkdir()
    config = folder / "nginx.conf"
    config.write_text(
        f"""
daemon off;
user root root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {logs}/main-error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    {shipped}
}}
"""
    )
    return config


@pytest.fixture
def proxied(tmp_path):
    """`freeassoc serve` on SQLite, rate limits tight, behind nginx on two free ports (not 80
    and 443, which a system nginx may hold): the site is https://survey.example.org:<port>."""
    if not NGINX.exists():
        pytest.fail("nginx is not installed (apt-get install nginx)")
    ports = {"http": free_port(), "https": free_port()}
    env = server_env(
        tmp_path,
        None,
        FREEASSOC_HTTPS="1",
        ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}:{ports['https']}",
        FREEASSOC_STATIC_FROM_SOURCE="0",
        FREEASSOC_RATELIMIT_START="3/h",
    )
    subprocess.run(
        [sys.executable, "-m", "freeassoc.cli", "collectstatic", "--noinput", "-v0"],
        env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    server = Server(env, tmp_path).start()
    cert, key = certificate(tmp_path)
    config = nginx_config(
        tmp_path, ports=ports, upstream=server.port, cert=cert, key=key,
        static=tmp_path / "data" / "static",
    )  # fmt: skip
    nginx = subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "logs" / "e.log")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    target = {"connect": "127.0.0.1", "port": ports["https"], "host": f"{HOST}:{ports['https']}",
              "origin": f"https://{HOST}:{ports['https']}", "cafile": str(cert)}  # fmt: skip
    try:
        for _ in range(50):
            try:
                if Browser(target, "127.0.0.1").request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"nginx did not answer: {nginx.poll()} {(tmp_path / 'logs').iterdir()}")
        yield target, server, tmp_path / "logs", ports
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        server.stop()


def start(target, source: str, slug: str, forged: str | None = None) -> int:
    browser = Browser(target, source)
    headers = {"User-Agent": AGENT}
    if forged:
        headers["X-Forwarded-For"] = forged
    browser.request("GET", f"/s/{slug}/", headers=headers)  # the CSRF cookie
    status, _, _ = browser.request("POST", f"/s/{slug}/start/", [], headers=headers)
    browser.close()
    return status


def test_through_the_proxy_limits_are_per_client_and_a_forged_header_changes_nothing(
    proxied, served_database
):
    from .conftest import open_survey, sqlite_url

    target, server, logs, ports = proxied
    alias = served_database(sqlite_url(server.workdir))
    _, slug = open_survey(alias)

    # Respondents from ten addresses answer the whole survey at once, over TLS.
    outcomes = run_respondents(target, slug, 10, run="proxy", first=10)
    assert all(o.acknowledged and not o.errors for o in outcomes), outcomes[0].errors

    # One client goes over its limit of 3 starts an hour...
    assert [start(target, "127.0.0.2", slug) for _ in range(4)] == [302, 302, 302, 429]
    # ...which does not stop anyone else,
    assert start(target, "127.0.0.3", slug) == 302
    # and claiming another address changes nothing, either way round.
    assert start(target, "127.0.0.2", slug, forged="198.51.100.9") == 429
    assert start(target, "127.0.0.4", slug, forged="127.0.0.2") == 302

    # Plain HTTP is sent to HTTPS; static files come from nginx.
    plain = {**target, "port": ports["http"], "cafile": None}
    assert Browser(plain, "127.0.0.5").request("GET", f"/s/{slug}/")[:2] == (301, f"/s/{slug}/")
    page = Browser(target, "127.0.0.5").request("GET", f"/s/{slug}/")[2]
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
    assert Browser(target, "127.0.0.5").request("GET", stylesheet)[0] == 200
    assert Browser(target, "127.0.0.5").request("GET", "/privacy/")[0] == 200

    access = (logs / "freeassoc-access.log").read_text()
    errors = (logs / "freeassoc-error.log").read_text()
    assert '"GET /privacy/" 200' in access  # the log is written...
    for line in access.splitlines() + errors.splitlines():
        assert "/s/" not in line and "/static/" not in line  # ...but no respondent's request,
        assert not re.search(r"127\.0\.\d+\.\d+", line), line  # no address,
        assert AGENT not in line  # and no agent

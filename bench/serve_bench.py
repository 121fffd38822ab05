"""The shipped server under load from a compiled client, against the floor, in one run.

Target (../shared/DESIGN.md, "Performance targets"): survey page POSTs (validate, save) on
`freeassoc serve` as shipped reach at least 0.5 of the floor's POSTs per second in the same
run; p95 under 100 ms at 20 concurrent respondents; no error at 100. The floor is a bare
Django view with no middleware at all that takes a 40-field POST and inserts one row
(bench/floorapp), served by gunicorn with the same workers, on the same database, loaded by
the same client in the same run.

What it does, all on 127.0.0.1:

1. a fresh database: SQLite in a temporary data folder, or PostgreSQL (`freeassoc_bench`,
   dropped and created), migrated for the site and for the floor's one table;
2. an organisation, an open survey of the shipped questionnaire and an open link, made with
   `freeassoc shell`;
3. starts `freeassoc serve` exactly as an operator would (its own worker count, worker class
   and access log; rate limits off, since one client address starts hundreds of respondents)
   and the floor under gunicorn with the same worker settings;
4. starts --drafts respondents over HTTP (intro, Start: each has its own draft cookie), and
   writes wrk's request lists: the floor's 40-field POST; each respondent's POST of the
   first page (a valid page: validated, saved, redirected to the next); each respondent's GET
   of that page;
5. runs `wrk` (Debian's package) for each phase and each number of connections: a warm-up,
   then --seconds measured; wrk prints requests, errors and the 50th/95th/99th percentiles;
6. prints a table, the ratio page POSTs / floor POSTs and the machine, and checks in the
   database that every respondent's draft holds the answers posted (nothing lost).

    .venv/bin/python bench/serve_bench.py --database sqlite
    .venv/bin/python bench/serve_bench.py --database postgres --seconds 20

The exit status is non-zero only when the harness could not measure, never because a target
was missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _db  # noqa: E402

BIN = Path(sys.executable).parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/freeassoc_bench"
FLOOR_FIELDS = 40  # bench.floorapp.views.FIELDS
TARGET_RATIO = 0.5
TARGET_P95_MS = 100.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class HarnessError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], env: dict, **kwargs) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise HarnessError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def shell(code: str, env: dict) -> str:
    """Run Python in `freeassoc shell`; the last line it printed."""
    return run([str(BIN / "freeassoc"), "shell", "-c", code], env).strip().splitlines()[-1]


# --------------------------------------------------------------------------------------------
# Servers


def gunicorn_settings() -> dict:
    """How `freeassoc serve` runs gunicorn by default: the floor gets the same."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freeassoc.settings")
    import django

    django.setup()
    from freeassoc.core.management.commands import serve

    options = (
        serve.gunicorn_options(host="127.0.0.1", port=0)
        if hasattr(serve, "gunicorn_options")
        else {"workers": serve.workers_default(), "worker_class": "sync", "threads": 1}
    )
    return {key: options.get(key) for key in ("workers", "worker_class", "threads")}


class Server:
    def __init__(self, name: str, cmd: list[str], env: dict, port: int, log: Path):
        self.name, self.cmd, self.env, self.port, self.log = name, cmd, env, port, log

    def start(self, probe: str) -> None:
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(
            self.cmd, env=self.env, cwd=ROOT, stdout=self.log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            try:
                status, _, _ = request("GET", self.port, probe)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise HarnessError(f"{self.name} did not answer on port {self.port}")

    def stop(self) -> None:
        if getattr(self, "process", None) and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        if getattr(self, "log_file", None):
            self.log_file.close()


def request(method: str, port: int, path: str, body: str = "", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode(errors="replace")
    finally:
        conn.close()


def cookies_from(headers) -> dict:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


# --------------------------------------------------------------------------------------------
# Respondents


def first_page_fields(env: dict) -> tuple[str, list[tuple[str, str]]]:
    """The first page of the shipped questionnaire and valid answers to it (the first option
    of each choice, the least number), as a respondent's browser would post them."""
    code = (
        "import json; from freeassoc.surveys import instrument as i;"
        "ins = i.get('surviving-work', 1); p = ins.pages[0];"
        "print(json.dumps([p.id, [[q.id, q.type, q.options[0].code if q.options else None,"
        " getattr(q, 'min', None)] for q in p.questions if q.visible({})]]))"
    )
    page_id, questions = json.loads(shell(code, env))
    fields = []
    for qid, qtype, first, least in questions:
        if qtype in {"single", "pay_band"}:
            fields.append((qid, first))
        elif qtype == "multiple":
            fields.append((qid, first))
        elif qtype == "number":
            fields.append((qid, str(least if least is not None else 1)))
        else:
            fields.append((qid, "bench"))
    return page_id, fields


def start_respondent(port: int, slug: str) -> str:
    """GET the intro and POST Start; the Cookie header this respondent's browser now sends."""
    status, headers, body = request("GET", port, f"/s/{slug}/")
    if status != 200:
        raise HarnessError(f"intro answered {status}")
    jar = cookies_from(headers)
    token = CSRF_INPUT.search(body)
    if not token:
        raise HarnessError("no CSRF token on the intro page")
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, body = request(
        "POST", port, f"/s/{slug}/start/",
        urlencode({"csrfmiddlewaretoken": token.group(1)}),
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    if status != 302:
        raise HarnessError(f"Start answered {status}: {body[:500]}")
    jar.update(cookies_from(headers))
    return "; ".join(f"{k}={v}" for k, v in jar.items()), token.group(1)


# --------------------------------------------------------------------------------------------
# wrk


def wrk(port: int, lines: list[str], workdir: Path, *, connections: int, seconds: float,
        threads: int) -> dict:  # fmt: skip
    listing = workdir / f"requests-{secrets.token_hex(4)}.tsv"
    listing.write_text("\n".join(lines) + "\n")
    threads = min(threads, connections)
    duration = max(1, round(seconds))
    cmd = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk_pages.lua"), f"http://127.0.0.1:{port}",
        "--", str(listing), str(threads),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise HarnessError(f"wrk printed no result:\n{out}")
    result = json.loads(line[len("RESULT ") :])
    result["per_s"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


# --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", default="20,100")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--drafts", type=int, default=200, help="respondents started")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise HarnessError("wrk is not installed (apt-get install wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"},
        "DJANGO_SETTINGS_MODULE": "freeassoc.settings",
        "FREEASSOC_DATA_DIR": str(workdir / "data"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FREEASSOC_HTTPS": "0",
        "FREEASSOC_RATELIMIT": "0",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    database = {"engine": "sqlite"}
    if args.database == "postgres":
        database = {"engine": "postgresql", **_db.create_postgres(args.database_url, replace=True)}
        env["DATABASE_URL"] = args.database_url
    os.environ.update({k: env[k] for k in ("FREEASSOC_DATA_DIR", "SECRET_KEY")})
    if "DATABASE_URL" in env:
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]

    servers: list[Server] = []
    try:
        run([str(BIN / "freeassoc"), "migrate", "--verbosity", "0"], env)
        run([str(BIN / "python"), "-m", "django", "migrate", "--verbosity", "0",
             "--settings", "bench.floor_settings"], env)  # fmt: skip
        slug = shell(
            "from freeassoc.orgs.models import Organisation as O;"
            "from freeassoc.surveys.models import Survey as S, Collector as C;"
            "o = O.objects.create(name='Bench', slug='bench', kind='union', approved=True);"
            "s = S.objects.create(organisation=o, title='Bench', instrument_slug='surviving-work',"
            " instrument_version=1, status='open');"
            "print(C.objects.create(survey=s, kind='open', name='Bench').slug)",
            env,
        )
        gunicorn = gunicorn_settings()
        site_port, floor_port = free_port(), free_port()
        site = Server(
            "freeassoc serve",
            [str(BIN / "freeassoc"), "serve", "--host", "127.0.0.1", "--port", str(site_port)],
            env, site_port, workdir / "serve.log",
        )  # fmt: skip
        floor_cmd = [
            str(BIN / "gunicorn"), "bench.floor_wsgi:application",
            "--bind", f"127.0.0.1:{floor_port}", "--workers", str(gunicorn["workers"]),
            "--worker-class", gunicorn["worker_class"] or "sync",
            "--threads", str(gunicorn["threads"] or 1), "--access-logfile", "-",
        ]  # fmt: skip
        floor = Server("floor", floor_cmd, env, floor_port, workdir / "floor.log")
        servers = [site, floor]
        site.start("/healthz")
        floor.start("/bench/floor/")

        page_id, fields = first_page_fields(env)
        page_path = f"/s/{slug}/p/{page_id}/"
        post_lines, get_lines = [], []
        for _ in range(args.drafts):
            cookie, token = start_respondent(site_port, slug)
            body = urlencode([("csrfmiddlewaretoken", token), *fields, ("action", "next")])
            post_lines.append(f"POST\t{page_path}\t{cookie}\t{body}")
            get_lines.append(f"GET\t{page_path}\t{cookie}\t")
        floor_body = urlencode([(f"q{i}", f"answer {i}") for i in range(FLOOR_FIELDS)])
        floor_lines = [f"POST\t/bench/floor/\t\t{floor_body}"] * args.drafts

        phases = [
            ("floor POST", floor_port, floor_lines),
            ("page POST", site_port, post_lines),
            ("page GET", site_port, get_lines),
        ]
        results = []
        for connections in [int(c) for c in args.connections.split(",")]:
            for name, port, lines in phases:
                wrk(port, lines, workdir, connections=connections, seconds=args.warmup,
                    threads=args.threads)  # fmt: skip
                before = _db.loadavg()
                result = wrk(port, lines, workdir, connections=connections,
                             seconds=args.seconds, threads=args.threads)  # fmt: skip
                results.append({"phase": name, "connections": connections,
                                "loadavg_before": before, **result})  # fmt: skip
                print(
                    f"{name:10} c={connections:<4} {result['per_s']:8.1f}/s  "
                    f"p50 {result['p50_ms']:7.1f} ms  p95 {result['p95_ms']:7.1f} ms  "
                    f"p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}",
                    flush=True,
                )
        stored = shell(
            "from freeassoc.surveys.models import Draft;"
            f"print(sum(1 for d in Draft.objects.all() if d.answers.get('{fields[0][0]}') "
            f"== '{fields[0][1]}'), Draft.objects.count())",
            env,
        ).split()
    finally:
        for server in servers:
            server.stop()
        if args.database == "postgres":
            _db.drop_postgres(args.database_url)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\nSummary")
    for connections in sorted({r["connections"] for r in results}):
        row = {r["phase"]: r for r in results if r["connections"] == connections}
        ratio = row["page POST"]["per_s"] / row["floor POST"]["per_s"]
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(f"  c={connections}: page POSTs / floor = {ratio:.2f} (target {TARGET_RATIO}: "
              f"{verdict}); page POST p95 {row['page POST']['p95_ms']} ms; errors: "
              f"floor {row['floor POST']['errors']}, page POST {row['page POST']['errors']}, "
              f"page GET {row['page GET']['errors']}")  # fmt: skip
    print(f"  drafts holding the posted answers: {stored[0]} of {stored[1]}")
    print("  server:", json.dumps(gunicorn), " database:", json.dumps(database))
    print("  machine:", json.dumps(_db.machine_info(("Django", "gunicorn", "psycopg"))))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as exc:
        print(f"serve_bench: {exc}", file=sys.stderr)
        sys.exit(2)

"""Survey-submission load benchmark: the real respondent flow against "the floor".

Target (docs: /work/shared/DESIGN.md, "Performance targets"): survey page POSTs (validate,
save) under gunicorn + PostgreSQL with 100 concurrent respondents reach at least 50% of the
throughput of the floor -- a bare Django view that takes a 40-field POST and inserts one row --
measured in the same run, against the same server and database; p95 < 100 ms; no response
lost or duplicated.

What it does, all on 127.0.0.1:

1. creates a fresh database (PostgreSQL: drops and creates ``freeassoc_bench*``; SQLite: a
   WAL file in a temporary folder), migrates it, and creates an organisation, an open survey
   of the shipped Surviving Work questionnaire and an open-link collector through the ORM;
2. starts gunicorn on ``bench.settings_bench`` (the real settings plus the floor view), rate
   limits off, plain HTTP, access log off;
3. the floor: N virtual users each fetch a CSRF cookie, then POST 40 fields to /bench/floor/
   as fast as the server answers, for --seconds (after --warmup);
4. the real flow: --users virtual respondents each GET the intro, POST start, POST every page
   that skip logic shows (answers generated from the instrument, so they stay valid if the
   questionnaire changes) and POST the review page's submit, over and over, for --seconds;
5. lets every survey in flight finish, then checks in the database that each survey the client
   saw reach the thanks page was stored exactly once, with the answers that were sent (each
   respondent writes a unique marker in the free-text question);
6. prints the figures, the ratio real/floor and the machine.

Run from the repository root::

    .venv/bin/python bench/submissions.py                      # PostgreSQL, 20 s per phase
    .venv/bin/python bench/submissions.py --database sqlite
    .venv/bin/python bench/submissions.py --worker-class sync --workers 5 --seconds 30

The load generator (aiohttp, one asyncio loop) runs on the same machine as gunicorn and the
database, so all three share the cores; the output says how much CPU each took. The exit
status is non-zero only when the harness itself could not measure (setup, server start, no
successful request at all), never because a target was missed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402  (after the path fix, so `bench.` and `freeassoc.` import)

from bench import _db  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/freeassoc_bench"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
FLOOR_PATH = "/bench/floor/"
FLOOR_FIELDS = 40  # must match bench.floorapp.views.FIELDS
PREFER_NOT_SUFFIX = "__prefer_not"  # the page form's "Prefer not to say" box for numbers

TARGET_RATIO = 0.5
TARGET_P95_MS = 100.0
NOISE_CORES = 0.25  # CPU used by neither client, gunicorn nor PostgreSQL: someone else's work


class HarnessError(RuntimeError):
    """The harness could not measure (as opposed to: the system missed a target)."""


# --------------------------------------------------------------------------------------------
# Machine and process accounting


def machine_info() -> dict:
    info = _db.machine_info()
    del info["packages"]
    return info


def _proc_ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in {"postgres", "postmaster"}:
                    pids.append(int(entry.name))
    return pids


def _cpu_jiffies() -> list[int]:
    """user nice system idle iowait irq softirq steal, over all CPUs since boot."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return parts + [0] * (8 - len(parts))


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs since boot (steal counts as busy)."""
    parts = _cpu_jiffies()
    idle = parts[3] + parts[4]  # idle + iowait
    total = sum(parts)  # guest time is already counted in user
    return total - idle, total


class CpuMeter:
    """CPU used during a phase by the machine, this client and the gunicorn processes."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid
        self.hz = os.sysconf("SC_CLK_TCK")

    def _server_ticks(self) -> dict[int, int]:
        if not self.server_pid:
            return {}
        pids = [self.server_pid, *_children(self.server_pid)]
        return {pid: _proc_ticks(pid) for pid in pids}

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.machine0 = _machine_ticks()
        self.steal0 = _cpu_jiffies()[7]
        self.client0 = time.process_time()
        self.server0 = self._server_ticks()
        self.pg0 = {pid: _proc_ticks(pid) for pid in _postgres_pids()}

    def stop(self) -> dict:
        wall = time.perf_counter() - self.t0
        busy1, total1 = _machine_ticks()
        busy0, total0 = self.machine0
        client = time.process_time() - self.client0
        server1 = self._server_ticks()
        server = sum(t - self.server0.get(pid, 0) for pid, t in server1.items()) / self.hz
        pg = sum(_proc_ticks(pid) - self.pg0.get(pid, 0) for pid in _postgres_pids()) / self.hz
        ncpu = len(os.sched_getaffinity(0))
        busy_cores = (busy1 - busy0) / max(1, total1 - total0) * ncpu
        steal = (_cpu_jiffies()[7] - self.steal0) / max(1, total1 - total0) * 100
        return {
            "machine_busy_pct": round(100 * busy_cores / ncpu, 1),
            "client_cores": round(client / wall, 2),
            "gunicorn_cores": round(server / wall, 2),
            "postgres_cores": round(pg / wall, 2),
            # anything else: other people's work on the machine, the kernel's softirqs...
            "other_cores": round(
                max(0.0, busy_cores - (client + server + pg) / wall - steal / 100 * ncpu), 2
            ),
            # time the hypervisor gave to other guests: the machine itself was slower
            "steal_pct": round(steal, 1),
        }


# --------------------------------------------------------------------------------------------
# Database


def prepare_environment(args, workdir: Path) -> tuple[dict, str]:
    """The environment of the server and of this process's Django; the database description."""
    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
    if args.database == "postgres":
        url = args.database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG_URL
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql"}:
            raise HarnessError(f"--database-url must be a postgres:// URL, not {url!r}")
        if parts.hostname not in LOCAL_HOSTS:
            raise HarnessError(
                f"the benchmark only talks to 127.0.0.1; the database URL names {parts.hostname!r}"
            )
        name = parts.path.lstrip("/")
        if not re.fullmatch(r"freeassoc_bench\w*", name):
            raise HarnessError(
                f"refusing to drop database {name!r}: its name must start with freeassoc_bench"
            )
        described = recreate_postgres(url, name)
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        described = f"SQLite {sqlite3.sqlite_version} (WAL) in {workdir}"
    env.update(
        DJANGO_SETTINGS_MODULE=args.settings,
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(50),
        FREEASSOC_DATA_DIR=str(workdir),
        FREEASSOC_RATELIMIT="0",
        FREEASSOC_HTTPS="0",
        FREEASSOC_DEBUG="0",
        FREEASSOC_LOG_LEVEL="WARNING",
    )
    return env, described


def recreate_postgres(url: str, name: str) -> str:
    import psycopg

    parts = urlsplit(url)
    try:
        server = _db.create_postgres(url, replace=True)
    except psycopg.Error as exc:
        raise HarnessError(f"cannot recreate database {name!r} at {parts.hostname}: {exc}") from exc
    return (
        f"PostgreSQL {server['version']} at {parts.hostname}:{parts.port or 5432}/{name} "
        f"(max_connections {server['max_connections']})"
    )


def setup_django(env: dict) -> None:
    """Point this process's Django at the bench database (same settings as the server)."""
    for key in (
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "SECRET_KEY",
        "FREEASSOC_DATA_DIR",
        "FREEASSOC_RATELIMIT",
        "FREEASSOC_HTTPS",
        "FREEASSOC_DEBUG",
        "FREEASSOC_LOG_LEVEL",
    ):
        os.environ[key] = env[key]
    import django

    django.setup()


def create_fixtures(instrument_slug: str, instrument_version: int) -> dict:
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from freeassoc.orgs.models import Organisation
    from freeassoc.surveys.models import Collector, Survey

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    org = Organisation.objects.create(
        name="Benchmark Workers' Network", slug="bench", kind="workers_group", approved=True
    )
    survey = Survey.objects.create(
        organisation=org,
        title="Surviving Work (benchmark)",
        instrument_slug=instrument_slug,
        instrument_version=instrument_version,
        status=Survey.Status.OPEN,
        opened_on=timezone.localdate(),
        is_synthetic=True,
    )
    collector = Collector.objects.create(
        survey=survey, kind=Collector.Kind.OPEN_LINK, name="Benchmark open link"
    )
    connections.close_all()
    return {"survey_id": survey.pk, "collector_slug": collector.slug}


def database_counts(survey_id: int, text_qid: str | None) -> dict:
    from django.db import connections

    from bench.floorapp.models import FloorRow
    from freeassoc.surveys.models import Draft, HeldAnswers, Response

    # Sent answers are held until k can be added together: what was stored is both.
    added = list(Response.objects.filter(survey_id=survey_id).values_list("answers", flat=True))
    held = list(HeldAnswers.objects.filter(survey_id=survey_id).values_list("answers", flat=True))
    rows = added + held
    out = {
        "responses": len(rows),
        "answers": rows,
        "added": len(added),
        "held": len(held),
        "drafts": Draft.objects.filter(survey_id=survey_id).count(),
        "floor_rows": FloorRow.objects.count(),
        "text_qid": text_qid,
    }
    connections.close_all()
    return out


# --------------------------------------------------------------------------------------------
# Server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, args, env: dict, workdir: Path):
        self.args, self.env, self.workdir = args, env, workdir
        self.port = args.port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "gunicorn.log"
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        a = self.args
        cmd = [
            sys.executable, "-m", "gunicorn", "freeassoc.wsgi:application",
            "--chdir", str(ROOT),
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(a.workers),
            "--worker-class", a.worker_class,
            "--timeout", "60",
            "--graceful-timeout", "5",
            "--error-logfile", str(self.log),
            "--log-level", "warning",
            # no --access-logfile: gunicorn's access log is off unless a file is given
        ]  # fmt: skip
        if a.worker_class == "gthread":
            cmd += ["--threads", str(a.threads), "--keep-alive", "5"]
        return cmd

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"gunicorn exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise HarnessError(f"gunicorn did not answer /healthz within 60 s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no gunicorn log)"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group only
            self.proc.wait(timeout=5)


# --------------------------------------------------------------------------------------------
# Answers generated from the instrument


@dataclass
class Plan:
    """One respondent's questionnaire: what to send on each page, and what should be stored."""

    marker: str
    pages: dict[str, list[tuple[str, str]]]
    order: list[str]
    expected: dict  # storage form, as the response should hold it


def text_question(instrument) -> str | None:
    return next((q.id for q in instrument.questions.values() if q.type == "text"), None)


def make_plan(instrument, rng: random.Random, marker: str, prefer_not: str) -> Plan:
    """Valid answers that follow the skip logic: a page or question whose show_if does not hold
    is left out; required questions are always answered, optional ones most of the time; the
    first free-text question always carries the marker."""
    answers: dict = {}
    pages: dict[str, list[tuple[str, str]]] = {}
    order: list[str] = []
    text_qid = text_question(instrument)
    for page in instrument.pages:
        if not page.visible(answers):
            continue
        fields: list[tuple[str, str]] = []
        for q in page.questions:
            if not q.visible(answers):
                continue
            if not q.required and q.id != text_qid and rng.random() < 0.15:
                continue
            if q.type in {"single", "pay_band"}:
                code = rng.choice([c for c, _ in q.choices])
                answers[q.id] = code
                fields.append((q.id, code))
            elif q.type == "multiple":
                plain = [o.code for o in q.options if not o.exclusive]
                alone = [o.code for o in q.options if o.exclusive]
                if q.sensitive:
                    alone.append(prefer_not)
                if alone and rng.random() < 0.15:
                    chosen = [rng.choice(alone)]
                else:
                    chosen = rng.sample(plain, rng.randint(1, min(3, len(plain))))
                answers[q.id] = chosen
                fields.extend((q.id, c) for c in chosen)
            elif q.type == "number":
                if q.sensitive and rng.random() < 0.1:
                    answers[q.id] = prefer_not
                    fields.append((q.id + PREFER_NOT_SUFFIX, "on"))
                else:
                    n = rng.randint(q.min, q.max)
                    answers[q.id] = n
                    fields.append((q.id, str(n)))
            else:  # text
                text = f"bench {marker}" if q.id == text_qid else "bench"
                answers[q.id] = text
                fields.append((q.id, text))
        pages[page.id] = fields
        order.append(page.id)
    return Plan(marker=marker, pages=pages, order=order, expected=answers)


def _normalise(value):
    return sorted(value) if isinstance(value, list) else value


def answers_match(expected: dict, stored: dict) -> bool:
    if set(expected) != set(stored):
        return False
    return all(_normalise(expected[k]) == _normalise(stored[k]) for k in expected)


# --------------------------------------------------------------------------------------------
# Load generator


@dataclass
class Stats:
    measure_start: float = 0.0
    measure_end: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    counts: collections.Counter = field(default_factory=collections.Counter)  # in the window
    totals: collections.Counter = field(default_factory=collections.Counter)  # whole phase
    errors: collections.Counter = field(default_factory=collections.Counter)
    samples: list[dict] = field(default_factory=list)
    surveys_in_window: int = 0
    completed: dict[str, dict] = field(default_factory=dict)  # marker -> expected answers
    uncertain: set[str] = field(default_factory=set)  # submit sent, outcome unknown
    failed_surveys: int = 0
    off_plan_pages: int = 0
    order_mismatches: int = 0

    def record(self, kind: str, t_end: float, latency: float) -> None:
        self.totals[kind] += 1
        if self.measure_start <= t_end <= self.measure_end:
            self.counts[kind] += 1
            self.latencies[kind].append(latency)

    def error(self, kind: str, what: str, sample: dict) -> None:
        self.errors[(kind, what)] += 1
        if len(self.samples) < 8:
            self.samples.append({"kind": kind, "what": what, **sample})


class Failed(Exception):
    pass


class Client:
    """HTTP with hand-kept cookies per virtual user (one shared connection pool, no jar)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, stats: Stats):
        self.session, self.base, self.stats = session, base, stats

    async def call(
        self, kind: str, method: str, path: str, cookies: dict, form=None, expect: int = 302
    ) -> tuple[int, str, bytes]:
        headers = {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base + path, data=body, headers=headers, allow_redirects=False
            ) as resp:
                content = await resp.read()
                status = resp.status
                location = resp.headers.get("Location", "")
                for name, morsel in resp.cookies.items():
                    if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                        cookies.pop(name, None)
                    else:
                        cookies[name] = morsel.value
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            self.stats.error(
                kind, type(exc).__name__, {"request": f"{method} {path}", "detail": str(exc)[:200]}
            )
            raise Failed from exc
        t1 = time.perf_counter()
        if status != expect:
            self.stats.error(
                kind,
                f"HTTP {status}",
                {
                    "request": f"{method} {path}",
                    "form": None if form is None else _short_form(form),
                    "status": status,
                    "location": location,
                    "body": content[:600].decode(errors="replace"),
                },
            )
            raise Failed
        self.stats.record(kind, t1, t1 - t0)
        return status, urlsplit(location).path, content


def _short_form(form) -> str:
    return urlencode([(k, v if k != "csrfmiddlewaretoken" else "…") for k, v in form])[:400]


def floor_form(rng: random.Random) -> list[tuple[str, str]]:
    """40 fields shaped like survey answers: codes, small numbers, one line of text."""
    words = [
        "direct",
        "third_sector",
        "permanent",
        "part_time",
        "counsellor",
        "band_6",
        "supervision",
        "cbt",
        "bacp",
        "p400_499",
        "london",
        "yes",
        "no",
    ]
    out = []
    for i in range(FLOOR_FIELDS):
        if i == FLOOR_FIELDS - 1:
            value = "bench floor " + secrets.token_hex(8)
        elif i % 10 == 9:
            value = str(rng.randint(0, 80))
        else:
            value = rng.choice(words)
        out.append((f"q{i:02d}", value))
    return out


async def floor_user(client: Client, vu: int, stop_at: float) -> None:
    rng = random.Random(vu)
    forms = [floor_form(rng) for _ in range(4)]
    cookies: dict = {}
    n = 0
    while time.perf_counter() < stop_at:
        try:
            if "csrftoken" not in cookies:
                await client.call("floor_get", "GET", FLOOR_PATH, cookies, expect=200)
                if "csrftoken" not in cookies:
                    client.stats.error("floor_get", "no csrftoken cookie", {})
                    raise Failed
            form = [*forms[n % len(forms)], ("csrfmiddlewaretoken", cookies["csrftoken"])]
            await client.call("floor", "POST", FLOOR_PATH, cookies, form)
            n += 1
        except Failed:
            await asyncio.sleep(0.05)


async def respondent(client: Client, vu: int, stop_at: float, ctx: dict) -> None:
    rng = random.Random(f"{ctx['run']}-{vu}")
    n = 0
    while time.perf_counter() < stop_at:
        n += 1
        marker = f"{ctx['run']}-{vu}-{n}"
        plan = make_plan(ctx["instrument"], rng, marker, ctx["prefer_not"])
        try:
            await one_survey(client, plan, ctx)
        except Failed:
            client.stats.failed_surveys += 1
            await asyncio.sleep(0.05)


async def one_survey(client: Client, plan: Plan, ctx: dict) -> None:
    stats, slug = client.stats, ctx["slug"]
    base = f"/s/{slug}/"
    cookies: dict = {}

    def with_token(form):
        token = cookies.get("csrftoken")
        if not token:
            stats.error("flow", "no csrftoken cookie", {"cookies": sorted(cookies)})
            raise Failed
        return [*form, ("csrfmiddlewaretoken", token)]

    async def follow(location: str) -> None:
        if ctx["get_pages"]:
            await client.call("page_get", "GET", location, cookies, expect=200)

    await client.call("intro", "GET", base, cookies, expect=200)
    _, location, _ = await client.call("start", "POST", base + "start/", cookies, with_token([]))
    await follow(location)
    visited: list[str] = []
    page_re = re.compile(rf"^{re.escape(base)}p/([^/]+)/$")
    for _ in range(len(plan.order) + 2):
        match = page_re.match(location)
        if not match:
            break
        page_id = match.group(1)
        if page_id not in plan.pages:
            stats.off_plan_pages += 1
            stats.error(
                "page",
                "server showed a page skip logic hides",
                {"request": f"(redirect to) {location}", "plan": plan.order, "visited": visited},
            )
            raise Failed
        visited.append(page_id)
        form = with_token([*plan.pages[page_id], ("action", "next")])
        _, location, _ = await client.call("page", "POST", location, cookies, form)
        await follow(location)
    if location != base + "review/":
        stats.error(
            "page",
            "did not reach the review page",
            {"location": location, "visited": visited, "plan": plan.order},
        )
        raise Failed
    if visited != plan.order:
        stats.order_mismatches += 1
    form = with_token([("action", "submit")])
    try:
        _, location, _ = await client.call("submit", "POST", base + "review/", cookies, form)
    except Failed:
        stats.uncertain.add(plan.marker)
        raise
    except asyncio.CancelledError:
        stats.uncertain.add(plan.marker)
        raise
    if location != base + "thanks/":
        stats.uncertain.add(plan.marker)
        stats.error("submit", "submit did not redirect to thanks", {"location": location})
        raise Failed
    stats.completed[plan.marker] = plan.expected
    if stats.measure_start <= time.perf_counter() <= stats.measure_end:
        stats.surveys_in_window += 1
    await follow(location)


async def run_phase(
    name: str,
    base: str,
    users: int,
    warmup: float,
    seconds: float,
    drain: float,
    make_task,
    cpu: CpuMeter,
) -> tuple[Stats, dict]:
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, use_dns_cache=True)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    ) as session:
        client = Client(session, base, stats)
        t0 = time.perf_counter()
        stats.measure_start = t0 + warmup
        stats.measure_end = stats.measure_start + seconds
        # Ramp up over the first half of the warm-up, so respondents do not move in lockstep.
        ramp = warmup / 2

        async def staggered(vu: int) -> None:
            await asyncio.sleep(ramp * vu / users)
            await make_task(client, vu, stats.measure_end)

        tasks = [asyncio.create_task(staggered(vu)) for vu in range(users)]
        await asyncio.sleep(max(0.0, stats.measure_start - time.perf_counter()))
        cpu.start()
        await asyncio.sleep(max(0.0, stats.measure_end - time.perf_counter()))
        usage = cpu.stop()
        done, pending = await asyncio.wait(tasks, timeout=drain)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        usage["unfinished_at_drain_deadline"] = len(pending)
        for task in done:
            if task.exception() is not None:
                raise HarnessError(f"{name}: a virtual user crashed: {task.exception()!r}")
    return stats, usage


def merge_runs(runs: list[tuple[Stats, dict]]) -> tuple[Stats, dict]:
    """Several rounds of one phase as one: counts and latencies pooled, CPU averaged."""
    if len(runs) == 1:
        return runs[0]
    out = Stats()
    for stats, _ in runs:
        for kind, values in stats.latencies.items():
            out.latencies[kind].extend(values)
        out.counts.update(stats.counts)
        out.totals.update(stats.totals)
        out.errors.update(stats.errors)
        out.samples += stats.samples[: max(0, 8 - len(out.samples))]
        out.surveys_in_window += stats.surveys_in_window
        out.completed.update(stats.completed)
        out.uncertain |= stats.uncertain
        out.failed_surveys += stats.failed_surveys
        out.off_plan_pages += stats.off_plan_pages
        out.order_mismatches += stats.order_mismatches
    usage = {
        key: round(sum(u[key] for _, u in runs) / len(runs), 2)
        for key in runs[0][1]
        if key != "unfinished_at_drain_deadline"
    }
    usage["unfinished_at_drain_deadline"] = sum(u["unfinished_at_drain_deadline"] for _, u in runs)
    return out, usage


def wait_quiet(limit: float, threshold_cores: float = 0.3) -> None:
    """Wait (at most `limit` seconds) until the machine's CPUs are nearly idle over 2 s."""
    if limit <= 0:
        return
    deadline = time.monotonic() + limit
    while True:
        busy0, total0 = _machine_ticks()
        time.sleep(2)
        busy1, total1 = _machine_ticks()
        cores = (busy1 - busy0) / max(1, total1 - total0) * len(os.sched_getaffinity(0))
        if cores < threshold_cores:
            return
        if time.monotonic() > deadline:
            print(f"  (machine still busy: {cores:.2f} cores in use; going ahead)", flush=True)
            return
        print(f"  waiting for a quiet machine: {cores:.2f} cores in use by others", flush=True)
        time.sleep(8)


# --------------------------------------------------------------------------------------------
# Figures


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def latency_summary(values: list[float]) -> dict:
    def ms(v):
        return None if v is None else round(v * 1000, 1)

    return {
        "n": len(values),
        "p50_ms": ms(pct(values, 50)),
        "p95_ms": ms(pct(values, 95)),
        "p99_ms": ms(pct(values, 99)),
        "max_ms": ms(max(values) if values else None),
    }


def verify(stats: Stats, db: dict) -> dict:
    text_qid = db["text_qid"]
    result = {
        "client_completed": len(stats.completed),
        "db_responses": db["responses"],
        "added": db["added"],
        "held": db["held"],
        "drafts_left": db["drafts"],
        "uncertain_submits": len(stats.uncertain),
    }
    if text_qid is None:  # no free-text question to carry a marker: counts only
        diff = db["responses"] - len(stats.completed)
        result.update(method="counts", lost=max(0, -diff), duplicated=max(0, diff))
        return result
    seen: collections.Counter = collections.Counter()
    stored: dict[str, dict] = {}
    unmarked = 0
    for answers in db["answers"]:
        text = str(answers.get(text_qid, ""))
        marker = text.removeprefix("bench ").strip() if text.startswith("bench ") else None
        if not marker:
            unmarked += 1
            continue
        seen[marker] += 1
        stored[marker] = answers
    lost = [m for m in stats.completed if seen[m] == 0]
    duplicated = sum(c - 1 for c in seen.values() if c > 1)
    unexpected = [m for m in seen if m not in stats.completed and m not in stats.uncertain]
    mismatched = [
        m for m, exp in stats.completed.items() if m in stored and not answers_match(exp, stored[m])
    ]
    result.update(
        method="per-respondent marker in the free-text answer",
        lost=len(lost),
        duplicated=duplicated,
        saved_though_client_saw_failure=len(unexpected),
        uncertain_and_saved=sum(1 for m in stats.uncertain if seen[m]),
        unmarked_rows=unmarked,
        answers_differ=len(mismatched),
    )
    if mismatched:
        m = mismatched[0]
        result["answers_differ_example"] = {"sent": stats.completed[m], "stored": stored[m]}
    return result


def phase_report(stats: Stats, seconds: float, kinds: list[str]) -> dict:
    lat = [v for k in kinds for v in stats.latencies[k]]
    count = sum(stats.counts[k] for k in kinds)
    return {"per_s": round(count / seconds, 1), "count": count, **latency_summary(lat)}


def print_report(r: dict) -> None:
    m, f, real, v = r["machine"], r["floor"], r["real"], r.get("verification", {})
    line = "-" * 78
    print(line)
    print(f"Survey-submission benchmark  {r['when']}")
    print(
        f"machine   : {m['nproc']} cores, {m['cpu_model']}, {m['memory_gb']} GB, "
        f"Linux {m['kernel']}, Python {m['python']}, load average before the run "
        f"{m['loadavg_before']}"
    )
    print(f"database  : {r['database']}")
    print(
        f"server    : gunicorn {r['versions']['gunicorn']} {r['server']}, "
        f"Django {r['versions']['django']}, settings {r['settings']}"
    )
    print(
        f"client    : aiohttp {r['versions']['aiohttp']}, one asyncio loop, on the same "
        f"machine: client, gunicorn and the database share the {m['nproc']} cores"
    )
    rounds = r["rounds"]
    print(
        f"phases    : {r['warmup']} s warm-up + {r['seconds']} s measured each"
        + (f", {rounds} rounds alternating floor and real flow, pooled" if rounds > 1 else "")
    )
    print(line)
    if f:
        print(
            f"FLOOR ({f['users']} users; GET for a CSRF cookie once, then POST 40 fields "
            "-> insert one row -> 302)"
        )
        p = f["post"]
        print(
            f"  POST/s {p['per_s']:>8}   p50 {p['p50_ms']} ms  p95 {p['p95_ms']} ms  "
            f"p99 {p['p99_ms']} ms  max {p['max_ms']} ms"
        )
        if rounds > 1:
            print(f"  POST/s by round {f['rounds_per_s']}")
        print(f"  errors {f['errors'] or 'none'}")
        print(f"  cpu    {f['cpu']}")
    if real:
        print(
            f"REAL FLOW ({real['users']} respondents: GET intro, POST start, POST each "
            "visible page, POST submit)"
        )
        p, s = real["page_posts"], real["submit"]
        print(
            f"  page POSTs/s (pages + submit) {p['per_s']:>8}   p50 {p['p50_ms']} ms  "
            f"p95 {p['p95_ms']} ms  p99 {p['p99_ms']} ms  max {p['max_ms']} ms"
        )
        print(
            f"  of which submits/s            {s['per_s']:>8}   p50 {s['p50_ms']} ms  "
            f"p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms"
        )
        if rounds > 1:
            print(f"  page POSTs/s by round {real['rounds_per_s']}")
        st, it = real["start"], real["intro"]
        print(
            f"  start POSTs/s                 {st['per_s']:>8}   p95 {st['p95_ms']} ms;  "
            f"intro GETs/s {it['per_s']}  p95 {it['p95_ms']} ms"
        )
        if real.get("page_gets"):
            g = real["page_gets"]
            print(f"  page GETs/s                   {g['per_s']:>8}   p95 {g['p95_ms']} ms")
        print(f"  all requests/s                {real['all_requests_per_s']:>8}")
        print(
            f"  completed surveys/s           {real['surveys_per_s']:>8}   "
            f"({real['pages_per_survey']} page POSTs + 1 submit per survey on average)"
        )
        print(f"  failed surveys {real['failed_surveys']}, errors {real['errors'] or 'none'}")
        if real["order_mismatches"] or real["off_plan_pages"]:
            print(
                f"  skip logic: {real['off_plan_pages']} hidden pages shown, "
                f"{real['order_mismatches']} surveys with another page order"
            )
        print(f"  cpu    {real['cpu']}")
    if v:
        print("VERIFICATION (database after every survey in flight finished)")
        print(
            f"  thanks pages seen {v['client_completed']}, answers stored {v['db_responses']} "
            f"({v['added']} added as responses, {v['held']} held), "
            f"drafts left {v['drafts_left']}"
        )
        print(f"  lost {v['lost']}, duplicated {v['duplicated']}  [{v['method']}]")
        extra = {
            k: v[k]
            for k in (
                "saved_though_client_saw_failure",
                "uncertain_and_saved",
                "uncertain_submits",
                "unmarked_rows",
                "answers_differ",
            )
            if k in v
        }
        print(f"  {extra}")
        if "answers_differ_example" in v:
            print(f"  example: {v['answers_differ_example']}")
    if r.get("samples"):
        print("FIRST ERRORS")
        for sample in r["samples"]:
            print(f"  {json.dumps(sample)[:1500]}")
    print(line)
    noisy = [
        f"{name}: {phase['cpu']['other_cores']} cores"
        for name, phase in (("floor", f), ("real flow", real))
        if phase and phase["cpu"]["other_cores"] > NOISE_CORES
    ]
    if noisy:
        print(
            "WARNING: other work used the CPU during the run ("
            + "; ".join(noisy)
            + "): the figures are not trustworthy; run again on a quiet machine."
        )
    if f and real:
        t = r["targets"]
        print(
            f"ratio real/floor (page POSTs/s / floor POSTs/s): {t['ratio']}  "
            f"[target >= {TARGET_RATIO}: {'met' if t['ratio_met'] else 'NOT met'}]"
        )
        print(f"  (all real requests/s / floor POSTs/s: {t['ratio_all_requests']})")
        print(
            f"p95 of page POSTs: {real['page_posts']['p95_ms']} ms  "
            f"[target < {TARGET_P95_MS:g} ms: {'met' if t['p95_met'] else 'NOT met'}]"
        )
        if v:
            print(
                f"lost/duplicated: {v['lost']}/{v['duplicated']}  "
                f"[target 0/0: {'met' if t['integrity_met'] else 'NOT met'}]"
            )
        print(f"ALL TARGETS {'MET' if t['all_met'] else 'NOT MET'}")
        print(line)


def versions() -> dict:
    from importlib.metadata import version

    return {
        name: version(dist)
        for name, dist in (
            ("django", "Django"),
            ("gunicorn", "gunicorn"),
            ("aiohttp", "aiohttp"),
            ("psycopg", "psycopg"),
        )
    }


# --------------------------------------------------------------------------------------------


def bounded(lo: float, hi: float, kind=int):
    def parse(text: str):
        value = kind(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}")
        return value

    return parse


def parse_args(argv=None):
    ncpu = len(os.sched_getaffinity(0))
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument(
        "--database-url",
        help="PostgreSQL on 127.0.0.1 whose database name starts "
        f"with freeassoc_bench; it is dropped and created (default {DEFAULT_PG_URL}, "
        "or $BENCH_DATABASE_URL)",
    )
    p.add_argument(
        "--seconds",
        type=bounded(1, 600, float),
        default=20.0,
        help="measured seconds per phase (default 20)",
    )
    p.add_argument(
        "--warmup",
        type=bounded(0, 60, float),
        default=5.0,
        help="unmeasured seconds at the start of each phase, the first half of them a "
        "ramp-up (default 5)",
    )
    p.add_argument(
        "--users",
        type=bounded(1, 1000),
        default=100,
        help="concurrent virtual respondents (default 100)",
    )
    p.add_argument(
        "--floor-users",
        type=bounded(1, 1000),
        help="concurrent users for the floor (default: --users)",
    )
    p.add_argument(
        "--phases", default="floor,real", help="comma-separated, from floor,real (default both)"
    )
    p.add_argument(
        "--rounds",
        type=bounded(1, 10),
        default=1,
        help="alternate floor and real flow this many times and pool the figures, so both "
        "phases see the same conditions on a shared machine (default 1)",
    )
    p.add_argument(
        "--wait-quiet",
        type=bounded(0, 3600, float),
        default=0.0,
        metavar="SECONDS",
        help="before each phase, wait up to this long for the CPUs to be idle (default 0: "
        "do not wait)",
    )
    p.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="gthread",
        help="gunicorn worker class (default gthread: keeps connections alive, measured "
        "faster than sync)",
    )
    p.add_argument(
        "--workers",
        type=bounded(1, 64),
        default=ncpu,
        help=f"gunicorn workers (default: one per core = {ncpu}; on the 2-core machine "
        "gthread 2x4 measured best, 2*cores+1 = 5 workers 5-10%% slower)",
    )
    p.add_argument(
        "--threads", type=bounded(1, 64), default=4, help="threads per gthread worker (default 4)"
    )
    p.add_argument(
        "--get-pages",
        action="store_true",
        help="respondents also GET each page they are redirected to, as a browser "
        "does (off by default: the target is about POSTs)",
    )
    p.add_argument("--port", type=bounded(0, 65535), default=0, help="default: a free port")
    p.add_argument("--settings", default="bench.settings_bench")
    p.add_argument(
        "--json",
        type=Path,
        help="also write the figures here (default "
        "bench/results/submissions-<database>-<time>.json)",
    )
    p.add_argument(
        "--keep-workdir",
        action="store_true",
        help="keep the temporary folder (gunicorn log, SQLite file)",
    )
    args = p.parse_args(argv)
    args.floor_users = args.floor_users or args.users
    args.phases = [x.strip() for x in args.phases.split(",") if x.strip()]
    if not args.phases or set(args.phases) - {"floor", "real"}:
        p.error("--phases takes floor, real or floor,real")
    if (
        args.database == "postgres"
        and args.worker_class == "gthread"
        and args.workers * args.threads > 90
    ):
        p.error("workers x threads must stay under PostgreSQL's 100 connections")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="freeassoc-bench-"))
    try:
        return _main(args, workdir)
    except HarnessError as exc:
        print(f"harness failure: {exc}", file=sys.stderr)
        return 2
    finally:
        if not args.keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"work folder kept: {workdir}")


def _main(args, workdir: Path) -> int:
    from freeassoc.surveys import instrument as instruments

    instrument = instruments.get("surviving-work", 1)
    env, described = prepare_environment(args, workdir)
    setup_django(env)
    fixtures = create_fixtures(instrument.slug, instrument.version)

    server = Server(args, env, workdir)
    report: dict = {
        "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "database": described,
        "versions": versions(),
        "settings": args.settings,
        "server": (
            f"{args.workers} {args.worker_class} workers"
            + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
            + " on 127.0.0.1, access log off, rate limits off"
        ),
        "seconds": args.seconds,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "floor": None,
        "real": None,
        "samples": [],
    }
    drain = max(30.0, args.seconds)
    measured = args.seconds * args.rounds
    print(f"database: {described}", flush=True)
    print(f"starting gunicorn: {' '.join(server.command[2:])}", flush=True)
    floor_runs: list[tuple[Stats, dict]] = []
    real_runs: list[tuple[Stats, dict]] = []
    run_id = secrets.token_hex(3)
    try:
        server.start()
        cpu = CpuMeter(server.proc.pid)
        for rnd in range(1, args.rounds + 1):
            label = f"round {rnd}/{args.rounds}: " if args.rounds > 1 else ""
            if "floor" in args.phases:
                wait_quiet(args.wait_quiet)
                print(
                    f"{label}floor: {args.floor_users} users, "
                    f"{args.warmup:g}+{args.seconds:g} s ...",
                    flush=True,
                )
                floor_runs.append(
                    asyncio.run(
                        run_phase(
                            "floor",
                            server.base,
                            args.floor_users,
                            args.warmup,
                            args.seconds,
                            drain,
                            floor_user,
                            cpu,
                        )
                    )
                )
            if "real" in args.phases:
                ctx = {
                    "instrument": instrument,
                    "slug": fixtures["collector_slug"],
                    "run": f"{run_id}r{rnd}",
                    "prefer_not": instruments.PREFER_NOT,
                    "get_pages": args.get_pages,
                }

                async def task(client, vu, stop_at, ctx=ctx):
                    await respondent(client, vu, stop_at, ctx)

                wait_quiet(args.wait_quiet)
                print(
                    f"{label}real flow: {args.users} respondents, "
                    f"{args.warmup:g}+{args.seconds:g} s ...",
                    flush=True,
                )
                real_runs.append(
                    asyncio.run(
                        run_phase(
                            "real",
                            server.base,
                            args.users,
                            args.warmup,
                            args.seconds,
                            drain,
                            task,
                            cpu,
                        )
                    )
                )
    finally:
        server.stop()

    if floor_runs:
        stats, usage = merge_runs(floor_runs)
        if stats.counts["floor"] == 0:
            raise HarnessError(
                "the floor phase had no successful POST: "
                f"{dict(stats.errors)} {stats.samples[:2]}\n{server.tail()}"
            )
        report["floor"] = {
            "users": args.floor_users,
            "post": phase_report(stats, measured, ["floor"]),
            "rounds_per_s": [round(s.counts["floor"] / args.seconds, 1) for s, _ in floor_runs],
            "errors": {f"{k} {w}": n for (k, w), n in stats.errors.items()},
            "cpu": usage,
        }
        report["samples"] += stats.samples[:3]
    if real_runs:
        stats, usage = merge_runs(real_runs)
        report["samples"] += stats.samples
        db = database_counts(fixtures["survey_id"], text_question(instrument))
        report["verification"] = verify(stats, db)
        all_kinds = ["intro", "start", "page", "submit", "page_get"]
        page_posts = sum(stats.counts[k] for k in ("page", "submit"))
        report["real"] = {
            "users": args.users,
            "page_posts": phase_report(stats, measured, ["page", "submit"]),
            "rounds_per_s": [
                round((s.counts["page"] + s.counts["submit"]) / args.seconds, 1)
                for s, _ in real_runs
            ],
            "pages": phase_report(stats, measured, ["page"]),
            "submit": phase_report(stats, measured, ["submit"]),
            "start": phase_report(stats, measured, ["start"]),
            "intro": phase_report(stats, measured, ["intro"]),
            "page_gets": (phase_report(stats, measured, ["page_get"]) if args.get_pages else None),
            "all_requests_per_s": round(sum(stats.counts[k] for k in all_kinds) / measured, 1),
            "surveys_per_s": round(stats.surveys_in_window / measured, 1),
            "pages_per_survey": round(stats.totals["page"] / max(1, stats.totals["submit"]), 2),
            "failed_surveys": stats.failed_surveys,
            "off_plan_pages": stats.off_plan_pages,
            "order_mismatches": stats.order_mismatches,
            "errors": {f"{k} {w}": n for (k, w), n in stats.errors.items()},
            "cpu": usage,
        }
        if page_posts == 0:
            report["harness_note"] = "the real flow had no successful page POST"

    f, real, v = report["floor"], report["real"], report.get("verification")
    if f and real:
        ratio = real["page_posts"]["per_s"] / f["post"]["per_s"]
        p95 = real["page_posts"]["p95_ms"]
        t = {
            "ratio": round(ratio, 3),
            "ratio_all_requests": round(real["all_requests_per_s"] / f["post"]["per_s"], 3),
            "ratio_met": ratio >= TARGET_RATIO,
            "p95_met": p95 is not None and p95 < TARGET_P95_MS,
            "integrity_met": bool(v)
            and v["lost"] == 0
            and v["duplicated"] == 0
            and not v.get("answers_differ"),
        }
        t["all_met"] = (
            t["ratio_met"] and t["p95_met"] and t["integrity_met"] and real["failed_surveys"] == 0
        )
        report["targets"] = t
    print_report(report)
    gunicorn_errors = server.tail(15)
    if gunicorn_errors.strip():
        print("gunicorn error log (last lines):")
        print(gunicorn_errors)
    out = args.json or ROOT / "bench" / "results" / (
        f"submissions-{args.database}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"figures written to {out}")
    if report.get("harness_note"):
        print(f"harness failure: {report['harness_note']}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

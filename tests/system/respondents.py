"""Respondents over real HTTP, many at once: threads, each with its own connection, cookies
and client address, walking the whole flow (intro, start, every page, review, submit).

Answers are generated from the shipped instrument and follow its skip logic, so they stay
valid when the questionnaire changes; every respondent writes a unique marker into the first
free-text question, so that each stored answer set can be matched to the respondent who
sent it.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from freeassoc.surveys import instrument as instruments

INSTRUMENT = ("surviving-work", 1)
RETRYABLE = {502, 503, 504}  # the proxy or the app saying "not now": a person presses reload


def client_address(n: int) -> str:
    """The n-th respondent's own loopback address (all of 127/8 is this machine)."""
    return f"127.0.{n // 250 + 1}.{n % 250 + 2}"


@dataclass
class Plan:
    marker: str
    pages: dict[str, list[tuple[str, str]]]
    expected: dict  # the answers as they should be stored


def make_plan(marker: str, rng: random.Random) -> Plan:
    instrument = instruments.get(*INSTRUMENT)
    text_qid = next(q.id for q in instrument.questions.values() if q.type == "text")
    answers: dict = {}
    pages: dict[str, list[tuple[str, str]]] = {}
    for page in instrument.pages:
        if not page.visible(answers):
            continue
        fields: list[tuple[str, str]] = []
        for q in page.questions:
            if not q.visible(answers):
                continue
            if q.type in {"single", "pay_band"}:
                answers[q.id] = rng.choice([o.code for o in q.options])
                fields.append((q.id, answers[q.id]))
            elif q.type == "multiple":
                plain = [o.code for o in q.options if not o.exclusive]
                answers[q.id] = rng.sample(plain, rng.randint(1, min(3, len(plain))))
                fields.extend((q.id, code) for code in answers[q.id])
            elif q.type == "number":
                answers[q.id] = rng.randint(q.min, q.max)
                fields.append((q.id, str(answers[q.id])))
            else:
                answers[q.id] = f"system test {marker}" if q.id == text_qid else "system test"
                fields.append((q.id, answers[q.id]))
        pages[page.id] = fields
    return Plan(marker=marker, pages=pages, expected=answers)


def same_answers(expected: dict, stored: dict) -> bool:
    def norm(value):
        return sorted(value) if isinstance(value, list) else value

    return expected.keys() == stored.keys() and all(
        norm(expected[k]) == norm(stored[k]) for k in expected
    )


class Unexpected(Exception):
    """The server answered with a page this step should never lead to."""


class Browser:
    """One respondent's browser: its own keep-alive connection, address and cookies."""

    def __init__(self, target: dict, source: str):
        self.target, self.source = target, source
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        """A connection to the target's name (for TLS and its certificate), made to the
        target's address from this browser's own."""
        t = self.target
        name = t["host"].split(":")[0]
        if t.get("cafile"):
            context = ssl.create_default_context(cafile=t["cafile"])
            conn = http.client.HTTPSConnection(name, t["port"], timeout=60, context=context)
        else:
            conn = http.client.HTTPConnection(name, t["port"], timeout=60)
        conn._create_connection = lambda _, timeout, __: socket.create_connection(
            (t["connect"], t["port"]), timeout, (self.source, 0)
        )
        return conn

    def request(self, method: str, path: str, fields=None, headers=None):
        """(status, Location path, body text); OSError when the connection failed."""
        head = {"Host": self.target["host"], **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode([*fields, ("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))])
            head["Content-Type"] = "application/x-www-form-urlencoded"
            head["Origin"] = self.target["origin"]
            head["Referer"] = self.target["origin"] + path
        try:
            self.conn = self.conn or self._connect()
            self.conn.request(method, path, body=body, headers=head)
            response = self.conn.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise OSError(f"{method} {path}: {exc!r}") from exc
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or not value.strip('"'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, urlsplit(response.getheader("Location", "")).path, text

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


RESENT = "resent"  # step()'s answer when the page for a repeated request came back


@dataclass
class Outcome:
    marker: str
    expected: dict
    acknowledged: bool = False  # the client saw the thanks page
    submit_sent: bool = False
    errors: list[str] = field(default_factory=list)  # pages a respondent should never see
    retried: list[str] = field(default_factory=list)  # 503s and dropped connections


class Respondent:
    def __init__(self, target: dict, slug: str, n: int, run: str, retry_for: float):
        self.browser = Browser(target, client_address(n))
        self.base = f"/s/{slug}/"
        self.plan = make_plan(f"{run}-{n}", random.Random(f"{run}-{n}"))
        self.outcome = Outcome(self.plan.marker, self.plan.expected)
        self.retry_for = retry_for  # seconds a person would keep pressing reload

    def step(
        self, method: str, path: str, fields=None, expect=302, what: str = "", resent: str = ""
    ) -> str:
        """One request, repeated like a person pressing reload while the server says "not
        now" (a 502/503/504 with a sentence, or no answer at all); any other unexpected answer
        is a wrong page. Returns the Location (or the body, for a 200). `resent` is the title
        of the page that rightly answers a request repeated after its first answer was lost:
        it is accepted only after a retry."""
        deadline = time.monotonic() + self.retry_for
        retries = len(self.outcome.retried)
        while True:
            try:
                status, location, body = self.browser.request(method, path, fields)
            except OSError as exc:
                self.outcome.retried.append(str(exc)[:200])
            else:
                if status == expect:
                    return location if expect == 302 else body
                if resent and status == 200 and len(self.outcome.retried) > retries:
                    if f"<title>{resent}" in body:
                        return RESENT
                if status not in RETRYABLE:
                    raise Unexpected(f"{what or path}: HTTP {status} {location} {body[:300]!r}")
                if status == 503 and "try again" not in body.lower():
                    raise Unexpected(f"{what or path}: a 503 that says nothing: {body[:300]!r}")
                self.outcome.retried.append(f"{method} {path}: HTTP {status}")
            if time.monotonic() > deadline:
                raise Unexpected(f"{what or path}: still failing after {self.retry_for:.0f} s")
            time.sleep(0.5)

    def run(self) -> Outcome:
        try:
            self._walk()
        except Unexpected as exc:
            self.outcome.errors.append(str(exc))
        finally:
            self.browser.close()
        return self.outcome

    def _walk(self) -> None:
        base, plan = self.base, self.plan
        self.step("GET", base, expect=200, what="intro")
        location = self.step("POST", base + "start/", [], what="start")
        page_re = re.compile(rf"^{re.escape(base)}p/([^/]+)/$")
        while match := page_re.match(location):
            page_id = match.group(1)
            if page_id not in plan.pages:
                raise Unexpected(f"the server showed page {page_id}, which skip logic hides")
            self.step("GET", location, expect=200, what=f"page {page_id}")
            fields = [*plan.pages.pop(page_id), ("action", "next")]
            location = self.step("POST", location, fields, what=f"page {page_id}")
        if location != base + "review/" or plan.pages:
            raise Unexpected(f"ended at {location} with pages {sorted(plan.pages)} unanswered")
        self.step("GET", location, expect=200, what="review")
        self.outcome.submit_sent = True
        location = self.step(
            "POST", location, [("action", "submit")], what="submit", resent="Nothing more to send"
        )
        if location == RESENT:
            # The first Send's answer was lost, and the page for the repeat says the answers
            # were received, once: an acknowledgement too, which must hold.
            self.outcome.acknowledged = True
            return
        if location != base + "thanks/":
            raise Unexpected(f"submit led to {location}, not the thanks page")
        self.outcome.acknowledged = True
        self.step("GET", location, expect=200, what="thanks")


def run_respondents(
    target: dict, slug: str, count: int, *, run: str, retry_for: float = 0, first: int = 0
) -> list[Outcome]:
    """`count` respondents at once, each in its own thread, from its own address."""
    start = threading.Barrier(count)

    def one(n: int) -> Outcome:
        respondent = Respondent(target, slug, n, run, retry_for)
        start.wait()
        return respondent.run()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(first, first + count)))


def direct(port: int) -> dict:
    """A target reached straight at `freeassoc serve` on 127.0.0.1, plain HTTP."""
    return {
        "connect": "127.0.0.1",
        "port": port,
        "host": f"127.0.0.1:{port}",
        "origin": f"http://127.0.0.1:{port}",
    }

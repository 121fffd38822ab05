"""Rate limits: per client, and nothing kept that an employer with a copy of the server could
use, neither the time of day of a start or a submission nor a way to test a suspected address.

The attacker holds a copy of the database (the cache table and the counters included) and,
when the site uses Redis, of Redis; knows the code; and suspects one colleague's address.
"""

import base64
import hashlib
import hmac
import pickle
import time
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from freeassoc.core import ratelimit
from freeassoc.core.models import RateCounter
from tests.surveys.answering import complete

SUSPECT = "203.0.113.77"
REDIS = "redis://127.0.0.1:6379/9"  # a database of its own, emptied by each test
GROUPS = ["start", "submit", "resume", "api", "surgery-join", "group-join", "org-register"]
# Every lifetime this code base gives anything it keeps: an attacker subtracts each from every
# stored expiry and looks for the time of a start or a submission.
LIFETIMES = [0, 1, 5, 60, 65, 300, 3600, 3605, 86400, 86405, 2 * 86400]


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    """The embedded deployment (database cache, key in memory) and the one with Redis."""
    settings.FREEASSOC_RATELIMIT = True
    if request.param == "redis":
        redis = pytest.importorskip("redis")
        client = redis.Redis.from_url(REDIS)
        try:
            client.ping()
        except redis.RedisError:
            pytest.skip("Redis is not reachable at 127.0.0.1:6379")
        client.flushdb()  # this suite's own Redis database: start with nothing in it
        settings.REDIS_URL = REDIS
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
        }
        return client
    settings.REDIS_URL = ""
    return None


def away_from_a_minute_boundary():
    """A start in the first seconds of a minute would sit next to the window's (innocent)
    boundary; wait a little so that the attacker's arithmetic cannot match by chance."""
    while not 5 < time.time() % 60 < 50:
        time.sleep(1)


def stored_expiries(redis) -> list[float]:
    """Every expiry the attacker can read: the cache table's, the counters', Redis's TTLs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM freeassoc_cache")
        found = [row[0] for row in cursor.fetchall()]
    found += list(RateCounter.objects.values_list("expires", flat=True))
    out = []
    for value in found:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:  # SQLite keeps UTC without a zone
            value = value.replace(tzinfo=UTC)
        out.append(value.timestamp())
    if redis is not None:
        for key in redis.keys("*"):
            if (expiry := redis.pexpiretime(key)) > 0:
                out.append(expiry / 1000)
    return out


def dated(expiries: list[float], moments: list[float]) -> list[str]:
    return [
        f"{e} - {life} s = {datetime.fromtimestamp(e - life, tz=UTC):%H:%M:%S}"
        for e in expiries
        for life in LIFETIMES
        for moment in moments
        if abs(e - life - moment) < 2
    ]


@pytest.mark.django_db(transaction=True)
def test_a_copy_of_the_server_gives_no_time_of_day_of_a_start_or_a_submission(store, open_link):
    away_from_a_minute_boundary()
    moments = [time.time()]
    complete(Client(), open_link.slug, REMOTE_ADDR=SUSPECT)
    moments.append(time.time())
    assert RateCounter.objects.exists()  # the limits did count
    assert not dated(stored_expiries(store), moments)


def stored_secrets_and_text(redis) -> tuple[list[bytes], str]:
    """Everything that could be a salt or a key, and all the text a digest could hide in."""
    secrets, text = [], []
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM freeassoc_cache")
        for key, value in cursor.fetchall():
            text.append(key)
            try:
                secrets.append(pickle.loads(base64.b64decode(value)))  # noqa: S301
            except Exception:  # noqa: BLE001,S112
                continue
    text += list(RateCounter.objects.values_list("key", flat=True))
    if redis is not None:
        for key in redis.keys("*"):
            text.append(key.decode(errors="replace"))
            value = redis.get(key) if redis.type(key) == b"string" else None
            if value is not None:
                secrets.append(value)
                try:
                    secrets.append(pickle.loads(value))  # noqa: S301
                except Exception:  # noqa: BLE001,S112
                    continue
    as_bytes = [s.encode() if isinstance(s, str) else s for s in secrets]
    return [s for s in as_bytes if isinstance(s, bytes)], "\n".join(text)


def can_test(secrets: list[bytes], text: str, address: str) -> bool:
    messages = [address, *(f"{g}\0{address}" for g in GROUPS)]
    for secret in secrets:
        for message in messages:
            digest = hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
            if digest[:32] in text:
                return True
    return False


@pytest.mark.django_db(transaction=True)
def test_a_copy_of_the_database_cannot_test_a_suspected_address(store, open_link):
    complete(Client(), open_link.slug, REMOTE_ADDR=SUSPECT)
    secrets, text = stored_secrets_and_text(None)  # the database alone
    assert RateCounter.objects.exists()
    assert not can_test(secrets, text, SUSPECT)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("store", ["redis"], indirect=True)  # without, the key is never stored
def test_once_a_window_is_over_even_the_database_and_redis_together_cannot(
    store, open_link, settings
):
    settings.FREEASSOC_RATELIMIT_START = "30/s"
    settings.FREEASSOC_RATELIMIT_SUBMIT = "30/s"
    complete(Client(), open_link.slug, REMOTE_ADDR=SUSPECT)
    time.sleep(2.1)  # both one-second windows are over
    ratelimit.ratelimit_sweep()  # as the scheduler does
    secrets, text = stored_secrets_and_text(store)
    assert not can_test(secrets, text, SUSPECT)


# Counting -----------------------------------------------------------------------------------


def post(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **meta)


@pytest.mark.django_db
def test_one_client_over_its_limit_does_not_stop_another(store):
    assert [ratelimit.hit(post("198.51.100.1"), "start", "3/h") for _ in range(4)] == [
        False, False, False, True,
    ]  # fmt: skip
    assert not ratelimit.hit(post("198.51.100.2"), "start", "3/h")
    assert not ratelimit.hit(post("198.51.100.1"), "resume", "3/h")  # another limit


@pytest.mark.django_db
def test_behind_the_proxy_clients_are_counted_apart_and_a_forged_header_changes_nothing(store):
    for _ in range(3):
        ratelimit.hit(post("127.0.0.1", "198.51.100.1"), "start", "3/h")
    assert ratelimit.hit(post("127.0.0.1", "198.51.100.1"), "start", "3/h")
    assert not ratelimit.hit(post("127.0.0.1", "198.51.100.2"), "start", "3/h")
    # Directly, not through the proxy, a claimed address is not believed.
    for _ in range(3):
        ratelimit.hit(post("198.51.100.3", "198.51.100.4"), "start", "3/h")
    assert ratelimit.hit(post("198.51.100.3", "198.51.100.5"), "start", "3/h")


@pytest.mark.django_db
def test_every_counter_of_a_window_expires_at_its_end(store):
    ratelimit.hit(post("198.51.100.1"), "start", "3/h")
    ratelimit.hit(post("198.51.100.2"), "api", "3/m")
    expiries = {c.key.split(":")[0]: c.expires for c in RateCounter.objects.all()}
    now = time.time()
    assert expiries["start"].timestamp() == (now // 3600 + 1) * 3600
    assert expiries["api"].timestamp() == (now // 60 + 1) * 60


@pytest.mark.django_db
def test_no_counter_outlives_its_window(store):
    ratelimit.hit(post("198.51.100.1"), "start", "3/h")
    ratelimit.hit(post("198.51.100.1"), "quick", "3/s")
    time.sleep(1.1)
    assert ratelimit.ratelimit_sweep() == 1
    assert [c.key.split(":")[0] for c in RateCounter.objects.all()] == ["start"]


@pytest.mark.django_db
def test_a_new_window_sweeps_the_last_ones_counters(store):
    ratelimit.hit(post("198.51.100.1"), "quick", "3/s")
    time.sleep(1.1)
    ratelimit.hit(post("198.51.100.1"), "quick", "3/s")  # a new window: the old one goes
    assert RateCounter.objects.count() == 1

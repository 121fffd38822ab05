"""Rate limits for anonymous endpoints that leave nothing a copy of the server could use.

A limit counts requests per client network (core/clients.py) in fixed windows (an hour for
"30/h"). What is stored is one RateCounter row per limit, window and client:

- its key is the limit's name and an HMAC of the client's network under the *window's key*,
  which is never stored beside the counters: with REDIS_URL it lives in Redis and expires with
  the window (so that every web host shares it); without, it is derived from a secret that
  `freeassoc serve` makes in memory before it forks its workers, which is never written
  anywhere, so a restart forgets it. A copy of the database cannot test a guessed address;
- its expiry is the end of the window, the same for every counter of that window, so no row
  says when within the hour its client came;
- it is deleted once its window has ended: by `ratelimit_sweep()` (run by the scheduler) and
  by each process when it sees a new window begin.

Written here rather than taken from django-ratelimit because that package keys its counters on
a plain hash of the address (which can be reversed by trying every IPv4 address) and keeps
them in the cache with an expiry counted from the first request.
"""

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.utils import timezone

from .clients import client_network
from .models import RateCounter

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Made when this module is first imported. `freeassoc serve` imports it before gunicorn forks,
# so every worker holds the same secret; nothing ever writes it out.
_PROCESS_SECRET = secrets.token_bytes(32)

_redis_client = None
_window_keys: dict[tuple[int, int], bytes] = {}  # (period, window) -> key, this process only
_windows_seen: dict[int, int] = {}  # period -> latest window this process has counted in


def _parse(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), _PERIODS[period]


def seconds_until_window_end(period: int) -> float:
    """For anything kept for a while: expire at the end of the current window (of `period`
    seconds, counted from the epoch), never at "now + period", which would date the now."""
    now = time.time()
    return (now // period + 1) * period - now


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
    return _redis_client


def _window_key(period: int, window: int) -> bytes:
    if not settings.REDIS_URL:
        message = f"{period}:{window}".encode()
        return hmac.new(_PROCESS_SECRET, message, hashlib.sha256).digest()
    if key := _window_keys.get((period, window)):
        return key
    for stale in [w for w in _window_keys if (w[1] + 1) * w[0] <= time.time()]:
        del _window_keys[stale]
    name = f"freeassoc:ratelimit-key:{period}:{window}"
    end = (window + 1) * period
    # The first process to ask makes the key; all others read it. It expires with the window.
    _redis().set(name, secrets.token_bytes(32), nx=True, exat=end)
    key = _redis().get(name) or secrets.token_bytes(32)  # None: the window just ended
    _window_keys[(period, window)] = key
    return key


def _count(key: str, expires: datetime) -> int:
    """Add one to the counter, atomically (two workers may count the same client at once)."""
    table, key_, expires_, count = (
        connection.ops.quote_name(name)
        for name in (RateCounter._meta.db_table, "key", "expires", "count")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {expires_}, {count}) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({key_}) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING {count}",
            [key, connection.ops.adapt_datetimefield_value(expires)],
        )
        return cursor.fetchone()[0]


def ratelimit_sweep() -> int:
    """Delete every counter whose window has ended. Returns how many were deleted."""
    deleted, _ = RateCounter.objects.filter(expires__lte=timezone.now()).delete()
    return deleted


def hit(request, group: str, rate: str, *, who: str | None = None) -> bool:
    """Count one request; True when the client is over the limit for this window. `who` is
    what to count instead of the client's network (an API key, say)."""
    if not settings.FREEASSOC_RATELIMIT:
        return False
    limit, period = _parse(rate)
    window = int(time.time() // period)
    if _windows_seen.get(period, -1) < window:
        _windows_seen[period] = window
        ratelimit_sweep()  # a new window began: the last one's counters are of no more use
    identity = f"{group}\0{who if who is not None else client_network(request)}"
    digest = hmac.new(_window_key(period, window), identity.encode(), hashlib.sha256)
    expires = datetime.fromtimestamp((window + 1) * period, tz=UTC)
    return _count(f"{group}:{digest.hexdigest()[:40]}", expires) > limit


def limit(group: str, setting: str, methods=("POST",)):
    """Decorator: over the rate named by `setting`, answer 429 with a page that says why."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and hit(request, group, getattr(settings, setting)):
                return render(request, "core/rate_limited.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

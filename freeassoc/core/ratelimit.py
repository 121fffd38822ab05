"""Rate limits for anonymous endpoints that never store an address.

The client's address is turned into an HMAC under a random salt that lives one day in the
cache and is then forgotten; only that HMAC (inside a cache key) is ever counted. Nobody,
the operator included, can go from a counter back to an address once the day's salt is gone.

Written here rather than taken from django-ratelimit because that package keys its counters on
a plain hash of the address (which can be reversed by trying every IPv4 address) and refuses
the database cache that the embedded SQLite deployment uses.
"""

import hashlib
import hmac
import secrets
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), _PERIODS[period]


def _client_digest(request) -> str:
    day = time.strftime("%Y%m%d", time.gmtime())
    salt = cache.get_or_set(f"rl-salt:{day}", lambda: secrets.token_hex(16), 2 * 86400)
    address = request.META.get("REMOTE_ADDR", "")
    return hmac.new(salt.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def hit(request, group: str, rate: str) -> bool:
    """Count one request; True when the client is over the limit for this window."""
    if not settings.FREEASSOC_RATELIMIT:
        return False
    limit, period = _parse(rate)
    window = int(time.time() // period)
    key = f"rl:{group}:{window}:{_client_digest(request)}"
    if cache.add(key, 1, period + 5):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, period + 5)
        return False
    return count > limit


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

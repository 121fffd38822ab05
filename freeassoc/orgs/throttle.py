"""What django-axes is told a client's address is: a keyed digest, never the address.

Failed sign-ins are counted per account and address together (settings AXES_*), so axes needs
something that tells addresses apart. It gets an HMAC of the address under a key made in
memory when the process starts and never written anywhere: not to the database, the cache, a
file or a log. `freeassoc serve` loads the application before gunicorn forks its workers
(apps.OrgsConfig.ready imports this module), so they all share the key and count together. A
restart forgets it, and with it any way to tie a stored counter to an address, even for
someone holding a copy of the database and the key of every other secret on the server.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils import timezone

from freeassoc.core.clients import client_network

_KEY = secrets.token_bytes(32)


def client_digest(request) -> str:
    """The client as the rate limits see it (core.clients: the address behind a trusted
    proxy, an IPv6 client by its /64), under this process's key."""
    return hmac.new(_KEY, str(client_network(request)).encode(), hashlib.sha256).hexdigest()


def sweep() -> int:
    """Delete the counters whose lockout is over. Every failed sign-in already does this
    (settings: the throttle's cache table culls its expired rows on each write); this is for
    the scheduler, so that the last counter of a quiet hour does not wait for the next
    failure. Redis expires its keys itself. Returns how many were deleted."""
    cache = caches[settings.AXES_CACHE]
    if not isinstance(cache, DatabaseCache):
        return 0
    connection = connections[router.db_for_write(cache.cache_model_class)]
    table = connection.ops.quote_name(settings.CACHES[settings.AXES_CACHE]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE expires < %s",  # noqa: S608 (our own table's name)
            [connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        return cursor.rowcount

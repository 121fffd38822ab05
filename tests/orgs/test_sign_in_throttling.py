"""Sign-in throttling that cannot be turned against the real user, and keeps nothing about
anyone: wrong passwords are counted per account and address together, as a counter under a
keyed digest, for as long as the lockout lasts."""

import datetime
import hashlib
import logging

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone

from freeassoc.orgs import throttle

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
REAL_USER = "198.51.100.7"
AGENT = "Mozilla/5.0 (Distinctive-Agent-7Q2X; like Gecko)"


def attempt(password: str, address: str, username: str = "olive"):
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=AGENT).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def everything_stored() -> str:
    """Every row of every table of the database, as one text (the cache tables included)."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows += [repr(row) for row in cursor.fetchall()]
    return "\n".join(rows)


def test_wrong_passwords_from_elsewhere_do_not_lock_the_real_user_out(organiser):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        attempt("guess", ATTACKER)
    # The attacker's address is locked out of this account, even with the right password...
    locked = attempt("correct horse battery", ATTACKER)
    assert locked.status_code == 429 and "paused" in locked.content.decode()
    # ...but the real user, elsewhere, signs in.
    assert attempt("correct horse battery", REAL_USER).status_code == 302
    # And the attacker's address is not locked out of other accounts.
    assert attempt("guess", ATTACKER, username="ana").status_code == 200


def test_failed_sign_ins_store_no_address_and_no_agent_anywhere(organiser, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attempt("guess", ATTACKER)
    attempt("guess", ATTACKER, username="nobody-by-this-name")
    stored = everything_stored() + "\n" + caplog.text
    assert "Distinctive-Agent-7Q2X" not in stored
    assert ATTACKER not in stored
    assert hashlib.sha256(ATTACKER.encode()).hexdigest() not in stored
    # axes' own key for the plain address (a hash that anyone could recompute for each of
    # the 2^32 IPv4 addresses) is not there either: only one under the keyed digest is.
    plain = "axes-" + hashlib.sha256(f"olive{ATTACKER}".encode()).hexdigest()
    keyed = "axes-" + hashlib.sha256(f"olive{digest(ATTACKER)}".encode()).hexdigest()
    assert plain not in stored
    assert caches["axes"].get(keyed) == settings.AXES_FAILURE_LIMIT + 1
    # The digest's key is not stored either: it lives in this process's memory only.
    assert throttle._KEY.hex() not in stored


def digest(address: str) -> str:
    class Request:
        META = {"REMOTE_ADDR": address}

    return throttle.client_digest(Request())


@pytest.mark.skipif(
    "redis" in settings.CACHES.get("axes", settings.CACHES["default"])["BACKEND"],
    reason="Redis expires each key itself",
)
def test_a_counter_lasts_only_as_long_as_the_lockout(organiser):
    table = connection.ops.quote_name(settings.CACHES["axes"]["LOCATION"])
    attempt("guess", ATTACKER)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, expires FROM {table}")  # noqa: S608
        (key, expires), *others = cursor.fetchall()
    assert not others and "axes-" in key
    if isinstance(expires, str):  # SQLite's raw cursor gives text
        expires = datetime.datetime.fromisoformat(expires)
    expires = expires.replace(tzinfo=datetime.UTC)  # the database cache keeps UTC
    lockout = settings.AXES_COOLOFF_TIME * 3600
    assert 0 < (expires - timezone.now()).total_seconds() <= lockout + 5
    # When the lockout is over (its expiry passes), the next failed sign-in, of anyone,
    # deletes the counter: it does not wait in the table to be found.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET expires = %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(timezone.now() - datetime.timedelta(days=1))],
        )
    attempt("guess", REAL_USER, username="someone-else")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")  # noqa: S608
        left = [row[0] for row in cursor.fetchall()]
    assert key not in left and len(left) == 1
    # And the scheduler's sweep deletes the last one without waiting for another failure.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET expires = %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(timezone.now() - datetime.timedelta(1))],
        )
    assert throttle.sweep() == 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        assert cursor.fetchone()[0] == 0

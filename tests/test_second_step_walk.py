"""Every address of the site, resolved from the URLconf, either is on the second step's short
allow-list or refuses a session that has only passed the password.

A new page is protected by default; this test fails if someone adds a page that a
password-only session can reach without adding it, with a reason, to the allow-list.
"""

import itertools
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from freeassoc.orgs.middleware import ALLOWED
from tests.auth import authenticator

# A value for each path converter, and candidates for the admin's regular expressions.
BY_CONVERTER = {"int": "1", "slug": "x", "str": "x", "path": "x",
                "uuid": "00000000-0000-0000-0000-000000000000"}  # fmt: skip
REGEX_CANDIDATES = ["", "orgs/", "x", "x/", "1/"]


def _pieces(pattern) -> list[str]:
    """Pieces of address that `pattern` matches (none if none of ours does)."""
    if isinstance(pattern, RoutePattern):
        return [
            re.sub(
                r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>",
                lambda m: BY_CONVERTER[m.group("conv") or "str"],
                str(pattern),
            )
        ]
    return [c for c in REGEX_CANDIDATES if pattern.regex.fullmatch(c)]


def _routes():
    """(description, example path, view name) for every leaf of the URLconf."""
    found = []

    def walk(patterns, prefix, namespace, route):
        for entry in patterns:
            options = _pieces(entry.pattern)
            if isinstance(entry, URLResolver):
                space = entry.namespace
                inner = f"{namespace}:{space}" if namespace and space else (space or namespace)
                walk(entry.url_patterns, prefix + [options], inner, route + [entry])
            else:
                assert isinstance(entry, URLPattern)
                name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
                found.append((name or entry.lookup_str, prefix + [options], entry, route + [entry]))

    walk(get_resolver().url_patterns, [], "", [])
    routes = []
    for name, pieces, entry, chain in found:
        paths = ["/" + "".join(p) for p in itertools.product(*pieces)]
        assert paths, f"No example address for {name}: add a candidate above."
        reaching = [(p, resolve(p)) for p in paths if resolve(p).func == entry.callback]
        if not reaching:
            # Only a route shadowed by an earlier one with the same address may be missed:
            # no request can ever reach it.
            shadow = resolve(paths[0]).route
            assert shadow == "".join(str(e.pattern) for e in chain), f"{paths}: {name}"
            continue
        path, match = reaching[0]
        routes.append((f"{name} {path}", path, match.view_name))
    return routes


ROUTES = _routes()


@pytest.fixture
def password_only(db):
    """A person who has given their password and nothing else, with an authenticator app
    (or, when `with_device` is False, none set up yet)."""
    from django.contrib.auth import get_user_model

    def make(with_device: bool) -> Client:
        user = get_user_model().objects.create_user("pat", password="correct horse battery")
        if with_device:
            authenticator(user)
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.mark.parametrize("with_device", [True, False], ids=["with an app", "no device yet"])
def test_every_page_not_allowed_before_the_second_step_sends_to_it(password_only, with_device):
    client = password_only(with_device)
    second_step = "/org/two-factor/" if with_device else "/org/two-factor/setup/"
    reached = []
    for description, path, view_name in ROUTES:
        if view_name in ALLOWED:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            location = response.get("Location", "")
            if response.status_code != 302 or not location.startswith(second_step):
                reached.append(f"{method.upper()} {description}: {response.status_code}")
    assert not reached, "Reachable with a password alone:\n" + "\n".join(reached)


def test_the_allow_list_is_short_and_names_real_pages_with_reasons():
    names = {view_name for _, _, view_name in ROUTES}
    assert set(ALLOWED) <= names, set(ALLOWED) - names
    assert all(reason.strip() for reason in ALLOWED.values())
    assert len(ALLOWED) <= 12

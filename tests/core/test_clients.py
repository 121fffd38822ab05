"""The client's address, and what a rate limit counts, with and without a trusted proxy."""

import pytest
from django.test import RequestFactory

from freeassoc.core.clients import client_address, client_network


def request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.fixture(autouse=True)
def _proxy(settings):
    settings.FREEASSOC_TRUSTED_PROXIES = ["127.0.0.0/8", "::1", "10.1.2.0/24"]


def test_a_direct_client_is_its_own_address_whatever_it_claims():
    assert str(client_address(request("198.51.100.7", "203.0.113.9"))) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address():
    assert str(client_address(request("127.0.0.1", "203.0.113.9"))) == "203.0.113.9"
    assert str(client_address(request("10.1.2.3", "203.0.113.9"))) == "203.0.113.9"


def test_a_client_cannot_forge_its_way_past_a_proxy_that_appends():
    # The client sent "X-Forwarded-For: 192.0.2.1"; the proxy appended the real address.
    forwarded = "192.0.2.1, 203.0.113.9"
    assert str(client_address(request("127.0.0.1", forwarded))) == "203.0.113.9"
    # A chain of our own proxies is walked through to the first address that is not ours.
    chain = "192.0.2.1, 203.0.113.9, 10.1.2.7"
    assert str(client_address(request("127.0.0.1", chain))) == "203.0.113.9"


def test_with_no_trusted_proxy_the_header_is_never_believed(settings):
    settings.FREEASSOC_TRUSTED_PROXIES = []
    assert str(client_address(request("127.0.0.1", "203.0.113.9"))) == "127.0.0.1"


def test_garbage_from_the_proxy_counts_as_the_proxy():
    assert str(client_address(request("127.0.0.1", "not-an-address"))) == "127.0.0.1"
    assert str(client_address(request("127.0.0.1", ""))) == "127.0.0.1"


def test_ipv6_clients_are_counted_by_their_64():
    one = client_network(request("2001:db8:1:2:aaaa::1"))
    same_household = client_network(request("2001:db8:1:2:bbbb::7"))
    neighbour = client_network(request("2001:db8:1:3::1"))
    assert one == same_household == "2001:db8:1:2::/64"
    assert neighbour != one
    assert client_network(request("127.0.0.1", "[2001:db8:1:2::9]:4431")) == one


def test_ipv4_clients_are_counted_by_their_address():
    assert client_network(request("198.51.100.7")) == "198.51.100.7"
    assert client_network(request("::ffff:198.51.100.7")) == "198.51.100.7"
    assert client_network(request("127.0.0.1", "198.51.100.8")) == "198.51.100.8"

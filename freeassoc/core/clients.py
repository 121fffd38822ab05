"""Who is asking: the client's address, as far as this server can trust it.

Behind a reverse proxy every request comes from the proxy's address, and the client's is in
`X-Forwarded-For`. That header is only believed when the request came from a trusted proxy
(FREEASSOC_TRUSTED_PROXIES); anyone else could write any address there. Proxies that append
rather than overwrite leave the client's own claims on the left, so the client is the
right-most address that is not itself a trusted proxy.

Nothing here is stored: rate limits turn what `client_network` returns into a keyed digest
that is forgotten with its window (see ratelimit.py).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address: Address) -> bool:
    networks = _networks(tuple(settings.FREEASSOC_TRUSTED_PROXIES))
    return any(address in network for network in networks)


def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1 : text.find("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(request) -> Address | None:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy, in which case the
    right-most address in X-Forwarded-For that is not a trusted proxy. None if unknown."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not _trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")) if forwarded else ():
        address = _parse(entry)
        if address is None:
            return remote  # our proxy wrote something we cannot read: count it as the proxy
        if not _trusted(address):
            return address
        remote = address  # a chain of our own proxies: keep walking left
    return remote


def client_network(request) -> str:
    """What a rate limit counts: an IPv4 address, or the /64 of an IPv6 address (one
    household or phone is given a whole /64, so counting single IPv6 addresses counts
    nothing)."""
    address = client_address(request)
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)

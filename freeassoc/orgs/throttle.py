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

_KEY = secrets.token_bytes(32)


def client_digest(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return hmac.new(_KEY, address.encode(), hashlib.sha256).hexdigest()

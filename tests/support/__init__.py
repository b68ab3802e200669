"""The test-support package, loaded as a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``):
one RSA :class:`Signer`, one counting :class:`KeyServer`, one :class:`LoopbackServer` helper, raw
socket helpers, and the shared fixtures (``keypair``, ``key_server``, ``signer``,
``counting_server``, ``make_receiver``)."""

from .fixtures import counting_server, key_server, keypair, make_receiver, receiver_factory, signer
from .keys import CountingServer, KeyServer
from .loopback import LoopbackServer, QuietHandler, closed_port, free_port
from .rawhttp import RawResponse, SocketServer, exchange, raw_http, read_request
from .signer import SKIP, Signer, new_key, post_raw, send

#: The emulator's documented local-only secret (its default credentials are public on purpose).
DEFAULT_SECRET = "osscb-local-secret"

__all__ = [
    "DEFAULT_SECRET", "SKIP", "CountingServer", "KeyServer", "LoopbackServer", "QuietHandler", "RawResponse", "Signer", "SocketServer",
    "closed_port", "counting_server", "exchange", "free_port", "key_server", "keypair", "make_receiver", "new_key",
    "post_raw", "raw_http", "read_request", "receiver_factory", "send", "signer",
]

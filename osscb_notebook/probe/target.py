"""Where the probed server runs and where it can fetch the probe's keys (issue #28).

A server on this machine reaches the probe's key server at ``http://127.0.0.1:KEYPORT/osscb-probe/``.
A server on another machine (a staging box, a VM, a container, a network namespace) cannot: its
``127.0.0.1`` is itself. So every forged key URL fails to fetch there and a server that fetches any
key URL looks as if it refused the forgery. For such a server the probe needs ``--key-url-base``: a
URL of this machine that the server can reach (directly, or through a tunnel forwarding the whole host
to ``--key-port`` with paths unchanged) and that names a path the probe owns, such as
``http://HOST:9870/osscb-probe/``. The forged and look-alike keys are served beside it on the same host
(``/osscb-forged/…``, ``PREFIX-evil/…``), so a correct server trusting the base never trusts them.

Pure apart from :func:`on_this_machine`'s bind test and :func:`self_check`'s one GET.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from .catalogue import DEFAULT_KEY_PORT

#: Where the key server lives by default: the prefix a server on this machine trusts (as ``keyserver.PREFIX_PATH``).
PREFIX_PATH = "/osscb-probe/"
#: Paths on the base's host where the probe serves the forger's key: a base may not be under them.
FORGED_PATHS = ("/osscb-forged/", "/osscb-userinfo/")
#: The overall cap on a run (``--deadline``): a normal run takes about a second, a server that
#: answers every callback just inside OSS's 5 s needs about two minutes in ``--trusted`` mode.
DEFAULT_DEADLINE = 120.0
#: The checks that judge what the server does with key URLs: they mean something only when the
#: server can reach the probe's key server (probe25's ``key-*`` checks fetch from it too).
KEY_URL_IDS = ("forged-key-url", "untrusted-key-fetched", "prefix-bypass")
BASE_EXAMPLE = f"http://HOST:{DEFAULT_KEY_PORT}{PREFIX_PATH}"
INCONCLUSIVE = "inconclusive — your server cannot reach 127.0.0.1 on this machine; pass --key-url-base"
INCONCLUSIVE_FIX = (f"Pass --key-url-base with a URL of this machine that your server can reach and that names a path "
                    f"the probe owns, e.g. {BASE_EXAMPLE} (HOST: this machine as your server sees it; a tunnel only when "
                    f"it cannot reach this machine), start the server trusting it, and probe again.")
SELF_CHECK_TIMEOUT = 3.0


def _bad(base: str, why: str) -> ValueError:
    return ValueError(f"--key-url-base {base!r} {why}")


def check_key_url_base(base: str) -> str:
    """``base`` when it is a key-URL base the probe can own; ``ValueError`` saying how to write it.

    A scheme (http/https), a host, a path other than '/' ending in '/', no userinfo, no query and no
    fragment, no '.'/'..' segments, not under the paths where the probe serves forged keys."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in base):
        raise _bad(base, "contains spaces or control characters")
    parts = urlsplit(base)
    like = f"write it like {BASE_EXAMPLE} (HOST: this machine as your server reaches it)"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad(base, f"is not an http(s) URL: {like}")
    if "@" in parts.netloc:
        raise _bad(base, "has userinfo ('@'): every exported receiver refuses '@' in a key URL, so a server "
                         f"could never fetch the probe's key; {like}")
    if not parts.hostname:
        raise _bad(base, f"has no host: {like}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError:
        raise _bad(base, f"has an invalid port: {like}") from None
    if "?" in base:
        raise _bad(base, f"has a query: the key URLs are the base plus a path, so {like}")
    if "#" in base:
        raise _bad(base, f"has a fragment: {like}")
    path = parts.path
    if path in ("", "/"):
        raise _bad(base, "names no path: the probe must own a path on that host (it serves forged keys beside "
                         f"it, which a server trusting the whole host would accept); {like}")
    if not path.endswith("/"):
        raise _bad(base, f"must end in '/' (a prefix without it also matches {path}-evil/…): write {base}/")
    if any(seg in (".", "..") for seg in path.split("/")) or "//" in path:
        raise _bad(base, f"has an empty, '.' or '..' path segment: {like}")
    if path.startswith(FORGED_PATHS):
        raise _bad(base, f"is under {', '.join(FORGED_PATHS)}, where the probe serves the forger's key: {like}")
    return base


def busy_port_hint(base: str | None) -> str:
    """What to do when the key port is taken (the prefix to trust follows the port only without a base)."""
    if base:
        return (f"Pick a free port with --key-port PORT and make {base} reach it (forward its host to that port, "
                f"paths unchanged); the prefix to trust stays {base}.")
    return (f"Pick a free port with --key-port PORT; the prefix to trust is then "
            f"http://127.0.0.1:PORT{PREFIX_PATH} (printed in the report).")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    addr = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _bound_here(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``addr`` is assigned to an interface of this machine (network namespace): only then can
    a socket bind to it."""
    family = socket.AF_INET6 if addr.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((str(addr), 0))
        except OSError:
            return False
    return True


def on_this_machine(local: str, peer: str) -> bool:
    """Whether a connection from ``local`` to ``peer`` (IP addresses) stays on this machine: the peer is a
    loopback address, our own source address, or an address of one of this machine's interfaces.

    A server reached through a forward on this machine (``ssh -L``, ``docker run -p``, ``kubectl
    port-forward``) looks local: its ``127.0.0.1`` is still not ours, so pass ``--key-url-base`` there."""
    try:
        p, loc = _address(peer), _address(local)
    except ValueError:
        return False
    return p.is_loopback or p == loc or _bound_here(p)


def self_check(url: str, timeout: float = SELF_CHECK_TIMEOUT) -> str:
    """Fetch ``url`` (a trusted key URL under the base) from this machine: '' when it answered, else
    what went wrong. The caller checks that its own key server recorded the fetch."""
    request = urllib.request.Request(url, headers={"User-Agent": "osscb-probe-self-check"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)  # no proxy: this machine
    try:
        with contextlib.closing(opener.open(request, timeout=timeout)) as resp:
            resp.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        return f"it answered {exc.code}"
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{reason}"
    return ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

"""Where a callback may go: the checks OSS makes before storing (an address the host resolves to
must be allowed) and the address each attempt then connects to, so DNS cannot rebind it.

A host that does not resolve is refused before storing: OSS's EC page 0007-00000007 documents an
error for a callbackUrl that cannot be resolved to an IP; its status and message are unpublished, so
the emulator answers 400 ``InvalidArgument`` in the kit's words (``params.messages.HOST_UNRESOLVABLE``;
see docs/callback-var-keys.md).

Policies (``EmulatorConfig.callback_policy``, ``--callback-policy``):

- ``oss-with-loopback`` (default): the ``oss`` rule, except that loopback (127.0.0.0/8, ``localhost``)
  is allowed so that a learner can run everything on one machine.
- ``oss``: only globally routable unicast addresses. OSS documents refusing loopback and RFC 1918
  addresses; refusing link-local, 100.64/10, unspecified, reserved and multicast too is our
  extrapolation.
- ``any``: every address that resolves, private ones included (for a receiver on a LAN or in
  a container network).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping

from ..errors import CallbackParamError
from ..params import CallbackParams, CallbackTarget
from ..params import messages as m

POLICIES = ("oss-with-loopback", "oss", "any")
DEFAULT_POLICY = "oss-with-loopback"
#: a host name as DNS allows it: labels of 1-63 letters, digits, '-' or '_', 253 characters at most
_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
#: callbackHost goes into the Host header as written: a host name or IPv4, optionally ":port"
_HOST_HEADER = re.compile(r"^[A-Za-z0-9._-]{1,253}(:[0-9]{1,5})?$")


def _param_error(msg: m.OssMessage, shown: str) -> CallbackParamError:
    return CallbackParamError(msg.message, ec=msg.ec, argument_value=shown, hint=msg.hint)


def forbidden(address: str, policy: str) -> bool:
    """True if ``policy`` refuses a callback to ``address`` (an IP literal, v4 or v6)."""
    if policy == "any":
        return False
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if policy == "oss-with-loopback" and ip.is_loopback:
        return False
    # is_global is False for private, loopback, link-local, unspecified, shared (100.64/10),
    # documentation and reserved ranges; multicast counts as global, so refuse it by name
    return not ip.is_global or ip.is_multicast


def valid_host_name(host: str) -> bool:
    """A host OSS could resolve: DNS syntax (``a..b`` or a 64-character label is not)."""
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(_LABEL.match(label) for label in name.split("."))


def resolve(target: CallbackTarget) -> list[str]:
    """IPv4 addresses of the target's host (OSS calls IPv4 only); decimal, octal and hex
    spellings resolve as the C library reads them. Empty when the name does not resolve; names
    under ``.invalid`` never do and are not looked up (RFC 6761 §6.4: resolver APIs should answer
    them negatively at once), so a lesson or a test using one sends no DNS query."""
    if target.host.rstrip(".").lower().rpartition(".")[2] == "invalid":
        return []
    try:
        infos = socket.getaddrinfo(target.host, target.port, socket.AF_INET, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_wire_fields(params: CallbackParams, shown: str) -> None:
    """Fields that pass parsing but could not go on the wire: refused before storing with
    OSS's 400 for the field, rather than failing (or crashing) after the object is stored."""
    for target in params.targets:
        if not valid_host_name(target.host):
            raise _param_error(m.URL_INVALID, shown)
    if params.host and not _HOST_HEADER.match(params.host):
        raise _param_error(m.HOST_INVALID, shown)
    headers = params.extra.get("additionalHeaders")
    if isinstance(headers, Mapping):
        for value in headers.values():
            if not isinstance(value, str) or any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in value):
                raise _param_error(m.ADDITIONAL_HEADERS_INVALID, shown)


def pick_addresses(params: CallbackParams, policy: str, shown: str) -> list[str]:
    """One address per target to connect to, checked against ``policy``.

    Raises the 400 for EC 0007-00000007 when a host does not resolve, and OSS's 400 ``Private
    address is forbidden to callback.`` (EC 0007-00000008) when any address a host resolves to is
    refused. Nothing is sent to any address here.
    """
    chosen = []
    for target in params.targets:
        addresses = resolve(target)
        if not addresses:
            raise _param_error(m.HOST_UNRESOLVABLE, shown)
        if any(forbidden(a, policy) for a in addresses):
            raise _param_error(m.PRIVATE_ADDRESS, shown)
        chosen.append(addresses[0])
    return chosen

"""Notebook defaults as a traitlets ``Configurable``: ``%config Osscb.backend = "oss"``.

Settable from ``%config`` and from IPython config files (``c.Osscb.tunnel = "ngrok"``). Secrets are
not options: an access key secret typed into ``%config`` would land in the notebook, so the real-OSS
backend reads it from ``OSS_ACCESS_KEY_SECRET`` or asks with ``getpass``.
"""

from __future__ import annotations

import os
import warnings
from typing import Any
from urllib.parse import urlsplit

from IPython.core.error import UsageError
from traitlets import Bool, CaselessStrEnum, Dict, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from ._naming import valid_bucket_name
from .receiver import MODES
from .tunnels.registry import choices

BACKENDS = ("emulator", "oss")
#: Set by ``osscb lab --backend``: the default of ``Osscb.backend`` in kernels started under it.
BACKEND_ENV = "OSSCB_BACKEND"
#: ``osscb_notebook.tunnels`` providers (from its registry), plus "none" (the receiver stays on 127.0.0.1).
TUNNELS = choices()


class ConfigValueError(TraitError, UsageError):
    """A bad ``%config Osscb.*`` value. IPython shows a UsageError as one line, not a traceback."""


def _http_url(value: str, what: str, example: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigValueError(f"{what} must be an http(s) URL such as {example}, not {value!r}.")
    return value


def _port(value: int, name: str) -> int:
    if not 0 <= value <= 65535:
        raise ConfigValueError(f"Osscb.{name} must be a port from 0 to 65535 (0 picks a free one), not {value}.")
    return value


class Osscb(Configurable):
    """Defaults used by the ``%osscb_*`` magics and the widgets."""

    backend = CaselessStrEnum(
        BACKENDS, default_value="emulator", config=True,
        help=f"Where uploads go: the local emulator or real OSS (default: ${BACKEND_ENV}, else emulator).",
    )

    @default("backend")
    def _backend_from_env(self) -> str:
        # `osscb lab --backend oss` starts JupyterLab with OSSCB_BACKEND=oss; its kernels inherit it.
        value = os.environ.get(BACKEND_ENV, "").strip().lower()
        if not value:
            return "emulator"
        if value not in BACKENDS:
            # a warning, not an error: every magic would fail until the kernel restarts; the
            # emulator is the default that can never touch real credentials
            warnings.warn(f"{BACKEND_ENV}={value!r} is not a backend ({' or '.join(BACKENDS)}); using the emulator. "
                          'Unset it, or choose with %config Osscb.backend = "oss".', stacklevel=2)
            return "emulator"
        return value

    tunnel = CaselessStrEnum(
        TUNNELS, default_value="none", config=True,
        help="How a receiver is exposed to real OSS ('none' keeps it on 127.0.0.1).",
    )
    bucket = Unicode("demo", config=True, help="Bucket name used by uploads and the emulator.")
    receiver_port = Int(0, config=True, help="Port of the callback receiver (0 picks a free one).")
    receiver_mode = CaselessStrEnum(
        MODES, default_value="process", config=True,
        help="Run the receiver in a child process (answers fast while cells compute) or a kernel thread.",
    )
    emulator_port = Int(0, config=True, help="Port of the OSS emulator (0 picks a free one).")
    trust_key_urls = List(
        Unicode(), default_value=[], config=True,
        help="Extra key-URL prefixes the verifier trusts (OSS's gosspublic host is always trusted).",
    )
    oss_endpoint = Unicode("", config=True, help="Real OSS endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com.")
    oss_region = Unicode("", config=True, help="Real OSS region, e.g. cn-hangzhou (for V4 signing).")
    oss_access_key_id = Unicode(
        "", config=True, help="AccessKey ID for real OSS (the secret is never a config option).",
    )
    show_snippets = Bool(True, config=True, help="Show oss2 / SDK V2 snippets in %%osscb_callback.")
    tunnel_options = Dict(
        default_value={}, config=True,
        help="Options per tunnel provider, e.g. {'ssh': {'host': 'user@example.com'}}.",
    )

    @validate("tunnel_options")
    def _valid_tunnel_options(self, proposal: dict[str, Any]) -> dict[str, Any]:
        value: dict[str, Any] = dict(proposal["value"])
        for name, options in value.items():
            if name not in TUNNELS[1:] or not isinstance(options, dict):
                raise ConfigValueError(
                    f"Osscb.tunnel_options maps a provider ({', '.join(TUNNELS[1:])}) to its options, "
                    f"e.g. {{'ssh': {{'host': 'user@example.com'}}}}; not {name!r}: {options!r}.")
        return value

    @validate("bucket")
    def _valid_bucket(self, proposal: dict[str, Any]) -> str:
        value: str = proposal["value"]
        if not valid_bucket_name(value):
            raise ConfigValueError(
                f"Osscb.bucket {value!r} is not a valid OSS bucket name: 3-63 lowercase letters, digits "
                "and '-', starting and ending with a letter or digit.")
        return value

    @validate("oss_endpoint")
    def _valid_endpoint(self, proposal: dict[str, Any]) -> str:
        value: str = proposal["value"].strip()
        return _http_url(value, "Osscb.oss_endpoint", "https://oss-cn-hangzhou.aliyuncs.com") if value else value

    @validate("trust_key_urls")
    def _valid_key_urls(self, proposal: dict[str, Any]) -> list[str]:
        values: list[str] = list(proposal["value"])
        for value in values:
            _http_url(value, "Each Osscb.trust_key_urls prefix", "http://127.0.0.1:9000/")
        return values

    @validate("receiver_port", "emulator_port")
    def _valid_port(self, proposal: dict[str, Any]) -> int:
        return _port(int(proposal["value"]), proposal["trait"].name)

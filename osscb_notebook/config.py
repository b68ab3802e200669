"""Notebook defaults as a traitlets ``Configurable``: ``%config Osscb.backend = "oss"``.

Settable from ``%config`` and from IPython config files (``c.Osscb.tunnel = "ngrok"``). Secrets are
not options: an access key secret typed into ``%config`` would land in the notebook, so the real-OSS
backend reads it from ``OSS_ACCESS_KEY_SECRET`` or asks with ``getpass``.
"""

from __future__ import annotations

import os
import warnings

from traitlets import Bool, CaselessStrEnum, Int, List, Unicode, default
from traitlets.config import Configurable

BACKENDS = ("emulator", "oss")
#: Set by ``osscb lab --backend``: the default of ``Osscb.backend`` in kernels started under it.
BACKEND_ENV = "OSSCB_BACKEND"
#: ``osscb_notebook.tunnels`` providers, plus "none" (the receiver stays on 127.0.0.1).
TUNNELS = ("none", "local", "jupyter", "ngrok", "ssh")


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
        ("thread", "process"), default_value="process", config=True,
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

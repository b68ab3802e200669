"""Emulator settings: one frozen dataclass, with obviously local-only default credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .._cliargs import check_http_url, check_port
from .._naming import valid_bucket_name
from ._callback_policy import POLICIES as CALLBACK_POLICIES

DEFAULT_ACCESS_KEY_ID = "osscb-local-id"
DEFAULT_ACCESS_KEY_SECRET = "osscb-local-secret"
DEFAULT_BUCKETS = ("demo",)
DEFAULT_OWNER_ID = "1000000000000001"
#: OSS's callback timeout: 5 s, fixed (spec §1.1).
CALLBACK_TIMEOUT = 5.0
#: Where the emulator serves its callback public key (an invalid bucket name, so no clash).
PUBLIC_KEY_PATH = "/_osscb/callback_pub_key.pem"
HEALTH_PATH = "/_osscb/health"
#: The region V4 signatures must be scoped to unless the emulator is given another one.
DEFAULT_REGION = "cn-hangzhou"

@dataclass(frozen=True)
class EmulatorConfig:
    """Everything the emulator needs. ``data_dir=None`` means a fresh temporary directory.

    ``callback_timeout`` exists for the emulator's own tests; OSS's is 5 s and not configurable.
    ``public_endpoint`` overrides the base URL written into ``x-oss-pub-key-url`` (useful when the
    receiver reaches the emulator through a proxy). ``virtual_host_domains`` are the domains under
    which ``<bucket>.<domain>`` Host headers select a bucket (virtual-host addressing). ``region``
    is the emulator's region: a V4 signature scoped to any other region is refused, as OSS does.
    ``callback_policy`` says which addresses callbacks may go to: ``oss-with-loopback`` (OSS's
    rule plus loopback, the default), ``oss`` (exactly OSS: no private, loopback, link-local,
    unspecified or multicast address) or ``any``.
    """

    data_dir: Path | str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    access_key_id: str = DEFAULT_ACCESS_KEY_ID
    access_key_secret: str = field(default=DEFAULT_ACCESS_KEY_SECRET, repr=False)
    buckets: tuple[str, ...] = DEFAULT_BUCKETS
    callback_policy: str = "oss-with-loopback"
    #: legacy alias: ``False`` is ``callback_policy="oss"``, ``True`` is ``"any"``
    allow_private_callbacks: bool | None = None
    callback_timeout: float = CALLBACK_TIMEOUT
    max_records: int = 500
    owner_id: str = DEFAULT_OWNER_ID
    public_endpoint: str | None = None
    virtual_host_domains: tuple[str, ...] = ("localhost",)
    region: str = DEFAULT_REGION

    def __post_init__(self) -> None:
        check_port(self.port)  # the same ValueError as a bad bucket name, before anything binds
        if self.public_endpoint is not None:
            check_http_url(self.public_endpoint)
        if self.allow_private_callbacks is not None:
            object.__setattr__(self, "callback_policy", "any" if self.allow_private_callbacks else "oss")
            object.__setattr__(self, "allow_private_callbacks", None)  # so a later replace() can change the policy
        if self.callback_policy not in CALLBACK_POLICIES:
            raise ValueError(f"callback_policy must be one of {', '.join(CALLBACK_POLICIES)}; got {self.callback_policy!r}")
        for name in self.buckets:
            if not valid_bucket_name(name):
                raise ValueError(f"invalid bucket name {name!r}: use 3-63 of a-z, 0-9 and '-'")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.region):
            raise ValueError(f"invalid region {self.region!r}: use an OSS region id such as {DEFAULT_REGION!r}")
        if isinstance(self.buckets, list):  # pragma: no cover - convenience
            object.__setattr__(self, "buckets", tuple(self.buckets))

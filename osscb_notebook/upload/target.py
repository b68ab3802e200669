"""Where an upload goes: the local emulator or real OSS. The secret never shows in a repr."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..errors import UploadError

if TYPE_CHECKING:  # pragma: no cover
    import oss2

AuthVersion = Literal["v1", "v4"]


@dataclass(frozen=True)
class UploadTarget:
    """An endpoint, a bucket and the credentials to sign with."""

    endpoint: str
    bucket: str
    access_key_id: str
    access_key_secret: str = field(repr=False)
    region: str | None = None
    auth_version: AuthVersion = "v1"
    kind: Literal["emulator", "oss"] = "oss"

    @classmethod
    def for_emulator(cls, emulator: Any, bucket: str | None = None, auth_version: AuthVersion = "v1") -> UploadTarget:
        """Target a running :class:`~osscb_notebook.emulator.Emulator` (its first bucket by default)."""
        config = emulator.config
        return cls(
            endpoint=emulator.endpoint, bucket=bucket or config.buckets[0], access_key_id=config.access_key_id,
            access_key_secret=config.access_key_secret, region=getattr(config, "region", None) or "cn-hangzhou",
            auth_version=auth_version, kind="emulator",
        )

    @classmethod
    def for_oss(
        cls, endpoint: str, bucket: str, access_key_id: str, access_key_secret: str, region: str | None = None,
        auth_version: AuthVersion | None = None,
    ) -> UploadTarget:
        """Target real OSS, e.g. ``https://oss-cn-hangzhou.aliyuncs.com``; V4 signing when a region is given."""
        if not endpoint.startswith(("http://", "https://")):
            endpoint = "https://" + endpoint
        version: AuthVersion = auth_version or ("v4" if region else "v1")
        return cls(endpoint, bucket, access_key_id, access_key_secret, region, version, "oss")

    @classmethod
    def from_env(cls) -> UploadTarget:
        """Real OSS from ``OSS_ACCESS_KEY_ID``, ``OSS_ACCESS_KEY_SECRET`` (the two names the SDKs'
        environment credential providers read), ``OSS_ENDPOINT``, ``OSS_BUCKET`` and optionally
        ``OSS_REGION`` (the kit's own names: no SDK reads them)."""
        names = ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_ENDPOINT", "OSS_BUCKET")
        missing = [n for n in names if not os.environ.get(n)]
        if missing:
            raise UploadError(
                f"Missing environment variables for real OSS: {', '.join(missing)}.",
                hint="Set them (never in a notebook cell that is saved), or use the emulator.",
            )
        env = os.environ
        return cls.for_oss(env["OSS_ENDPOINT"], env["OSS_BUCKET"], env["OSS_ACCESS_KEY_ID"],
                           env["OSS_ACCESS_KEY_SECRET"], env.get("OSS_REGION") or None)

    @property
    def bucket_url(self) -> str:
        """The URL a browser form posts to: path style on the emulator, virtual host on OSS."""
        if self.kind == "emulator":
            return f"{self.endpoint.rstrip('/')}/{self.bucket}"
        scheme, _, host = self.endpoint.partition("://")
        return f"{scheme}://{self.bucket}.{host.rstrip('/')}"

    def client(self, *, enable_crc: bool = True, connections: int | None = None) -> oss2.Bucket:
        """An ``oss2.Bucket`` signed with this target's credentials. ``enable_crc=False`` turns off
        oss2's own (crcmod, slow) CRC-64 check, for callers that check ``x-oss-hash-crc64ecma`` themselves.
        ``connections`` widens oss2's pool (10) for that many threads sharing the client."""
        import oss2

        session = oss2.Session(pool_size=max(connections, oss2.defaults.connection_pool_size)) if connections else None
        if self.auth_version == "v4":
            auth: Any = oss2.AuthV4(self.access_key_id, self.access_key_secret)
            return oss2.Bucket(auth, self.endpoint, self.bucket, region=self.region or "cn-hangzhou",
                               enable_crc=enable_crc, session=session)
        return oss2.Bucket(oss2.Auth(self.access_key_id, self.access_key_secret), self.endpoint, self.bucket,
                           enable_crc=enable_crc, session=session)

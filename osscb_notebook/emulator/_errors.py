"""The OSS error a request handler raises; the server turns it into OSS's XML error body."""

from __future__ import annotations

from ..errors import CallbackParamError


class OssError(Exception):
    """An OSS error response: status, ``Code``, ``Message`` and extra elements in OSS's order."""

    def __init__(
        self, status: int, code: str, message: str, *, extra: list[tuple[str, str]] | None = None,
        ec: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or []
        self.ec = ec

    @classmethod
    def from_param_error(cls, exc: CallbackParamError) -> OssError:
        """OSS's 400 InvalidArgument for a bad ``callback``/``callback-var`` (spec §4.3)."""
        return cls(
            400, "InvalidArgument", exc.oss_message,
            extra=[("ArgumentName", exc.argument_name), ("ArgumentValue", exc.argument_value)], ec=exc.ec,
        )


def no_such_bucket(bucket: str) -> OssError:
    return OssError(404, "NoSuchBucket", "The specified bucket does not exist.", extra=[("BucketName", bucket)],
                    ec="0015-00000101")


def no_such_key(key: str) -> OssError:
    return OssError(404, "NoSuchKey", "The specified key does not exist.", extra=[("Key", key)], ec="0026-00000001")


def no_such_upload(upload_id: str) -> OssError:
    return OssError(
        404, "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        extra=[("UploadId", upload_id)],
    )


def invalid_object_name() -> OssError:
    return OssError(400, "InvalidObjectName", "The specified object is not valid.")


def not_implemented(what: str) -> OssError:
    return OssError(501, "NotImplemented", f"The local OSS emulator does not implement {what}.")

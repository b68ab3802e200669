"""The callback request OSS sends: body templating, string-to-sign and RSA-MD5 signing (pure)."""

from .request import CallbackRequest, build_callback_request
from .signing import (
    content_md5,
    generate_private_key,
    load_private_key,
    load_public_key,
    md5_digest,
    private_key_pem,
    public_key_pem,
    sign,
    split_target,
    string_to_sign,
    verify,
)
from .template import SYSTEM_VARIABLES, RenderedBody, UploadFacts, render_body, variables_in

__all__ = [
    "SYSTEM_VARIABLES", "CallbackRequest", "RenderedBody", "UploadFacts", "build_callback_request",
    "content_md5", "generate_private_key", "load_private_key", "load_public_key", "md5_digest",
    "private_key_pem", "public_key_pem", "render_body", "sign", "split_target", "string_to_sign",
    "variables_in", "verify",
]

"""osscb-notebook: learn, demo and debug Alibaba Cloud OSS upload callbacks in Jupyter."""

from .callback import (
    CallbackRequest,
    UploadFacts,
    build_callback_request,
    render_body,
    string_to_sign,
)
from .errors import (
    CallbackFailedError,
    CallbackParamError,
    EmulatorError,
    KeyFetchError,
    OsscbError,
    RawRequestError,
    ReceiverError,
    TunnelError,
    TunnelUnavailableError,
    UntrustedKeyURLError,
    UploadError,
    VerificationError,
)
from .params import (
    CallbackParams,
    CallbackVars,
    decode_callback,
    decode_callback_var,
    encode_callback,
    encode_callback_var,
    render_transports,
)
from .verification import KeyResolver, Trace, parse_raw_request, verify_request

__version__ = "0.1.0"

__all__ = [
    "CallbackFailedError", "CallbackParamError", "CallbackParams", "CallbackRequest", "CallbackVars",
    "EmulatorError", "KeyFetchError", "KeyResolver", "OsscbError", "RawRequestError", "ReceiverError",
    "Trace", "TunnelError", "TunnelUnavailableError", "UntrustedKeyURLError", "UploadError",
    "UploadFacts", "VerificationError", "build_callback_request", "decode_callback", "decode_callback_var",
    "encode_callback", "encode_callback_var", "parse_raw_request", "render_body", "render_transports",
    "string_to_sign", "verify_request",
]


def load_ipython_extension(ipython):  # type: ignore[no-untyped-def]
    """``%load_ext osscb_notebook``."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):  # type: ignore[no-untyped-def]
    """``%unload_ext osscb_notebook``: stops what the magics started."""
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)

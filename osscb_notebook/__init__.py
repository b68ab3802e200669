"""osscb-notebook: learn, demo and debug Alibaba Cloud OSS upload callbacks in Jupyter."""

from typing import TYPE_CHECKING, Any

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
    ProbeError,
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

if TYPE_CHECKING:
    from .probe import ProbeReport, run_probe

__version__ = "0.1.0"

__all__ = [
    "CallbackFailedError", "CallbackParamError", "CallbackParams", "CallbackRequest", "CallbackVars",
    "EmulatorError", "KeyFetchError", "KeyResolver", "OsscbError", "ProbeError", "ProbeReport", "RawRequestError",
    "ReceiverError",
    "Trace", "TunnelError", "TunnelUnavailableError", "UntrustedKeyURLError", "UploadError",
    "UploadFacts", "VerificationError", "build_callback_request", "decode_callback", "decode_callback_var",
    "encode_callback", "encode_callback_var", "parse_raw_request", "render_body", "render_transports",
    "run_probe", "string_to_sign", "verify_request",
]

#: Loaded on first use: the probe imports the emulator's sender, which ``import osscb_notebook`` need not pay for.
_LAZY = {"run_probe": "probe", "ProbeReport": "probe"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_ipython_extension(ipython):  # type: ignore[no-untyped-def]
    """``%load_ext osscb_notebook``."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):  # type: ignore[no-untyped-def]
    """``%unload_ext osscb_notebook``: stops what the magics started."""
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)

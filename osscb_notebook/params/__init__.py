"""Callback parameters: the typed model, Base64 JSON codec, OSS validation and transports."""

from .codec import (
    b64_json,
    decode_callback,
    decode_callback_var,
    encode_callback,
    encode_callback_var,
)
from .model import (
    BODY_TYPES,
    FORM,
    JSON,
    CallbackParams,
    CallbackVars,
    ignored_var_keys,
    is_custom_var_key,
)
from .transports import Transports, pick_transport, render_transports
from .urls import CallbackTarget, is_private_address, parse_callback_url, split_callback_urls

__all__ = [
    "BODY_TYPES", "FORM", "JSON", "CallbackParams", "CallbackTarget", "CallbackVars", "Transports",
    "b64_json", "decode_callback", "decode_callback_var", "encode_callback", "encode_callback_var",
    "ignored_var_keys", "is_custom_var_key", "is_private_address", "parse_callback_url", "pick_transport", "render_transports",
    "split_callback_urls",
]

"""The callback signature: ``url_decode(path) + ("?" + raw_query if any) + "\\n" + body``,
MD5, RSA PKCS#1 v1.5 (spec §3.2, golden vector G1)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import unquote_to_bytes

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def split_target(target: str) -> tuple[str, str]:
    """Split a request target into raw path and raw query (without the ``?``)."""
    path, _, query = target.partition("?")
    return path, query


def string_to_sign(path: str, query: str, body: bytes) -> bytes:
    """Percent-decode the path only (``+`` stays ``+``), keep the query raw, join with LF."""
    return unquote_to_bytes(path) + (b"?" + query.encode("latin-1") if query else b"") + b"\n" + body


def md5_digest(message: bytes) -> bytes:
    return hashlib.md5(message).digest()


def content_md5(body: bytes) -> str:
    """The ``Content-MD5`` header value: Base64 of the raw MD5."""
    return base64.b64encode(md5_digest(body)).decode("ascii")


def generate_private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> bytes:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    """Load a PEM public key; accepts SubjectPublicKeyInfo and PKCS#1 ``RSA PUBLIC KEY`` armour."""
    key = serialization.load_pem_public_key(pem.strip())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """Base64 RSA-MD5 signature, the ``authorization`` header OSS sends."""
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.MD5())).decode("ascii")


def verify(key: rsa.RSAPublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.MD5())
    except InvalidSignature:
        return False
    return True

"""Verify a callback request step by step, producing a :class:`Trace` whatever happens."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

from ..callback.signing import md5_digest, verify
from ..errors import KeyFetchError, UntrustedKeyURLError
from .keys import OFFICIAL_KEY_URLS, KeyResolver
from .rawrequest import CapturedRequest
from .trace import STEP_ORDER, STEP_TITLES, Step, Trace


def visible(message: bytes) -> str:
    """The string to sign with the LF made visible, for people."""
    return message.decode("utf-8", "replace").replace("\n", "\\n")


def _skip_rest(trace: Trace) -> Trace:
    done = {s.name for s in trace.steps}
    trace.steps.extend(Step(n, STEP_TITLES[n], output="not run: an earlier step failed") for n in STEP_ORDER if n not in done)
    return trace


def target_bytes(text: str) -> bytes:
    """A request path or query as the bytes that were sent. Servers and ``parse_raw_request`` hand
    the request line over as latin-1 text (one char per byte), so a raw UTF-8 or latin-1 target
    comes back byte for byte; text with wider characters (typed in, never read off the wire) is
    taken as UTF-8."""
    return text.encode("latin-1") if all(ord(c) <= 0xFF for c in text) else text.encode("utf-8")


def signed_message(path: str, query: str, body: bytes) -> bytes:
    """OSS's string to sign over the bytes received: the percent-decoded path, ``?`` and the raw
    query if there is one, LF, the raw body. No byte of the target is re-encoded (issue #25
    item 11: ``callback.signing.string_to_sign`` reads a ``str`` path as UTF-8)."""
    return unquote_to_bytes(target_bytes(path)) + (b"?" + target_bytes(query) if query else b"") + b"\n" + body


_DUPLICATED = ("The request carries {} more than once. OSS sends it once; servers disagree on which copy "
               "counts (the first, the last, both joined), so a duplicate is refused, as the exported receivers do.")


def _b64(value: str) -> bytes:
    return base64.b64decode(value.strip(), validate=True)


def verify_request(request: CapturedRequest, resolver: KeyResolver | None = None) -> Trace:
    """Run every step; stop at the first failure and mark the rest as not run."""
    resolver = resolver or KeyResolver()
    trace = Trace()
    add = trace.steps.append

    # 1. key URL
    raw_url = request.header("x-oss-pub-key-url")
    step = Step("key_url", STEP_TITLES["key_url"], {"x-oss-pub-key-url": raw_url or "(missing)"})
    add(step)
    if raw_url is None:
        step.ok, step.cause = False, "The request has no x-oss-pub-key-url header: it did not come from OSS, or a proxy dropped it."
        return _skip_rest(trace)
    if request.header_count("x-oss-pub-key-url") > 1:
        step.ok, step.cause = False, _DUPLICATED.format("x-oss-pub-key-url")
        return _skip_rest(trace)
    try:
        key_url = _b64(raw_url).decode("utf-8")
    except (binascii.Error, ValueError):
        step.ok, step.cause = False, "x-oss-pub-key-url is not valid Base64: the header was altered or forged."
        return _skip_rest(trace)
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in key_url):
        step.output, step.ok = repr(key_url), False
        step.cause = ("The decoded key URL contains a control character or a space, which no URL OSS sends has: "
                      "the header was altered or forged. It was not fetched.")
        return _skip_rest(trace)
    step.output, step.ok = key_url, True

    # 2. allowlist (an untrusted URL is never fetched)
    step = Step("allowlist", STEP_TITLES["allowlist"], {"key URL": key_url, "trusted prefixes": ", ".join(resolver.trusted_prefixes)})
    add(step)
    if resolver.given is not None:
        step.ok, step.output = True, "not needed: using the public key you supplied"
    elif resolver.is_trusted(key_url):
        official = key_url in OFFICIAL_KEY_URLS
        step.ok, step.output = True, "trusted (OSS's official key URL)" if official else "trusted (matches a prefix you trust)"
    else:
        step.ok = False
        step.output = "untrusted: not fetched"
        step.cause = (
            "The key URL is not OSS's (https://gosspublic.alicdn.com/...) nor a prefix you trust. A forger can "
            "point it at their own key, so it was not fetched. If it is your emulator, trust its prefix."
        )
        return _skip_rest(trace)

    # 3. key
    step = Step("public_key", STEP_TITLES["public_key"], {"key URL": key_url})
    add(step)
    try:
        resolved = resolver.resolve(key_url)
    except (UntrustedKeyURLError, KeyFetchError) as exc:
        step.ok, step.cause = False, str(exc)
        return _skip_rest(trace)
    step.ok = True
    step.output = f"RSA-{resolved.key.key_size} key ({resolved.source})\n" + resolved.pem.decode("ascii", "replace").strip()

    # 4. signature
    auth = request.header("authorization")
    step = Step("signature", STEP_TITLES["signature"], {"authorization": auth or "(missing)"})
    add(step)
    if request.header_count("authorization") > 1:
        step.ok, step.cause = False, _DUPLICATED.format("authorization")
        return _skip_rest(trace)
    try:
        if not auth:
            raise ValueError
        signature = _b64(auth)
    except (binascii.Error, ValueError):
        step.ok = False
        step.cause = (
            "The authorization header is missing or not Base64. OSS sends the bare Base64 signature, no scheme: "
            "a proxy or framework may have dropped or rewritten it (PHP needs a rewrite rule for HTTP_AUTHORIZATION)."
        )
        return _skip_rest(trace)
    step.ok, step.output = True, f"{len(signature)} bytes: {signature[:16].hex()}..."

    # 5. string to sign
    message = signed_message(request.path, request.query, request.body)
    step = Step(
        "string_to_sign", STEP_TITLES["string_to_sign"],
        {"path (raw)": request.path,
         "path (URL-decoded)": unquote_to_bytes(target_bytes(request.path)).decode("utf-8", "replace"),
         "query (raw)": ("?" + request.query) if request.query else "(none)", "body bytes": str(len(request.body))},
        output=visible(message), ok=True,
    )
    for note in request.notes:
        step.inputs["note"] = note
    add(step)

    # 6. MD5
    digest = md5_digest(message)
    md5_step = Step(
        "md5", STEP_TITLES["md5"], output=f"hex {digest.hex()}\nbase64 {base64.b64encode(digest).decode()}", ok=True
    )
    body_md5 = base64.b64encode(md5_digest(request.body)).decode()
    sent_md5 = request.header("content-md5")
    if sent_md5 is not None:
        md5_step.inputs["Content-MD5 (sent)"] = sent_md5
        md5_step.inputs["MD5 of body received"] = body_md5
    add(md5_step)

    # 7. RSA
    step = Step("rsa_verify", STEP_TITLES["rsa_verify"], {"key": f"RSA-{resolved.key.key_size}", "signature bytes": str(len(signature))})
    add(step)
    if verify(resolved.key, message, signature):
        step.ok, step.output = True, "valid"
        return trace
    step.ok, step.output = False, "invalid"
    step.cause = diagnose(request, resolved.key, signature, sent_md5, body_md5)
    return trace


def _variants(request: CapturedRequest) -> Iterable[tuple[str, bytes]]:
    """Strings a sender might have signed if the request changed on the way, each with its cause."""
    path, query, body = request.path, request.query, request.body
    decoded, raw_query = unquote_to_bytes(target_bytes(path)), target_bytes(query)
    if query:
        yield ("the signature verifies without the '?': your string to sign dropped it; OSS keeps '?' + raw query",
               decoded + raw_query + b"\n" + body)
        yield ("the signature verifies without the query: something removed the query string",
               decoded + b"\n" + body)
    if decoded != target_bytes(path):  # only a path with escapes can tell "not decoded" apart
        yield ("the signature verifies over the raw (not URL-decoded) path: decode the path, and only the path",
               target_bytes(path) + (b"?" + raw_query if query else b"") + b"\n" + body)
    if "+" in path:
        yield ("the signature verifies with '+' read as a space: use percent-decoding only (no form decoding) on the path",
               signed_message(path.replace("+", "%20"), query, body))
    requoted = quote(decoded, safe="/")
    if requoted != path:
        yield ("the signature verifies over the re-quoted path: a proxy re-encoded the path",
               signed_message(requoted, query, body))
    for sep in (b"\r\n",):
        yield ("the signature verifies with CRLF as separator: OSS uses a single LF",
               decoded + (b"?" + raw_query if query else b"") + sep + body)
    if body.endswith(b"\n"):
        yield ("the signature verifies without the body's trailing newline: something appended one",
               signed_message(path, query, body.rstrip(b"\r\n")))


def _reserialised(body: bytes) -> list[bytes]:
    out: list[bytes] = []
    try:
        obj = json.loads(body)
        out += [json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode(), json.dumps(obj, ensure_ascii=False).encode()]
    except ValueError:
        pass
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True)
        if pairs:
            out.append(urlencode(pairs).encode())
    except (ValueError, UnicodeDecodeError):
        pass
    return [b for b in out if b != body]


def diagnose(request: CapturedRequest, key: object, signature: bytes, sent_md5: str | None, body_md5: str) -> str:
    """Explain a failed RSA verify: try the usual mistakes and name the one that explains it."""
    for cause, message in _variants(request):
        if verify(key, message, signature):  # type: ignore[arg-type]
            return cause[0].upper() + cause[1:] + "."
    if sent_md5 is not None and sent_md5 != body_md5:
        for original in _reserialised(request.body):
            if base64.b64encode(md5_digest(original)).decode() == sent_md5:
                return ("The body was re-serialised after OSS signed it (its MD5 no longer matches Content-MD5, the "
                        "original re-encodes to it): verify over the raw body bytes, never a parsed-and-dumped copy.")
        return ("The body is not the one OSS sent: its MD5 differs from Content-MD5. A proxy or framework changed it "
                "(re-serialised, re-encoded, trimmed): verify over the raw bytes as received.")
    if sent_md5 is None:
        return ("The request carries no Content-MD5 to check the body against. Either the body or the path changed "
                "after OSS signed it (a proxy rewriting the path, a framework re-encoding the body), or the key at the "
                "URL did not sign it (wrong key, or a forged request).")
    return ("The body matches Content-MD5, so the key or the path is wrong: the key at the URL did not sign this "
            "(wrong key, or a forged request), or a proxy rewrote the path OSS signed (a prefix stripped, "
            "e.g. jupyter-server-proxy without /proxy/absolute/).")

"""Why a callback failed: the cause of a 203 ``CallbackFailed``, read from OSS's Message and EC.

The client sees only OSS's ``<Message>`` and ``<EC>``. OSS's messages (spec §4.2, kept in
``params.messages``) tell the causes apart; EC ``0007-00000203`` does not (OSS uses it for a reply
status other than 200, the kit's emulator also for the messages OSS publishes no EC for), so the
message decides and the EC is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..params import messages as m

#: Every cause, in the order the checks run.
CAUSES = ("unreachable", "timeout", "no_length", "bad_length", "too_long", "not_json", "status",
          "overloaded", "image_info", "unknown")

_STATUS = re.compile(r"^Error status : (\d{3})\.$", re.IGNORECASE)
_AFTER_REPLY = "Your server did get the callback (and may have acted on it)."
_STATUS_HINTS = {
    3: "OSS follows no redirects: call the final URL directly (https, trailing slash, no login page).",
    4: "Your server refused the request: a route that does not take POST (405), a wrong path (404), or its own "
       "signature check failing (400/403; a proxy that rewrote the path, an untrusted key URL).",
    5: "That is either your server (or a proxy in front of it) failing or, per OSS's troubleshooting page, OSS "
       "failing to reach it at all: a 50x also reports time-outs and connection failures, and a 502 that no web "
       "service runs at that address. Check your server's log to see whether it got the callback.",
}


@dataclass(frozen=True)
class CallbackFailure:
    """One cause of a 203: ``cause`` (one of :data:`CAUSES`), ``status`` (the app server's HTTP status
    when OSS reports one) and ``explanation`` (what happened and what to do)."""

    cause: str
    explanation: str
    status: int | None = None


def explain_callback_failure(message: str, ec: str = "") -> CallbackFailure:
    """The cause of a 203 from OSS's ``<Message>`` and ``<EC>`` (either may be empty)."""
    text = message.strip()
    low = text.lower()
    if "can not connect" in low or "cannot connect" in low:
        return CallbackFailure("unreachable", (
            "OSS could not connect to your callbackUrl, or got no answer in time: nothing listening at that host "
            "and port, a firewall, a closed tunnel, or a failed TLS handshake (with HTTPS set callbackSNI: true). "
            "OSS's troubleshooting page also reports this message when a server took more than 5 s to answer: if "
            "your server logged this callback, it was slow, not unreachable, and may have acted on it. Otherwise "
            "check that the URL is reachable from the internet."))
    if "reply timeout" in low or low == "cost too long time." or ec == m.CALLBACK_FAILED_EC_TIMEOUT:
        return CallbackFailure("timeout", (
            "Your server did not answer within OSS's fixed 5 s. It may still have got the callback and done the "
            "work: reply first, then work (a queue, a background task)."))
    if "missing content-length" in low:
        return CallbackFailure("no_length", (
            "Your server answered 200, but without a Content-Length header: a chunked (Transfer-Encoding: chunked) "
            "or streamed reply, as many frameworks send for generated bodies. Build the body, then send it with its "
            f"Content-Length. {_AFTER_REPLY}"), 200)
    if "invalid conent-length" in low or "invalid content-length" in low:
        return CallbackFailure("bad_length", (
            "Your server answered 200 with a Content-Length OSS could not use (not a number, or not the size of "
            f"the body sent). Send the body's exact length in bytes. {_AFTER_REPLY}"), 200)
    if "too long content-length" in low:
        return CallbackFailure("too_long", (
            "Your server answered 200, but its reply is over OSS's 1 MB limit (its Content-Length says so). OSS "
            "relays the reply to the client: answer with a short acknowledgement such as {\"Status\":\"OK\"}. "
            f"{_AFTER_REPLY}"), 200)
    if low == m.MSG_NOT_JSON.lower() or ec == m.CALLBACK_FAILED_EC_NOT_JSON:
        return CallbackFailure("not_json", (
            "Your server answered 200, but the body is not valid JSON (a plain OK, an HTML page, a stack trace, or "
            "JSON behind a UTF-8 BOM). Reply {\"Status\":\"OK\"} with Content-Type: application/json, or XML with "
            f"Content-Type: application/xml. {_AFTER_REPLY}"), 200)
    status = _STATUS.match(text)
    if status or ec == m.CALLBACK_FAILED_EC_STATUS:
        code = int(status.group(1)) if status else None
        said = f"HTTP {code}" if code is not None else "a status"
        hint = _STATUS_HINTS.get(code // 100, "") if code is not None else ""
        after = ("" if code is not None and code >= 500 else
                 "Whatever answered at that URL got the callback; if that was your server, it may have acted on it.")
        return CallbackFailure("status", " ".join(filter(None, (
            f"OSS reports HTTP {code}, not 200." if code is not None and code >= 500 else
            f"Your server answered {said}, not 200. OSS wants exactly 200 (not 201 or 204).", hint, after))),
            code)
    if "too many callback requests" in low:
        return CallbackFailure("overloaded", (
            "OSS did not send the callback: it had too many callback requests to make. Notify your server "
            "another way (or re-upload later)."))
    if "get image info failed" in low:
        return CallbackFailure("image_info", (
            "OSS could not read the image information that ${imageInfo.*} in callbackBody asks for (not an image in "
            "a supported format). Leave ${imageInfo.*} out of the body for files that are not images."))
    return CallbackFailure("unknown", (
        "OSS could not deliver the callback or did not accept your server's answer; its message says why."))

"""The checks of ``osscb probe`` (issue #18): stable ids, the mode each needs, what passing means,
the severity of a failure and the one-sentence fix. Pure data; the runner and judges use it."""

from __future__ import annotations

from dataclasses import dataclass

#: Where the probe serves its test key unless ``key_url_base`` says otherwise.
DEFAULT_KEY_PORT = 9870
#: OSS's limit for the whole callback exchange (spec §4.1).
OSS_TIMEOUT = 5.0
#: The environment variable every exported receiver reads (comma-separated key-URL prefixes).
TRUST_ENV = "OSS_CALLBACK_TRUSTED_KEY_URLS"

VERDICTS = ("pass", "fail", "warn", "skip", "info")
SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class Check:
    """One check: ``trusted`` ones need the server to trust the probe's key prefix."""

    id: str
    trusted: bool
    severity: str
    expected: str
    fix: str


_REJECT_FIX = "Reject it with a 4xx before doing anything else, and keep 5xx for your own faults."
_VALID_FIX = ("Verify over the raw request target and the raw body bytes exactly as received: "
              "percent-decode the path only, keep the query raw, never re-serialise the body.")
_REPLY = "Answer exactly 200 with Content-Length and a JSON body (no BOM), at most 1 MB, within 5 s."

CHECKS: tuple[Check, ...] = (
    Check("forged-key-url", False, "critical",
          "a callback signed by a key served outside the trusted prefixes is rejected (not 2xx)",
          "Check the x-oss-pub-key-url against OSS's official prefixes (and yours) before fetching, "
          "and reject every other URL."),
    Check("untrusted-key-fetched", False, "high",
          "the server never fetches a key URL outside the trusted prefixes",
          "Compare the decoded key URL with the trusted prefixes (each ending in '/') before any fetch: "
          "a fetch of an untrusted URL is SSRF and the first half of a forgery."),
    Check("prefix-bypass", False, "high",
          "key URLs that only look trusted (userinfo, the prefix's last '/' replaced, dot segments before a "
          "query: PREFIX..?x=1 and PREFIX%2e%2e?x=1, an encoded slash: PREFIX..%2fevil.pem) are neither "
          "fetched nor accepted",
          "End every trusted prefix with '/' and compare the whole URL with startswith (or parse it and "
          "compare scheme, host, port and path), and refuse a key URL whose percent-decoded path has a '.' "
          "or '..' segment (however it ends: '/', '?', '#' or the end) or an encoded '/' or '\\' (%2f, %5c)."),
    Check("missing-headers", False, "medium",
          "4xx when Authorization or x-oss-pub-key-url is missing", _REJECT_FIX),
    Check("malformed-signature", False, "medium",
          "4xx for an Authorization that is not Base64, empty or huge (with the probe's key URL, then OSS's)",
          _REJECT_FIX),
    Check("malformed-key-url", False, "medium",
          "4xx for an x-oss-pub-key-url that is not Base64, empty, huge or not a URL", _REJECT_FIX),
    Check("valid-form", True, "high", "a correctly signed form-body callback gets 2xx", _VALID_FIX),
    Check("valid-json", True, "high", 'a correctly signed JSON body laid out as {"a":1, "b" :"x"} gets 2xx',
          "Verify the body bytes as received; parse the JSON only after verifying, and never "
          "re-serialise it for the signature."),
    Check("valid-query", True, "high", "a correctly signed callback whose URL has a query gets 2xx",
          "Sign over the raw query after '?', exactly as received (not decoded, not re-ordered)."),
    Check("valid-no-query", True, "high", "a correctly signed callback without a query gets 2xx",
          "Append '?' + query to the string to sign only when the request has a query."),
    Check("valid-encoded-path", True, "high", "a correctly signed callback to a path with %20, %2B, UTF-8 "
          "and %25 escapes whose single and double decoding differ (a%2541, 100%25) gets 2xx",
          "Percent-decode the raw path exactly once (only the path, '+' stays '+') for the string to sign, "
          "and route the callback URL's sub-paths to your handler."),
    Check("valid-plus", True, "high", "a correctly signed body with '+' and '%2B' gets 2xx",
          "Verify the raw body bytes: never form-decode (or re-encode) the body before verifying."),
    Check("valid-unicode", True, "high", "a correctly signed body with UTF-8 values gets 2xx",
          "Verify the raw body bytes: never decode and re-encode the body before verifying."),
    Check("valid-header-case", True, "high", "the valid form callback spelled as OSS's older example (lower-case "
          "authorization, User-Agent: http-client/0.0.1) gets 2xx",
          "Read headers case-insensitively (HTTP header names are; OSS's page shows both Authorization and "
          "authorization): e.g. $_SERVER['HTTP_AUTHORIZATION'] in PHP, not getallheaders()['Authorization']."),
    Check("tampered-body", True, "critical", "the valid form callback with one body byte changed is rejected",
          "Verify the signature over the body bytes received and reject the callback when it does not match."),
    Check("tampered-path", True, "critical", "a callback whose path differs by one byte from the signed one "
          "is rejected", "Put the request's own path into the string to sign, never a configured one."),
    Check("tampered-query", True, "critical", "a callback whose query differs by one byte from the signed one "
          "is rejected", "Put the request's own raw query into the string to sign."),
    Check("tampered-signature", True, "critical", "the valid form callback with one signature byte changed "
          "is rejected", "Reject the callback when RSA-MD5 verification fails; never let a failure through."),
    Check("key-redirect", True, "critical", "a trusted key URL that answers 302 to the forger's key is not followed "
          "(the callback is rejected)",
          "Fetch the key without following redirects (a redirect leaves the trusted prefix), and treat a 3xx "
          "as no key."),
    Check("key-timeout", True, "high", "a trusted key URL that stalls gets the callback answered (any status) "
          "within 5 s, and a valid callback on an already-cached key is answered in under 1 s meanwhile",
          "Give the key fetch a total deadline well under OSS's 5 s (e.g. 3 s), and never hold a lock that "
          "other callbacks need while fetching."),
    Check("key-garbage", True, "medium", "a trusted key URL that serves non-PEM, an empty body, a 2 MB body or an "
          "EC key gets a 4xx, and the server keeps answering",
          "Read at most a few KiB of the key, load it as an RSA public key, and answer 4xx (never 5xx or a "
          "crash) when that fails."),
    Check("reply-status", True, "high", "the valid callbacks are answered exactly 200 (OSS treats 201/204 as "
          "a failure)", _REPLY),
    Check("reply-format", True, "high", "the replies are JSON, or XML declared Content-Type: application/xml",
          "Reply with a JSON body such as {\"Status\":\"OK\"} (or XML with Content-Type: application/xml)."),
    Check("reply-bom", True, "high", "the replies do not start with a UTF-8 BOM",
          "Write the reply without a byte-order mark (e.g. encoding 'utf-8', not 'utf-8-sig')."),
    Check("reply-length", True, "high", "the replies carry a valid Content-Length (not chunked)",
          "Send Content-Length with the reply instead of chunked transfer encoding."),
    Check("reply-size", True, "high", "the replies are at most 1 MB", "Keep the reply small (at most 1 MB)."),
    Check("reply-latency", True, "high", "p95 of 20 valid callbacks in sequence under 5 s (warn above 1 s)",
          "Reply first and do slow work afterwards (a queue, a background task): OSS gives up after 5 s."),
    Check("burst", True, "high", "20 concurrent valid callbacks each answered 2xx within 5 s",
          "Serve callbacks concurrently (a threaded or async server, enough workers) and reply before slow work."),
    Check("replay", True, "info", "(information) whether the same valid callback twice is accepted twice",
          "OSS does not retry, but the signature covers no time or nonce (Date and x-oss-request-id are "
          "unsigned), so a captured callback verifies again: make the handler idempotent on the signed "
          "body's fields (bucket + object + etag), e.g. an upsert."),
    Check("key-cache", True, "info", "(information) how many times the server fetched one key URL over the run",
          "Cache the public key by its URL (OSS's page recommends it): one fetch per URL, then reuse it."),
    Check("real-oss-vectors", False, "high", "the real OSS-signed requests (G1 to G4, all public) get 2xx at "
          "the paths they were signed over",
          "Pin OSS's public key (callback_pub_key_v1.pem, as the kit's exports do) or let the server reach "
          "gosspublic.alicdn.com."),
)

BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}
CHECK_IDS: tuple[str, ...] = tuple(c.id for c in CHECKS)
VALID_IDS: tuple[str, ...] = tuple(i for i in CHECK_IDS if i.startswith("valid-"))
TAMPERED_IDS: tuple[str, ...] = tuple(i for i in CHECK_IDS if i.startswith("tampered-"))
REPLY_IDS: tuple[str, ...] = tuple(i for i in CHECK_IDS if i.startswith("reply-") and i != "reply-latency")
KEY_IDS: tuple[str, ...] = tuple(i for i in CHECK_IDS if i.startswith("key-"))


def trust_hint(prefix: str) -> str:
    """How to start a server trusting ``prefix`` (the skip reason of every trusted check)."""
    return f"needs --trusted: start your server trusting {prefix}"

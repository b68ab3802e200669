"""OSS's own 400 messages and EC codes for bad callback parameters (spec §4.3, §4.4), plus one
refusal that is the kit's own (``SIGNATURE_VERSION_UNSUPPORTED``) and one documented error whose
words are the kit's (``HOST_UNRESOLVABLE``).

Spelling is OSS's, typos included ("expecten"). ``None`` marks an EC code OSS does not publish.
"""

from __future__ import annotations

from typing import NamedTuple


class OssMessage(NamedTuple):
    message: str
    ec: str | None
    hint: str


CALLBACK_TOO_LONG = OssMessage(
    "The length of callback exceed max value.", "0007-00000001",
    "Keep the Base64 `callback` at 5 KB or less: shorten callbackBody or move values to callback-var.",
)
CALLBACK_NOT_BASE64 = OssMessage(
    "The callback configuration is not base64 encoded.", "0007-00000002",
    "Base64-encode the JSON text (standard alphabet, with padding).",
)
CALLBACK_NOT_JSON = OssMessage(
    "The callback configuration is not json format.", "0007-00000003",
    "The decoded text must be one JSON object; escape quotes inside callbackBody as \\\".",
)
URL_INVALID = OssMessage(
    "The callback url configuration is invalid.", "0007-00000004",
    "Give callbackUrl as [http(s)://]host[:port][/path][?query]; the port must be a number; IPv6 is not supported.",
)
TOO_MANY_URLS = OssMessage(
    "The number of callback url exceed max value.", "0007-00000005",
    "Give at most 5 URLs separated by ';'.",
)
PRIVATE_ADDRESS = OssMessage(
    "Private address is forbidden to callback.", "0007-00000008",
    "Real OSS cannot call loopback or private (RFC 1918) addresses: expose your server with a tunnel.",
)
#: OSS documents this error (EC page 0007-00000007: a callbackUrl that cannot be resolved to an IP
#: makes the request fail) but publishes neither its status nor its message: the 400 InvalidArgument
#: and these words are the kit's (most likely a 400 before storing, like its neighbours).
HOST_UNRESOLVABLE = OssMessage(
    "The callback url host cannot be resolved to an IP address (the kit's wording: OSS documents this "
    "error, EC 0007-00000007, but not its message).", "0007-00000007",
    "Check the host name in callbackUrl (a typo, or a name only your own network resolves): OSS must resolve "
    "it to a public IPv4 address.",
)
HOST_INVALID = OssMessage(
    "The callback host configuration is invalid.", "0007-00000009",
    "callbackHost must be a string holding a domain name or IP.",
)
BODY_INVALID = OssMessage(
    "The callback body is invalid.", "0007-00000010",
    "callbackBody must be a string; write variables as ${name} or ${x:name}.",
)
BODY_EMPTY = OssMessage(
    "The callback body is empty.", "0007-00000011",
    "Give callbackBody a template such as bucket=${bucket}&object=${object}.",
)
BODY_TYPE_INVALID = OssMessage(
    "The callback body type configuration is invalid.", "0007-00000012",
    "callbackBodyType must be a string.",
)
BODY_TYPE_UNSUPPORTED = OssMessage(
    "The body type of callback is not supported.", None,
    "Use application/x-www-form-urlencoded or application/json.",
)
SNI_INVALID = OssMessage(
    "The callback sni is invalid.", None,
    "callbackSNI must be a JSON boolean (true/false), not the string \"true\".",
)
SIGNATURE_VERSION_INVALID = OssMessage(
    "The callback signature version is invalid.", None,
    "Leave signatureVersion out or set it to \"1.0\".",
)
#: Not OSS's words: OSS accepts "2.0" (an Alibaba article, known from blog copies [O], describes it),
#: but its signing algorithm is unpublished, so the kit cannot emulate it and refuses it (kit's choice).
SIGNATURE_VERSION_UNSUPPORTED = OssMessage(
    "The kit cannot sign callbacks with signatureVersion 2.0 (the kit's refusal, not OSS's: OSS accepts 2.0, "
    "but its signing algorithm is unpublished).", None,
    "Leave signatureVersion out or set it to \"1.0\" to use the kit; real OSS would accept \"2.0\".",
)
ADDITIONAL_HEADERS_INVALID = OssMessage(
    "The callback additional headers is invalid.", "0007-00000026",
    "additionalHeaders must map up to 10 lowercase names (digits, '-', a-z; not x-oss-*, not reserved) to strings.",
)
BOTH_HEADER_AND_QUERY = OssMessage(
    "Either the callback query string parameter or the x-oss-callback header should be specified, not both.",
    "0007-00000027",
    "Send callback either as the x-oss-callback header or as the ?callback= query parameter.",
)
BOTH_VAR_HEADER_AND_QUERY = OssMessage(
    "Either the callback-var query string parameter or the x-oss-callback-var header should be specified, not both.",
    "0007-00000027",
    "Send callback-var either as the x-oss-callback-var header or as the ?callback-var= query parameter.",
)
VAR_TOO_LONG = OssMessage(
    "The length of callback var exceed max value.", "0007-00000101",
    "Keep the Base64 `callback-var` at 5 KB or less (OSS advises at most 10 variables, 512 bytes in all).",
)
VAR_NOT_BASE64 = OssMessage(
    "The callback var is not base64 encoded.", "0007-00000102",
    "Base64-encode the JSON text of callback-var (standard alphabet, with padding).",
)
VAR_NOT_JSON = OssMessage(
    "The callback var is not expecten json.", "0007-00000103",
    "callback-var must be a JSON object of string values; custom variables are the keys that start with 'x:' and "
    "are lowercase, e.g. {\"x:uid\": \"42\"} (OSS accepts and ignores other keys).",
)

#: Messages OSS returns with HTTP 203 ``CallbackFailed`` (spec §4.2).
CALLBACK_FAILED_EC_STATUS = "0007-00000203"
CALLBACK_FAILED_EC_TIMEOUT = "0007-00000202"
CALLBACK_FAILED_EC_NOT_JSON = "0007-00000205"
MSG_NOT_JSON = "Response body is not valid json format."
MSG_CANNOT_CONNECT = "Error status : -1.OSS can not connect to your callbackUrl, please check it."
MSG_MISSING_LENGTH = "Error Status : 400.User server missing content-length."
MSG_INVALID_LENGTH = "Error Status : 400.User server return invalid conent-length value."
MSG_TOO_LONG = "Error Status : 400.User server return too long content-length value."


def status_message(status: int) -> str:
    """The 203 message for a callback server that answered ``status`` instead of 200."""
    return f"Error status : {status}."


def timeout_message(host_port: str, cost_ms: int, timeout_ms: int = 5000) -> str:
    """The 203 message for a callback server that did not answer within the 5 s budget."""
    return (
        f"Error status : -1 {host_port} reply timeout, cost:{cost_ms}ms, "
        f"timeout:{timeout_ms}ms (err -4, errno115)"
    )

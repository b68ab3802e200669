"""OSS's XML bodies: the error document and the few result documents the emulator returns."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from ._errors import OssError

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
RECOMMEND_DOC = "https://api.aliyun.com/troubleshoot?q="


def element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def document(root: str, children: Iterable[str], indent: str = "  ") -> bytes:
    body = "".join(f"\n{indent}{c}" for c in children)
    return (HEADER + f"<{root}>{body}\n</{root}>\n").encode("utf-8")


def error_xml(
    code: str, message: str, request_id: str, host_id: str, *,
    extra: Iterable[tuple[str, str]] = (), ec: str | None = None,
) -> bytes:
    """The ``<Error>`` document, laid out as OSS lays it out (spec §4.2, §4.3)."""
    parts = [element("Code", code), element("Message", message), element("RequestId", request_id),
             element("HostId", host_id)]
    parts += [element(k, v) for k, v in extra]
    if ec:
        parts += [element("EC", ec), element("RecommendDoc", RECOMMEND_DOC + ec)]
    return document("Error", parts)


def parse_xml_body(data: bytes) -> ElementTree.Element:
    """Parse a request's XML body without entity expansion or external references (defusedxml);
    anything unparseable or unsafe is 400 ``MalformedXML``."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise OssError(400, "MalformedXML",
                       "The XML you provided was not well-formed or did not validate against our published schema.") from None

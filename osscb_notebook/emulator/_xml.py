"""OSS's XML bodies: the error document and the few result documents the emulator returns."""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import defusedxml.ElementTree as defused
from defusedxml import DefusedXmlException

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


#: How much of a client-supplied value an error message echoes back.
MAX_ECHO_CHARS = 256


def truncate_echo(value: str, limit: int = MAX_ECHO_CHARS) -> str:
    """A client value short enough to echo in an error: a hostile body must not come back whole."""
    return value if len(value) <= limit else value[:limit] + "..."


def malformed_xml() -> OssError:
    return OssError(400, "MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our published schema.")


#: Characters XML 1.0 cannot hold but object names can: C0 controls other than tab and LF, and CR,
#: which a parser would turn into LF. oss2 writes them raw into its XML bodies (its own live
#: test ``test_chinese.py::test_batch_delete_objects`` deletes ``中文...文件\x0C-2.txt``).
_RAW_CONTROLS = frozenset(chr(c) for c in range(0x20) if c not in (0x09, 0x0A))
_RAW_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f]")
#: a tag (or declaration); what lies between two of them is text
_TAG = re.compile(r"(<[^>]*>)")
#: Where their stand-ins are looked for: 32-character blocks of the supplementary private-use planes.
_STAND_IN_BLOCKS = range(0xF0000, 0x10FFE0, 0x20)


def _stand_ins(text: str) -> dict[str, str] | None:
    """A private-use stand-in for each raw control character, from a block ``text`` does not use
    (so putting the originals back cannot touch anything else); None if every block is used."""
    used = {ord(c) >> 5 for c in text if ord(c) >= 0xF0000}
    for base in _STAND_IN_BLOCKS:
        if base >> 5 not in used:
            return {c: chr(base + ord(c)) for c in _RAW_CONTROLS}
    return None


def _swap_in_text(text: str, table: dict[int, str]) -> str:
    """``text`` with control characters swapped inside element text only: the whitespace of a
    layout (a CRLF after the declaration or between elements) stays whitespace."""
    pieces = _TAG.split(text)
    for i in range(0, len(pieces), 2):
        if pieces[i].strip(" \t\r\n"):
            pieces[i] = pieces[i].translate(table)
    return "".join(pieces)


def _restore(root: ElementTree.Element, back: dict[str, str]) -> None:
    table = str.maketrans(back)
    for node in root.iter():
        if node.text:
            node.text = node.text.translate(table)
        if node.tail:
            node.tail = node.tail.translate(table)
        for name, value in node.attrib.items():
            node.attrib[name] = value.translate(table)


#: A numeric character reference (``&#1;``, ``&#01;``, ``&#x1f;``); SDK V2 writes a key's control
#: characters this way, and XML 1.0 parsers refuse those references as they refuse the raw characters.
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def _raw_control_refs(data: bytes) -> bytes:
    """``data`` with references to the characters in ``_RAW_CONTROLS`` written as those characters
    (then carried across the parser like raw ones); every other reference stays for the parser."""
    def raw(m: re.Match[bytes]) -> bytes:
        code = int(m.group(1), 16) if m.group(1) is not None else int(m.group(2))
        return bytes([code]) if chr(code) in _RAW_CONTROLS else m.group(0)

    return _CHAR_REF.sub(raw, data)


def parse_xml_body(data: bytes) -> ElementTree.Element:
    """Parse a request's XML body, refusing any DTD (so no entity expansion, no external
    entities); every emulator parser goes through here. Raises 400 ``MalformedXML``.

    Bodies are UTF-8. Control characters inside text (a key with ``\\x0C``) are kept as sent: XML
    1.0 parsers refuse them, OSS does not, so they cross the parser as private-use stand-ins; so do
    numeric references to them (``&#01;``, ``&#x1f;``), which OSS accepts too."""
    data = _raw_control_refs(data)
    try:
        if not _RAW_CONTROL_BYTES.search(data):
            return defused.fromstring(data, forbid_dtd=True)
        text = data.decode("utf-8")
        mapping = _stand_ins(text)
        if mapping is None:
            raise malformed_xml()
        root = defused.fromstring(_swap_in_text(text, str.maketrans(mapping)).encode("utf-8"), forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise malformed_xml() from None
    _restore(root, {v: k for k, v in mapping.items()})
    return root

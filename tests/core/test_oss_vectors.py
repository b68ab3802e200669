"""The real OSS-signed vectors verify with OSS's pinned key, and one changed byte breaks each."""

from __future__ import annotations

import base64

import pytest

from osscb_notebook.callback import (
    content_md5,
    load_public_key,
    split_target,
    string_to_sign,
    verify,
)
from osscb_notebook.callback.oss_vectors import OSS_VECTORS
from osscb_notebook.verification import OFFICIAL_PUBLIC_KEY_PEM, parse_raw_request, verify_request

KEY = load_public_key(OFFICIAL_PUBLIC_KEY_PEM)


@pytest.mark.parametrize("vector", OSS_VECTORS, ids=lambda v: v.name)
def test_vector_verifies_with_the_official_key(vector) -> None:
    path, query = split_target(vector.target)
    assert verify(KEY, string_to_sign(path, query, vector.body), base64.b64decode(vector.authorization))


@pytest.mark.parametrize("vector", OSS_VECTORS, ids=lambda v: v.name)
def test_one_changed_body_byte_fails(vector) -> None:
    path, query = split_target(vector.target)
    body = bytes([vector.body[0] ^ 1]) + vector.body[1:]
    assert not verify(KEY, string_to_sign(path, query, body), base64.b64decode(vector.authorization))


@pytest.mark.parametrize("vector", OSS_VECTORS, ids=lambda v: v.name)
def test_the_kits_verifier_accepts_the_vector_without_a_fetch(vector) -> None:
    trace = verify_request(parse_raw_request(vector.request().to_raw()))
    assert trace.ok, trace.render_text()


def test_g4_content_md5_matches_the_captured_header() -> None:
    g4 = next(v for v in OSS_VECTORS if v.name == "G4")
    assert content_md5(g4.body) == "G5H/anNzgdvMS2AsvXpi6A=="


def test_all_four_public_vectors_are_in_the_kit() -> None:
    """G3 (aliyun-oss-python-sdk#272) is public too: a '%3A' in the body and a path ending in '/'."""
    assert [v.name for v in OSS_VECTORS] == ["G1", "G2", "G3", "G4"]
    g3 = OSS_VECTORS[2]
    assert g3.target.endswith("/") and b"%3A" in g3.body

"""An OSS refusal as an error with its evidence: status, OSS's code and the request id."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from osscb_notebook.emulator import Emulator
from osscb_notebook.errors import CallbackFailedError, UploadError
from osscb_notebook.upload import OPERATIONS, UploadTarget, upload


@pytest.mark.parametrize("operation", OPERATIONS)
def test_upload_to_a_wrong_bucket_raises_with_status_code_and_request_id(emulator: Emulator, operation: str) -> None:
    target = dataclasses.replace(UploadTarget.for_emulator(emulator), bucket="no-such-bucket")
    outcome = upload(target, "k.txt", b"x", operation=operation)  # type: ignore[arg-type]
    assert outcome.status == 404  # still an outcome, as before
    with pytest.raises(UploadError) as info:
        outcome.raise_for_status()
    exc = info.value
    assert (exc.status, exc.code) == (404, "NoSuchBucket")
    assert exc.request_id and exc.request_id == outcome.request_id
    assert "bucket" in exc.hint


def test_a_stored_upload_passes_raise_for_status_and_a_203_carries_its_request_id(emulator: Emulator) -> None:
    target = UploadTarget.for_emulator(emulator)
    assert upload(target, "fine.txt", b"x").raise_for_status().status == 200
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    outcome = upload(target, "cb.txt", b"x", callback={"callbackUrl": f"http://127.0.0.1:{closed}/cb",
                                                       "callbackBody": "a=b"})
    with pytest.raises(CallbackFailedError) as info:
        outcome.raise_for_status().raise_for_callback()
    assert (info.value.status, info.value.code) == (203, "CallbackFailed")
    assert info.value.request_id == outcome.request_id != ""
    assert info.value.hint


def test_an_unreachable_endpoint_has_no_status() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = UploadTarget(f"http://127.0.0.1:{port}", "demo", "id", "secret", kind="emulator")
    with pytest.raises(UploadError) as info:
        upload(target, "k", b"x")
    assert info.value.status is None and info.value.hint

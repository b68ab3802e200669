"""PostObject: the policy document, its signature (V1 and V4) and its conditions."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ._auth import MISMATCH, V4_ALGORITHM, Credentials, anonymous_denied, v4_signing_key
from ._errors import OssError
from ._ints import strict_int


def _policy_denied(detail: str) -> OssError:
    return OssError(403, "AccessDenied", f"Invalid according to Policy: {detail}")


def _parse_expiration(value: object) -> float:
    if not isinstance(value, str):
        raise OssError(400, "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value.")
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OssError(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid 'expiration' value: {value!r}.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def decode_policy(policy_b64: str) -> dict[str, Any]:
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError):
        raise OssError(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if not isinstance(policy, dict) or "expiration" not in policy:
        raise OssError(400, "InvalidPolicyDocument", "Invalid Policy: Policy must have an 'expiration'.")
    if not isinstance(policy.get("conditions", []), list):
        raise OssError(400, "InvalidPolicyDocument", "Invalid Policy: 'conditions' must be a list.")
    return policy


def check_signature(fields: Mapping[str, str], creds: Credentials) -> str:
    """Verify the form's signature over the Base64 policy; returns ``v1`` or ``v4``.

    ``fields`` are keyed by lowercased field name. No policy and no signature is an anonymous
    upload, which a private bucket refuses.
    """
    policy = fields.get("policy")
    if fields.get("x-oss-signature-version") == V4_ALGORITHM:
        credential = fields.get("x-oss-credential", "")
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aliyun_v4_request":
            raise OssError(400, "InvalidArgument", "Invalid x-oss-credential.", ec="0002-00000710")
        ak, day, region, product = parts[:4]
        if ak != creds.access_key_id:
            raise OssError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.",
                           extra=[("OSSAccessKeyId", ak)])
        if not policy:
            raise OssError(400, "InvalidArgument", "Policy is required when a signature is given.")
        sig = fields.get("x-oss-signature", "")
        expected = hmac.new(v4_signing_key(creds.access_key_secret, day, region, product), policy.encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, sig):
            raise OssError(403, "SignatureDoesNotMatch", MISMATCH,
                           extra=[("OSSAccessKeyId", ak), ("SignatureProvided", sig), ("StringToSign", policy)])
        return "v4"
    key_id = fields.get("ossaccesskeyid")
    if key_id is None and policy is None:
        raise anonymous_denied()
    if key_id != creds.access_key_id:
        raise OssError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.",
                       extra=[("OSSAccessKeyId", key_id or "")])
    ak = key_id
    if not policy:
        raise OssError(400, "InvalidArgument", "Policy is required when OSSAccessKeyId is given.")
    sig = fields.get("signature", "")
    expected = base64.b64encode(hmac.new(creds.access_key_secret.encode(), policy.encode(), hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(expected, sig):
        raise OssError(403, "SignatureDoesNotMatch", MISMATCH,
                       extra=[("OSSAccessKeyId", key_id or ""), ("SignatureProvided", sig), ("StringToSign", policy)])
    return "v1"


def _field(fields: Mapping[str, str], name: str) -> str | None:
    return fields.get(name.lstrip("$").lower())


def check_conditions(policy: Mapping[str, Any], fields: Mapping[str, str], now: float | None = None) -> tuple[int, int] | None:
    """Check expiration and every condition except the size; returns the content-length-range."""
    now = time.time() if now is None else now
    if _parse_expiration(policy.get("expiration")) < now:
        raise _policy_denied("Policy expired.")
    size_range: tuple[int, int] | None = None
    for cond in policy.get("conditions", []):
        shown = json.dumps(cond, ensure_ascii=False)
        if isinstance(cond, dict):
            for name, want in cond.items():
                if _field(fields, name) != want:
                    raise _policy_denied(f"Policy Condition failed: [\"eq\", \"${name}\", {json.dumps(want)}]")
            continue
        if not isinstance(cond, list) or not cond:
            raise OssError(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid condition {shown}.")
        op = str(cond[0]).lower()
        if op == "content-length-range" and len(cond) == 3:
            low, high = (strict_int(str(v)) if isinstance(v, (int, str)) and not isinstance(v, bool) else None
                         for v in cond[1:])
            if low is None or high is None:
                raise OssError(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid content-length-range {shown}.")
            size_range = (low, high)
            continue
        if len(cond) != 3 or not isinstance(cond[1], str):
            raise OssError(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid condition {shown}.")
        value = _field(fields, cond[1])
        ok = {
            "eq": lambda v, w: v == w,
            "starts-with": lambda v, w: v is not None and v.startswith(w),
            "in": lambda v, w: isinstance(w, list) and v in w,
            "not-in": lambda v, w: isinstance(w, list) and v not in w,
        }.get(op)
        if ok is None:
            raise OssError(400, "InvalidPolicyDocument", f"Invalid Policy: Unknown condition {shown}.")
        if not ok(value, cond[2]):
            raise _policy_denied(f"Policy Condition failed: {shown}")
    return size_range


def check_size(size_range: tuple[int, int] | None, size: int) -> None:
    if size_range is None:
        return
    low, high = size_range
    if size > high:
        raise OssError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
    if size < low:
        raise OssError(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size.")

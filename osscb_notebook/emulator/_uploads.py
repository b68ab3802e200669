"""What every callback-capable upload shares: reading ``callback``/``callback-var`` from the
request and validating them before anything is stored, and finishing the upload with the
callback (200 with the application server's body, or 203 ``CallbackFailed``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..callback import UploadFacts, render_body
from ..errors import CallbackParamError
from ..params import (
    CallbackParams,
    CallbackVars,
    decode_callback,
    decode_callback_var,
    pick_transport,
)
from ._callback_policy import check_wire_fields, pick_addresses
from ._dispatch import dispatch
from ._errors import OssError
from ._http import Response
from ._imageinfo import image_info
from ._records import Record
from ._storage import ObjectMeta
from ._xml import error_xml

if TYPE_CHECKING:
    from ._app import App, Call

@dataclass
class CallbackSpec:
    """A validated callback: the parameters, the custom variables and how they arrived."""

    params: CallbackParams
    variables: dict[str, str] = field(default_factory=dict)
    transport: str = "header"
    raw: dict[str, Any] = field(default_factory=dict)
    #: the address each target connects to, resolved and checked once, before storing
    addresses: list[str] = field(default_factory=list)


def read_callback(
    app: App, *, header: str | None, query: str | None, var_header: str | None, var_query: str | None,
    form: str | None = None, form_var: str | None = None, form_fields: Mapping[str, str] | None = None,
) -> CallbackSpec | None:
    """Decode and validate the callback exactly once, before storing; raises 400 ``InvalidArgument``."""
    try:
        if form is not None or form_fields:
            value, var_value, transport = form, form_var, "form"
        else:
            value = pick_transport(header, query)
            var_value = pick_transport(var_header, var_query, var=True)
            transport = "header" if header is not None else "query"
        if not value:
            return None
        params = decode_callback(value)
        variables: dict[str, str] = {}
        if var_value:
            variables.update(decode_callback_var(var_value).to_json())
        if form_fields:
            variables.update(form_fields)
            CallbackVars.check(variables)
        if not params.enabled:
            return None
        shown = json.dumps(params.to_json(), ensure_ascii=False)  # OSS echoes the decoded callback
        check_wire_fields(params, shown)
        addresses = pick_addresses(params, app.config.callback_policy, shown)
    except CallbackParamError as exc:
        raise OssError.from_param_error(exc) from None
    return CallbackSpec(params, variables, transport, params.to_json(), addresses)


def upload_headers(meta: ObjectMeta) -> list[tuple[str, str]]:
    headers = [("ETag", meta.quoted_etag), ("x-oss-hash-crc64ecma", str(meta.crc64))]
    if meta.content_md5:
        headers.append(("Content-MD5", meta.content_md5))
    return headers


def object_summary(meta: ObjectMeta) -> dict[str, Any]:
    return {"etag": meta.etag, "size": meta.size, "crc64": meta.crc64, "content_md5": meta.content_md5,
            "content_type": meta.content_type, "object_type": meta.object_type}


def finish(app: App, call: Call, bucket: str, meta: ObjectMeta, spec: CallbackSpec | None, *, operation: str,
           plain: Response) -> Response:
    """``plain`` is the response without a callback; with one, run it and answer as OSS does."""
    record: Record | None = call.record
    if record is not None:
        record.object = object_summary(meta)
    for name, value in upload_headers(meta):
        plain.set_header(name, value)
    if spec is None:
        if record is not None:
            record.outcome = "stored"
        return plain
    info = None
    if spec.params.body.find("${imageInfo.") >= 0:
        with app.storage.open(bucket, meta) as f:
            info = image_info(f)
    facts = UploadFacts(
        bucket=bucket, object=meta.key, etag=meta.etag, size=meta.size, mime_type=meta.content_type,
        crc64=meta.crc64, content_md5=meta.content_md5, image_width=info[0] if info else None,
        image_height=info[1] if info else None, image_format=info[2] if info else "", client_ip=call.req.client_ip,
        req_id=call.req.request_id, operation=operation,
    )
    rendered = render_body(spec.params.body, spec.params.body_type, facts, spec.variables)
    if record is not None:
        record.rendered_body = rendered.body
        record.unknown_variables = rendered.unknown
    result = dispatch(
        spec.params.targets, rendered.body, body_type=spec.params.body_type, host=spec.params.host,
        private_key=app.private_key, public_key_url=app.public_key_url, bucket=bucket,
        request_id=call.req.request_id, requester=app.config.owner_id, timeout=app.config.callback_timeout,
        additional_headers=spec.params.extra.get("additionalHeaders"), addresses=spec.addresses,
    )
    if record is not None:
        record.attempts = result.attempts
        record.outcome = "callback_ok" if result.ok else "callback_failed"
    headers = upload_headers(meta)
    if result.ok:
        return Response(200, headers + [("Content-Type", result.content_type)], result.body)
    body = error_xml("CallbackFailed", result.message, call.req.request_id, call.host_id, ec=result.ec)
    return Response(203, headers + [("Content-Type", "application/xml")], body)

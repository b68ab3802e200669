"""Copy-ready snippets for one callback definition: the three transports, oss2 and SDK V2.

Pure functions over :class:`~osscb_notebook.params.Transports` and the params; the builder widget
and ``%%osscb_callback`` show the same text. Credentials are always read from environment
variables in the generated code, never inlined.
"""

from __future__ import annotations

import json
from html import escape

from ..params import CallbackParams, CallbackVars, Transports


def header_snippet(t: Transports) -> str:
    """Headers for PutObject / CompleteMultipartUpload (the recommended transport)."""
    return "\n".join(f"{k}: {v}" for k, v in t.headers.items())


def query_snippet(t: Transports) -> str:
    """Query parameters for a presigned URL (they are signed sub-resources)."""
    return "?" + t.query_string


def form_snippet(t: Transports) -> str:
    """PostObject form fields: ``callback`` plus one field per ``x:`` variable, and the policy condition."""
    fields = "\n".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in t.form_fields.items())
    policy = json.dumps(t.policy_condition)
    return f"{fields}\n\n<!-- optional policy condition, inside \"conditions\": -->\n{policy}"


def _py(obj: object) -> str:
    return json.dumps(obj, indent=4, ensure_ascii=False)


def oss2_snippet(
    params: CallbackParams, variables: CallbackVars | None = None, *, bucket: str = "<your-bucket>",
    endpoint: str = "https://oss-cn-hangzhou.aliyuncs.com", key: str = "example.txt",
) -> str:
    """PutObject with oss2. oss2 does not raise on 203, so the snippet checks the status itself."""
    var_lines = ""
    header_var = ""
    if variables:
        var_lines = f"callback_var = {_py(variables.to_json())}\n"
        header_var = '\n    "x-oss-callback-var": b64(callback_var),'
    return f'''import base64
import json
import os

import oss2

callback = {_py(params.to_json())}
{var_lines}

def b64(obj):
    return base64.b64encode(json.dumps(obj).encode("utf-8")).decode("ascii")


auth = oss2.Auth(os.environ["OSS_ACCESS_KEY_ID"], os.environ["OSS_ACCESS_KEY_SECRET"])
bucket = oss2.Bucket(auth, "{endpoint}", "{bucket}")
headers = {{
    "x-oss-callback": b64(callback),{header_var}
}}
result = bucket.put_object("{key}", b"hello", headers=headers)
# oss2 does NOT raise on 203: the object is stored but the callback failed.
if result.status == 203:
    raise RuntimeError("CallbackFailed: " + result.resp.read().decode())
print(result.resp.read().decode())  # your server's reply, relayed by OSS
'''


def sdk_v2_snippet(
    params: CallbackParams, variables: CallbackVars | None = None, *, bucket: str = "<your-bucket>",
    region: str = "cn-hangzhou", key: str = "example.txt",
) -> str:
    """PutObject with the Python SDK V2 (``alibabacloud-oss-v2``); it does not raise on 203 either."""
    var_lines = f"callback_var = {_py(variables.to_json())}\n" if variables else ""
    var_arg = "\n    callback_var=b64(callback_var)," if variables else ""
    return f'''import base64
import json

import alibabacloud_oss_v2 as oss

callback = {_py(params.to_json())}
{var_lines}

def b64(obj):
    return base64.b64encode(json.dumps(obj).encode("utf-8")).decode("ascii")


cfg = oss.config.load_default()
# reads OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET
cfg.credentials_provider = oss.credentials.EnvironmentVariableCredentialsProvider()
cfg.region = "{region}"
client = oss.Client(cfg)
result = client.put_object(oss.PutObjectRequest(
    bucket="{bucket}",
    key="{key}",
    body=b"hello",
    callback=b64(callback),{var_arg}
))
if result.status_code == 203:  # stored, but the callback failed
    raise RuntimeError("CallbackFailed: " + str(result.callback_result))
print(result.status_code, result.callback_result)
'''


SNIPPET_KINDS = ("header", "query", "form", "oss2", "sdk_v2")


def all_snippets(params: CallbackParams, variables: CallbackVars | None, transports: Transports) -> dict[str, str]:
    """Every snippet by kind, in :data:`SNIPPET_KINDS` order."""
    return {
        "header": header_snippet(transports),
        "query": query_snippet(transports),
        "form": form_snippet(transports),
        "oss2": oss2_snippet(params, variables),
        "sdk_v2": sdk_v2_snippet(params, variables),
    }

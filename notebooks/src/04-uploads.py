# %% [markdown]
# # 4. Uploads: four ways to ask for a callback
#
# Only three OSS operations take a callback: **PutObject**, **PostObject** (browser forms) and
# **CompleteMultipartUpload**. A **presigned URL** is a PutObject whose callback rides in the URL. This notebook runs
# all four against the emulator, then reads a failed callback (HTTP 203) the way **oss2** and the **Python SDK V2**
# return it: without raising. It starts with the **upload panel**, the same four operations with buttons.

# ## The upload panel
#
# Choose the content (text, random bytes or a file), the **operation**, and press **Upload**. The callback goes to
# the receiver `%osscb_receiver start` runs (with the emulator) for this kernel; the result explains a 200 or a 203,
# and the panel's timeline draws the exchange. Choose **Multipart** to see the part size, the parallel threads and a
# **progress bar** that fills as parts are sent.

# %%
%load_ext osscb_notebook
%osscb_receiver start
panel = %osscb_ui upload
panel

# %% [markdown]
# What choosing *random bytes*, *Multipart* with 1 MB parts and pressing **Upload** does (the bar fills part by part;
# the callback rides on CompleteMultipartUpload):

# %%
panel.content.value = "random"
panel.size.value = 6 * 1024 * 1024
panel.operation.value = "Multipart"
panel.part_size.value = 1024 * 1024
panel.key.value = "videos/clip.bin"
panel.upload_button.click()
outcome = panel.wait()
print(outcome)

# %% [markdown]
# The rest of the notebook does the same in code, one operation at a time, with its own emulator and receiver.

# %%
import base64
import json

import oss2

from osscb_notebook import CallbackParams, CallbackVars, render_transports
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, post_policy, upload

emulator = Emulator().start()
receiver = start_receiver(trust_key_urls=[emulator.public_key_url])
target = UploadTarget.for_emulator(emulator)

callback = CallbackParams(
    url=receiver.url + "uploads",
    body="op=${operation}&object=${object}&size=${size}&etag=${etag}&md5=${contentMd5}&uid=${x:uid}",
)
variables = CallbackVars({"x:uid": "1001"})
transports = render_transports(callback, variables)

# %% [markdown]
# ## PutObject: the callback in headers
#
# The SDKs send `x-oss-callback` (and `x-oss-callback-var`) headers with the PUT:

# %%
print(sorted(transports.headers))
outcome = upload(target, "docs/put.txt", b"PutObject body\n", callback=callback, callback_vars=variables)
print(outcome.status, outcome.body.decode())
print("callback body:", receiver.last.body.decode())

# %% [markdown]
# ## PostObject: a browser form with a signed policy
#
# A browser uploads straight to OSS with a `multipart/form-data` POST. Your server hands it a **policy** (what may be
# uploaded, until when) signed with your AccessKey secret, plus the `callback` field. Custom variables are separate
# `x:` form fields. The policy can pin the callback with a `{"callback": ...}` condition so that the browser cannot
# swap it.
#
# **It does not pin the `x:` fields.** This policy (the kit's `post_policy`) has no condition on `x:uid`, so whoever
# holds the form can send `x:uid=anything` and your server receives `${x:uid}` as they chose, under OSS's valid
# signature. Either add one condition per variable (`["eq", "$x:uid", "1001"]`, tested below), or never trust an
# `x:` value for authorization: derive the user from your own session when you issue the policy.

# %%
fields = post_policy(target, "docs/form.txt", transports)
print(sorted(fields))
policy = json.loads(base64.b64decode(fields["policy"]))
for condition in policy["conditions"]:
    if isinstance(condition, dict) and "callback" in condition:
        print({"callback": "Base64 of " + base64.b64decode(condition["callback"]).decode()})
    else:
        print(condition)
print("to pin x:uid too, add:", ["eq", "$x:uid", variables.to_json()["x:uid"]])

# %% [markdown]
# **Does OSS check such a condition?** The emulator checks every condition, so here the pinned policy refuses a
# swapped `x:uid` before storing anything (403 `AccessDenied`, no callback) and accepts the value it was issued for.
# For real OSS the evidence is indirect, so treat it as **unconfirmed**:
#
# * OSS's PostObject page (*Appendix: Policy*) lists the fields a condition may name: `content-length-range`,
#   `Cache-Control`, `Content-Type`, `Content-Disposition`, `Content-Encoding`, `Expires`, `key`,
#   `success_action_redirect`, `success_action_status` and `x-oss-meta-*`. **`x:` fields are not in the list.**
# * OSS's error-code pages 0006-00000226 and 0006-00000227 say that a field a condition names must be in the form and
#   must match (`Invalid according to Policy: Policy Condition failed: ...`), and the PostObject example policy has a
#   condition on an arbitrary field (`{"A": "a"}`): that suggests any form field can be pinned, but no document or
#   test we found shows OSS enforcing a condition on an `x:` field.
#
# So pin it if you like, test it on your bucket (notebook 7), and still do not authorize on `x:` values.

# %%
import xml.etree.ElementTree as ET

import httpx

pinned = post_policy(target, "docs/pinned.txt", transports, conditions=[["eq", "$x:uid", "1001"]])
for uid in ("9999", "1001"):
    response = httpx.post(target.bucket_url + "/", data={**pinned, "x:uid": uid}, files={"file": ("f", b"pinned\n")})
    if response.status_code == 200:
        print(f"x:uid={uid}: HTTP 200, stored; callback body:", receiver.last.body.decode())
    else:
        error = {child.tag: child.text for child in ET.fromstring(response.content)}
        print(f"x:uid={uid}: HTTP {response.status_code} {error['Code']}: {error['Message']}")

# %% [markdown]
# The HTML form the browser would submit (the file field must come last):

# %%
inputs = "\n".join(
    f'  <input type="hidden" name="{name}" value="{value[:20] + "..." if len(value) > 24 else value}">'
    for name, value in fields.items() if name != "Signature"
)
print(f'<form action="{target.bucket_url}/" method="post" enctype="multipart/form-data">\n{inputs}\n'
      '  <input type="hidden" name="Signature" value="...">\n  <input type="file" name="file">\n</form>'
      .replace(emulator.endpoint, "http://127.0.0.1:PORT"))

# %%
outcome = upload(target, "docs/form.txt", b"PostObject body\n", operation="PostObject", callback=callback,
                 callback_vars=variables)
print(outcome.status, outcome.body.decode())
print("callback body:", receiver.last.body.decode())

# %% [markdown]
# ## Multipart: the callback goes on CompleteMultipartUpload
#
# Parts are uploaded without a callback; the callback headers go on the final **CompleteMultipartUpload**. Two
# differences to know: `${contentMd5}` is empty (there is no MD5 of the whole object), and the ETag is not the MD5
# of the object: the emulator gives the hex MD5 of the parts' MD5s, a dash and the part count (`…-3`), the form OSS
# is understood to use (**inferred**: the callback page does not state it). And **the callback's reply replaces the usual XML result**: don't parse XML when you
# asked for a callback.

# %%
data = bytes(range(256)) * 1200  # 307,200 bytes
outcome = upload(target, "docs/big.bin", data, operation="Multipart", part_size=100 * 1024, callback=callback,
                 callback_vars=variables)
print(outcome.status, outcome.body.decode())
print("callback body:", receiver.last.body.decode())

# %% [markdown]
# ## Presigned URL: the callback in the query string
#
# Your server signs a PUT URL with `callback` / `callback-var` as query parameters (oss2's `sign_url(params=...)`),
# and whoever holds the URL can upload, callback included. The parameters are part of what is signed, so they cannot
# be changed without breaking the URL. OSS's Callback page warns that this method "exposes callback information in
# the URL and poses security risks. Use it only for temporary access or in low-sensitivity scenarios." (The Python SDK V2 presigner keeps the callback as a signed
# `x-oss-callback` *header* instead, which the uploader must send along.)

# %%
bucket = target.client()
url = bucket.sign_url("PUT", "docs/presigned.txt", 600, params=transports.query)
names = [part.split("=")[0] for part in url.split("?", 1)[1].split("&")]
print(sorted(names))

# %%
outcome = upload(target, "docs/presigned.txt", b"presigned body\n", operation="Presigned", callback=callback,
                 callback_vars=variables)
print(outcome.status, outcome.body.decode())
print("callback body:", receiver.last.body.decode())

# %% [markdown]
# ## Reading a 203 correctly
#
# Make the callback fail (the receiver now answers 500) and upload with each SDK directly.
#
# ### oss2
#
# `oss2` raises only when `status // 100 != 2`. A 203 is 2xx: **no exception**. The body is OSS's `CallbackFailed`
# XML.

# %%
receiver.set_reply(status=500)
result = bucket.put_object("docs/oss2.txt", b"oss2\n", headers=transports.headers)
print("status:", result.status)
xml = result.resp.read().decode()
print(xml)

# %% [markdown]
# The right check, and how to pull out OSS's message and EC:

# %%
import xml.etree.ElementTree as ET

if result.status == 200:
    print("stored and your server confirmed")
elif result.status == 203:
    error = {child.tag: child.text for child in ET.fromstring(xml)}
    print(f"stored, but the callback FAILED: {error['Code']} / {error['Message']} / EC {error.get('EC')}")

# %% [markdown]
# ### Python SDK V2 (`alibabacloud_oss_v2`)
#
# Same story: `put_object` returns normally, `status_code` is 203, and `callback_result` holds the error XML as a
# string.

# %%
import alibabacloud_oss_v2 as oss

config = oss.config.load_default()
config.credentials_provider = oss.credentials.StaticCredentialsProvider(target.access_key_id, target.access_key_secret)
config.endpoint = emulator.endpoint
config.region = "cn-hangzhou"
config.use_path_style = True
client = oss.Client(config)

v2 = client.put_object(oss.PutObjectRequest(
    bucket=target.bucket, key="docs/v2.txt", body=b"v2\n",
    callback=transports.callback, callback_var=transports.callback_var,
))
print("status_code:", v2.status_code)
print(v2.callback_result)

# %% [markdown]
# With a working callback, `callback_result` is your server's reply:

# %%
receiver.set_reply(None)
v2 = client.put_object(oss.PutObjectRequest(
    bucket=target.bucket, key="docs/v2.txt", body=b"v2\n",
    callback=transports.callback, callback_var=transports.callback_var,
))
print(v2.status_code, v2.callback_result)

# %% [markdown]
# (Not every SDK does this: the Go SDK V2 turns a 203 into an error with code `CallbackFailed`, and the Ruby SDK
# raises `Aliyun::OSS::CallbackError`.)
#
# ## Clean up
#
# Stop this notebook's own servers; the panel's receiver and emulator stop with `%unload_ext` (or the kernel).

# %%
receiver.stop()
emulator.cleanup()

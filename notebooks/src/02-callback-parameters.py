# %% [markdown]
# # 2. Callback parameters
#
# An upload asks for a callback with two parameters:
#
# * **`callback`**: Base64 of a JSON object that says *where* OSS calls (`callbackUrl`) and *what* it sends
#   (`callbackBody`, `callbackBodyType`), plus `callbackHost` and `callbackSNI`;
# * **`callback-var`** (optional): Base64 of a JSON object of custom variables, `{"x:uid": "42"}`.
#
# This notebook covers every field, the three ways to carry the parameters, the `x:` rules, form vs JSON
# bodies, and the mistakes OSS rejects, each shown as the **callback builder's verdict** (OSS's 400 message and its
# **EC**: OSS's error code, such as `0007-00000011`, sent in the `<EC>` element of its error XML). No server, no credentials: everything here is the kit's pure core, the same code the emulator uses to judge
# your requests.
#
# **How sure is each statement?** Most rules and messages come from OSS's documentation. Where the documentation is
# silent, the kit had to choose (the README's table *Choices where OSS's documentation is silent*); this notebook
# marks each such behaviour with **(kit's choice)** where it shows it, and what is seen in real callbacks but not
# documented with **(observed)**.

# %%
import base64
import json

from osscb_notebook import (
    CallbackParamError,
    CallbackParams,
    CallbackVars,
    UploadFacts,
    decode_callback,
    decode_callback_var,
    encode_callback,
    encode_callback_var,
    render_body,
    render_transports,
)
from osscb_notebook.params import FORM, JSON, ignored_var_keys, is_private_address, pick_transport

# %% [markdown]
# ## Every field of `callback`
#
# | Field | Required | What it does |
# |---|---|---|
# | `callbackUrl` | yes | Where OSS POSTs. Up to 5 URLs split by `;`, tried in order "until a success response is returned" (documented; that any failure, a refused connection included, moves on to the next URL is the **kit's choice**). Scheme optional (documented examples omit it; `http` when omitted is the **kit's choice**), port numeric, no IPv6, no private addresses on real OSS. Timeout 5 s, fixed; no retry. |
# | `callbackBody` | yes | The body template: `${bucket}`, `${object}`, `${size}`, ... and your own `${x:name}`. Must not be empty. |
# | `callbackBodyType` | no | `application/x-www-form-urlencoded` (default) or `application/json`. Becomes the request's `Content-Type`. |
# | `callbackHost` | no | The `Host` header of the callback request (default: the host of the URL). |
# | `callbackSNI` | no | A JSON **boolean**: send SNI on HTTPS (Server Name Indication: the host name the TLS client names in its handshake, so that a server with several certificates presents the right one). OSS's documentation recommends `true` for **every HTTPS** `callbackUrl` (without SNI a server that hosts several certificates may present the wrong one). |
#
# Three rarer fields pass through unchanged (`CallbackParams(extra=...)`): `additionalHeaders` (extra headers for
# the callback request; names must not start with `x-oss-` (documented, EC page 0007-00000026); the limit of 10
# headers, lowercase names and the reserved names such as `Host` come from blog copies of an Alibaba article:
# **observed**), `signatureVersion` and `callbackPolicy` (the name of a policy stored on the bucket).
#
# `signatureVersion`: an Alibaba article (which we know only from blog copies: **observed**) describes `"1.0"`, the
# default, and `"2.0"`; OSS's documented 400 for a version it does not know is *The callback signature version is
# invalid.* The kit gives that 400 for any other value, but it refuses `"2.0"` **in its own words** (the builder's
# verdict says so), because the 2.0 signing algorithm is not published and the emulator could not sign with it
# (**kit's choice**; real OSS accepts `"2.0"`).
#
# An **empty** `callbackUrl` means no callback at all: OSS's older API page says so, and so does its current EC page
# 0007-00000004 ("not configured **or** empty: callback not configured"), which covers a *missing* URL too. Its
# newer 400 list gives *The callback url configuration is invalid.* for a missing one. The kit follows the 400
# list for a missing URL (empty: no callback; missing: that 400): the less documented side of the conflict, and
# the **kit's choice**.
#
# `CallbackParams` holds them with Python names; `to_json()` gives OSS's names:

# %%
params = CallbackParams(
    url="http://oss-demo.aliyuncs.com:23450",
    host="your.callback.com",
    body="bucket=${bucket}&object=${object}&uid=${x:uid}&order=${x:order_id}",
    body_type=FORM,
    sni=False,
)
print(json.dumps(params.to_json(), indent=2))

# %% [markdown]
# The parameter is that JSON, **compact and UTF-8, then Base64**:

# %%
callback_b64 = encode_callback(params)
print(callback_b64)
print(base64.b64decode(callback_b64).decode())

# %% [markdown]
# Decoding goes the other way and checks every rule OSS documents (and the kit's choices where it is silent). Here is the example from OSS's own documentation
# (note its spaces after `:` and `,`: any valid JSON is fine, the kit just writes it compactly):

# %%
docs_callback = (
    "eyJjYWxsYmFja0hvc3QiOiAieW91ci5jYWxsYmFjay5jb20iLCAiY2FsbGJhY2tVcmwiOiAiaHR0cDovL29zcy1kZW1vLmFsaXl1bmNz"
    "LmNvbToyMzQ1MCIsICJjYWxsYmFja0JvZHkiOiAiYnVja2V0PSR7YnVja2V0fSZvYmplY3Q9JHtvYmplY3R9JnVpZD0ke3g6dWlkfSZv"
    "cmRlcj0ke3g6b3JkZXJfaWR9IiwgImNhbGxiYWNrQm9keVR5cGUiOiAiYXBwbGljYXRpb24veC13d3ctZm9ybS11cmxlbmNvZGVkIiwg"
    "ImNhbGxiYWNrU05JIjogZmFsc2V9"
)
docs_callback_var = "eyJ4OnVpZCI6ICIxMjM0NSIsICJ4Om9yZGVyX2lkIjogIjY3ODkwIn0="
print(base64.b64decode(docs_callback).decode())
print(decode_callback(docs_callback) == params)
print(decode_callback_var(docs_callback_var).to_json())

# %% [markdown]
# ## `callbackUrl`: several URLs, no scheme, query strings
#
# `targets` shows what OSS will call, in order (the first URL has no scheme, so the kit calls it over `http`: **kit's
# choice**). The request target (path and query) is sent exactly as written; it is also what the signature covers
# (notebook 5).

# %%
multi = CallbackParams(url="121.43.113.8:23456/index.php?id=1&index=2;https://cb.example.com/oss;", body="a=${bucket}")
for t in multi.targets:
    print(f"{t.scheme:5} host={t.host:15} port={t.port:<5} target={t.target}")

# %% [markdown]
# ## The three transports
#
# The same two values travel in one of three ways, never two at once:
#
# 1. **Headers** `x-oss-callback` / `x-oss-callback-var`: PutObject, CompleteMultipartUpload (recommended).
# 2. **Query parameters** `?callback=...&callback-var=...`: presigned URLs (they are then part of what the URL signs).
# 3. **Form fields** in a browser PostObject: a `callback` field, and **one field per custom variable**
#    (`x:uid`), not a `callback-var` blob. The POST policy may pin the callback with a `{"callback": ...}` condition.

# %%
def short(value: str) -> str:
    return value if len(value) < 40 else value[:24] + "..." + value[-8:]


variables = CallbackVars({"x:uid": "12345", "x:order_id": "67890"})
t = render_transports(params, variables)
print("1. headers:    ", {k: short(v) for k, v in t.headers.items()})
print("2. query:      ", {k: short(v) for k, v in t.query.items()})
print("3. form fields:", {k: short(v) for k, v in t.form_fields.items()})
print("   policy condition:", {k: short(v) for k, v in t.policy_condition.items()})
print("callback-var:", t.callback_var, "=", base64.b64decode(t.callback_var).decode())

# %% [markdown]
# Sending both the header and the query parameter is a 400 (`pick_transport` is what the emulator runs):

# %%
try:
    pick_transport(header_value=t.callback, query_value=t.callback)
except CallbackParamError as e:
    print(e.status, e.code, e.ec)
    print(e.oss_message)

# %% [markdown]
# ## `callback-var` and the `x:` rules
#
# Custom variables are the keys that **start with `x:` and are lowercase**; values are strings, and a variable only
# reaches the body where the template says `${x:name}`: nothing is appended automatically.
#
# How sure is this, and what happens to other keys? (The evidence is in `docs/callback-var-keys.md`.)
#
# * **Keys without `x:` are accepted and ignored** by OSS. OSS's Chinese API page says OSS "returns an error" for
#   them, but oss2's own test against the live service has sent such keys for years and expects **203** (stored,
#   callback attempted), not a 400. *Accepted*: high confidence. *Ignored*: inferred (nothing can reference them:
#   `${name}` without `x:` is a system variable).
# * **`x:` keys with capitals** (`x:UID`): only the documentation speaks, so the kit keeps its 400
#   `The callback var is not expecten json.` (EC 0007-00000103). Low to medium confidence.
# * **Values that are not strings**: 400 (EC 0007-00000103), as OSS's error-code page describes.
#
# What OSS makes of a received `callback-var` (the emulator runs `decode_callback_var`), and what the kit lets you
# *build* (`CallbackVars`, strict: only keys that do something):

# %%
for candidate in ({"x:uid": "42"}, {"uid": "42"}, {"x:UID": "42"}, {"x:uid": 42}):
    received = base64.b64encode(json.dumps(candidate).encode()).decode()
    try:
        usable = decode_callback_var(received).to_json()
        oss = f"accepted, variables {usable}" + (f", ignored {ignored_var_keys(candidate)}" if ignored_var_keys(candidate) else "")
    except CallbackParamError as e:
        oss = f"{e.status} EC {e.ec} {e.oss_message}"
    try:
        CallbackVars(candidate)
        build = "builds"
    except CallbackParamError:
        build = "refused"
    print(f"{json.dumps(candidate):18} OSS: {oss:55} CallbackVars: {build}")

# %% [markdown]
# ## Form vs JSON bodies
#
# Here is what OSS knows about a stored object (the values are fixed so the outputs are reproducible):

# %%
facts = UploadFacts(
    bucket="demo", object="photos/2024 trip/cat:1.jpg", etag='"5D41402ABC4B2A76B9719D911017C592"',
    size=1234, mime_type="image/jpeg", crc64=5981764153023615706, content_md5="XUFAKrxLKna5cZ2REBfFkg==",
    image_height=539, image_width=810, image_format="jpg", client_ip="203.0.113.9",
    req_id="5C3D9175B6FC201293AD4890", operation="PutObject",
)
custom = {"x:uid": "12345", "x:order_id": "67890"}

# %% [markdown]
# **Form** (`application/x-www-form-urlencoded`, the default): every value is percent-encoded (`/` becomes `%2F`,
# `:` `%3A`). The ETag comes without quotes, uppercase. A space becomes `%20` here (**kit's choice**: OSS's documented
# examples never show a space, so a receiver should decode both `%20` and `+`).

# %%
form_template = "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&uid=${x:uid}"
print(render_body(form_template, FORM, facts, custom).text)

# %% [markdown]
# **JSON** (`application/json`): write the placeholders **without quotes**. OSS writes strings as JSON strings and
# `size`, `imageInfo.width`/`height` as bare numbers (verified on a real OSS-signed callback, golden vector G2).
# `${crc64}` as a bare number and an empty `vpcId` as `null` are **observed**: one real callback body quoted in a
# third-party README shows both; no Alibaba document says so. Custom variables are always strings.

# %%
json_template = (
    '{"object":${object},"size":${size},"crc64":${crc64},"width":${imageInfo.width},'
    '"vpcId":${vpcId},"uid":${x:uid},"order":${x:order_id}}'
)
body = render_body(json_template, JSON, facts, custom).text
print(body)
print(json.loads(body)["size"] + 1)

# %% [markdown]
# Quoting a string placeholder yourself doubles the quotes, and your server's JSON parser then fails (the doubled
# quotes are what the kit renders, inferred from OSS quoting strings itself: **kit's choice**):

# %%
quoted = render_body('{"object":"${object}"}', JSON, facts).text
print(quoted)
try:
    json.loads(quoted)
except json.JSONDecodeError as e:
    print("JSONDecodeError:", e.msg)

# %% [markdown]
# Variable names are case-sensitive, and only the literal `${...}` form is substituted. A template that a client
# library URL-encoded (`%24%7Bbucket%7D`, as PHP's `http_build_query` does) reaches the server unchanged. An unknown
# variable renders as nothing here (`""` in JSON bodies): what OSS does with one is undocumented (**kit's choice**):

# %%
rendered = render_body("bucket=${Bucket}&object=%24%7Bobject%7D", FORM, facts)
print(rendered.text)
print("unknown variables:", rendered.unknown)

# %% [markdown]
# ## Common mistakes, as the builder's verdict
#
# The **callback builder** is where you would make these mistakes. It is prefilled with a valid callback; every field
# is live (edit it and the verdict, the Base64 and the body preview follow).

# %%
from osscb_notebook.widgets import CallbackBuilder

builder = CallbackBuilder(
    url="https://cb.example.com/oss", body="bucket=${bucket}&object=${object}&uid=${x:uid}", variables={"x:uid": "12345"},
)
builder.sni.value = True  # the JSON boolean true (shown as "true"); OSS recommends SNI for every HTTPS callbackUrl
builder

# %% [markdown]
# Each mistake below is loaded into that builder, which prints its verdict: OSS's **HTTP 400 `InvalidArgument`**
# message and error code (EC), plus what to do. With a 400 the object is *not* stored and no callback is sent. The
# messages are OSS's published ones (typos included: "expecten"), but several message-to-EC pairings are inferred from
# OSS's error-code pages rather than observed, and two codes have no published message (0007-00000026,
# 0007-00000102), so for those the wording is the **kit's choice**. The builder is left showing the last one.

# %%
good = {"callbackUrl": "https://cb.example.com/oss", "callbackBody": "bucket=${bucket}&uid=${x:uid}"}
builder_mistakes = [
    ("callbackUrl port not a number", {**good, "callbackUrl": "cb.example.com:test"}, None),
    ("six callback URLs", {**good, "callbackUrl": ";".join(f"https://cb{i}.example.com" for i in range(6))}, None),
    ("callbackBody empty", {**good, "callbackBody": ""}, None),
    ("additionalHeaders with an x-oss- name", {**good, "additionalHeaders": {"x-oss-tenant": "a"}}, None),
    ("callback over 5 KB", {**good, "callbackBody": "a=${bucket}&" * 400}, None),
    ("callback-var key in capitals", good, {"x:UID": "42"}),
    ("callback-var key without x: (not a 400)", good, {"x:uid": "42", "uid": "42"}),
    ("the fix: lowercase x: keys", good, {"x:uid": "42"}),
]
for label, callback_json, custom_vars in builder_mistakes:
    builder.load(callback_json, custom_vars if custom_vars is not None else {"x:uid": "12345"})
    verdict = "VALID: OSS would accept this callback" if builder.valid else builder.error_message.splitlines()[0]
    ignored = [w for w in builder.definition.warnings if "does not start with x:" in w]
    print(f"{label:44} {verdict}" + (f"\n{'':44} warning: {ignored[0]}" if ignored else ""))
builder.load({**good, "callbackUrl": "cb.example.com:test"}, {"x:uid": "12345"})
print()
print(builder)

# %% [markdown]
# ## Mistakes only code can make
#
# Some mistakes happen below the builder, when a program assembles the Base64 itself: not Base64 at all, JSON with
# unescaped quotes, a string where OSS wants a boolean. The kit decodes them exactly as the emulator does:

# %%
def b64_text(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def oss_says(label: str, value: str, var: bool = False) -> None:
    try:
        (decode_callback_var if var else decode_callback)(value)
        print(f"{label:38} accepted")
    except CallbackParamError as e:
        print(f"{label:38} {e.status} {e.code} EC {e.ec or '-':13} {e.oss_message}")


ok = {"callbackUrl": "cb.example.com/oss", "callbackBody": "bucket=${bucket}"}
mistakes = {
    "callback not Base64": "x123-*&",
    "JSON body with unescaped quotes": b64_text('{"callbackUrl":"cb.example.com","callbackBody":"{"bucket":${bucket}}"}'),
    "callbackHost not a string": b64_text(json.dumps({**ok, "callbackHost": [1, 2, 3]})),
    "callbackBody not a string": b64_text(json.dumps({**ok, "callbackBody": ["bucket"]})),
    "callbackBodyType text/plain": b64_text(json.dumps({**ok, "callbackBodyType": "text/plain"})),
    "callbackBodyType not a string": b64_text(json.dumps({**ok, "callbackBodyType": 123})),
    'callbackSNI as the string "true"': b64_text(json.dumps({**ok, "callbackSNI": "true"})),
    "signatureVersion 3.0 (not a version)": b64_text(json.dumps({**ok, "signatureVersion": "3.0"})),
}
for label, value in mistakes.items():
    oss_says(label, value)
oss_says("callback-var not Base64", "%%%", var=True)
oss_says("callback-var a list", b64_text('["x:uid"]'), var=True)
oss_says("callbackSNI as a boolean (the fix)", b64_text(json.dumps({**ok, "callbackSNI": True})))
oss_says("additionalHeaders, lowercase (the fix)", b64_text(json.dumps({**ok, "additionalHeaders": {"x-app-tenant": "a"}})))

# %% [markdown]
# OSS echoes what it decoded in `<ArgumentValue>`, which helps to spot the broken quote:

# %%
try:
    decode_callback(mistakes["JSON body with unescaped quotes"])
except CallbackParamError as e:
    print(f"<ArgumentName>{e.argument_name}</ArgumentName>")
    print(f"<ArgumentValue>{e.argument_value}</ArgumentValue>")
    print("hint:", e.hint)

# %% [markdown]
# The fix for the JSON body is to let `json.dumps` escape the inner quotes (or build `CallbackParams` and encode it):

# %%
fixed = b64_text(json.dumps({"callbackUrl": "cb.example.com", "callbackBody": '{"bucket":${bucket}}', "callbackBodyType": JSON}))
print(decode_callback(fixed))

# %% [markdown]
# One more check happens when OSS resolves the URL: **real OSS refuses loopback and private addresses**
# (`Private address is forbidden to callback.`, EC 0007-00000008; OSS's example is `127.0.0.1`, and it names RFC 1918
# networks). The kit's emulator allows loopback by default so that you can learn on one machine;
# `Emulator(allow_private_callbacks=False)` refuses it too (see notebook 6). It also refuses link-local
# (`169.254.x`), shared (`100.64.0.0/10`), reserved and multicast addresses: OSS documents none of those, so refusing
# them is the **kit's choice**, an extrapolation of "private". For real OSS, expose your receiver with a tunnel
# (notebook 3).

# %%
for host in ("127.0.0.1", "localhost", "10.1.2.3", "192.168.1.20", "121.43.113.8", "cb.example.com"):
    print(f"{host:15} private={is_private_address(host)}")

# %% [markdown]
# Next: **3. The receiver and tunnels**, the server side of the callback.

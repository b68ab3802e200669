# %% [markdown]
# # 1. Quickstart: an upload callback in under a minute
#
# With an **upload callback**, OSS stores your object, then POSTs a small request to *your* server, waits for its
# answer (5 s at most) and hands that answer back to the uploading client as the upload's response. Your server
# learns about every upload, signed by OSS, and the client learns what your server said.
#
# ```
# client ──PUT object + callback──▶ OSS ──POST callback (signed)──▶ your server
#        ◀──200 + your server's reply── OSS ◀────── 200 {"Status":"OK"} ──┘
# ```
#
# Everything runs here, with no account and no credentials: a local **OSS emulator** plays OSS and a local
# **receiver** plays your server. Run the cells from top to bottom (Shift+Enter).

# %%
from osscb_notebook import CallbackParams, CallbackVars
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

emulator = Emulator().start()
receiver = start_receiver(trust_key_urls=[emulator.public_key_url])
print("OSS emulator:", emulator.endpoint)
print("receiver:    ", receiver.url)

# %% [markdown]
# The receiver trusts the emulator's signing key. (Real OSS signs with its own key, published at
# `https://gosspublic.alicdn.com/`, which every receiver trusts; notebook 5 explains.)
#
# ## 1. Describe the callback
#
# *Where* OSS should call, and *what* to send: a body template with OSS's variables (`${object}`, `${size}`, ...)
# and your own (`${x:uid}`).

# %%
callback = CallbackParams(
    url=receiver.url + "oss-callback",
    body="bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&uid=${x:uid}",
)
variables = CallbackVars({"x:uid": "42"})

# %% [markdown]
# ## 2. Upload with the callback

# %%
outcome = upload(
    UploadTarget.for_emulator(emulator), "photos/hello.txt", b"Hello, OSS callbacks!\n",
    callback=callback, callback_vars=variables,
)

# %% [markdown]
# ## 3. The callback arrived
#
# This is the request OSS sent to the receiver, as received:

# %%
record = receiver.last
print(record.method, record.target)
for name in ("Content-Type", "User-Agent", "x-oss-bucket", "x-oss-signature-version", "x-oss-tag"):
    print(f"{name}: {record.header(name)}")
print()
print(record.body.decode())

# %% [markdown]
# ## 4. It was verified
#
# The receiver checked OSS's signature before trusting the body (notebook 5 does this step by step):

# %%
print(record.trace.summary)
print("string to sign:", record.trace.step("string_to_sign").output)

# %% [markdown]
# ...and answered OSS:

# %%
print(record.reply_status, record.reply_body.decode())

# %% [markdown]
# ## 5. The client's final response
#
# OSS relayed the receiver's answer to the client: status **200** and your server's body. A **203** would mean
# *stored, but the callback failed* (notebook 6).

# %%
print(outcome.status, outcome.body.decode())
print(outcome)

# %% [markdown]
# ## Clean up
#
# Stop the servers (the emulator's temporary storage is removed with it).

# %%
receiver.stop()
emulator.cleanup()

# %% [markdown]
# ## Where next
#
# 2. **Callback parameters**: every field, the three transports, `x:` variables, form vs JSON, OSS's errors.
# 3. **The receiver and tunnels**: reply settings, history, replay; reaching your laptop from real OSS.
# 4. **Uploads**: PutObject, PostObject, multipart, presigned URLs; reading a 203 with oss2 and SDK V2.
# 5. **Verifying the signature** step by step, on a real OSS callback.
# 6. **Troubleshooting lab**: every common failure reproduced, explained and fixed.
# 7. **Going to real OSS** with your own credentials.
# 8. **Taking it to production**: the exported receiver.
#
# Prefer widgets to code? `%load_ext osscb_notebook` adds `%osscb_emulator`, `%osscb_receiver`, `%%osscb_callback`,
# `%osscb_upload` and `%osscb_ui` (callback builder, receiver panel, upload panel, verification stepper, timeline).

# %% [markdown]
# # 1. Quickstart: an upload callback in under a minute
#
# With an **upload callback**, OSS stores your object, then POSTs a small signed request to *your* server, waits
# for its answer (5 s at most) and hands that answer back to the uploading client as the upload's response. OSS makes
# one callback for each upload that **carries callback parameters** (trying your URLs in order if you gave several).
# If that call fails (no answer, or an answer that is late, not 200, or not JSON — or XML declared with
# `Content-Type: application/xml`), OSS does not retry it and the client gets a **203** instead (notebook 6), even
# though your server may already have received the callback and acted on it.
#
# ```
# client ──PUT object + callback──▶ OSS ──POST callback (signed)──▶ your server
#        ◀──200 + your server's reply── OSS ◀────── 200 {"Status":"OK"} ──┘
# ```
#
# Everything runs here, with no account and no credentials: a local **OSS emulator** plays OSS and a local
# **receiver** plays your server. Run the cells from top to bottom (Shift+Enter, or *Run ▸ Run All Cells*); you
# will not need to type any code.
#
# ## 0. Load the kit and start both servers
#
# `%load_ext osscb_notebook` adds the `%osscb_*` magics. `%osscb_receiver start` starts the verifying receiver and,
# because the default backend is the emulator, the emulator too; the receiver trusts the emulator's signing key.
# (Real OSS signs with its own key, published at `https://gosspublic.alicdn.com/`; notebook 5 explains.)

# %%
%load_ext osscb_notebook
%osscb_receiver start

# %% [markdown]
# ## 1. Describe the callback
#
# *Where* OSS should call (`callbackUrl`, here the receiver) and *what* to send: a body template with OSS's
# variables (`${object}`, `${size}`, ...) and your own (`${x:uid}`, from `callback-var`). `{receiver}` stands for
# the running receiver's address. The kit checks the definition against OSS's documented rules, with OSS's own 400
# messages (where the documentation is silent, the kit chooses: the README lists those choices), and shows the Base64
# values that travel with the upload.

# %%
%%osscb_callback --no-snippets
callbackUrl: {receiver}/callback
callbackBody: bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&uid=${x:uid}
x:uid: 42

# %% [markdown]
# The same definition in the **callback builder**: every field is live. Change the body or a variable and the
# verdict, the Base64 and the body preview (tabs on the right) follow at once; break it (clear `callbackBody`) and
# you get OSS's 400 message and its **EC** instead (OSS's error code, such as `0007-00000011`, sent in the `<EC>`
# element of its error XML).

# %%
%osscb_ui builder

# %% [markdown]
# ## 2. Upload with the callback
#
# `%osscb_upload` uploads through the real `oss2` SDK to the emulator, with the callback above. A green **200**
# means: stored, callback delivered, and this is your server's reply, relayed by OSS.

# %%
%osscb_upload photos/hello.txt --text "Hello, OSS callbacks!"

# %% [markdown]
# ## 3. The timeline of that exchange
#
# Four arrows: the client's upload, OSS's callback to your server, your server's answer (against OSS's fixed 5 s
# budget), and OSS's final answer to the client.

# %%
%osscb_ui timeline

# %% [markdown]
# ## 4. Verify the callback, one step at a time
#
# Your server must not trust a callback until it has checked OSS's signature. The stepper walks the callback the
# receiver just got through the seven steps: **click Next** until step 7, *RSA verify*. (`%osscb_verify` prints the same
# steps as text.)

# %%
%osscb_ui stepper

# %% [markdown]
# ## The same in plain Python
#
# The magics and widgets are thin layers over a small library. These cells do what the ones above did, for readers
# who want code: start the emulator and a receiver that trusts its key, describe the callback, upload with `oss2`,
# read what arrived, its verification, and the client's final response.

# %%
from osscb_notebook import CallbackParams, CallbackVars
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

emulator = Emulator().start()
receiver = start_receiver(trust_key_urls=[emulator.public_key_url])

callback = CallbackParams(
    url=receiver.url + "oss-callback",
    body="bucket=${bucket}&object=${object}&size=${size}&mimeType=${mimeType}&uid=${x:uid}",
)
variables = CallbackVars({"x:uid": "42"})
outcome = upload(
    UploadTarget.for_emulator(emulator), "photos/hello.txt", b"Hello, OSS callbacks!\n",
    callback=callback, callback_vars=variables,
)

# %% [markdown]
# The request OSS sent, as the receiver got it, then its verification and the receiver's answer to OSS:

# %%
record = receiver.last
print(record.method, record.target)
for name in ("Content-Type", "User-Agent", "x-oss-bucket", "x-oss-signature-version", "x-oss-tag"):
    print(f"{name}: {record.header(name)}")
print()
print(record.body.decode())
print()
print(record.trace.summary)
print("string to sign:", record.trace.step("string_to_sign").output)
print("reply to OSS:", record.reply_status, record.reply_body.decode())

# %% [markdown]
# OSS relayed the receiver's answer to the client: status **200** and your server's body. A **203** would mean
# *stored, but the callback failed* (notebook 6).

# %%
print(outcome.status, outcome.body.decode())
print(outcome)

# %% [markdown]
# ## Clean up
#
# Stop the servers (the emulator's temporary storage is removed with it). `%unload_ext` stops what the magics
# started.

# %%
receiver.stop()
emulator.cleanup()
%unload_ext osscb_notebook

# %% [markdown]
# ## Where next
#
# 2. **Callback parameters**: every field, the three transports, `x:` variables, form vs JSON, each mistake as the
#    builder's verdict.
# 3. **The receiver and tunnels**: the receiver panel, reply settings (break the reply, see the 203), tunnels.
# 4. **Uploads**: the upload panel; PutObject, PostObject, multipart with a progress bar, presigned URLs.
# 5. **Verifying the signature** with the stepper, on OSS's real documented callback and on a tampered copy.
# 6. **Troubleshooting lab**: every common failure, shown with the tool you would reach for.
# 7. **Going to real OSS** with your own credentials.
# 8. **Taking it to production**: the exported receiver and the lessons that matter there.
# 9. **Check your server**: `osscb probe` plays OSS, good and hostile, against your callback URL.

# %% [markdown]
# # 3. The receiver and tunnels
#
# The **receiver** is the kit's stand-in for your application server: it verifies every callback's signature,
# records everything (request, verdict, reply, timing), answers the way you tell it to, and can replay what it got.
# **Tunnels** give it a public URL, which real OSS needs: OSS refuses to call private or loopback addresses.
#
# Cells that need the outside world (a tunnel provider, an account) are marked **🌐 outside world** and only run when
# you set `OSSCB_OUTSIDE=1` in the environment before starting Jupyter; otherwise they print a note. Everything else
# runs here with no network.
#
# The first half is code (the library the panel is built on); the end of the notebook is the **receiver panel**, the
# same receiver with buttons: reply settings, a live table of callbacks, and a 203 you cause on purpose.

# %%
import json
import os

from osscb_notebook import CallbackParams
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

OUTSIDE = os.environ.get("OSSCB_OUTSIDE") == "1"
emulator = Emulator().start()
target = UploadTarget.for_emulator(emulator)
BODY = "object=${object}&size=${size}&uid=${x:uid}"


def send(receiver, path="oss-callback", key="notes/a.txt"):
    """One upload to the emulator with a callback to ``receiver``; returns the client's outcome."""
    callback = CallbackParams(url=receiver.url + path, body=BODY)
    return upload(target, key, b"some bytes\n", callback=callback, callback_vars={"x:uid": "7"})

# %% [markdown]
# ## Thread mode and process mode
#
# `start_receiver()` runs the server **in a child process of this kernel** (the default). It keeps answering within
# OSS's 5 s while a cell computes, even in a C call that holds the GIL (Python's global interpreter lock: one thread
# runs Python code at a time); a crash there cannot take the kernel down; and
# it stops with the kernel. Records come back to the kernel over a queue: `history` and `last` wait for the ones in
# flight, and `wait_for(n)` waits for the n-th.
#
# `mode="thread"` runs it **in a thread of this kernel**. It starts in a millisecond instead of a tenth of a second,
# but it shares the GIL with your cells: while a cell keeps Python busy, each reply waits for the interpreter's thread
# switches (a few replies stall for seconds: 5.4 s, past OSS's 5 s, at most in the latest benchmark run, and a p99,
# the time 99 % of replies stay under, above one second in earlier ones), and a C call that holds the GIL for 8 s makes OSS give up
# on the callback.

# %%
separate = start_receiver(trust_key_urls=[emulator.public_key_url])
print(separate.status()["mode"], send(separate).status, separate.wait_for(1)[-1])
separate.stop()

# %%
threaded = start_receiver(mode="thread", trust_key_urls=[emulator.public_key_url])
print(threaded.status()["mode"], send(threaded).status, threaded.last)

# %% [markdown]
# Re-running a cell that starts a receiver on a fixed `port=` stops the previous one first, so "address already in
# use" does not happen; `port=0` (the default) picks a free port.
#
# ## Reply settings
#
# By default the receiver answers like OSS's official sample: **200 `{"Status":"OK"}`** when the signature verifies,
# **400** with the reason when it does not, **501** for anything but POST. `set_reply` changes that, for every path
# or for one path. Each setting exists to reproduce a real failure (notebook 6):
#
# | Setting | Effect | OSS's verdict |
# |---|---|---|
# | `status=500` | any status | 203 `Error status : 500.` |
# | `body="OK", content_type="text/plain"` | any body | 203 `Response body is not valid json format.` |
# | `bom=True` | UTF-8 BOM before the body | 203 `Response body is not valid json format.` |
# | `content_length=False` | chunked reply | 203 `... missing content-length.` |
# | `oversize=True` | body past 1 MB | 203 `... too long content-length value.` |
# | `delay=6` | answer late | 203 `... reply timeout ...` |

# %%
receiver = start_receiver(trust_key_urls=[emulator.public_key_url])
receiver.set_reply(body={"Status": "OK", "thumbnail": "pending"})
print(send(receiver).body.decode())

receiver.set_reply(status=500, path="/broken")
outcome = send(receiver, path="broken")
print(outcome.status, outcome.error_message)

receiver.set_reply(None)  # back to the defaults (the per-path /broken setting stays)
print(send(receiver).body.decode())

# %% [markdown]
# ## History
#
# Every request is kept (the latest 1000 by default; `log_path=` also appends each one to a JSON Lines file), with
# its verification trace and the reply:

# %%
for record in receiver.history:
    print(f"#{record.id} {record.method} {record.target:14} -> {record.reply_status}  verified={record.verified}")

# %%
record = receiver.history[0]
doc = record.to_dict()
print(sorted(doc))
print(json.dumps({k: doc[k] for k in ("method", "target", "body_text", "verified")}, indent=1))
print(json.dumps(doc["reply"]["body_text"]))

# %% [markdown]
# `as_curl()` gives a shell command that sends the same request again (handy to debug your own server with the exact
# bytes OSS sent):

# %%
print(record.as_curl().replace(" -H ", " \\\n    -H "))

# %% [markdown]
# ## Replay
#
# `replay(record, url)` sends a recorded callback again, byte for byte, to this receiver or to any other server, such
# as the app you are writing. The path and query are kept, so the signature still verifies there:

# %%
again = receiver.replay(record)
print(again.status, again.text)

your_app = start_receiver(trust_key_urls=[emulator.public_key_url])
elsewhere = receiver.replay(record, your_app.url)
print(elsewhere.status, elsewhere.text, "| verified there:", your_app.last.verified)

# %% [markdown]
# A replay is also how you test a fix without uploading again. It cannot fool a verifying server into trusting a
# changed body, though:

# %%
import dataclasses

forged = dataclasses.replace(record, body=record.body.replace(b"size=11", b"size=99"), raw_target="")
print(receiver.replay(forged).status, "|", receiver.last.trace.summary)
your_app.stop()

# %% [markdown]
# ## Tunnels: a public URL for real OSS
#
# Real OSS answers `400 Private address is forbidden to callback.` for `127.0.0.1` and private networks, so the
# receiver needs a public URL that forwards to it. `open_tunnel(kind, port)` opens one:
#
# | Kind | When | Notes |
# |---|---|---|
# | `"local"` | the emulator (here, tests) | no tunnel: the loopback URL; real OSS rejects it |
# | `"ssh"` | your laptop, a VM; any SSH reverse-tunnel service (`ssh -R`) or your own server | port 22 must be open outbound: **not** on mybinder.org |
# | `"ngrok"` | anywhere with HTTPS egress, Binder included | needs an ngrok account and authtoken (`NGROK_AUTHTOKEN`); downloads the agent once |
# | `"jupyter"` | JupyterHub / Binder: the Jupyter server's own proxy | the URL carries your Jupyter **token** (it grants access to the whole server: use it only in a short-lived session) |
#
# HTTPS tunnels often share one IP between many hostnames: set `callbackSNI: true` (a JSON boolean) so that OSS sends
# the hostname in the TLS handshake, or the callback can fail with `Error status : -1`/`502`.

# %%
from osscb_notebook.tunnels import detect_jupyter, open_tunnel

local = open_tunnel("local", receiver)  # passing the receiver (not just its port) lets it mask tunnel tokens
print(local)
print(local.callback_url("oss-callback") == receiver.url + "oss-callback")
print(local.warning)
local.close()

# %% [markdown]
# ### 🌐 SSH reverse tunnel
#
# `ssh -R` to a server you control (with `GatewayPorts` enabled) or to a reverse-tunnel service. The public URL is
# `http://HOST:REMOTE_PORT/` unless the service prints its own (pass it as `public_url=`).

# %%
if OUTSIDE and os.environ.get("OSSCB_SSH_HOST"):
    ssh_tunnel = open_tunnel("ssh", receiver, host=os.environ["OSSCB_SSH_HOST"], check=True)
    print(ssh_tunnel, "\ncallbackUrl:", ssh_tunnel.callback_url("oss-callback"))
    ssh_tunnel.close()
else:
    print("skipped (outside world): set OSSCB_OUTSIDE=1 and OSSCB_SSH_HOST=user@server to open an SSH reverse tunnel")

# %% [markdown]
# ### 🌐 ngrok
#
# HTTPS on ngrok's shared front end, so put `sni=True` in `CallbackParams`. Needs `NGROK_AUTHTOKEN`; the ngrok agent
# is downloaded on first use (or pass `ngrok_path=`).

# %%
if OUTSIDE and os.environ.get("NGROK_AUTHTOKEN"):
    ngrok_tunnel = open_tunnel("ngrok", receiver)
    print(ngrok_tunnel, "\ncallbackUrl:", ngrok_tunnel.callback_url("oss-callback"))
    ngrok_tunnel.close()
else:
    print("skipped (outside world): set OSSCB_OUTSIDE=1 and NGROK_AUTHTOKEN to open an ngrok tunnel")

# %% [markdown]
# ### 🌐 The Jupyter proxy (Binder, JupyterHub)
#
# No account, no download: the Jupyter server you are using forwards `/proxy/absolute/PORT/` to the receiver. The
# `absolute` route keeps the path OSS signed (the plain `/proxy/PORT/` route strips it, which breaks signatures unless
# the receiver rebuilds the path from `X-Forwarded-Prefix`; notebook 6, section 9). On this fallback route the URL must carry
# your Jupyter token, and that token opens your whole server to whoever sees it.
#
# **The scoped endpoint (preferred when present).** The package also ships a Jupyter *server extension* that serves
# `{base_url}osscb/callback/<capability>/...`. The capability is a random secret of at least 128 bits made for one
# receiver, and it grants nothing but forwarding to that receiver: not your notebooks, not a terminal, not the
# Jupyter API. When the extension is active, `open_tunnel("jupyter", receiver)` uses it and the callback URL carries
# **no Jupyter token**; otherwise it falls back to jupyter-server-proxy's `/proxy/absolute/PORT/` with the token, as
# above. Either way the path after the prefix is the one OSS signed. Treat the capability URL like a password for
# that one receiver (anyone holding it can post to it, and the signature check rejects whatever OSS did not sign),
# and stop the receiver when you are done: that retires the capability.

# %%
context = detect_jupyter()
if OUTSIDE and context.kind in ("binder", "jupyterhub"):
    jupyter_tunnel = open_tunnel("jupyter", receiver)
    print(jupyter_tunnel)  # the token is masked in displays
    print(jupyter_tunnel.warning)
    jupyter_tunnel.close()
else:
    print("skipped (outside world): runs on Binder/JupyterHub with OSSCB_OUTSIDE=1")

# %% [markdown]
# Once you have a public URL, use `tunnel.callback_url(path)` as `callbackUrl` with real OSS (notebook 7), and close the
# tunnel with `tunnel.close()` when done.
#
# Stop what the code above started:

# %%
receiver.stop()
threaded.stop()
emulator.cleanup()

# %% [markdown]
# ## The receiver panel
#
# Everything above, with buttons. `%osscb_receiver start` starts a receiver (and the emulator whose key it trusts) for
# this kernel's session; the panel shows that same receiver: its callback URL, a live table of callbacks with each
# verdict and reply time against OSS's 5 s budget, the detail of the selected callback (headers, raw body, reply,
# copy-as-curl), replay, and the **reply settings**. The upload panel below it uploads to the emulator with a callback
# to this receiver.

# %%
%load_ext osscb_notebook
%osscb_receiver start
receiver_panel = %osscb_ui receiver
upload_panel = %osscb_ui upload
display(receiver_panel, upload_panel)

# %% [markdown]
# Upload once with the default reply: a green 200, and a VERIFIED row in the panel's table (clicking **Upload** does
# the same as this cell).

# %%
upload_panel.upload_button.click()
print(upload_panel.wait())

# %% [markdown]
# ### Break the reply on purpose
#
# In the panel's **Reply settings**, choose status `500 Server Error` and click **Apply reply**, then **Upload** again.
# The object is stored, but OSS tells the client **203 CallbackFailed** with `Error status : 500.`: your server got
# the callback (see the new row, reply 500) but did not accept it. This cell does exactly those clicks:

# %%
receiver_panel.reply_status.value = 500
receiver_panel.apply_button.click()
upload_panel.upload_button.click()
print(upload_panel.wait())
print(receiver_panel)

# %% [markdown]
# Try the other reply settings the same way: a delay of 6 s (OSS gives up after 5), a UTF-8 BOM or no
# Content-Length (notebook 6 explains each 203). Set the status back to *auto* and apply to go back to normal:

# %%
receiver_panel.reply_status.value = 0
receiver_panel.apply_button.click()

# %% [markdown]
# The receiver keeps running while this notebook is open so you can keep clicking; `%osscb_receiver stop` (or
# `%unload_ext osscb_notebook`, or shutting the kernel down) stops it.

# %% [markdown]
# # 8. Taking it to production
#
# The notebook's receiver is for learning and debugging. For your own server the kit exports a **single-file
# receiver** (standard library + `cryptography`) with the same rules: it checks the key URL before fetching it, caches
# the key, verifies the raw bytes, and answers within OSS's limits. This notebook runs that exact file against the
# emulator and attacks it a little.

# %%
import http.client
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from osscb_notebook import CallbackParams, parse_raw_request
from osscb_notebook.callback import build_callback_request, generate_private_key, public_key_pem
from osscb_notebook.emulator import Emulator
from osscb_notebook.params import parse_callback_url
from osscb_notebook.receiver import export_production_receiver
from osscb_notebook.upload import UploadTarget, upload

workdir = Path(tempfile.mkdtemp(prefix="osscb-production-"))
script = export_production_receiver(workdir / "oss_callback_receiver.py")
print(script.name)

# %% [markdown]
# ## What is in it
#
# Your business logic goes into `handle_callback()`; the rest is the verification you should not have to write:

# %%
source = script.read_text()
for name in ("def handle_callback", "def public_key_for", "def verify", "class CallbackHandler", "def main"):
    print(f"{name:22} {'found' if chr(10) + name in source else 'MISSING'}")

# %% [markdown]
# ## A key server that counts its visitors
#
# To watch what the receiver downloads, we put the emulator's public key behind a tiny HTTP server that counts its
# requests, and tell the emulator to announce that URL in `x-oss-pub-key-url` (`public_endpoint=`):

# %%
def key_server(pem: bytes = b""):
    """Serve one PEM (at any path) on a free loopback port; ``Handler.hits`` counts the downloads."""

    class Handler(BaseHTTPRequestHandler):
        hits = 0

        def do_GET(self):
            Handler.hits += 1
            self.send_response(200)
            self.send_header("Content-Length", str(len(Handler.pem)))
            self.end_headers()
            self.wfile.write(Handler.pem)

        def log_message(self, *args):
            pass

    Handler.pem = pem
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, Handler, f"http://127.0.0.1:{server.server_address[1]}"


key_host, key_counter, key_host_url = key_server()
emulator = Emulator(public_endpoint=key_host_url).start()
key_counter.pem = emulator.public_key_pem
print(emulator.public_key_url.startswith(key_host_url), emulator.public_key_url.removeprefix(key_host_url))

# %% [markdown]
# ## Run it
#
# As you would on a server: `python oss_callback_receiver.py --host 0.0.0.0 --port 8080`. Here it listens on a free
# loopback port, and trusts the emulator's key URL as well as OSS's (in production, leave `--trust-key-url` out).

# %%
server = subprocess.Popen(
    [sys.executable, str(script), "--port", "0", "--trust-key-url", emulator.public_key_url],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
)
banner = server.stdout.readline().strip()
receiver_url = banner.split()[-1]
receiver_port = int(receiver_url.rstrip("/").rsplit(":", 1)[1])
print(banner)

# %%
callback = CallbackParams(url=receiver_url + "oss/uploaded", body="object=${object}&size=${size}&etag=${etag}")
target = UploadTarget.for_emulator(emulator)
for name in ("invoices/1.pdf", "invoices/2.pdf", "invoices/3.pdf"):
    outcome = upload(target, name, b"%PDF-1.7 ...", callback=callback)
    print(outcome.status, outcome.body.decode())

# %% [markdown]
# ## Caching the key
#
# The key behind a key URL never changes, so the receiver fetches it **once** and keeps it:

# %%
print("callbacks verified:", sum(1 for r in emulator.records if r.outcome == "callback_ok"))
print("key downloads:     ", key_counter.hits)

# %% [markdown]
# OSS's own key (`https://gosspublic.alicdn.com/callback_pub_key_v1.pem`) has not changed in years and is public, so
# you can also **pin** it: ship the PEM with your code and never depend on that download at all (notebook 5 shows
# the key; `osscb_notebook.verification.OFFICIAL_PUBLIC_KEY_PEM` holds it).
#
# ## Checking the key URL
#
# An attacker can sign a fake callback with *their own* key and point `x-oss-pub-key-url` at it. A receiver that
# fetches whatever URL it is given would happily verify it. The exported receiver checks the prefix first and
# **never fetches** an untrusted URL. Let's be that attacker, with a key server that counts its visitors:

# %%
attacker_key = generate_private_key()
attacker_host, attacker_counter, attacker_url = key_server(public_key_pem(attacker_key))
attacker_key_url = attacker_url + "/callback_pub_key_v1.pem"

forged = build_callback_request(
    parse_callback_url(receiver_url + "oss/uploaded"), b"object=invoices%2Ffree.pdf&size=1&etag=0",
    body_type="application/x-www-form-urlencoded", private_key=attacker_key, public_key_url=attacker_key_url,
    bucket="demo", request_id="5C3D9175B6FC201293AD0000", requester="1000000000000001",
)

# %%
def post(request):
    host, port = request.url.split("/")[2].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("POST", request.target, request.body, {k: v for k, v in request.headers if k != "Host"})
    reply = conn.getresponse()
    text = reply.read().decode()
    conn.close()
    return reply.status, text


print("forged callback:", *post(forged))
print("attacker's key server was asked", attacker_counter.hits, "times")

# %% [markdown]
# Rejected, and the attacker's URL was never touched. For the record, the forgery is *cryptographically valid*: with
# the attacker's key it verifies, which is exactly why the URL check matters.

# %%
from osscb_notebook import KeyResolver, verify_request

trusting_everything = KeyResolver([attacker_key_url])
print(verify_request(parse_raw_request(forged.to_raw()), trusting_everything).summary)

# %% [markdown]
# The receiver also refuses a genuine callback whose body was changed on the way (the signature covers the raw
# bytes), and anything but POST:

# %%
genuine = emulator.records[-1].attempts[-1]
tampered_body = genuine.request_body.replace(b"invoices%2F3.pdf", b"invoices%2F4.pdf")
conn = http.client.HTTPConnection("127.0.0.1", receiver_port, timeout=5)
headers = {k: v for k, v in genuine.request_headers if k.lower() not in ("host", "content-length")}
conn.request("POST", genuine.request_target, tampered_body, headers)
reply = conn.getresponse()
print("tampered body:", reply.status, reply.read().decode())
conn.close()

conn = http.client.HTTPConnection("127.0.0.1", receiver_port, timeout=5)
conn.request("GET", "/oss/uploaded")
reply = conn.getresponse()
print("GET:          ", reply.status, reply.read().decode())
conn.close()

# %% [markdown]
# ## Where slow work goes
#
# `handle_callback()` runs while OSS waits, and OSS gives up after 5 s. Its reply is all OSS needs, so put anything
# slow (thumbnails, database fan-out, calls to other services) on a queue there and return at once:

# %%
start = source.index("def handle_callback")
print(source[start:source.index("\n\n\n", start)])

# %% [markdown]
# For example, with the standard library (or hand the job to Celery, RQ, a cloud queue...):
#
# ```python
# import queue, threading
#
# jobs: "queue.Queue[tuple[bytes, dict]]" = queue.Queue(maxsize=10_000)
#
# def worker() -> None:
#     while True:
#         body, headers = jobs.get()
#         ...  # the slow part: idempotent, keyed on signed fields (see below)
#         jobs.task_done()
#
# threading.Thread(target=worker, daemon=True).start()
#
# def handle_callback(body: bytes, headers: dict[str, str]) -> dict:
#     jobs.put_nowait((body, headers))  # milliseconds; queue.Full -> let it raise: a 500 tells OSS (and the client, 203)
#     return {"Status": "OK"}
# ```
#
# ## Production lessons
#
# * **Verify every callback** over the raw bytes, with the key URL checked (or the key pinned). Reject with 400.
# * **Answer 200 with a small JSON body and a `Content-Length`, within 5 s.** Queue the real work (above); OSS does not
#   retry. Your reply may also be **XML** (`Content-Type: application/xml`), which OSS's documentation allows; OSS then
#   relays it to the client as it is.
# * A failed callback does not undo the upload: the client gets **203** and the object exists. Make your processing
#   **idempotent** and reconcile (list recent objects) so that missed callbacks are caught up.
# * **Replay.** The signature has no timestamp or nonce, and `Date`, `Host`, `x-oss-request-id` and `x-oss-bucket` are
#   not signed. Deduplicate on **signed** fields: put `${reqId}` and `${etag}` (with `${bucket}`, `${object}`) in
#   `callbackBody`, and process each once. Saved callbacks (logs, history files, curl commands) are replayable: keep them
#   like credentials.
# * **OSS's callback key is RSA-512,** which is publicly factorable. For value-bearing actions, do not trust the
#   callback alone: confirm with **HeadObject** (your own credentials) that the object exists with that size and ETag.
# * **HTTPS** for confidentiality: over `http://` the body (your `x:` variables included) travels in clear.
# * **`${crc64}` above 2^53:** CRC-64 values are 64-bit; in a JSON body they are bare numbers, and JavaScript's
#   `JSON.parse` rounds any above 2^53 (9007199254740992). Use a big-int-aware parser (`json-bigint`), or a form body,
#   where every value is a string. (Quoting the placeholder, `"${crc64}"`, gives a JSON string in the kit's rendering,
#   but what OSS does with a quoted numeric placeholder is not documented.)
# * Behind a reverse proxy, forward the **path unchanged** (or rebuild it) and never re-encode the body.
# * Use HTTPS with `"callbackSNI": true` (OSS's documentation recommends it for every HTTPS `callbackUrl`), and a public
#   address. OSS refuses private addresses, and that includes **host names that resolve to private addresses**: a
#   `callbackUrl` of `cb.internal.example.com` pointing at `10.0.0.5` fails like `10.0.0.5` itself. Check what the name
#   resolves to *from the internet*.
# * **`oss2.resumable_upload` drops the callback headers on its multipart path.** Below its multipart threshold it
#   calls `put_object` with your headers; above it, it uploads parts and calls `complete_multipart_upload` without
#   them, so large files silently get **no callback**. Pass a threshold above your largest file, or run the multipart
#   upload yourself and put the callback headers on `complete_multipart_upload` (reproduced and fixed in notebook 6,
#   section 16).
# * Log each callback's `x-oss-request-id` and `x-oss-bucket` with your own request id: request ids are what
#   Alibaba support asks for.
#
# The `${crc64}` precision loss, shown in Python with a float (what JavaScript's numbers are):

# %%
crc64 = 18_364_758_544_493_064_720  # a CRC-64 as OSS may send it, above 2**53
print("exact:            ", crc64)
print("as a JS number:   ", int(float(crc64)))
print("still equal:      ", int(float(crc64)) == crc64)

# %% [markdown]
# ## Clean up

# %%
server.terminate()
server.wait(timeout=5)
server.stdout.close()
server.stderr.close()
emulator.cleanup()
for http_server in (key_host, attacker_host):
    http_server.shutdown()
    http_server.server_close()
script.unlink()
workdir.rmdir()
print("stopped and removed")

# %% [markdown]
# # 8. Taking it to production
#
# The notebook's receiver is for learning and debugging. For your own server the kit exports a **single-file
# receiver** in your language (Python, Node.js, Go, Java, PHP or Ruby; standard library only, plus `cryptography` for
# Python) with the same rules: it checks the key URL before fetching it, pins OSS's key, caches other keys, verifies the
# raw bytes, and answers within OSS's limits. This notebook runs the Python file against the emulator, probes it with
# `osscb probe`, and attacks it a little; every language runs the same checks in the kit's tests.

# %%
import http.client
import os
import socket
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
from osscb_notebook.exports import LANGUAGES, export_production_receiver, production_receiver_source
from osscb_notebook.upload import UploadTarget, upload

workdir = Path(tempfile.mkdtemp(prefix="osscb-production-"))

# %% [markdown]
# ## Pick your language and framework
#
# One file per language, each with a `verify` function and a tiny server around it. If your server is a web
# framework app, pick the framework too: the kit then writes a folder with the **hookup** (a Flask blueprint, a
# FastAPI router, a Django view, an Express router, a Gin handler, a Spring `@RestController`, a Laravel controller,
# a Rails action, a Sinatra route) mounted under `/hooks/oss/callback` in a minimal app with the middleware a real
# one has on (body parsers, sessions, CSRF protection), plus the stand-alone file whose `verify` it calls. Every
# hookup is tested against the real framework in the kit's tests. From a terminal:
# `osscb export-receiver --lang node` (the single file) or `osscb export-receiver --lang node --framework express`.

# %%
import ipywidgets as widgets

from osscb_notebook.errors import ReceiverError
from osscb_notebook.exports import FRAMEWORKS, HOOK_PATH
from osscb_notebook.exports.export import framework_files

STANDALONE = "(stand-alone file)"


def frameworks_of(lang):
    return [STANDALONE] + [fw.name for fw in FRAMEWORKS.values() if fw.lang == lang]


def hookup_text(lang, fw_name):
    """What the export writes for ``lang`` (and framework ``fw_name``, or the stand-alone file)."""
    row = LANGUAGES[lang]
    if fw_name == STANDALONE:
        try:
            header = production_receiver_source(lang).split("\n\n\n")[0]
        except ReceiverError as exc:
            header = str(exc)
        return (f"osscb export-receiver --lang {lang}   ->  {row.filename}\n"
                f"run it with:  {row.command_line()}\n\n{header[:2500]}\n")
    fw = FRAMEWORKS[fw_name]
    try:
        files = framework_files(lang, fw_name)
    except ReceiverError as exc:
        return f"{fw.label}: {exc}\n"
    # the file that calls verify(): the hookup itself (the app around it is in the other files)
    calls = [n for n, t in files.items() if "verify(" in t and n != row.filename]
    hook = next((n for n in calls if "oss" in n.lower() or "callback" in n.lower()), (calls or list(files))[0])
    return (f"osscb export-receiver --lang {lang} --framework {fw_name} -o osscb-{fw_name}\n"
            f"  {fw.what}\n  files: {', '.join(sorted(files))} + {row.filename}\n"
            f"  run it with:  cd osscb-{fw_name} && {fw.start}\n  callbacks go to {HOOK_PATH}\n\n"
            f"--- {hook} ---\n{files[hook][:2500]}\n")


picker = widgets.Dropdown(options=[(row.label, name) for name, row in LANGUAGES.items()], value="python",
                          description="Language")
fw_picker = widgets.Dropdown(options=frameworks_of("python"), value=STANDALONE, description="Framework")
preview = widgets.Output()


def show_language(change=None):
    if change is not None and change.get("owner") is picker:
        fw_picker.options = frameworks_of(picker.value)  # resets the framework to the stand-alone file
        fw_picker.value = STANDALONE
    # set the Output's contents (not `with preview: print`), so the text lives in the widget only
    preview.outputs = ({"output_type": "stream", "name": "stdout",
                        "text": hookup_text(picker.value, fw_picker.value)},)


picker.observe(show_language, names="value")
fw_picker.observe(show_language, names="value")
show_language()
widgets.VBox([widgets.HBox([picker, fw_picker]), preview])

# %% [markdown]
# Without the widget, the same in code: every language, its file and the command that runs it
# (`OSS_CALLBACK_HOST` / `OSS_CALLBACK_PORT` choose where it listens, 127.0.0.1:8080 by default; PHP can also
# run under `php -S HOST:PORT`, as its header describes), then every framework hookup and how its users start it. Change `LANG` and `FRAMEWORK` to see one:

# %%
for name, row in LANGUAGES.items():
    print(f"{name:7} {row.filename:27} {row.command_line()}")
print()
for fw in FRAMEWORKS.values():
    print(f"{fw.lang:7} --framework {fw.name:8} {fw.start}")

LANG, FRAMEWORK = "node", "express"  # FRAMEWORK = STANDALONE for the single file
print()
print(hookup_text(LANG, FRAMEWORK)[:1800])

# %% [markdown]
# ## The Python one, run for real
#
# The rest of this notebook runs the Python file. Your slow work goes into `process_callback()`; the rest is the
# verification you should not have to write:

# %%
script = export_production_receiver(workdir / "oss_callback_receiver.py")
source = script.read_text()
for name in ("def process_callback", "def public_key_for", "def verify", "class CallbackHandler", "def main"):
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
# As you would on a server: `OSS_CALLBACK_HOST=0.0.0.0 OSS_CALLBACK_PORT=8080 python3 oss_callback_receiver.py`. Here
# it listens on a free loopback port (port 0), and trusts two more key URL prefixes besides OSS's own, in
# `OSS_CALLBACK_TRUSTED_KEY_URLS`: the emulator's, and the one `osscb probe` serves its key under (below). In
# production, leave that variable unset.

# %%
with socket.socket() as s:  # a free port for the probe's key server
    s.bind(("127.0.0.1", 0))
    probe_key_port = s.getsockname()[1]
trusted = f"{emulator.public_key_prefix},http://127.0.0.1:{probe_key_port}/osscb-probe/"
server = subprocess.Popen(
    [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    env={**os.environ, "OSS_CALLBACK_PORT": "0", "OSS_CALLBACK_TRUSTED_KEY_URLS": trusted},
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
# The key behind OSS's key URL never changes (OSS's documentation says so), so the receiver fetches it **once** and
# keeps it. (An emulator restarted with a fresh data folder on the same port serves a new key at the same URL:
# restart the receiver too.)

# %%
print("callbacks verified:", sum(1 for r in emulator.records if r.outcome == "callback_ok"))
print("key downloads:     ", key_counter.hits)

# %% [markdown]
# ## Probe it
#
# `osscb probe` plays OSS against a callback URL: OSS's own signed callbacks, valid ones signed by its key server,
# tampered and forged ones, hostile headers, a burst, and checks each reply. In trusted mode the receiver trusts the
# probe's key server (we put its prefix in `OSS_CALLBACK_TRUSTED_KEY_URLS` above):

# %%
from osscb_notebook.probe import run_probe

report = run_probe(receiver_url + "oss/uploaded", trusted=True, key_port=probe_key_port)
print("trusted prefix:", report.trusted_prefix)
print("fails:         ", [c.id for c in report.checks if c.verdict == "fail"])
print("exit code:     ", report.exit_code)

# %% [markdown]
# The other languages pass the same probe in the kit's tests (`tests/receivers`); on your machine, for example:
#
# ```bash
# osscb export-receiver --lang go
# OSS_CALLBACK_TRUSTED_KEY_URLS=http://127.0.0.1:9870/osscb-probe/ go run oss_callback_receiver.go &
# osscb probe http://127.0.0.1:8080/oss/uploaded --trusted
# ```
#
# (9870 is the probe's default key port; without `--trusted` and the variable, it runs the checks that need no trust.)

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
# OSS waits at most 5 s for the reply, holds the client's upload response meanwhile, and never retries. So the
# receiver replies first and hands each verified callback to one worker thread through a **bounded queue**
# (`QUEUE_SIZE = 1000`); your slow work (thumbnails, database fan-out, calls to other services) goes into
# `process_callback()`, which that worker runs:

# %%
start = source.index("def process_callback")
print(source[start:source.index("\n\n\n", start)])

# %% [markdown]
# When the queue is full, the handler catches `queue.Full` and answers **503** with a JSON body
# (`{"Status":"busy",...}`): OSS then reports the callback as failed (the client gets 203, the object is stored), so
# the loss is visible and your reconciliation can catch it up. Letting `queue.Full` escape the handler would not send
# a 500: `http.server` logs the exception and **drops the connection** without any reply, which OSS reports as a
# failed connection. Every exported language with a work queue answers 503 the same way (PHP only in spool mode,
# `OSS_CALLBACK_SPOOL_DIR`). To hand the work to Celery, RQ or a cloud
# queue instead, enqueue there from `process_callback()` (or from the handler, keeping the 503 when it refuses).

# %%
handler = source[source.index("        try:\n            _jobs.put_nowait"):]
print(handler[:handler.index("self._reply(200")].rstrip())

# %% [markdown]
# ## Production lessons
#
# * **Verify every callback** over the raw bytes, with the key URL checked (or the key pinned). Reject with 400.
# * **Answer 200 with a small JSON body and a `Content-Length`, within 5 s.** Queue the real work (above); OSS does not
#   retry. A full queue answers 503, never a dropped connection. Your reply may also be **XML** (`Content-Type: application/xml`), which OSS's documentation allows; OSS then
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
# * **`${crc64}` above 2^53:** CRC-64 values are 64-bit; in a JSON body they are bare numbers (**observed** in a
#   real callback body), and JavaScript's `JSON.parse` loses precision above 2^53 (9007199254740992). Use a big-int-aware parser (`json-bigint`), or a form body,
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
emulator.cleanup()
for http_server in (key_host, attacker_host):
    http_server.shutdown()
    http_server.server_close()
script.unlink()
workdir.rmdir()
print("stopped and removed")

# %% [markdown]
# # 9. Check your own server: `osscb probe`
#
# You wrote a callback handler. Does it do what OSS expects, and does it refuse what an attacker sends? `osscb probe`
# answers both by **playing OSS against your URL**:
#
# * it sends what OSS sends: correctly signed callbacks (a form body, a JSON body, a query, an encoded path, `+`,
#   UTF-8), OSS's own real signed callbacks, 20 in a row and 20 at once;
# * it sends what an attacker sends: a callback signed with the attacker's key and an `x-oss-pub-key-url` pointing at
#   it, key URLs that only *look* trusted, tampered bodies, paths, queries and signatures, missing and garbled headers;
# * it judges every answer the way OSS does: exactly **200**, JSON (no BOM; or XML declared with
#   `Content-Type: application/xml`), a Content-Length, at most 1 MB (OSS's pages also mention 3 MB for the
#   Content-Length; 1 MB is the stricter, documented figure), within **5 s**. Anything else and the uploading client gets **203 `CallbackFailed`**, although the object is stored.
#
# Each check has a stable id and a verdict (pass, fail, warn, skip, info); a failure comes with its severity and the
# fix. **Probe only servers you own**: the probe sends forged requests on purpose. It never follows redirects.
#
# ### Two modes
#
# To send *valid* callbacks the probe signs them with its own test key, which it serves for the run under a key-URL
# prefix, by default `http://127.0.0.1:9870/osscb-probe/`. Your server only accepts them if it trusts that prefix:
#
# * **default** mode needs nothing from your server: forged and look-alike key URLs, malformed headers, OSS's real
#   callbacks (your server must pin or fetch OSS's key). The other checks are *skipped*.
# * **trusted** mode (`--trusted`): start your server trusting the prefix, and every check runs.
#
# This notebook probes three servers on this machine: the kit's production receiver, a naive server that makes two
# classic mistakes, and the same server fixed. The probe's key server gets a free port here (`key_port`) instead of
# 9870, so the prefix to trust changes from run to run.

# %%
%load_ext osscb_notebook

import base64
import json
import socket
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from urllib.request import HTTPRedirectHandler, build_opener, urlopen

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from osscb_notebook.probe import run_probe
from osscb_notebook.exports import export_production_receiver
from osscb_notebook.verification import OFFICIAL_KEY_URLS, OFFICIAL_PUBLIC_KEY_PEM
from osscb_notebook.widgets import probe


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


KEY_PORT = free_port()
PREFIX = f"http://127.0.0.1:{KEY_PORT}/osscb-probe/"
print("the key-URL prefix to trust:", PREFIX)

# %% [markdown]
# ## 1. The kit's production receiver
#
# Notebook 8 exports a single-file receiver for your own server. Every exported receiver reads extra trusted key-URL
# prefixes from the environment variable `OSS_CALLBACK_TRUSTED_KEY_URLS` (comma-separated); the Python, Java and Ruby ones
# also take `--trust-key-url PREFIX`. We start it trusting the probe's prefix, on a free port:

# %%
script = export_production_receiver(Path(tempfile.mkdtemp(prefix="osscb-probe-")) / "oss_callback_receiver.py")
production = subprocess.Popen(
    [sys.executable, str(script), "--port", "0", "--trust-key-url", PREFIX],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,  # stderr is its access log
)
production_url = production.stdout.readline().split()[-1] + "callback"
print(production_url)

# %% [markdown]
# `%osscb_probe URL` is `osscb probe URL` in a cell. First the default mode: the checks that need no trust pass, the
# rest are skipped and say what they need.

# %%
%osscb_probe {production_url} --key-port {KEY_PORT}

# %% [markdown]
# Now trusted mode: valid callbacks accepted with exactly 200 and JSON, every tampered copy refused (not 2xx), fast
# replies and a burst served. `replay` is information, not a verdict: anyone holding a captured callback can send it
# again (the signature still verifies), so make the handler idempotent on the signed body's fields.

# %%
%osscb_probe {production_url} --trusted --key-port {KEY_PORT}

# %% [markdown]
# ## 2. A naive server
#
# Here is a handler you could find in many code bases. It does verify the signature: it rebuilds the string to sign
# (decoded path, `?` + raw query if any, a newline, the raw body) and checks RSA-MD5. It even pins OSS's own key. But:
#
# 1. for any other key URL it **downloads whatever `x-oss-pub-key-url` names**, following redirects: an attacker
#    signs with their own key and points the header at it, and the signature checks out;
# 2. it writes its JSON reply with `encoding="utf-8-sig"`, which puts a **BOM** in front.

# %%
class NaiveHandler(BaseHTTPRequestHandler):
    keys = {url: OFFICIAL_PUBLIC_KEY_PEM for url in OFFICIAL_KEY_URLS}  # OSS's key, pinned
    encoding = "utf-8-sig"  # mistake 2: a BOM before the JSON

    def public_key(self, url):
        if url not in self.keys:
            self.keys[url] = urlopen(url, timeout=3).read()  # mistake 1: fetches whatever URL the request names
        return load_pem_public_key(self.keys[url])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            key = self.public_key(base64.b64decode(self.headers["x-oss-pub-key-url"]).decode())
            path, _, query = self.path.partition("?")
            signed = unquote_to_bytes(path) + (b"?" + query.encode() if query else b"") + b"\n" + body
            key.verify(base64.b64decode(self.headers["authorization"]), signed, padding.PKCS1v15(), hashes.MD5())
        except Exception:
            status, reply = 400, {"Status": "verify failed"}
        else:
            status, reply = 200, {"Status": "OK"}
        data = json.dumps(reply).encode(self.encoding)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the listen backlog: the default 5 drops connections when 20 callbacks arrive at once


def serve(handler):
    """Run ``handler`` on a free loopback port in a thread; returns the server and its callback URL."""
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/callback"


naive, naive_url = serve(NaiveHandler)

# %% [markdown]
# This time with the **probe widget** (`%osscb_ui probe` opens one on the notebook's receiver, if one runs;
# `probe(url)` opens one on `url` and runs it).
# Since the naive server takes any key, it takes the probe's too, so trusted mode runs every check. Press **Run** to
# run it again and watch the progress bar.

# %%
panel = probe(naive_url, trusted=True, key_port=KEY_PORT)
panel

# %% [markdown]
# The findings come first, the most severe on top:
#
# * **`forged-key-url` (critical)**: a callback signed by the *attacker's* key was accepted with 200. Anyone can make
#   your server believe an upload happened.
# * **`prefix-bypass` (critical)** and **`untrusted-key-fetched` (high)**: the server fetched URLs it should never
#   have touched (a fetch of an attacker's URL is also SSRF: the attacker makes your server send requests for them).
# * **`key-redirect` (critical)**: a key URL under a trusted prefix answered 302 to the attacker's key, and the
#   server followed it.
# * **`reply-bom` (high)**: the valid callbacks were verified and answered 200, yet OSS cannot parse the reply, so
#   every genuine upload ends in a 203 for the client.
#
# **Step through** opens the exact request the server got wrong in the verification stepper, verified the way the
# server should have verified it. For `forged-key-url` it stops at the allowlist, before any fetch:

# %%
stepper = panel.open_stepper("forged-key-url")  # what the first finding's Step through button does
for step in stepper.trace.steps[:3]:
    print(f"[{step.status}] {step.title}: {step.output}")
print("why:", stepper.current.cause)

# %% [markdown]
# For `reply-bom` the request verifies: the mistake is in the answer. What the uploading client gets:

# %%
report = panel.report
print("the server's reply starts with:", report.check("reply-bom").reply[:3])
print("the uploading client gets:     ", report.check("valid-form").client_outcome)

# %% [markdown]
# ## 3. The same server, fixed
#
# Three small changes: check the key URL **before** fetching it, against prefixes that each **end with `/`** (without
# the slash, `http://127.0.0.1:9870/osscb-probe-evil/...` would pass for `http://127.0.0.1:9870/osscb-probe`), and
# refuse dot segments and encoded slashes (a key host resolves `PREFIX..?x=1` or `PREFIX..%2fevil.pem` outside the
# prefix), keep OSS's key pinned; fetch without following redirects; and reply without a BOM.

# %%
class NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is no key: the redirect would leave the trusted prefix


def leaves_prefix(url):
    """A decoded path with a '.' or '..' segment, or an encoded '/' or '\\': resolved outside the prefix."""
    path = urlsplit(url).path
    encoded = "%2f" in path.lower() or "%5c" in path.lower()
    return encoded or any(seg in (".", "..") for seg in unquote(path).replace("\\", "/").split("/"))


class FixedHandler(NaiveHandler):
    keys = {url: OFFICIAL_PUBLIC_KEY_PEM for url in OFFICIAL_KEY_URLS}  # its own cache; OSS's key pinned
    trusted_prefixes = (PREFIX,)  # yours (here the probe's), each ending in "/"
    encoding = "utf-8"  # fix 3: no BOM

    def public_key(self, url):
        if url not in self.keys:
            if not url.startswith(self.trusted_prefixes) or leaves_prefix(url):  # fix 1: check, then fetch
                raise ValueError("untrusted key URL: not fetched")
            self.keys[url] = build_opener(NoRedirects).open(url, timeout=3).read(16 * 1024)  # fix 2: no redirects
        return super().public_key(url)


fixed, fixed_url = serve(FixedHandler)

# %% [markdown]
# This time in plain Python: `run_probe` returns the `ProbeReport` behind the card (`report.checks`, `summary()`,
# `to_dict()`, `exit_code`).

# %%
for trusted in (False, True):
    report = run_probe(fixed_url, trusted=trusted, key_port=KEY_PORT)
    print(f"{report.mode:8} {report.summary()} exit code {report.exit_code}")
    for row in report.checks:
        if row.verdict not in ("pass", "skip"):
            print(f"         {row.verdict} {row.id}: {row.observed}")

# %% [markdown]
# ## 4. In CI
#
# `osscb probe URL` prints the same card; `--json` prints `{"url", "mode", "checks": [{"id", "verdict", "severity",
# "expected", "observed", "fix"}, ...], "summary"}`. The exit code is **0** with no failure, **1** with any, **2**
# for a usage error (a bad URL, the key port in use, nothing answering at the URL). Here it is against both servers:

# %%
for name, url in (("naive", naive_url), ("fixed", fixed_url)):
    cli = subprocess.run([sys.executable, "-m", "osscb_notebook", "probe", url, "--trusted", "--key-port", str(KEY_PORT),
                          "--json"], capture_output=True, text=True, timeout=60)
    result = json.loads(cli.stdout)
    failed = [c["id"] for c in result["checks"] if c["verdict"] == "fail"]
    print(f"{name}: exit {cli.returncode}, {result['summary']}, failed: {failed}")

# %% [markdown]
# As a step in GitHub Actions (or any CI): start your server trusting the probe's prefix, probe it, keep the JSON.
#
# ```yaml
# - name: Probe the OSS callback handler
#   run: |
#     pip install ./osscb-notebook   # the kit, from a checkout (or a wheel) of its repository
#     # your server, trusting the probe's prefix for this run only (here the kit's exported receiver,
#     # written by the export and committed to your repo)
#     osscb export-receiver --lang python -o oss_callback_receiver.py --force
#     OSS_CALLBACK_TRUSTED_KEY_URLS=http://127.0.0.1:9870/osscb-probe/ python oss_callback_receiver.py --port 8080 &
#     for i in $(seq 30); do curl -so /dev/null http://127.0.0.1:8080/ && break; sleep 1; done
#     osscb probe http://127.0.0.1:8080/callback --trusted --json > probe.json   # exit 1 fails the job
# - uses: actions/upload-artifact@v4
#   if: always()
#   with: {name: probe-report, path: probe.json}
# ```
#
# Trust the probe's prefix only in that test run, never in production. A server on another machine cannot
# reach this machine's 127.0.0.1: give the probe `--key-url-base http://HOST:9870/osscb-probe/` (HOST: this
# machine as that server reaches it; a tunnel only when it cannot), and the key server listens on all interfaces
# for the run; without a base the key-URL checks are `warn` (inconclusive), never `pass` (README, *Remote
# servers*). Otherwise it binds 127.0.0.1 only.
#
# ## Clean up

# %%
production.terminate()
production.wait(timeout=5)
production.stdout.close()
for server in (naive, fixed):
    server.shutdown()
    server.server_close()
print("stopped")

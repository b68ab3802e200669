# %% [markdown]
# # 5. Verifying the callback signature, step by step
#
# Anyone can POST to your callback URL. OSS proves a callback is genuine by signing it:
#
# ```
# authorization = base64( RSA-sign( private_key, MD5( url_decode(path) + query_string + "\n" + body ) ) )
# ```
#
# * `path` is percent-decoded; `query_string` is kept **raw, with its leading `?`** (nothing at all when there is no query);
# * one LF (`\n`), then the body **exactly as received**;
# * RSA PKCS#1 v1.5 with MD5; the public key's URL comes Base64-encoded in `x-oss-pub-key-url` and must start with
#   `https://gosspublic.alicdn.com/` (or `http://`).
#
# We walk it with the **verification stepper** on **a real OSS callback** (golden vector G1, from OSS's documentation,
# signed by OSS's own key) and on a tampered copy, then do every step by hand, then run the kit's verifier on
# callbacks from the local emulator. The notebook ends with what the signature does *not* prove.

# %%
import base64
import hashlib
from urllib.parse import unquote_to_bytes

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from osscb_notebook import KeyResolver, parse_raw_request, verify_request
from osscb_notebook.verification import OFFICIAL_PUBLIC_KEY_PEM

# %% [markdown]
# ## The real callback (G1)
#
# `data/g1.http` carries the request from the older OSS API page's example (the current page masks the signature and
# changed the body to `bucket=examplebucket`, so its example no longer verifies). Everything the signature covers is
# OSS's, byte for byte: the path and query (`/index.php?id=1&index=2`), the body (`bucket=yonghu-test`), the
# `authorization` signature and the `x-oss-pub-key-url`. The lines around them are not signed and differ from that
# page's request: it shows `HTTP/1.0`, `Host: 121.43.113.8` and a `Connection: close` header, while this file
# has `HTTP/1.1`, `Host: 10.101.166.30` and no `Connection` header. None of those lines is signed, which is why they
# can differ without changing the verdict (and why you cannot trust them: see the end of this notebook).

# %%
raw = open("data/g1.http", "rb").read()
print(raw.decode())

# %%
request = parse_raw_request(raw)
print("method:", request.method)
print("path:  ", request.path)
print("query: ", request.query)
print("body:  ", request.body)

# %% [markdown]
# ## The stepper on G1
#
# The stepper verifies the request with OSS's pinned public key (no network) and shows one step at a time: **click
# Next** to go from the key URL to the RSA verdict.

# %%
from osscb_notebook.widgets import VerificationStepper

g1_stepper = VerificationStepper(raw)
g1_stepper

# %% [markdown]
# Now a tampered copy: someone changed one byte of the body (`yonghu-test` to `yonghu-tesT`). The stepper stops at
# the step that fails, **RSA verify**, in red, with the likely cause; it is shown at that step here:

# %%
tampered_stepper = VerificationStepper(raw.replace(b"bucket=yonghu-test", b"bucket=yonghu-tesT"))
tampered_stepper.go("rsa_verify")
tampered_stepper

# %% [markdown]
# ## The same steps by hand
#
# The stepper's seven steps, numbered as it numbers them (notebooks 1 and 6 cite these numbers too).
#
# ### Steps 1 and 2: decode the key URL, check it against the allowlist
#
# `x-oss-pub-key-url` is Base64. Decode it (step 1) and **check the prefix before fetching anything** (step 2): a
# forger can point this header at their own key.

# %%
key_url = base64.b64decode(request.header("x-oss-pub-key-url")).decode()
print(key_url)
print("trusted:", key_url.startswith(("http://gosspublic.alicdn.com/", "https://gosspublic.alicdn.com/")))

# %% [markdown]
# ### Step 3: obtain the key
#
# The key at that URL never changes, so receivers cache it (or pin it). It is a 512-bit RSA key; the kit ships it:

# %%
print(OFFICIAL_PUBLIC_KEY_PEM.decode())
public_key = serialization.load_pem_public_key(OFFICIAL_PUBLIC_KEY_PEM)
print("RSA", public_key.key_size, "bits, e =", public_key.public_numbers().e)

# %% [markdown]
# ### Step 4: decode the signature
#
# `authorization` holds the bare Base64 signature, no scheme in front. 512 bits = 64 bytes.

# %%
signature = base64.b64decode(request.header("authorization"))
print(len(signature), "bytes:", signature.hex())

# %% [markdown]
# ### Step 5: build the string to sign
#
# URL-decoded path + (`?` + raw query, **only when there is a query**) + LF + body. Most callback URLs have no query;
# adding the `?` unconditionally breaks exactly that common case:

# %%
def string_to_sign_of(path: str, query: str, body: bytes) -> bytes:
    return unquote_to_bytes(path) + (b"?" + query.encode() if query else b"") + b"\n" + body


string_to_sign = string_to_sign_of(request.path, request.query, request.body)
print("with a query:   ", string_to_sign)
print("without a query:", string_to_sign_of("/oss-callback", "", b"bucket=demo&object=a.txt"))

# %% [markdown]
# ### Steps 6 and 7: MD5, then RSA verify
#
# The MD5 of the string to sign (step 6) is what the RSA signature covers (step 7; `cryptography` hashes the message
# itself when given `hashes.MD5()`):

# %%
print("MD5 hex:   ", hashlib.md5(string_to_sign).hexdigest())
print("MD5 base64:", base64.b64encode(hashlib.md5(string_to_sign).digest()).decode())


def rsa_md5_ok(message: bytes) -> bool:
    try:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.MD5())
        return True
    except InvalidSignature:
        return False


print("verified:", rsa_md5_ok(string_to_sign))

# %% [markdown]
# Every detail matters. Each of these near misses fails:

# %%
near_misses = {
    "without the '?'": b"/index.php" + b"id=1&index=2" + b"\n" + request.body,
    "without the query": b"/index.php" + b"\n" + request.body,
    "CRLF instead of LF": b"/index.php?id=1&index=2" + b"\r\n" + request.body,
    "trailing newline on the body": string_to_sign + b"\n",
    "the newer docs' body (bucket=examplebucket)": b"/index.php?id=1&index=2\nbucket=examplebucket",
}
for label, message in near_misses.items():
    print(f"{label:45} verified: {rsa_md5_ok(message)}")

# %% [markdown]
# (The last line is why the kit's golden vector comes from the *older* documentation page: the newer page changed the
# example body but kept the old signature, so its example does not verify.)
#
# ## The same, with the kit
#
# `verify_request` runs those steps and returns a `Trace`: each step's inputs, output and verdict. The CLI
# `osscb verify data/g1.http`, the `%osscb_verify` magic and the stepper widget all show this same trace.

# %%
trace = verify_request(request)
print(trace.render_text())

# %% [markdown]
# The same check from a shell, for a request captured anywhere (`tcpdump`, a proxy log, a framework's raw request):
# `osscb verify FILE` prints this trace and exits 0 (verified), 1 (not verified) or 2 (unusable input).

# %%
import subprocess
import sys

cli = subprocess.run([sys.executable, "-m", "osscb_notebook", "verify", "data/g1.http"], capture_output=True, text=True)
print("exit code:", cli.returncode, "|", cli.stdout.strip().splitlines()[-1])

# %% [markdown]
# When a step fails, the trace says which and tries the usual mistakes to explain why. Here something on the way
# (a proxy, a logging middleware, a copy-paste into an editor) appended a newline to the body:

# %%
import dataclasses

with_newline = dataclasses.replace(request, body=request.body + b"\n")
print(verify_request(with_newline).summary)

# %% [markdown]
# And a body changed by one byte; G1 carries no `Content-MD5`, so the kit can only list the suspects:

# %%
tampered = dataclasses.replace(request, body=b"bucket=yonghu-tesT")
print(verify_request(tampered).step("rsa_verify").cause)

# %% [markdown]
# ## Untrusted key URLs are never fetched
#
# A forged callback can carry a perfectly valid signature made with the forger's own key, and point
# `x-oss-pub-key-url` at it. The allowlist stops that before any network access:

# %%
forged_headers = [(k, v) for k, v in request.headers if k.lower() != "x-oss-pub-key-url"]
forged_headers.append(("x-oss-pub-key-url", base64.b64encode(b"https://evil.example.com/key.pem").decode()))
forged = dataclasses.replace(request, headers=forged_headers)
forged_trace = verify_request(forged, KeyResolver())
print(forged_trace.step("allowlist").status, forged_trace.step("allowlist").output)
print(forged_trace.summary)

# %% [markdown]
# ## On the emulator's callbacks
#
# The emulator signs exactly as OSS does, but with **its own key** (it cannot hold OSS's private key), served from its
# own URL. Same steps, one difference: that URL must be trusted explicitly.

# %%
from osscb_notebook import CallbackParams
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

emulator = Emulator().start()
receiver = start_receiver(trust_key_urls=[emulator.public_key_url])
callback = CallbackParams(url=receiver.url + "index.php?id=1&index=2", body="bucket=${bucket}&object=${object}")
outcome = upload(UploadTarget.for_emulator(emulator), "yonghu/test.txt", b"hello\n", callback=callback)
captured = receiver.last.to_request()
print(outcome.status, captured.method, captured.target)
print(captured.body)

# %% [markdown]
# Steps 1 and 2: the key URL points at the emulator, not at `gosspublic.alicdn.com`, so a default verifier refuses it:

# %%
emulator_key_url = base64.b64decode(captured.header("x-oss-pub-key-url")).decode()
print(emulator_key_url == emulator.public_key_url, emulator_key_url.replace(emulator.endpoint, "http://127.0.0.1:PORT"))
print(verify_request(captured).summary)

# %% [markdown]
# Steps 3 and 4: trusted explicitly, the key is fetched (once, then cached), and the signature decoded. The
# emulator's key is RSA-2048, so its signatures are 256 bytes, and both change every time an emulator with a fresh
# data directory starts:

# %%
resolver = KeyResolver([emulator.public_key_url])
emulator_key = resolver.resolve(emulator_key_url).key
emulator_signature = base64.b64decode(captured.header("authorization"))
print("RSA", emulator_key.key_size, "bits;", len(emulator_signature), "byte signature")

# %% [markdown]
# Steps 5 to 7: the same string to sign as G1 (path, `?`, raw query, LF, body), the same MD5, the same check.
# Like real OSS today (the current documentation's example carries it; G1, from the older page, does not), the
# emulator sends `Content-MD5`, the Base64 MD5 of the body alone, which tells "body changed" apart from
# "path or key wrong" when verification fails:

# %%
emulator_string = string_to_sign_of(captured.path, captured.query, captured.body)
print(emulator_string)
print("MD5 hex:", hashlib.md5(emulator_string).hexdigest())
print("Content-MD5:", captured.header("content-md5"),
      "matches body:", captured.header("content-md5") == base64.b64encode(hashlib.md5(captured.body).digest()).decode())
try:
    emulator_key.verify(emulator_signature, emulator_string, padding.PKCS1v15(), hashes.MD5())
    print("verified: True")
except InvalidSignature:
    print("verified: False")

# %% [markdown]
# And the kit's trace for it (the receiver ran the same trace when the callback arrived):

# %%
print(verify_request(captured, resolver).render_text())

# %%
receiver.stop()
emulator.cleanup()

# %% [markdown]
# ## What the signature does not prove
#
# A verified signature says: *OSS's key signed this path, query and body*. It does not say more, and production code
# must not assume more.
#
# * **Replay.** The signed string has no timestamp and no nonce, so a captured callback verifies forever, and anyone
#   who has one can send it again. The headers around it are **not signed**: `Date`, `Host`, `x-oss-request-id`,
#   `x-oss-bucket` (and `Content-MD5`, `User-Agent`) can be changed freely. Deduplicate on **signed** fields: put
#   `${reqId}` and `${etag}` (with `${bucket}` and `${object}`) in `callbackBody` and process each pair once. Treat
#   saved callbacks (logs, the receiver's JSON Lines history, `as_curl()`) as sensitive: each one is a replayable
#   credential for your endpoint.
# * **OSS's callback key is RSA-512** (step 3 above: `RSA 512 bits`). 512-bit RSA keys have been factored publicly, so
#   for anything that moves value (credit, payment, access), do not act on the callback alone: confirm with a
#   **HeadObject** on the object, made with your own credentials, that it exists with the size and ETag claimed.
# * **Confidentiality** is not part of it: the body travels in clear over `http://`. Use an HTTPS `callbackUrl` (with
#   `callbackSNI: true`) when the body carries anything private.

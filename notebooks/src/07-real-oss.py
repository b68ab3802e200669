# %% [markdown]
# # 7. Going to real OSS
#
# The same flow as the quickstart, with your own bucket. You need:
#
# * an OSS bucket in a region that supports callbacks (below), and a RAM user's AccessKey allowed to `PutObject` and
#   `DeleteObject` on it;
# * a **public** callback URL: real OSS refuses `127.0.0.1` and private networks, so open a tunnel to the receiver
#   (notebook 3) or use your own server.
#
# Settings come from the environment or from a prompt: `OSS_ACCESS_KEY_ID` and `OSS_ACCESS_KEY_SECRET` (the two names
# the SDKs' environment credential providers read, in oss2 and the Python SDK V2 alike), plus `OSS_ENDPOINT` and
# `OSS_BUCKET`, which are **the kit's own names** (no SDK reads them; this notebook and `UploadTarget.from_env()` do).
# The secret is read with `getpass`, never echoed, never saved in the notebook. **Without credentials** (as in the
# kit's tests) the real-OSS cells print a note and do nothing.

# %%
import os

from osscb_notebook import CallbackParams, CallbackVars, ReceiverError
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

# %% [markdown]
# ## Regions
#
# Upload callbacks are available in these regions (OSS documentation); the endpoint is
# `https://oss-<region id>.aliyuncs.com`. Signing V4 (OSS's current request-signing scheme, which the SDKs use by
# default) needs the region id.

# %%
CALLBACK_REGIONS = {
    "cn-hangzhou": "China (Hangzhou)", "cn-shanghai": "China (Shanghai)", "cn-qingdao": "China (Qingdao)",
    "cn-beijing": "China (Beijing)", "cn-zhangjiakou": "China (Zhangjiakou)", "cn-huhehaote": "China (Hohhot)",
    "cn-wulanchabu": "China (Ulanqab)", "cn-shenzhen": "China (Shenzhen)", "cn-heyuan": "China (Heyuan)",
    "cn-guangzhou": "China (Guangzhou)", "cn-chengdu": "China (Chengdu)", "cn-hongkong": "China (Hong Kong)",
    "us-west-1": "US (Silicon Valley)", "us-east-1": "US (Virginia)", "ap-northeast-1": "Japan (Tokyo)",
    "ap-southeast-1": "Singapore", "ap-southeast-3": "Malaysia (Kuala Lumpur)", "ap-southeast-5": "Indonesia (Jakarta)",
    "ap-southeast-6": "Philippines (Manila)", "eu-central-1": "Germany (Frankfurt)", "eu-west-1": "UK (London)",
    "me-east-1": "UAE (Dubai)",
}


def region_of(endpoint: str) -> str | None:
    host = endpoint.split("://")[-1].split("/")[0]
    first = host.split(".")[0]
    if first.startswith("oss-"):
        region = first[len("oss-"):]
        return region[: -len("-internal")] if region.endswith("-internal") else region
    return None


def region_note(endpoint: str) -> str:
    region = region_of(endpoint)
    if region is None:
        return f"{endpoint}: not an oss-<region>.aliyuncs.com endpoint; check that its region supports callbacks"
    if region not in CALLBACK_REGIONS:
        return f"{region}: callbacks are NOT listed for this region"
    note = f"{region} = {CALLBACK_REGIONS[region]}: callbacks supported"
    if region == "eu-west-1":
        note += "; this region always sends SNI, whatever callbackSNI says"
    return note


for endpoint in ("https://oss-cn-hangzhou.aliyuncs.com", "oss-eu-west-1.aliyuncs.com",
                 "https://oss-ap-southeast-1-internal.aliyuncs.com", "https://oss-cn-nanjing.aliyuncs.com"):
    print(region_note(endpoint))

# %% [markdown]
# Other things that differ from the emulator:
#
# * **`-internal` endpoints** (`oss-<region>-internal.aliyuncs.com`) are for clients running in Alibaba Cloud in the
#   bucket's region: OSS's SDK pages say "if you want to access OSS from other Alibaba Cloud services in the same
#   region as OSS, use an internal endpoint". Whether the callback behaves any differently when the upload came in
#   through one is **not documented**; the kit assumes it does not (the same `callbackUrl` rules: a public address).
# * With an **HTTPS** callback URL set `"callbackSNI": true`: OSS's documentation recommends it for every HTTPS
#   `callbackUrl`, and it matters most when the server sits behind a shared front end (tunnels, CDNs, load
#   balancers), where the TLS handshake can otherwise pick the wrong certificate (`Error status : -1`, `502`).
# * The callback comes from OSS's servers: your firewall must let them in, and the answer must come within 5 s
#   **including** the tunnel's round trip.
#
# ## The guard cell
#
# It looks in the environment first, then asks (in an interactive session only; press Enter to skip). It prints
# whether real OSS is configured, never the values.

# %%
import getpass

NAMES = ("OSS_ENDPOINT", "OSS_BUCKET", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET")
settings = {name: os.environ.get(name, "") for name in NAMES}
if not all(settings.values()):
    try:
        for name in NAMES:
            if not settings[name]:
                ask = getpass.getpass if "SECRET" in name or "KEY_ID" in name else input
                settings[name] = ask(f"{name} (Enter to skip real OSS): ").strip()
                if not settings[name]:
                    break
    except Exception:  # no interactive input here (nbval, nbconvert, a script)
        pass
REAL = all(settings.values())
if REAL:
    real_target = UploadTarget.for_oss(
        settings["OSS_ENDPOINT"], settings["OSS_BUCKET"], settings["OSS_ACCESS_KEY_ID"],
        settings["OSS_ACCESS_KEY_SECRET"], region=region_of(settings["OSS_ENDPOINT"]),
    )
    print("real OSS configured:", settings["OSS_BUCKET"], "at", settings["OSS_ENDPOINT"])
    print(region_note(settings["OSS_ENDPOINT"]))
else:
    real_target = None
    print("No OSS credentials: the real-OSS cells below print a note and do nothing.")
del settings  # keep the secret out of the namespace (and out of variable inspectors)

# %% [markdown]
# ## The flow, once on the emulator
#
# One function does the whole round trip, so that the emulator run and the real run are the same code:

# %%
def round_trip(target, callback_url, receiver, key="osscb-notebook/hello.txt"):
    callback = CallbackParams(
        url=callback_url,
        body="bucket=${bucket}&object=${object}&size=${size}&etag=${etag}&uid=${x:uid}",
        sni=callback_url.startswith("https://"),
    )
    outcome = upload(target, key, b"Hello from osscb-notebook\n", callback=callback,
                     callback_vars=CallbackVars({"x:uid": "42"}))
    print("client got:", outcome.status, outcome.body.decode()[:200])
    record = None
    if outcome.status in (200, 203):
        try:
            record = receiver.wait_for(1, timeout=10)[-1]
        except ReceiverError as exc:  # e.g. OSSCB_CALLBACK_URL points elsewhere, or the tunnel was unreachable
            print("the receiver got no callback:", exc)
    if record is not None:
        print("server got:", record.body.decode())
        print("verified:  ", record.verified, "|", record.trace.step("public_key").output.splitlines()[0])
    return outcome


emulator = Emulator().start()
local_receiver = start_receiver(trust_key_urls=[emulator.public_key_url])
round_trip(UploadTarget.for_emulator(emulator), local_receiver.url + "oss-callback", local_receiver)
local_receiver.stop()
emulator.cleanup()

# %% [markdown]
# ## 🌐 The flow on real OSS
#
# A receiver that trusts only OSS's official key (the default), a public URL for it, then the same round trip. Set
# `OSSCB_CALLBACK_URL` to use your own public server instead of a tunnel (the receiver below then sees nothing).

# %%
if REAL:
    from osscb_notebook.tunnels import open_tunnel

    real_receiver = start_receiver()
    own_url = os.environ.get("OSSCB_CALLBACK_URL")
    # passing the receiver (not just its port) lets the tunnel mask its tokens in the receiver's records
    tunnel = None if own_url else open_tunnel(os.environ.get("OSSCB_TUNNEL", "ngrok"), real_receiver)
    public_url = own_url or tunnel.callback_url("oss-callback")
    print("callback URL:", public_url)
    real_outcome = round_trip(real_target, public_url, real_receiver)
    print(real_outcome)
else:
    print("skipped: no OSS credentials")

# %% [markdown]
# The receiver verified the callback with **OSS's real key** (pinned in the kit, the same that
# `https://gosspublic.alicdn.com/callback_pub_key_v1.pem` serves). Capture it for notebook 5's tools with
# `real_receiver.last.as_curl()` or `to_dict()`.
#
# ## 🌐 Clean up (real OSS)
#
# Delete the test object, close the tunnel, stop the receiver.

# %%
if REAL:
    real_target.client().delete_object("osscb-notebook/hello.txt")
    if tunnel is not None:
        tunnel.close()
    real_receiver.stop()
    print("cleaned up")
else:
    print("skipped: nothing to clean up")

# %% [markdown]
# ## Your own Java or Go app against the emulator
#
# Before real OSS, point your **unchanged** upload code at the emulator: only its configuration changes. The
# repository's `tests/clients/` holds small apps, one per SDK, that run OSS's three client flows (PutObject with
# `callback` + `callback-var`, a multipart upload completed with a callback, a presigned PUT URL carrying the
# callback); `make test` runs them all (the table is in the README, "Your own client against the kit"). What each
# one sets:
#
# | | endpoint | credentials | addressing | signature |
# |---|---|---|---|---|
# | Go SDK V2 | `WithEndpoint("http://127.0.0.1:PORT")`, `WithRegion("cn-hangzhou")` | `NewStaticCredentialsProvider(id, secret)` | `WithUsePathStyle(true)` | V4 (default) |
# | Java SDK V1 | `OSSClientBuilder.create().endpoint("http://127.0.0.1:PORT").region("cn-hangzhou")` | `DefaultCredentialProvider(id, secret)` | `conf.setSLDEnabled(true)` | `conf.setSignatureVersion(SignVersion.V4)` |
#
# The bucket is `demo`, the credentials the emulator's local pair (`osscb-local-id` and its secret, read by the apps
# from `OSS_ACCESS_KEY_ID` / `OSS_ACCESS_KEY_SECRET`). The callback URL is a receiver **you** run; it must trust the
# emulator's key prefix, because the emulator signs callbacks with its own key. Here it is the kernel's receiver; an
# exported one takes the prefix in `OSS_CALLBACK_TRUSTED_KEY_URLS`.

# %%
from pathlib import Path

client_emulator = Emulator().start()  # the same server as `osscb emulator`, on a free port
client_receiver = start_receiver(trust_key_urls=[client_emulator.public_key_prefix])
os.environ["OSSCB_DEMO_ENDPOINT"] = client_emulator.endpoint
os.environ["OSSCB_DEMO_ID"] = client_emulator.access_key_id
os.environ["OSSCB_DEMO_SECRET"] = client_emulator.access_key_secret  # local-only credentials, never printed
os.environ["OSSCB_DEMO_CALLBACK"] = client_receiver.url + "callback"
os.environ["OSSCB_CLIENTS"] = str((Path.cwd().parent / "tests" / "clients").resolve())
print("emulator:", client_emulator.endpoint, "| receiver:", client_receiver.url + "callback")
print("receiver trusts:", client_emulator.public_key_prefix)

# %% [markdown]
# The Go SDK V2 app, built and run as you would run yours. The cell prints one line: each flow's status and the
# receiver's reply as the SDK's own result carries it (`CallbackResult`). Without a Go toolchain, or outside a
# checkout of the repository, it says so and skips.

# %%
%%bash
set -eo pipefail
if ! command -v go >/dev/null 2>&1; then echo "Go SDK V2 app: skipped (no go toolchain on PATH)"; exit 0; fi
if [ ! -d "$OSSCB_CLIENTS/go" ]; then echo "Go SDK V2 app: skipped (tests/clients is in a checkout of the repository)"; exit 0; fi
out="$(mktemp -d)"
(cd "$OSSCB_CLIENTS/go" && GOFLAGS=-mod=readonly go build -o "$out/gov2" ./gov2) >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
OSS_ACCESS_KEY_ID="$OSSCB_DEMO_ID" OSS_ACCESS_KEY_SECRET="$OSSCB_DEMO_SECRET" "$out/gov2" \
    -endpoint "$OSSCB_DEMO_ENDPOINT" -style path -sign v4 -ok-url "$OSSCB_DEMO_CALLBACK" -prefix notebook07 \
  | python3 -c '
import json, sys
steps = [json.loads(line) for line in sys.stdin]
assert steps and all(s["status"] == 200 for s in steps), steps  # a failed flow fails the cell
print("Go SDK V2 app:", " | ".join("%s %s %s" % (s["flow"], s["status"], json.dumps(s["reply"], separators=(",", ":"))) for s in steps))'
rm -rf "$out"

# %% [markdown]
# The Java SDK V1 app, built with Maven (versions pinned in `tests/clients/java/pom.xml`) and run on the JDK:

# %%
%%bash
set -eo pipefail
if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then echo "Java SDK V1 app: skipped (no mvn and java on PATH)"; exit 0; fi
if [ ! -d "$OSSCB_CLIENTS/java" ]; then echo "Java SDK V1 app: skipped (tests/clients is in a checkout of the repository)"; exit 0; fi
cd "$OSSCB_CLIENTS/java"
mvn -B -q package dependency:build-classpath >/tmp/osscb-mvn.log 2>&1 || { cat /tmp/osscb-mvn.log; exit 1; }
OSS_ACCESS_KEY_ID="$OSSCB_DEMO_ID" OSS_ACCESS_KEY_SECRET="$OSSCB_DEMO_SECRET" \
  java -cp "target/classes:$(cat target/classpath.txt)" osscb.clients.JavaV1 \
    --endpoint "$OSSCB_DEMO_ENDPOINT" --style path --sign v4 --ok-url "$OSSCB_DEMO_CALLBACK" --prefix notebook07 \
  | python3 -c '
import json, sys
steps = [json.loads(line) for line in sys.stdin]
assert steps and all(s["status"] == 200 for s in steps), steps  # a failed flow fails the cell
print("Java SDK V1 app:", " | ".join("%s %s %s" % (s["flow"], s["status"], s["reply_raw"]) for s in steps))'

# %% [markdown]
# Every callback those apps triggered reached the kernel's receiver, which verified it with the emulator's key. To
# send your app's callbacks to a receiver outside the kernel, start an exported one
# (`osscb export-receiver --lang go`, then `OSS_CALLBACK_TRUSTED_KEY_URLS=<the prefix above> go run oss_callback_receiver.go`)
# and pass its URL as the callback URL. Against the emulator that `make lab` runs, use its address and key prefix
# the same way (`%osscb_receiver start` prints them).

# %%
verified = [r for r in client_receiver.history if r.verified]
print("callbacks verified by the kernel's receiver:", "yes" if len(verified) == len(client_receiver.history) else "NO")
client_receiver.stop()
client_emulator.cleanup()
for name in ("OSSCB_DEMO_ENDPOINT", "OSSCB_DEMO_ID", "OSSCB_DEMO_SECRET", "OSSCB_DEMO_CALLBACK", "OSSCB_CLIENTS"):
    os.environ.pop(name, None)

# %% [markdown]
# # Pending cells for notebook 6: `oss2.resumable_upload` drops the callback on its multipart path
#
# Not built (`notebooks/build.py` builds only `NN-*.py`): the emulator cannot run `oss2.resumable_upload`'s
# multipart path until it implements ListParts (the `fidelity` branch). When it does, move these cells into
# `06-troubleshooting-lab.py` as section 16, add a row to its summary table, and rebuild notebook 6.
#
# ## 16. `resumable_upload` and large files: no callback at all
#
# **Symptom:** small files get their callback; large ones are stored with a plain 200 and your server never hears
# of them. **Cause:** `oss2.resumable_upload` passes your `headers` to `put_object` below `multipart_threshold`; above
# it, it uploads parts and calls `complete_multipart_upload` **without** the `x-oss-callback` headers.

# %%
import os

small = os.urandom(64 * 1024)
large = os.urandom(3 * 1024 * 1024)
headers = {
    "x-oss-callback": base64.b64encode(json.dumps({"callbackUrl": cb_url, "callbackBody": BODY}).encode()).decode()
}
before = len(receiver.history)
import tempfile

workdir = tempfile.mkdtemp(prefix="osscb-resumable-")
for name, data in (("small.bin", small), ("large.bin", large)):
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(data)
    result = oss2.resumable_upload(bucket, f"lab/{name}", path, headers=headers, multipart_threshold=1024 * 1024,
                                   part_size=1024 * 1024, store=oss2.ResumableStore(root=workdir))
    print(f"{name:10} {len(data):>9,} bytes -> HTTP {result.status}, callbacks so far: {len(receiver.history) - before}")

# %% [markdown]
# **Fix:** pass a `multipart_threshold` above your largest file (then it is one `put_object` with your headers), or
# run the multipart upload yourself and put the callback headers on `complete_multipart_upload` (notebook 4).
# **Verified:**

# %%
path = os.path.join(workdir, "large.bin")
result = oss2.resumable_upload(bucket, "lab/large-fixed.bin", path, headers=headers,
                               multipart_threshold=len(large) + 1, store=oss2.ResumableStore(root=workdir))
print("HTTP", result.status, "| callback body:", receiver.last.body.decode())

# Ready-to-paste notebook cells: oss2.resumable_upload drops a callback on its multipart path
# (as on real OSS; aliyun-oss-python-sdk issue 51), and the fix. Cells are separated by "# %%".

# %%
import base64, json, os, tempfile
import oss2
from osscb_notebook.emulator import Emulator
from osscb_notebook.receiver import start_receiver
from osscb_notebook.upload import UploadTarget, upload

emu = Emulator().start()
receiver = start_receiver(trust_key_urls=[emu.public_key_url])
bucket = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo")
callback = {"callbackUrl": receiver.url, "callbackBody": "object=${object}&size=${size}"}
headers = {"x-oss-callback": base64.b64encode(json.dumps(callback).encode()).decode()}
workdir = tempfile.mkdtemp()

def make_file(name, size):
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(os.urandom(size))
    return path

# %%
# A small file: resumable_upload sends one PutObject with all headers -> the callback fires.
small = make_file("small.bin", 10 * 1024)
r = oss2.resumable_upload(bucket, "trap/small.bin", small, headers=headers, multipart_threshold=100 * 1024)
print(r.status, emu.last_record.operation, emu.last_record.outcome)   # 200 PutObject callback_ok

# %%
# A file above multipart_threshold: InitiateMultipartUpload, UploadPart x3, CompleteMultipartUpload.
# oss2 passes only x-oss-request-payer / x-oss-object-acl to the completion: the callback is gone.
big = make_file("big.bin", 300 * 1024)
r = oss2.resumable_upload(bucket, "trap/big.bin", big, headers=headers,
                          multipart_threshold=100 * 1024, part_size=100 * 1024)
rec = emu.last_record
print(r.status, rec.operation, rec.outcome, rec.callback)              # 200 CompleteMultipartUpload stored None

# %%
# Fix 1: put the callback on CompleteMultipartUpload yourself.
key = "trap/fixed.bin"
upload_id = bucket.init_multipart_upload(key).upload_id
parts = []
with open(big, "rb") as f:
    for n, chunk in enumerate(iter(lambda: f.read(100 * 1024), b""), 1):
        parts.append(oss2.models.PartInfo(n, bucket.upload_part(key, upload_id, n, chunk).etag))
r = bucket.complete_multipart_upload(key, upload_id, parts, headers=headers)
print(r.status, r.resp.read())                                          # 200 and your server's reply

# %%
# Fix 2: the kit's own upload() carries the callback on the completion for you.
outcome = upload(UploadTarget.for_emulator(emu), "trap/kit.bin", big, operation="Multipart",
                 callback=callback, part_size=100 * 1024)
print(outcome.status, outcome.callback_ok, outcome.explanation)

# %%
receiver.stop()
emu.stop()

"""oss2 2.19.1's own live-service tests, reproduced against the emulator (issue #20 item 2).

Each test copies the logic of the named test in aliyun/aliyun-oss-python-sdk @ 3a522ea ("release
2.19.1", ``tests/``, the suite that runs against a real bucket), driven through the real ``oss2``
under V1 and V4 signing; only the SDK's test harness (bucket set-up, ``random_key``) is replaced.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import string
import subprocess
import sys
from pathlib import Path

import oss2
import pytest
from oss2.compat import to_string
from oss2.utils import calc_obj_crc_from_parts

from osscb_notebook.params import messages as m
from tests.emulator.emulator_helpers import unique


@pytest.fixture(params=["v1", "v4"])
def any_bucket(request, bucket, bucket_v4):  # type: ignore[no-untyped-def]
    return bucket if request.param == "v1" else bucket_v4


def random_string(n: int) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


def random_key(suffix: str = "") -> str:
    """The harness's ``random_key``: a per-test prefix, 12 random letters, the suffix."""
    return unique("oss2suite") + random_string(12) + suffix


# ---------------------------------------------------------------- tests/test_chinese.py


def test_chinese_batch_delete_objects(any_bucket: oss2.Bucket) -> None:
    """``test_chinese.py::test_batch_delete_objects``: keys with Chinese, ``\\x0C`` and ``<>``."""
    tag = unique("")  # the original's keys are fixed; the emulator's session bucket is shared
    for key in ["中文!@#$%^&*()-=文件\x0C-2.txt" + tag, "中文!@#$%^&*()-=文件\x0C-3.txt" + tag, "<hello>" + tag]:
        content = "中文内容"

        any_bucket.put_object(key, content)
        result = any_bucket.batch_delete_objects([key])
        assert result.deleted_keys[0] == to_string(key)

        assert not any_bucket.object_exists(key)


# ---------------------------------------------------------------- tests/test_iterator.py


def test_upload_iterator(any_bucket: oss2.Bucket) -> None:
    """``test_iterator.py::test_upload_iterator``: one key's uploads come in upload-id order, two
    to a page, with the "directories" as common prefixes."""
    prefix = random_key("/")
    key = prefix + random_string(16)

    upload_list = []
    dir_list = []

    for _ in range(10):
        upload_list.append(any_bucket.init_multipart_upload(key).upload_id)

    for _ in range(4):
        dir_list.append(prefix + random_string(5) + "/")
        any_bucket.init_multipart_upload(dir_list[-1] + random_string(5))

    uploads_got = []
    dirs_got = []
    for u in oss2.MultipartUploadIterator(any_bucket, prefix=prefix, delimiter="/", max_uploads=2):
        if u.is_prefix():
            dirs_got.append(u.key)
        else:
            uploads_got.append(u.upload_id)

    assert sorted(upload_list) == uploads_got
    assert sorted(dir_list) == dirs_got


def test_upload_iterator_chinese(any_bucket: oss2.Bucket) -> None:
    """``test_iterator.py::test_upload_iterator_chinese``."""
    upload_list = []

    p = random_key()
    prefix_list = [p + "中文-阿+里-巴*巴", p + "中文-四/十*大%盗"]
    for prefix in prefix_list:
        upload_list.append(any_bucket.init_multipart_upload(prefix).upload_id)

    uploads_got = []
    for prefix in prefix_list:
        listed = list(oss2.MultipartUploadIterator(any_bucket, prefix=prefix, max_uploads=1))
        uploads_got.append(listed[0].upload_id)

    assert sorted(upload_list) == sorted(uploads_got)


def test_object_upload_iterator(any_bucket: oss2.Bucket) -> None:
    """``test_iterator.py::test_object_upload_iterator``: pages of 5 and of 3 over 10 uploads of one
    key, next to a key that has the first as its prefix."""
    target_object = random_key()
    intact_object = random_key()

    target_list = []
    intact_list = []

    for _ in range(10):
        target_list.append(any_bucket.init_multipart_upload(target_object).upload_id)
        intact_list.append(any_bucket.init_multipart_upload(intact_object).upload_id)

    uploads_got = [u.upload_id for u in oss2.ObjectUploadIterator(any_bucket, target_object, max_uploads=5)]
    assert sorted(target_list) == uploads_got

    uploads_got = [u.upload_id for u in oss2.ObjectUploadIterator(any_bucket, target_object, max_uploads=3)]
    assert sorted(target_list) == uploads_got

    for upload_id in target_list:
        any_bucket.abort_multipart_upload(target_object, upload_id)
    for upload_id in intact_list:
        any_bucket.abort_multipart_upload(intact_object, upload_id)


# ---------------------------------------------------------------- tests/test_multipart.py


def test_multipart_yes(any_bucket: oss2.Bucket) -> None:
    """``test_multipart.py::test_multipart_yes``: ``x-oss-object-acl`` and ``x-oss-complete-all``
    on UploadPart and on CompleteMultipartUpload (with no part list)."""
    key = random_key()
    content = oss2.to_bytes(random_string(128 * 1024))

    parts = []
    upload_id = any_bucket.init_multipart_upload(key).upload_id
    headers = {}
    headers["x-oss-object-acl"] = oss2.OBJECT_ACL_PRIVATE
    headers["x-oss-complete-all"] = "yes"

    result = any_bucket.upload_part(key, upload_id, 1, content, headers=headers)
    parts.append(oss2.models.PartInfo(1, result.etag, size=len(content), part_crc=result.crc))
    assert result.crc is not None

    complete_result = any_bucket.complete_multipart_upload(key, upload_id, None, headers=headers)

    object_crc = calc_obj_crc_from_parts(parts)
    assert complete_result.crc is not None
    assert object_crc == result.crc

    result = any_bucket.get_object(key)
    assert content == result.read()
    # not asserted by the original: CompleteMultipartUpload's x-oss-object-acl is the object's ACL
    assert any_bucket.get_object_acl(key).acl == oss2.OBJECT_ACL_PRIVATE


# ---------------------------------------------------------------- tests/test_object.py


def test_object_acl(any_bucket: oss2.Bucket) -> None:
    """``test_object.py::test_object_acl``: a new object's ACL is ``default``; each ACL set reads back."""
    key = random_key()
    content = oss2.to_bytes(random_string(32))

    any_bucket.put_object(key, content)
    assert any_bucket.get_object_acl(key).acl == oss2.OBJECT_ACL_DEFAULT

    for permission in (oss2.OBJECT_ACL_PRIVATE, oss2.OBJECT_ACL_PUBLIC_READ, oss2.OBJECT_ACL_PUBLIC_READ_WRITE,
                       oss2.OBJECT_ACL_DEFAULT):
        any_bucket.put_object_acl(key, permission)
        assert any_bucket.get_object_acl(key).acl == permission

    any_bucket.delete_object(key)


#: ``test_object.py::test_sign_url_with_callback``, verbatim apart from the bucket set-up and the
#: last lines, which report the status and the error document instead of asserting. It runs in a
#: network namespace of its own (only loopback, no route out) whose /etc/hosts gives
#: ``cbsrv.oss.demo.com`` a public address, as the internet's DNS does for live OSS: the name
#: resolves, the connection fails, and no DNS query or packet leaves the machine. (Unresolvable, the
#: name would be the 400 of EC 0007-00000007: the live test depends on the internet's DNS.)
_SIGN_URL_WITH_CALLBACK = """
import base64, json, sys
import oss2, requests
from osscb_notebook.emulator import Emulator

with Emulator(data_dir=sys.argv[1], callback_policy=sys.argv[2]) as emu:
    bucket = oss2.Bucket(sys.argv[3] == "v4" and oss2.AuthV4(emu.access_key_id, emu.access_key_secret)
                         or oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "demo",
                         region="cn-hangzhou")
    key = "sign-url-with-callback"

    def encode_callback(cb_dict):
        cb_str = json.dumps(callback_params).strip()
        return oss2.compat.to_string(base64.b64encode(oss2.compat.to_bytes(cb_str)))

    callback_params = {}
    callback_params['callbackUrl'] = 'http://cbsrv.oss.demo.com'
    callback_params['callbackBody'] = 'bucket=${bucket}&object=${object}'
    encoded_callback = encode_callback(callback_params)

    callback_var_params = {'x:my_var1': 'my_val1', 'x:my_var2': 'my_val2'}
    encoded_callback_var = encode_callback(callback_var_params)

    params = {'callback': encoded_callback, 'callback-var': encoded_callback_var}
    url = bucket.sign_url('PUT', key, 60, params=params)
    resp = requests.put(url)
    print(json.dumps([resp.status_code, resp.text, bucket.object_exists(key)]))
"""


#: A public address (example.com's, long-standing) for the closed namespace's /etc/hosts.
_PUBLIC_ADDRESS = "93.184.216.34"


def _in_a_closed_namespace(script: str, data_dir: str, *args: str) -> list[object]:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2) for a network namespace with no route out")
    hosts = Path(data_dir) / "hosts"
    hosts.write_text(f"127.0.0.1 localhost\n{_PUBLIC_ADDRESS} cbsrv.oss.demo.com\n")
    done = subprocess.run(["unshare", "--map-root-user", "--net", "--mount", "sh", "-c",
                           'mount --bind "$5" /etc/hosts && ip link set lo up && exec "$0" -c "$1" "$2" "$3" "$4"',
                           sys.executable, script, data_dir, *args, str(hosts)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("signing", ["v1", "v4"])
@pytest.mark.parametrize("policy", ["oss-with-loopback", "oss"])
def test_sign_url_with_callback(tmp_path: Path, signing: str, policy: str) -> None:
    """``test_object.py::test_sign_url_with_callback`` asserts 203 from live OSS for a presigned PUT
    whose ``callbackUrl`` host (``cbsrv.oss.demo.com``) resolves but serves no callback (and whose
    ``callback-var`` holds keys without ``x:``, see docs/callback-var-keys.md): the object is stored
    and the callback fails."""
    status, text, stored = _in_a_closed_namespace(_SIGN_URL_WITH_CALLBACK, str(tmp_path), policy, signing)
    assert status == 203, text
    assert f"<Message>{m.MSG_CANNOT_CONNECT}</Message>" in str(text) and "<Code>CallbackFailed</Code>" in str(text)
    assert stored is True


def test_the_callback_var_of_sign_url_with_callback_is_the_callback_itself() -> None:
    """The reading docs/callback-var-keys.md relies on: the original's ``encode_callback`` ignores its
    argument, so the ``callback-var`` it sends is the callback's own JSON (two keys without ``x:``)."""
    callback_params = {"callbackUrl": "http://cbsrv.oss.demo.com", "callbackBody": "bucket=${bucket}&object=${object}"}

    def encode_callback(cb_dict: object) -> str:
        cb_str = json.dumps(callback_params).strip()
        return oss2.compat.to_string(base64.b64encode(oss2.compat.to_bytes(cb_str)))

    sent = json.loads(base64.b64decode(encode_callback({"x:my_var1": "my_val1", "x:my_var2": "my_val2"})))
    assert sent == callback_params

"""Property: any valid key survives oss2 (V1 and V4 signing, percent-encoding, ``%2F``) and the V2
SDK, and lists back unchanged."""

from __future__ import annotations

import alibabacloud_oss_v2 as ossv2
import oss2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40,
).filter(lambda k: not k.startswith(("/", "\\")) and k not in (".", "..") and len(k.encode()) <= 1023)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(key=KEYS, data=st.binary(max_size=64))
def test_any_key_round_trips_with_oss2_v1_and_v4(bucket, bucket_v4, key, data):
    key = "prop/" + key
    bucket.put_object(key, data)
    assert bucket_v4.get_object(key).read() == data
    assert key in [o.key for o in oss2.ObjectIterator(bucket_v4, prefix=key)]
    bucket_v4.delete_object(key)
    assert not bucket.object_exists(key)


@SETTINGS
@given(key=KEYS)
def test_any_key_round_trips_with_the_v2_sdk(client_v2, key):
    key = "prop2/" + key
    client_v2.put_object(ossv2.PutObjectRequest(bucket="demo", key=key, body=key.encode()))
    got = client_v2.get_object(ossv2.GetObjectRequest(bucket="demo", key=key)).body.read()
    assert got == key.encode()
    listed = client_v2.list_objects_v2(ossv2.ListObjectsV2Request(bucket="demo", prefix=key))
    assert key in [o.key for o in listed.contents or []]

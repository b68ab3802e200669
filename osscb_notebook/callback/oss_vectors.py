"""Real callbacks signed by OSS itself (spec §6): only OSS holds the private key, so these are the
one proof that a verifier agrees with OSS, not merely with our own signer.

Each verifies against OSS's pinned key (``verification.OFFICIAL_PUBLIC_KEY_PEM``) over
``url_decode(path) + query + "\\n" + body``. All four are public: G1 on OSS's older Callback API
page, G2 in Cloudreve's tests, G3 in aliyun/aliyun-oss-python-sdk#272, G4 in a 2019 capture.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from .request import CallbackRequest

_HTTPS_KEY_URL = "https://gosspublic.alicdn.com/callback_pub_key_v1.pem"
_HTTP_KEY_URL = "http://gosspublic.alicdn.com/callback_pub_key_v1.pem"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class OssVector:
    """One OSS-signed callback: the request target it was signed over, its body and signature."""

    name: str
    target: str
    body: bytes
    authorization: str
    key_url: str
    content_type: str
    source: str

    def request(self, url: str = "http://127.0.0.1/") -> CallbackRequest:
        """The callback as OSS sent it, addressed to ``url``'s host (the target stays as signed)."""
        headers = [
            ("Connection", "close"),
            ("Content-Length", str(len(self.body))),
            ("authorization", self.authorization),
            ("Content-Type", self.content_type),
            ("User-Agent", "aliyun-oss-callback"),
            ("x-oss-pub-key-url", base64.b64encode(self.key_url.encode()).decode("ascii")),
            ("x-oss-signature-version", "1.0"),
            ("x-oss-tag", "CALLBACK"),
        ]
        return CallbackRequest(url=url, target=self.target, headers=headers, body=self.body)


OSS_VECTORS: tuple[OssVector, ...] = (
    OssVector(
        "G1", "/index.php?id=1&index=2", b"bucket=yonghu-test",
        "kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==",
        _HTTP_KEY_URL, FORM, "OSS's Callback API page (older, unmasked): a query, kept with its '?'",
    ),
    OssVector(
        "G2", "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH",
        b'{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":'
        b'"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}',
        "e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==",
        _HTTPS_KEY_URL, "application/json", "Cloudreve's callback tests: a JSON body, no query",
    ),
    OssVector(
        # The issue shows the path, body and signature, not the key URL header: OSS's https one.
        "G3", "/api/File/15/upload_notify/",
        b"filename=zmaplex%2F20210407_14%3A31%3A41_286180%2F20200130021612_pnfqp.jpg&size=112595",
        "aMYUW1arI/qpU7cp/DCGXS56iFJPxwe7K3QIFVvbtSgiE6vwuu4/HuBxyDDX5IKU8vSJg/BI956SzVsRQt969g==",
        _HTTPS_KEY_URL, FORM,
        "aliyun/aliyun-oss-python-sdk#272 (2021): a form body with %2F and %3A, a path with a trailing '/'",
    ),
    OssVector(
        "G4", "/api/AliYunOssCallback",
        b"filename=headSculpture%2Fjikang2.jpg&size=108904&mimeType=image%2Fjpeg&height=278&width=200",
        "HHtQ8zgAo4WUCg7Iy/njrsluS+ZDmgMwIHag+vmRvIC4Ph5rxNQ3+WOfJZvzwIKQsNftEDC0PCU03hpjId3vIQ==",
        _HTTPS_KEY_URL, FORM, "a 2019 capture (Content-MD5 G5H/anNzgdvMS2AsvXpi6A== matches): a form body with %2F",
    ),
)

"""Signed callback requests shared by the benchmarks, and a way to run the load process."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

from osscb_notebook.callback import build_callback_request, generate_private_key, public_key_pem
from osscb_notebook.params import parse_callback_url

from .harness import ROOT
from .load import LoadResult, LoadSpec


class SignedRequests:
    """An RSA key, its PEM on disk, and ``n`` distinct signed callbacks (to ``/callback?from=oss`` unless told)."""

    def __init__(self, scratch: Path, n: int = 256, bits: int = 2048) -> None:
        self.key = generate_private_key(bits)
        self.pem = public_key_pem(self.key)
        self.pem_file = scratch / "bench-pub.pem"
        self.pem_file.write_bytes(self.pem)
        self.n = n

    def build(self, key_url: str, port: int, path: str = "/callback?from=oss") -> list[bytes]:
        target = parse_callback_url(f"http://127.0.0.1:{port}{path}")
        out = []
        for i in range(self.n):
            body = f"bucket=demo&object=bench%2Fobject-{i}.bin&size={1000 + i}&mimeType=application%2Foctet-stream".encode()
            request = build_callback_request(
                target, body, body_type="application/x-www-form-urlencoded", private_key=self.key,
                public_key_url=key_url, bucket="demo", request_id=f"{i:024X}", requester="1000000000000001",
            )
            out.append(request.to_raw())
        return out


class LoadProcess:
    """``python -m benchmarks.load`` in the background; :meth:`result` waits for its JSON."""

    def __init__(self, spec: LoadSpec, scratch: Path, name: str = "load") -> None:
        path = scratch / f"{name}.pickle"
        path.write_bytes(pickle.dumps(spec))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.load", str(path)], cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def done(self) -> bool:
        return self.proc.poll() is not None

    def result(self, timeout: float = 300) -> LoadResult:
        out, err = self.proc.communicate(timeout=timeout)
        if self.proc.returncode != 0:
            raise RuntimeError(f"load process failed: {err[-2000:]}")
        return LoadResult(**json.loads(out.strip().splitlines()[-1]))


def drive(spec: LoadSpec, scratch: Path, name: str = "load") -> LoadResult:
    return LoadProcess(spec, scratch, name).result()

"""Baseline servers and the processes that host them.

* :class:`OfficialSampleHandler`: the seed's official Python receiver (``callback_app_server.py``)
  as written, on the stdlib ``HTTPServer``, fetching the key on every request, with
  ``cryptography`` in place of M2Crypto.
* :class:`NoopHandler`: a stdlib ``ThreadingHTTPServer`` that reads the body and answers
  ``{"Status":"OK"}``: the practical ceiling for a Python receiver.
* :class:`DiscardHandler`: reads a PUT body in 64 KiB chunks and drops it (raw upload ceiling).
* a key server that serves one PEM.

``python -m benchmarks.servers KIND ...`` runs one of them (or the emulator) in its own process,
prints ``PORT <n>`` and serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils

from .harness import ROOT

OK_BODY = b'{"Status":"OK"}'


class OfficialSampleHandler(BaseHTTPRequestHandler):
    """``MyHTTPRequestHandler`` from the official sample, line for line where it matters.

    Kept: key fetched with ``urlopen`` on every request, MD5 digest then RSA verify, HTTP/1.0
    replies. Changed: the key-URL prefix check accepts ``server.key_prefix`` (a loopback key server
    stands in for gosspublic.alicdn.com, which makes the baseline *faster* than the real thing), and
    the per-request ``print``/request log are dropped so the terminal is not what gets measured.
    """

    server: SampleServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        pub_key_url = ""
        try:
            pub_key_url_base64 = self.headers["x-oss-pub-key-url"]
            pub_key_url = base64.b64decode(pub_key_url_base64).decode()
            if not pub_key_url.startswith(self.server.key_prefix):
                self.send_response(400)
                self.end_headers()
                return
            url_reader = urllib.request.urlopen(pub_key_url)
            pub_key = url_reader.read()
        except Exception:  # noqa: BLE001 - as the sample does
            self.send_response(400)
            self.end_headers()
            return
        authorization = base64.b64decode(self.headers["authorization"])
        content_length = self.headers["content-length"]
        callback_body = self.rfile.read(int(content_length))
        pos = self.path.find("?")
        if pos == -1:
            auth_str = urllib.parse.unquote(self.path) + "\n" + callback_body.decode()
        else:
            auth_str = urllib.parse.unquote(self.path[0:pos]) + self.path[pos:] + "\n" + callback_body.decode()
        auth_md5 = hashlib.md5(auth_str.encode()).digest()
        rsa_pub = serialization.load_pem_public_key(pub_key)
        try:
            rsa_pub.verify(authorization, auth_md5, padding.PKCS1v15(), utils.Prehashed(hashes.MD5()))  # type: ignore[union-attr, call-arg, arg-type]
            result = True
        except Exception:  # noqa: BLE001
            result = False
        if not result:
            self.send_response(400)
            self.end_headers()
            return
        resp_body = '{"Status":"OK"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(resp_body)))
        self.end_headers()
        self.wfile.write(resp_body.encode())


class SampleServer(HTTPServer):
    """The sample's ``MyHTTPServer``: one request at a time.

    The listen backlog is raised from 5 so that a burst of connects is queued instead of dropped
    (a dropped SYN is retried after 1 s, which would make the baseline look worse than it is).
    """

    request_queue_size = 1024

    def handle_error(self, request: object, client_address: object) -> None:
        pass

    def __init__(self, address: tuple[str, int], key_prefix: str) -> None:
        self.key_prefix = key_prefix
        super().__init__(address, OfficialSampleHandler)


class NoopHandler(BaseHTTPRequestHandler):
    """Read the body, answer 200 ``{"Status":"OK"}`` and close, as our receiver does; nothing else."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(OK_BODY)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(OK_BODY)
        self.close_connection = True


class NoopServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the same backlog as our receiver

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (timeout) is counted by the load process, not printed


class DiscardHandler(BaseHTTPRequestHandler):
    """A PUT sink: reads ``Content-Length`` bytes in 64 KiB chunks and throws them away."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_PUT(self) -> None:
        left = int(self.headers.get("Content-Length") or 0)
        md5 = hashlib.md5()  # the emulator hashes what it stores; so does the sink, to be fair
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            md5.update(chunk)
            left -= len(chunk)
        self.send_response(200)
        self.send_header("ETag", f'"{md5.hexdigest().upper()}"')
        self.send_header("Content-Length", "0")
        self.end_headers()


class KeyHandler(BaseHTTPRequestHandler):
    """Serves ``server.pem`` at any path, counting hits."""

    server: KeyServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self.server.hits += 1
        if self.server.delay:
            time.sleep(self.server.delay)  # stands in for the network round trip to a CDN
        self.send_response(200)
        self.send_header("Content-Type", "application/x-pem-file")
        self.send_header("Content-Length", str(len(self.server.pem)))
        self.end_headers()
        self.wfile.write(self.server.pem)


class KeyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], pem: bytes, delay: float = 0.0) -> None:
        self.pem = pem
        self.hits = 0
        self.delay = delay
        super().__init__(address, KeyHandler)


def serve_in_thread(server: HTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


def stop_server(server: HTTPServer) -> None:
    server.shutdown()
    server.server_close()


class Spawned:
    """A server in its own process (``python -m benchmarks.servers ...``); stops when stdin closes."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.servers", *args], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = ""
        for _ in range(50):  # the emulator may print a banner first
            line = self.proc.stdout.readline()
            if not line or line.startswith("PORT "):
                break
        if not line.startswith("PORT "):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            self.proc.kill()
            raise RuntimeError(f"server {args!r} did not start: {line!r} {err[-2000:]}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Spawned:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve_until_stdin_closes(server: HTTPServer, port: int) -> None:
    serve_in_thread(server)
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    stop_server(server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers")
    parser.add_argument("kind", choices=["keyserver", "discard", "noop", "emulator"])
    parser.add_argument("--pem-file")
    parser.add_argument("--data-dir")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="keyserver: answer this much later")
    args = parser.parse_args(argv)
    if args.kind == "keyserver":
        server: HTTPServer = KeyServer(("127.0.0.1", 0), Path(args.pem_file).read_bytes(), args.delay_ms / 1000)
    elif args.kind == "discard":
        server = ThreadingHTTPServer(("127.0.0.1", 0), DiscardHandler)
    elif args.kind == "noop":
        server = NoopServer(("127.0.0.1", 0), NoopHandler)
    else:
        from osscb_notebook.emulator import Emulator

        emulator = Emulator(data_dir=args.data_dir, port=0)
        emulator.start()
        port = int(emulator.endpoint.rsplit(":", 1)[1].strip("/"))
        print(f"PORT {port}", flush=True)
        sys.stdin.read()
        emulator.stop()
        return
    _serve_until_stdin_closes(server, server.server_address[1])


if __name__ == "__main__":
    main()

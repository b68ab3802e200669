"""The extension in a real IPython shell: %load_ext, %config, every magic, --help, %unload_ext."""

from __future__ import annotations

from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell

from osscb_notebook.magics import get_session, osscb_callback
from osscb_notebook.magics.commands import CELL_MAGICS, LINE_MAGICS
from osscb_notebook.widgets import Definition

G1 = Path(__file__).parent.parent / "data" / "g1.http"


def test_config_sets_the_defaults(ip: InteractiveShell) -> None:
    ip.run_line_magic("config", 'Osscb.backend = "oss"')
    ip.run_line_magic("config", "Osscb.receiver_port = 0")
    assert get_session().config.backend == "oss"
    assert ip.run_line_magic("config", "Osscb.backend") == "oss"
    assert "backend: oss" in repr(ip.run_line_magic("osscb_status", ""))
    # %config writes into the shell's config, which outlives the extension: put it back
    ip.run_line_magic("config", 'Osscb.backend = "emulator"')


def test_cell_magic_valid_invalid_and_named(ip: InteractiveShell) -> None:
    d = ip.run_cell_magic("osscb_callback", "--name cb --no-snippets",
                          "callbackUrl: http://example.com/cb\ncallbackBody: a=${object}&u=${x:uid}\nx:uid: 9\n")
    assert isinstance(d, Definition) and d.ok and ip.user_ns["cb"] is d
    assert get_session().definition is d
    assert repr(d) == repr(osscb_callback("callbackUrl: http://example.com/cb\ncallbackBody: a=${object}&u=${x:uid}\nx:uid: 9\n", snippets=False))
    bad = ip.run_cell_magic("osscb_callback", "", '{"callbackUrl": "http://h/cb", "callbackBody": "a", "callbackSNI": "true"}')
    assert "400 InvalidArgument: The callback sni is invalid." in repr(bad)
    assert repr(get_session().definition) == repr(d)  # an invalid definition does not replace the valid one
    with_snippets = ip.run_cell_magic("osscb_callback", "--snippets", "callbackUrl: http://h/cb\ncallbackBody: a=1")
    assert "import oss2" in repr(with_snippets) and "alibabacloud_oss_v2" in with_snippets._repr_html_()


def test_every_magic_has_help(ip: InteractiveShell) -> None:
    for name in LINE_MAGICS:
        usage = repr(ip.run_line_magic(name, "--help"))
        assert f"%{name}" in usage, name
    assert "%%osscb_callback" in repr(ip.run_cell_magic("osscb_callback", "-h", "callbackUrl: x"))


def test_verify_a_saved_request_and_errors_without_traceback(ip: InteractiveShell) -> None:
    report = ip.run_line_magic("osscb_verify", f"--file {G1}")
    assert report.ok and "Signature verified" in repr(report) and "[PASS] 7. RSA verify" in repr(report)
    missing = ip.run_line_magic("osscb_verify", "")
    assert not missing.ok and "No callback has been received yet." in repr(missing)
    assert "hint:" in repr(missing) and "Traceback" not in missing._repr_html_()


def test_emulator_receiver_upload_history_and_unload(ip: InteractiveShell) -> None:
    started = ip.run_line_magic("osscb_receiver", "start")
    assert started.ok and "Callback URL: http://127.0.0.1:" in repr(started)
    assert "(process mode)" in repr(started) and "shares the GIL" not in repr(started)
    session = get_session()
    receiver, emulator = session.receiver, session.emulator
    assert receiver.running and emulator.running  # the emulator backend starts the emulator too
    up = ip.run_line_magic("osscb_upload", "notes/a.txt --text hi")
    assert up.ok and "callback delivered" in repr(up)
    history = ip.run_line_magic("osscb_history", "")
    assert "#0" in repr(history) and "POST /callback VERIFIED reply 200" in repr(history)
    assert "Signature verified" in repr(ip.run_line_magic("osscb_verify", ""))
    ip.run_line_magic("osscb_receiver", "reply --status 502")
    failed = ip.run_line_magic("osscb_upload", "notes/b.txt")
    assert not failed.ok and "203 CallbackFailed" in repr(failed) and "Error status : 502." in failed._repr_html_()
    assert "OSS reports HTTP 502, not 200" in repr(failed) and "no web service" in failed._repr_html_()
    ip.run_line_magic("osscb_receiver", "reply --status 200 --body OK")
    not_json = ip.run_line_magic("osscb_upload", "notes/b.txt")
    assert "answered 200, but the body is not valid JSON" in repr(not_json) and "EC 0007-00000205" in repr(not_json)
    assert "3 request(s)" in repr(ip.run_line_magic("osscb_receiver", "status"))
    ip.run_line_magic("osscb_receiver", "reply --body {\"Status\":\"OK\"}")
    ip.run_line_magic("osscb_receiver", "reply --status 200")
    one_at_a_time = ip.run_line_magic("osscb_upload", "notes/c.bin --op Multipart --size 250000 --part-size 102400 --threads 1")
    assert one_at_a_time.ok and "callback delivered" in repr(one_at_a_time)
    none_at_all = ip.run_line_magic("osscb_upload", "notes/d.bin --op Multipart --size 250000 --threads 0")
    assert not none_at_all.ok and "threads" in repr(none_at_all)
    ip.run_line_magic("unload_ext", "osscb_notebook")
    assert not receiver.running and not emulator.running
    assert not set(LINE_MAGICS) & set(ip.magics_manager.magics["line"])
    assert not set(CELL_MAGICS) & set(ip.magics_manager.magics["cell"])
    assert not any(type(c).__name__ == "Osscb" for c in ip.configurables)
    ip.run_line_magic("load_ext", "osscb_notebook")  # the fixture unloads again


def test_emulator_magic_start_status_stop(ip: InteractiveShell) -> None:
    started = ip.run_line_magic("osscb_emulator", "start --bucket lessons")
    session = get_session()
    assert started.ok and session.emulator.buckets == ["lessons"]
    assert session.emulator.endpoint in repr(started) and session.emulator.public_key_url in repr(started)
    assert "0 request(s)" in repr(ip.run_line_magic("osscb_emulator", "status"))
    assert "Emulator stopped." in repr(ip.run_line_magic("osscb_emulator", "stop"))
    assert "not running" in repr(ip.run_line_magic("osscb_emulator", "status"))
    assert "usage" in repr(ip.run_line_magic("osscb_emulator", "--help")).lower()


def test_reports_never_show_a_tunnel_token(session) -> None:  # type: ignore[no-untyped-def]
    from osscb_notebook.magics import Report
    from osscb_notebook.tunnels import Tunnel

    token = "c0ffee" * 8
    session.tunnel = Tunnel("jupyter", f"https://lab.example.com/proxy/absolute/1/?token={token}", 1, secrets=(token,))
    try:
        report = Report(f"Cannot reach https://lab.example.com/?token={token}", f"<b>{token}</b>")
        assert token not in report.text and token not in report._repr_html_()
    finally:
        session.tunnel.close()
        session.tunnel = None


def test_thread_mode_says_what_it_costs(ip: InteractiveShell) -> None:
    started = ip.run_line_magic("osscb_receiver", "start --mode thread")
    assert started.ok and "(thread mode)" in repr(started) and "shares the GIL" in repr(started)
    ip.run_line_magic("osscb_receiver", "stop")

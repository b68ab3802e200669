"""Bad magic input is one clear line (a red box), never a traceback, and loses nothing (#12 16-17, #14)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from osscb_notebook.magics import get_session


def one_clear_line(report: object, *words: str) -> str:
    text = repr(report)
    assert getattr(report, "ok", True) is False, text
    assert text.startswith("Error: ") and "Traceback" not in text and "Traceback" not in report._repr_html_()  # type: ignore[attr-defined]
    assert len(text.splitlines()[0]) < 200, text
    for word in words:
        assert word in text, (word, text)
    return text


def test_out_of_range_ports_and_sizes(ip: InteractiveShell) -> None:
    one_clear_line(ip.run_line_magic("osscb_emulator", "start --port 99999"), "99999", "0 to 65535")
    one_clear_line(ip.run_line_magic("osscb_receiver", "start --port 70000"), "70000")
    assert get_session().emulator is None and get_session().receiver is None
    one_clear_line(ip.run_line_magic("osscb_upload", "k --size 99999999999999999999"), "--size", "5 GiB")
    one_clear_line(ip.run_line_magic("osscb_upload", "k --size -1"), "negative")


def test_argument_parsing_errors_are_caught(ip: InteractiveShell) -> None:
    one_clear_line(ip.run_line_magic("osscb_upload", '"unterminated'), "quotation")
    one_clear_line(ip.run_line_magic("osscb_upload", "k --op Teleport"), "Teleport")
    one_clear_line(ip.run_line_magic("osscb_ui", "gadget"), "gadget")


def test_history_with_a_negative_count_does_not_hide_callbacks(ip: InteractiveShell) -> None:
    assert ip.run_line_magic("osscb_receiver", "start --mode thread").ok
    assert ip.run_line_magic("osscb_upload", "h.txt").ok
    one_clear_line(ip.run_line_magic("osscb_history", "-n -5"), "negative")
    assert "No callbacks yet." not in repr(ip.run_line_magic("osscb_history", "-n 0"))
    assert "#0" in repr(ip.run_line_magic("osscb_history", "-n 1"))


def test_part_size_zero_and_bad_delays_reach_a_clear_error(ip: InteractiveShell) -> None:
    assert ip.run_line_magic("osscb_receiver", "start --mode thread").ok
    one_clear_line(ip.run_line_magic("osscb_upload", "m.bin --op Multipart --size 1000 --part-size 0"), "part_size")
    for bad in ("inf", "nan", "-inf"):
        one_clear_line(ip.run_line_magic("osscb_receiver", f"reply --delay={bad}"), "finite")
        one_clear_line(ip.run_line_magic("osscb_receiver", f"start --delay={bad}"), "finite")
    # the range is ReplySettings' rule: whatever it says is shown as a report, never raised
    huge = ip.run_line_magic("osscb_receiver", "reply --delay 1e12")
    assert "Traceback" not in repr(huge)
    ip.run_line_magic("osscb_receiver", "reply --delay 0")
    assert ip.run_line_magic("osscb_upload", "after.txt").ok  # nothing was lost on the way


def test_ssh_without_a_host_names_the_option_and_starts_nothing(ip: InteractiveShell) -> None:
    text = one_clear_line(ip.run_line_magic("osscb_receiver", "start --tunnel ssh"), "The ssh tunnel needs a host.")
    assert "--tunnel-option host=" in text
    assert get_session().receiver is None and get_session().emulator is None
    one_clear_line(ip.run_line_magic("osscb_receiver", "start --tunnel ssh --tunnel-option hots=example.com"), "'hots'")
    one_clear_line(ip.run_line_magic("osscb_receiver", "start --tunnel local --tunnel-option nonsense"), "NAME=VALUE")
    assert get_session().receiver is None


def test_config_values_are_validated(ip: InteractiveShell, caplog: pytest.LogCaptureFixture) -> None:
    config = get_session().config
    for line, words in (("Osscb.bucket = 'BAD_BUCKET'", "not a valid OSS bucket name"),
                        ("Osscb.oss_endpoint = 'oss-cn-hangzhou.aliyuncs.com'", "http(s) URL"),
                        ("Osscb.trust_key_urls = ['127.0.0.1:9000']", "http(s) URL"),
                        ("Osscb.receiver_port = 99999", "0 to 65535"),
                        ("Osscb.tunnel = 'wormhole'", "wormhole")):
        caplog.clear()
        ip.run_line_magic("config", line)  # IPython logs the error as one line and keeps the old value
        assert words in caplog.text, (line, caplog.text)
        assert "Traceback" not in caplog.text
    assert config.bucket == "demo" and config.oss_endpoint == "" and config.trust_key_urls == [] and config.receiver_port == 0
    assert config.tunnel == "none"
    with pytest.raises(UsageError, match="not a valid OSS bucket name"):  # set directly, it is a UsageError too
        config.bucket = "BAD_BUCKET"
    ip.run_line_magic("config", "Osscb.bucket = 'lessons-2'")
    ip.run_line_magic("config", "Osscb.oss_endpoint = 'https://oss-cn-hangzhou.aliyuncs.com'")
    assert config.bucket == "lessons-2" and config.oss_endpoint.startswith("https://")
    # %config writes into the shell's config, which outlives the extension: put it back
    ip.run_line_magic("config", "Osscb.bucket = 'demo'")
    ip.run_line_magic("config", "Osscb.oss_endpoint = ''")


def test_a_refused_value_does_not_break_the_next_load(ip: InteractiveShell, caplog: pytest.LogCaptureFixture) -> None:
    ip.run_line_magic("config", "Osscb.bucket = 'BAD_BUCKET'")
    ip.run_line_magic("config", "Osscb.receiver_port = 99999")
    ip.run_line_magic("unload_ext", "osscb_notebook")
    ip.run_line_magic("load_ext", "osscb_notebook")  # IPython kept the refused values in its config
    config = get_session().config
    assert config.bucket == "demo" and config.receiver_port == 0
    assert "Ignoring Osscb.bucket" in caplog.text


def test_tunnel_options_from_config_apply_to_their_provider_only(ip: InteractiveShell, caplog: pytest.LogCaptureFixture) -> None:
    ip.run_line_magic("config", "Osscb.tunnel_options = {'host': 'x'}")
    assert "maps a provider" in caplog.text and get_session().config.tunnel_options == {}
    ip.run_line_magic("config", "Osscb.tunnel_options = {'ssh': {'host': 'nobody@192.0.2.1'}}")
    try:
        started = ip.run_line_magic("osscb_receiver", "start --mode thread --tunnel local")  # ssh's host is not local's
        assert started.ok and get_session().tunnel is not None and get_session().tunnel.provider == "local"
        ip.run_line_magic("osscb_receiver", "stop")
        refused = ip.run_line_magic("osscb_receiver", "start --tunnel ssh --tunnel-option user=u --tunnel-option bogus=1")
        assert not refused.ok and "'bogus'" in repr(refused)  # the config's host was merged; bogus is named
        port = ip.run_line_magic("osscb_receiver", "start --tunnel ssh --tunnel-option ssh_port=twenty-two")
        assert not port.ok and "ssh_port must be an int" in repr(port)
    finally:
        ip.run_line_magic("config", "Osscb.tunnel_options = {}")

"""The edits the tests make to an exported Spring, Laravel, Rails or Sinatra app, as a user would
make them: the G vectors' paths added to the app's route list (``CALLBACK_PATHS``, kept on lines
after a marker, the first entry ``HOOK_PATH`` and its sub-paths), and the stand-alone export's
slow-work hook instrumented so a test can see when the work runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def add_after(file: Path, anchor: str, paths: Sequence[str], quote: str = '"') -> None:
    """Insert one line listing ``paths`` (quoted, comma-separated, indented like ``anchor``'s line)
    after the first line of ``file`` that contains ``anchor``."""
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if anchor in line:
            indent = line[: len(line) - len(line.lstrip())]
            lines.insert(i + 1, indent + "".join(f"{quote}{p}{quote}, " for p in paths).rstrip() + "\n")
            file.write_text("".join(lines), encoding="utf-8")
            return
    raise AssertionError(f"{file}: no line holds {anchor!r} (the hookup's CALLBACK_PATHS list)")


#: Statements run as the first lines of the stand-alone export's slow-work hook (after the line
#: holding ``SLOW_WORK_MARKER``): a job whose body has ``slow-work-marker=NAME`` waits 1 s, then
#: writes ``slow-work-NAME`` into ``{dir}``, so a test sees the reply arrive before the work is done.
SLOW_WORK_MARKER = "YOUR SLOW WORK GOES HERE"
SLOW_WORK_PROBE = {
    "java": ('var osscbMarker = java.util.regex.Pattern.compile("slow-work-marker=(\\\\w+)")'
             '.matcher(new String(job.body(), java.nio.charset.StandardCharsets.ISO_8859_1)); '
             'if (osscbMarker.find()) { try { Thread.sleep(1000); java.nio.file.Files.writeString('
             'java.nio.file.Path.of("{dir}", "slow-work-" + osscbMarker.group(1)), "done"); } catch (Exception e) { } }'),
    "php": ("if (preg_match('~slow-work-marker=(\\w+)~', (string) ($job['body'] ?? ''), $osscbMarker)) "
            "{ sleep(1); file_put_contents('{dir}/slow-work-' . $osscbMarker[1], 'done'); }"),
    "ruby": ('if (osscb_marker = _job[:body].to_s[/slow-work-marker=(\\w+)/, 1]) then '
             'sleep 1; File.write(File.join("{dir}", "slow-work-#{osscb_marker}"), "done") end'),
}


def probe_slow_work(file: Path, lang: str) -> None:
    """Put the language's ``SLOW_WORK_PROBE`` into the export's slow-work hook; the markers land in
    ``file``'s folder."""
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if SLOW_WORK_MARKER in line:
            indent = line[: len(line) - len(line.lstrip())]
            lines.insert(i + 1, indent + SLOW_WORK_PROBE[lang].replace("{dir}", str(file.parent)) + "\n")
            file.write_text("".join(lines), encoding="utf-8")
            return
    raise AssertionError(f"{file}: no line holds {SLOW_WORK_MARKER!r} (the slow-work hook)")

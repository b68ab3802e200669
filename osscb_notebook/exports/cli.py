"""``osscb export-receiver``: write a production receiver, or a framework hookup, for your server."""

from __future__ import annotations

import argparse

from ..cli import command
from .export import export_framework_hookup, export_production_receiver, hookup
from .languages import ENV_TRUSTED, FRAMEWORKS, HOOK_PATH, LANGUAGES, language


def _args(p: argparse.ArgumentParser) -> None:
    p.description = ("Write the production receiver for your own server, in your language, stand-alone or "
                     "hooked into your web framework. It verifies callbacks exactly like the notebook's "
                     "receiver; see README 'Your server'.")
    p.add_argument("--lang", choices=tuple(LANGUAGES), default="python", help="language (default python)")
    p.add_argument("--framework", choices=tuple(FRAMEWORKS), metavar="FW",
                   help=f"write the hookup for this framework into a folder ({', '.join(FRAMEWORKS)}); "
                        "without it, the stand-alone single file")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="file to write (default: the language's usual file name in the current folder); "
                        "with --framework, the folder (default: osscb-<framework>)")
    p.add_argument("--force", action="store_true", help="overwrite what is already there")


def write_standalone(lang: str, output: str | None, *, force: bool) -> int:
    """Write the stand-alone export and say how to run it (also ``osscb receiver --export``)."""
    row = language(lang)
    path = export_production_receiver(output, lang=lang, overwrite=force)
    print(f"wrote {path}")
    print(f"run it with:  {row.command_line(path)}")
    where = "-S HOST:PORT" if row.port_in_command else "OSS_CALLBACK_HOST / OSS_CALLBACK_PORT (default 127.0.0.1:8080)"
    print(f"listens on {where}; extra trusted key URL prefixes: {ENV_TRUSTED} (comma-separated)")
    return 0


def _framework(lang: str, name: str, output: str | None, *, force: bool) -> int:
    row = hookup(lang, name)
    folder = output or f"osscb-{row.name}"
    written = export_framework_hookup(folder, lang=lang, framework=name, overwrite=force)
    print(f"wrote {row.label} hookup ({row.what}) to {folder}/: {', '.join(str(p.relative_to(folder)) for p in written)}")
    print(f"run it with:  cd {folder} && {row.start}")
    print(f"callbacks go to {HOOK_PATH}; extra trusted key URL prefixes: {ENV_TRUSTED} (comma-separated)")
    return 0


@command("export-receiver", _args)
def _export_receiver(args: argparse.Namespace) -> int:
    if args.framework:
        return _framework(args.lang, args.framework, args.output, force=args.force)
    return write_standalone(args.lang, args.output, force=args.force)

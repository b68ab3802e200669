"""The tunnel providers, defined once: name, opener and options (required ones such as ssh's
``host`` come from the opener's signature). The magics' ``--tunnel`` choices, ``%config
Osscb.tunnel`` and the receiver panel's dropdown all derive from :data:`PROVIDERS`.

Adding a provider: write ``tunnels/<name>.py`` with ``open_<name>(port, *, ...) -> Tunnel`` and add
its :func:`register` line below. Openers load lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import TunnelError

#: The choice that opens no tunnel (the receiver stays on 127.0.0.1).
NONE = "none"


@dataclass(frozen=True)
class Option:
    """One keyword option of a provider's opener."""

    name: str
    required: bool
    default: Any = None


@dataclass(frozen=True)
class Provider:
    name: str
    target: str  # "module:function" inside osscb_notebook.tunnels
    help: str = ""

    @property
    def opener(self) -> Callable[..., Any]:
        module, _, attr = self.target.partition(":")
        fn: Callable[..., Any] = getattr(importlib.import_module(f"{__package__}.{module}"), attr)
        return fn

    @property
    def options(self) -> tuple[Option, ...]:
        """The opener's keyword-only options, in signature order."""
        params = inspect.signature(self.opener).parameters.values()
        return tuple(Option(p.name, p.default is inspect.Parameter.empty, None if p.default is inspect.Parameter.empty else p.default)
                     for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.options if o.required)

    def check(self, options: Mapping[str, Any]) -> None:
        """Raise :class:`TunnelError` naming the first required option missing or empty, or an unknown one."""
        known = {o.name for o in self.options}
        for name in options:
            if name not in known:
                raise TunnelError(f"The {self.name} tunnel has no option {name!r}.",
                                  hint=f"Its options are: {', '.join(sorted(known)) or 'none'}.")
        for name in self.required:
            if options.get(name) in (None, ""):
                raise TunnelError(f"The {self.name} tunnel needs a {name}.",
                                  hint=f"Give it: %osscb_receiver start --tunnel {self.name} --tunnel-option {name}=..."
                                       f" (or %config Osscb.tunnel_options = {{'{self.name}': {{'{name}': '...'}}}}).")


    def prepare(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`check` ``options`` and convert text values (from ``--tunnel-option NAME=VALUE``)
        to the type of the option's default: ``ssh_port=2222`` becomes an int, ``check=false`` a bool."""
        self.check(options)
        defaults = {o.name: o.default for o in self.options}
        out: dict[str, Any] = {}
        for name, value in options.items():
            default = defaults.get(name)
            if isinstance(value, str) and isinstance(default, (bool, int, float)):
                value = _convert(self.name, name, value, type(default))
            out[name] = value
        return out


def _convert(provider: str, name: str, text: str, kind: type) -> Any:
    try:
        if kind is bool:
            if text.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.strip().lower() in ("true", "1", "yes")
        return kind(text)
    except ValueError:
        raise TunnelError(f"The {provider} tunnel's {name} must be {'an' if kind is int else 'a'} {kind.__name__}, not {text!r}.",
                          hint=f"e.g. --tunnel-option {name}={kind(0) if kind is not bool else 'true'}") from None


PROVIDERS: dict[str, Provider] = {}


def register(name: str, target: str, help: str = "") -> Provider:
    """Add a provider (one line per provider, below)."""
    PROVIDERS[name] = provider = Provider(name, target, help)
    return provider


def provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise TunnelError(f"Unknown tunnel provider {name!r}.", hint=f"Pick one of {', '.join(PROVIDERS)}.") from None


def names() -> tuple[str, ...]:
    """Provider names, in registration order."""
    return tuple(PROVIDERS)


def choices() -> tuple[str, ...]:
    """What a user may pick: ``none`` and every provider."""
    return (NONE, *PROVIDERS)


register("local", "local:open_local", "the receiver's own 127.0.0.1 URL (only the local emulator can call it)")
register("ssh", "ssh:open_ssh", "ssh -R to an SSH server you name (needs host)")
register("ngrok", "ngrok:open_ngrok", "an ngrok public URL (pyngrok)")
register("jupyter", "jupyter:open_jupyter", "jupyter-server-proxy's /proxy/absolute/PORT/ on this Jupyter server")

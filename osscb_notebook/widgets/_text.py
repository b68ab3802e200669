"""Plain-text representations for non-widget frontends (nbval, nbconvert, a terminal)."""

from __future__ import annotations

from typing import Any


class TextRepr:
    """Mixin for widgets: ``repr()``, ``_repr_pretty_`` and the ``text/plain`` of the mimebundle all
    come from :meth:`text_summary`, which subclasses implement. Keep secrets out of it."""

    def text_summary(self) -> str:  # pragma: no cover - every widget overrides it
        raise NotImplementedError

    def __repr__(self) -> str:
        try:
            return self.text_summary()
        except Exception:  # repr must not fail half-way through construction
            return f"<{type(self).__name__}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data["text/plain"] = repr(self)  # the widget base truncates at 110 characters
        return data

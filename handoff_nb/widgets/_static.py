"""What a widget shows where no widget front-end runs (nbviewer, GitHub, a saved notebook)."""

from __future__ import annotations

from typing import Any


class StaticSnapshot:
    """Mixin for an ipywidgets container: its repr bundle carries ``repr(self)`` as text and
    ``self.snapshot_html()`` as HTML beside the widget view, so static viewers show the state."""

    def snapshot_html(self) -> str:  # pragma: no cover - every widget defines its own
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = repr(self)
        data["text/html"] = self.snapshot_html()
        return bundle

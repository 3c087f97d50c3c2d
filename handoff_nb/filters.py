"""handoff_nb's own handoff input filters (not in the SDK; the SDK's are in
``handoff_nb.extensions.handoff_filters``)."""

from __future__ import annotations

from collections.abc import Callable

from .extensions.handoff_filters import remove_all_tools
from .handoffs import HandoffInputData
from .items import TResponseInputItem

__all__ = ["keep_last_n_messages"]


def keep_last_n_messages(n: int, *, drop_tools: bool = True
                         ) -> Callable[[HandoffInputData], HandoffInputData]:
    """A filter keeping only the last ``n`` messages (user and assistant text) of the history.

    With ``drop_tools`` (default) tool and handoff calls/outputs are removed first, so ``n`` counts
    conversational messages only.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"keep_last_n_messages: n must be a positive int, got {n!r}")

    def keep_last(data: HandoffInputData) -> HandoffInputData:
        if drop_tools:
            data = remove_all_tools(data)
        history: list[TResponseInputItem] = (
            [{"role": "user", "content": data.input_history}] if isinstance(data.input_history, str)
            else list(data.input_history))
        combined: list[tuple[str, object]] = [("h", i) for i in history]
        combined += [("p", i) for i in data.pre_handoff_items] + [("n", i) for i in data.new_items]
        kept = combined[-n:]
        return data.clone(input_history=tuple(i for k, i in kept if k == "h"),
                          pre_handoff_items=tuple(i for k, i in kept if k == "p"),
                          new_items=tuple(i for k, i in kept if k == "n"))

    keep_last.__name__ = f"keep_last_{n}_messages"
    return keep_last

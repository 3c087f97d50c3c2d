"""Prices of known OpenAI models, in one place, and the cost of a step or a run.

``PRICES`` maps a model name to US dollars per million input and output tokens (standard tier,
text; checked against openai.com/api/pricing on ``PRICES_AS_OF``). Dated snapshots
("gpt-4o-mini-2024-07-18") use their base model's price. A model not listed has no cost: views
then show tokens only and say so.
"""

from __future__ import annotations

from typing import Any

PRICES_AS_OF = "2026-11"
PRICES: dict[str, tuple[float, float]] = {
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o3": (2.00, 8.00),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
}


def price_of(model: str | None) -> tuple[float, float] | None:
    """($ per 1M input tokens, $ per 1M output tokens) for ``model``, or None if unknown."""
    if not model:
        return None
    name = model.strip().lower()
    if name in PRICES:
        return PRICES[name]
    # a dated snapshot: the longest listed name it starts with, followed by "-"
    best = max((k for k in PRICES if name.startswith(k + "-")), key=len, default=None)
    return PRICES[best] if best else None


def cost(model: str | None, usage: Any) -> float | None:
    """Dollars for ``usage`` (input_tokens / output_tokens) on ``model``; None when unknown."""
    price = price_of(model)
    if price is None or usage is None:
        return None
    return (getattr(usage, "input_tokens", 0) * price[0]
            + getattr(usage, "output_tokens", 0) * price[1]) / 1_000_000


def format_cost(dollars: float | None) -> str:
    if dollars is None:
        return "cost n/a"
    return f"${dollars:.4f}" if dollars < 1 else f"${dollars:.2f}"


def step_meta(step: Any, *, timing: bool = True) -> str:
    """"412 in / 38 out tokens · 0.84 s · $0.0014" for a step (tokens only for unknown models).

    ``timing=False`` leaves out the wall-clock duration: static reprs (saved notebook outputs,
    snapshots that tests compare) must be the same on every run and machine."""
    u = step.usage
    parts = []
    if u is not None and (u.input_tokens or u.output_tokens):
        parts.append(f"{u.input_tokens} in / {u.output_tokens} out tokens")
    if timing and step.duration_s:
        parts.append(f"{step.duration_s:.2f} s")
    c = cost(step.model_name, u)
    if c is not None:
        parts.append(format_cost(c))
    return " · ".join(parts)


def run_meta(run: Any, *, timing: bool = True) -> str:
    """Totals of a run: model calls, tokens, time and cost (said plainly when unknown).

    ``timing=False`` leaves out the wall-clock total (see :func:`step_meta`)."""
    steps = [s for s in run.steps if s.response is not None]
    tin = sum(s.usage.input_tokens for s in steps)
    tout = sum(s.usage.output_tokens for s in steps)
    secs = sum(s.duration_s for s in run.steps)
    costs = [cost(s.model_name, s.usage) for s in steps]
    known = [c for c in costs if c is not None]
    models = sorted({s.model_name for s in steps if s.model_name})
    text = f"{len(steps)} model call{'s' if len(steps) != 1 else ''} · {tin} in / {tout} out tokens"
    if timing:
        text += f" · {secs:.2f} s"
    if known and len(known) == len(costs):
        text += f" · {format_cost(sum(known))}"
    elif tin or tout:
        unknown = sorted({s.model_name for s, c in zip(steps, costs) if c is None})
        text += f" · cost unknown for {', '.join(unknown) or 'this model'} (tokens only)"
    if models:
        text += f" · model {', '.join(models)}"
    return text

"""Routing evaluation, the report value: what each case did (CaseResult), the summary over cases
and trials (RoutingReport: accuracy, confusion, cost, latency...), variants side by side, and
accuracy per level of decision. handoff_nb.render.report draws them."""

from __future__ import annotations

import csv
import io
import json
import math
import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .agent import Agent
from .eval_cases import Case
from .pricing import format_cost
from .render.report import routing_report_html, variant_comparison_html


ERROR_LABEL = "(error)"
@dataclass
class CaseResult:
    case: Case
    path: list[str] = field(default_factory=list)
    handoff_inputs: list[Any] = field(default_factory=list)
    why: list[dict[str, Any] | None] = field(default_factory=list)
    error: str | None = None
    final_output: Any = None
    trial: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    """None when a model's price is unknown (tokens are still counted)."""
    latency_s: float = 0.0
    model_calls: int = 0
    models: tuple[str, ...] = ()

    @property
    def final_agent(self) -> str:
        return ERROR_LABEL if self.error else (self.path[-1] if self.path else "")

    @property
    def correct(self) -> bool:
        if self.error:
            return False
        if self.case.expected_path:
            return tuple(self.path) == tuple(self.case.expected_path)
        return self.final_agent == self.case.expected_final

    @property
    def handoffs(self) -> int:
        return max(0, len(self.path) - 1)

    @property
    def decision_kind(self) -> str:
        """How the entry agent decided: "lexical", "semantic", "language" (offline model), or
        "model" for models that do not explain themselves; "(error)" if the run raised first."""
        first = self.why[0] if self.why else None
        if first is None:
            return ERROR_LABEL if self.error and not self.why else "model"
        return str(first.get("decision_kind") or "lexical")


@dataclass
class CaseSummary:
    """One case over all its trials."""

    case: Case
    results: list[CaseResult]

    @property
    def n(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def rate(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def finals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.final_agent] = out.get(r.final_agent, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def agreement(self) -> float:
        """Share of trials that ended at the most common final agent (1.0: always the same)."""
        return max(self.finals.values()) / self.n if self.n else 0.0

    @property
    def flaky(self) -> bool:
        return self.agreement < 1.0


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for k successes out of n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


class RoutingReport:
    def __init__(self, name: str, results: list[CaseResult],
                 escalation: Callable[[str], bool] | None = None, cache_stats: Any = None) -> None:
        self.name = name
        self.results = results
        self._is_escalation = escalation or (lambda n: "escalat" in n.lower())
        self.cache_stats = cache_stats
        """Request-cache hits, misses and money saved (None when no cache was used)."""
        self.loading_s: float | None = None
        """One-time loading before the cases ran (the offline engine), kept out of the latency."""

    # -- trials: a stochastic router measured honestly ------------------------------------------
    @property
    def trials(self) -> int:
        return max((r.trial for r in self.results), default=-1) + 1

    @property
    def per_case(self) -> list[CaseSummary]:
        """Each case over its trials, flaky cases (trials that disagree) first, then the rest."""
        groups: dict[int, CaseSummary] = {}
        for r in self.results:
            groups.setdefault(id(r.case), CaseSummary(r.case, [])).results.append(r)
        out = list(groups.values())
        return sorted(out, key=lambda c: (not c.flaky, c.agreement))

    @property
    def flaky(self) -> list[CaseSummary]:
        return [c for c in self.per_case if c.flaky]

    def accuracy_ci(self, z: float = 1.96) -> tuple[float, float]:
        """A 95% interval for the accuracy. One trial per case: Wilson. Several: trials of one
        case are not independent, so the interval is over cases (mean of per-case rates, normal
        approximation), never narrower than Wilson over cases."""
        cases = self.per_case
        k = len(cases)
        if not k:
            return (0.0, 1.0)
        if self.trials <= 1:
            return wilson(sum(c.correct for c in cases), k, z)
        rates = [c.rate for c in cases]
        mean = sum(rates) / k
        sd = math.sqrt(sum((x - mean) ** 2 for x in rates) / (k - 1)) if k > 1 else 0.0
        lo, hi = mean - z * sd / math.sqrt(k), mean + z * sd / math.sqrt(k)
        wlo, whi = wilson(round(mean * k), k, z)
        return (max(0.0, min(lo, wlo)), min(1.0, max(hi, whi)))

    # -- cost, tokens, latency --------------------------------------------------------------------
    @property
    def input_tokens(self) -> int:
        return sum(r.input_tokens for r in self.results)

    @property
    def output_tokens(self) -> int:
        return sum(r.output_tokens for r in self.results)

    @property
    def cost_usd(self) -> float | None:
        """Total cost, or None if any call was on a model without a known price."""
        costs = [r.cost_usd for r in self.results if r.model_calls]
        return sum(costs) if costs and all(c is not None for c in costs) else (0.0 if not costs else None)

    @property
    def latency(self) -> dict[str, float]:
        values = sorted(r.latency_s for r in self.results)
        if not values:
            return {"mean": 0.0, "p50": 0.0, "p95": 0.0}
        return {"mean": sum(values) / len(values), "p50": values[len(values) // 2],
                "p95": values[min(len(values) - 1, int(len(values) * 0.95))]}

    @property
    def per_route_cost(self) -> dict[str, dict[str, float | None]]:
        """Per expected route: cases, tokens, cost (None if unknown) and mean latency."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.results:
            d = out.setdefault(r.case.expected_final, {"runs": 0, "tokens": 0, "cost_usd": 0.0,
                                                       "latency_s": 0.0})
            d["runs"] += 1
            d["tokens"] += r.input_tokens + r.output_tokens
            d["latency_s"] += r.latency_s
            d["cost_usd"] = None if d["cost_usd"] is None or (r.model_calls and r.cost_usd is None) \
                else d["cost_usd"] + (r.cost_usd or 0.0)
        for d in out.values():
            d["latency_s"] = d["latency_s"] / d["runs"]
        return out

    def loading_summary(self) -> str:
        """" · one-time loading 2.31 s (not in the latency)": the offline engine's cold start,
        measured before the cases ran; "" when nothing was loaded that way. Shown in the HTML
        report and the Playground (text reprs stay free of it)."""
        if self.loading_s is None:
            return ""
        return f" · one-time loading {self.loading_s:.2f} s (not in the latency)"

    def cost_summary(self) -> str:
        calls = sum(r.model_calls for r in self.results)
        text = (f"{calls} model calls, {self.input_tokens} in / {self.output_tokens} out tokens, "
                f"latency p50 {self.latency['p50']:.2f} s / p95 {self.latency['p95']:.2f} s")
        c = self.cost_usd
        if calls and c is None:
            unknown = sorted({m for r in self.results for m in r.models if r.cost_usd is None})
            text += f", cost unknown for {', '.join(unknown) or 'this model'} (tokens only)"
        elif calls:
            text += f", {format_cost(c)}"
        if self.cache_stats is not None:
            text += f"; {self.cache_stats}"
        return text

    @property
    def n(self) -> int:
        return len(self.results)

    @property
    def accuracy(self) -> float:
        return sum(r.correct for r in self.results) / self.n if self.n else 0.0

    @property
    def failures(self) -> list[CaseResult]:
        """Runs that raised (errors, max turns): counted as wrong and listed here."""
        return [r for r in self.results if r.error]

    @property
    def wrong(self) -> list[CaseResult]:
        return [r for r in self.results if not r.correct]

    @property
    def labels(self) -> list[str]:
        seen = dict.fromkeys(r.case.expected_final for r in self.results)
        for r in self.results:
            seen.setdefault(r.final_agent, None)
        return list(seen)

    @property
    def confusion(self) -> dict[str, dict[str, int]]:
        """confusion[expected][actual] = count (final agents; errors under "(error)").

        One pass over the results; the views call it once (linear in cases, not labels^2 x cases)."""
        labels = self.labels
        table = {e: {a: 0 for a in labels} for e in labels}
        for r in self.results:
            table[r.case.expected_final][r.final_agent] += 1
        return table

    @property
    def per_route(self) -> dict[str, dict[str, float]]:
        """Precision, recall and support per final agent."""
        return self._per_route(self.confusion)

    @staticmethod
    def _per_route(confusion: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
        out = {}
        for label in confusion:
            if label == ERROR_LABEL:
                continue
            tp = confusion[label][label]
            predicted = sum(row[label] for row in confusion.values())
            actual = sum(confusion[label].values())
            out[label] = {"precision": tp / predicted if predicted else 0.0,
                          "recall": tp / actual if actual else 0.0, "support": actual}
        return out

    @property
    def handoffs_per_conversation(self) -> float:
        ok = [r for r in self.results if not r.error]
        return sum(r.handoffs for r in ok) / len(ok) if ok else 0.0

    @property
    def escalation_rate(self) -> float:
        ok = [r for r in self.results if not r.error]
        return sum(any(self._is_escalation(a) for a in r.path) for r in ok) / len(ok) if ok else 0.0

    @property
    def by_decision_kind(self) -> dict[str, dict[str, float]]:
        """Accuracy per decision kind of the entry agent: {kind: {"n", "accuracy"}}."""
        out: dict[str, dict[str, float]] = {}
        for r in self.results:
            d = out.setdefault(r.decision_kind, {"n": 0, "correct": 0})
            d["n"] += 1
            d["correct"] += r.correct
        return {k: {"n": v["n"], "accuracy": v["correct"] / v["n"]} for k, v in out.items()}

    def kinds_summary(self) -> str:
        text = ", ".join(f"{k} {v['accuracy']:.2f} ({int(v['n'])})"
                         for k, v in sorted(self.by_decision_kind.items()))
        stayed = self.abstentions
        if stayed:
            right = sum(a["correct"] for a in stayed)
            text += f"; stayed at the entry agent {len(stayed)} times ({right} right)"
        return text

    @property
    def abstentions(self) -> list[dict[str, Any]]:
        """Runs where the entry agent kept the message (no handoff): message, expected, whether
        that was right, and the model's reason ("nothing fits well enough ...", "margin 0.003 —
        too close to call", ...; empty for models that do not explain themselves)."""
        out = []
        for r in self.results:
            if r.error or len(r.path) != 1:
                continue
            first = r.why[0] if r.why else None
            reason = str((first or {}).get("reason") or "")
            out.append({"message": r.case.message, "expected": r.case.expected_final,
                        "correct": r.correct, "kind": str((first or {}).get("abstained") or ""),
                        "reason": reason})
        return out

    def to_records(self) -> list[dict[str, Any]]:
        return [{"id": r.case.id, "message": r.case.message, "expected": r.case.expected_final,
                 "expected_path": " > ".join(r.case.expected_path or ()), "final_agent": r.final_agent,
                 "decision_kind": r.decision_kind,
                 "path": " > ".join(r.path), "correct": r.correct, "handoffs": r.handoffs,
                 "error": r.error or "", "handoff_inputs": json.dumps(r.handoff_inputs, default=str)}
                for r in self.results]

    def to_csv(self, path: str | pathlib.Path | None = None) -> str:
        buf = io.StringIO()
        records = self.to_records()
        writer = csv.DictWriter(buf, fieldnames=list(records[0]) if records else ["id"])
        writer.writeheader()
        writer.writerows(records)
        if path is not None:
            pathlib.Path(path).write_text(buf.getvalue(), encoding="utf-8")
        return buf.getvalue()

    def summary(self) -> str:
        acc = f"accuracy {self.accuracy:.2f} ({sum(r.correct for r in self.results)}/{self.n})"
        if self.trials > 1:
            lo, hi = self.accuracy_ci()
            acc = (f"accuracy {self.accuracy:.2f} [95% CI {lo:.2f}-{hi:.2f}] over {len(self.per_case)} "
                   f"cases x {self.trials} trials, {len(self.flaky)} flaky")
        static = self.not_recorded
        return (f"{self.name}: {acc}, "
                f"{self.handoffs_per_conversation:.2f} handoffs/conversation, escalation rate "
                f"{self.escalation_rate:.2f}, {len(self.failures)} failed runs"
                + (f"; {static} runs decided by the static table: texts not recorded with e5 "
                   f"(a browser tab cannot run e5)" if static else ""))

    @property
    def not_recorded(self) -> int:
        """Runs with a step the offline model decided by the static table because a text was not
        in the e5 recording it replays (a JupyterLite site: ``handoff_nb.models.e5_recorded``);
        their numbers can differ from a local Python's."""
        return sum(any(((w or {}).get("semantic") or {}).get("not_recorded") for w in r.why or ())
                   for r in self.results)

    def __str__(self) -> str:
        lines = [self.summary(), f"by decision kind: {self.kinds_summary()}", self.cost_summary()]
        for c in self.flaky[:20]:
            lines.append(f"  flaky ({c.agreement:.2f} agree): {c.case.message[:60]!r} -> "
                         + ", ".join(f"{k} x{v}" for k, v in c.finals.items()))
        confusion = self.confusion
        labels = list(confusion)
        width = max(len(x) for x in labels) if labels else 8
        lines.append(" " * (width + 2) + " ".join(f"{x[:10]:>10}" for x in labels) + "   <- actual")
        for e in labels:
            lines.append(f"{e:>{width}}  " + " ".join(f"{confusion[e][a]:>10}" for a in labels))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return routing_report_html(self)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


class VariantComparison:
    def __init__(self, reports: dict[str, RoutingReport]) -> None:
        self.reports = reports

    @property
    def changed(self) -> list[dict[str, Any]]:
        """Cases whose final agent differs between variants (listed first in views)."""
        names = list(self.reports)
        first = self.reports[names[0]].results
        out = []
        for i, r in enumerate(first):
            finals = {n: self.reports[n].results[i].final_agent for n in names}
            if len(set(finals.values())) > 1:
                out.append({"message": r.case.message, "expected": r.case.expected_final, **finals})
        return out

    def __str__(self) -> str:
        lines = [line for rep in self.reports.values()
                 for line in (rep.summary(), f"  {rep.cost_summary()}")]
        lines.append(f"{len(self.changed)} cases changed route:")
        for c in self.changed:
            lines.append(f"  {c['message'][:60]!r} expected {c['expected']}: " +
                         ", ".join(f"{n}={c[n]}" for n in self.reports))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return variant_comparison_html(self)


def expected_paths(agent: Agent, report: RoutingReport) -> dict[int, tuple[str, ...] | None]:
    """Per result (by id): the agent path its case expects, entry agent first -- the case's own
    ``expected_path``, else the shortest chain of handoffs from ``agent`` to the expected agent
    (None when no chain reaches it)."""
    shortest = _shortest_chains(agent)
    return {id(r): tuple(r.case.expected_path) if r.case.expected_path else shortest.get(r.case.expected_final)
            for r in report.results}


def _shortest_chains(agent: Agent) -> dict[str, tuple[str, ...]]:
    """The shortest chain of handoffs from ``agent`` to every agent it reaches."""
    graph: dict[str, list[str]] = {}
    for a in agent.walk():
        graph.setdefault(a.name, [h.agent_name for h in a.handoff_objects()])
    shortest: dict[str, tuple[str, ...]] = {agent.name: (agent.name,)}
    queue = [agent.name]
    while queue:  # breadth first: the shortest chain to every agent
        name = queue.pop(0)
        for nxt in graph.get(name, []):
            if nxt not in shortest:
                shortest[nxt] = shortest[name] + (nxt,)
                queue.append(nxt)
    return shortest


def accuracy_by_level(agent: Agent, report: RoutingReport) -> list[dict[str, Any]]:
    """Routing accuracy per level of decision: level 1 is the entry agent's choice (hand off to
    the right agent, or keep the message when it is the expected one), level 2 the choice of the
    agent reached next, and so on. A case counts at level k when its first k-1 decisions were
    right and the agent it reached routes (has handoffs) or was expected to hand off. Each level:
    ``level``, ``agents`` (who decided), ``n``, ``correct``, ``accuracy``."""
    routers = {a.name for a in agent.walk() if a.handoffs}
    expected = expected_paths(agent, report)
    levels: dict[int, dict[str, Any]] = {}
    for r in report.results:
        want = expected[id(r)]
        if r.error or not want or not r.path:
            continue
        got = tuple(r.path)
        for k in range(1, len(want) + 1):
            if got[:k] != want[:k]:
                break
            decider = want[k - 1]
            if decider not in routers and len(want) == k:
                break  # the expected agent has nowhere to send it: no decision at this level
            d = levels.setdefault(k, {"level": k, "agents": [], "n": 0, "correct": 0})
            if decider not in d["agents"]:
                d["agents"].append(decider)
            d["n"] += 1
            right = (len(got) > k and got[k] == want[k]) if len(want) > k else len(got) == k
            d["correct"] += right
            if not right:
                break
    return [{**d, "accuracy": d["correct"] / d["n"]} for _, d in sorted(levels.items())]

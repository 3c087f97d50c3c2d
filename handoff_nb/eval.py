"""Routing evaluation: run many messages through an agent graph and summarise where they went.

    report = evaluate_routing(triage_agent, cases)      # cases: list, CSV or JSONL path
    report.accuracy, report.confusion, report.per_route, report.failures
    compare_variants({"specific": a, "vague": b}, cases)

Each case is a fresh run (fresh context) on the given model (default: each agent's own). Cases
run concurrently, at most ``concurrency`` at a time. Errors and max-turns are counted and listed,
never dropped.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import pathlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .agent import Agent
from .render.report import (_breakable, _flaky_html, _short, routing_report_html,  # noqa: F401
                             variant_comparison_html)
from .errors import MaxTurnsExceeded, ModelError, UserError
from .run import RunConfig, Runner

ERROR_LABEL = "(error)"
PROGRESS_FROM = 200
"""``progress=None`` shows a tqdm bar from this many cases on."""


@dataclass(frozen=True)
class Case:
    message: str
    expected: str | None = None
    """The expected final agent's name."""
    expected_path: tuple[str, ...] | None = None
    """Or the whole expected agent path, entry agent first."""
    id: str = ""
    note: str = ""
    turns: tuple[str, ...] = ()
    """Further user messages of a multi-turn case (each continues with the last agent)."""

    @property
    def messages(self) -> tuple[str, ...]:
        return (self.message, *self.turns)

    @property
    def expected_final(self) -> str:
        if self.expected_path:
            return self.expected_path[-1]
        return self.expected or ""


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


def _read_text(path: pathlib.Path) -> str:
    """A case file's text: UTF-8 (with or without a BOM), else Windows-1252/Latin-1."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        import warnings
        warnings.warn(f"{path.name} is not UTF-8; read it as {encoding}", UserWarning, stacklevel=3)
        return text
    raise UserError(f"{path}: cannot decode the file as UTF-8 or Latin-1")  # pragma: no cover


def load_cases(source: str | pathlib.Path | Iterable[Any]) -> list[Case]:
    """Cases from a CSV/JSONL path, or a list of Case / dicts / (message, expected) pairs.

    ``expected`` may be an agent name or a path "A > B > C" (or a list). Files may be UTF-8 (with
    a BOM) or Latin-1; a bad row is a UserError naming the file and its line; an empty source is
    an error, not a report with accuracy 0."""
    where = "cases"
    line_of: list[int] = []
    if isinstance(source, (str, pathlib.Path)):
        path = pathlib.Path(source)
        where = path.name
        if not path.exists():
            raise UserError(f"no case file at {path}")
        text = _read_text(path)
        if path.suffix == ".csv":
            reader = csv.DictReader(io.StringIO(text))
            rows: list[Any] = []
            try:
                for row in reader:
                    rows.append({(k or "").strip().lower(): v for k, v in row.items()})
                    line_of.append(reader.line_num)
            except csv.Error as e:
                start = (line_of[-1] + 1) if line_of else 2
                raise UserError(f"{where}, line {start}: the CSV row starting there cannot be read "
                                f"({e}); a field over {csv.field_size_limit():,} characters is "
                                "usually an unclosed quote (\") swallowing the lines after it: close "
                                "the quote, or put very long messages in a .jsonl file") from None
            if reader.fieldnames is not None and "message" not in [(f or "").strip().lower()
                                                                   for f in reader.fieldnames]:
                raise UserError(f"{where}: the CSV header needs a 'message' column (and 'expected'), "
                                f"got {reader.fieldnames}")
        elif path.suffix in (".jsonl", ".ndjson"):
            rows = []
            for n, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise UserError(f"{where}, line {n}: not valid JSON ({e.msg} at column {e.colno}): "
                                    f"{line[:80]!r}") from None
                line_of.append(n)
        else:
            raise UserError(f"case files must be .csv or .jsonl, got {path.name}")
    else:
        rows = list(source)
    cases = []
    for i, row in enumerate(rows):
        at = f"{where}, line {line_of[i]}" if line_of else f"case {i}"
        if isinstance(row, Case):
            cases.append(row)
            continue
        if isinstance(row, (tuple, list)) and len(row) == 2:
            row = {"message": row[0], "expected": row[1]}
        turns: tuple[str, ...] = ()
        if isinstance(row, dict):
            for name in ("messages", "turns"):  # a conversation: lists of messages, never text
                value = row.get(name)
                if isinstance(value, str) and value.strip().startswith("["):  # a CSV cell
                    try:
                        row = {**row, name: json.loads(value)}
                        value = row[name]
                    except ValueError:
                        pass
                if value is not None and value != "" and not isinstance(value, (list, tuple)):
                    raise UserError(f"{at}: {name!r} must be a list of messages (e.g. "
                                    f'["first", "then"]), got {type(value).__name__} {value!r}'[:300])
            if isinstance(row.get("messages"), (list, tuple)) and row["messages"]:
                msgs = [str(m) for m in row["messages"]]
                row = {**row, "message": msgs[0]}
                turns = tuple(msgs[1:])
            if isinstance(row.get("turns"), (list, tuple)):
                turns += tuple(str(m) for m in row["turns"])
        message = row.get("message") if isinstance(row, dict) else None
        if isinstance(message, (int, float)) and not isinstance(message, bool):
            message = str(message)
        if not isinstance(message, str) or not message.strip():
            raise UserError(f"{at}: needs a message (text) and an expected agent or path, got {row!r}"[:300])
        expected = row.get("expected_path") or row.get("expected")
        if not expected:
            raise UserError(f"{at} ({message[:40]!r}): no expected agent or path")
        if isinstance(expected, str) and ">" in expected:
            expected = [p.strip() for p in expected.split(">")]
        is_path = isinstance(expected, (list, tuple))
        cases.append(Case(message=message, expected=None if is_path else str(expected).strip(),
                          expected_path=tuple(str(p) for p in expected) if is_path else None,
                          id=str(row.get("id") or i), note=str(row.get("note") or ""), turns=turns))
    if not cases:
        raise UserError(f"{where}: no cases (an empty file or list)")
    return cases


def check_labels(agent: Agent, cases: Sequence[Case]) -> None:
    """Every expected agent must be reachable from ``agent``; else a UserError naming the labels
    that match no agent (a typo would otherwise read as accuracy 0)."""
    known = {a.name for a in agent.walk()}
    unknown: dict[str, int] = {}
    for c in cases:
        for name in (c.expected_path or (c.expected_final,)):
            if name not in known:
                unknown[name] = unknown.get(name, 0) + 1
    if unknown:
        import difflib
        hints = []
        for name, n in unknown.items():
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hints.append(f"{name!r} ({n} case{'s' if n > 1 else ''}"
                         + (f"; did you mean {close[0]!r}?" if close else "") + ")")
        raise UserError(f"expected labels that name no agent reachable from {agent.name!r}: "
                        f"{', '.join(hints)}. Agents: {', '.join(sorted(known))}")


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
        from .pricing import format_cost
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
        return (f"{self.name}: {acc}, "
                f"{self.handoffs_per_conversation:.2f} handoffs/conversation, escalation rate "
                f"{self.escalation_rate:.2f}, {len(self.failures)} failed runs")

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

    def _flaky_html(self) -> str:
        return _flaky_html(self)

    def _repr_html_(self) -> str:
        return routing_report_html(self)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


async def aevaluate_routing(agent: Agent, cases: Sequence[Any] | str | pathlib.Path, *, model: Any = None,
                            concurrency: int = 8, max_turns: int = 10,
                            run_config: RunConfig | None = None, name: str | None = None,
                            context_factory: Callable[[], Any] = dict, progress: bool | None = None,
                            escalation: Callable[[str], bool] | None = None, trials: int = 1,
                            cache: bool | str | pathlib.Path | None = None,
                            max_attempts: int = 6, backend: str = "direct",
                            batch_id: str | None = None, poll_s: float = 10.0,
                            batch_timeout_s: float | None = None) -> RoutingReport:
    """Run every case (``trials`` times each) and summarise where they went.

    ``cache``: with a real model (one that calls a server), identical requests are answered from
    a request cache on disk (default ``True``: ``.handoff_nb_cache/requests.jsonl``; a path picks
    the file; ``False`` bypasses it). With ``trials > 1`` the cache is bypassed for repeated
    trials of a case, which must be fresh samples. Rate limits (HTTP 429) halve the concurrency,
    wait for ``retry-after``, retry the case (up to ``max_attempts`` times) and recover.

    ``backend="batch"`` sends every case's first turn as one OpenAI Batch API job (see
    handoff_nb.batch: first routing decisions only, half price, resumable with ``batch_id``)."""
    if backend not in ("direct", "batch"):
        raise UserError(f"backend must be 'direct' or 'batch', got {backend!r}")
    if backend == "batch":
        return await _evaluate_batch(agent, cases, model=model, run_config=run_config, name=name,
                                     context_factory=context_factory, escalation=escalation,
                                     batch_id=batch_id, poll_s=poll_s, timeout_s=batch_timeout_s,
                                     progress=progress)
    if concurrency < 1:
        raise UserError(f"concurrency must be >= 1, got {concurrency}")
    if not isinstance(trials, int) or trials < 1:
        raise UserError(f"trials must be an int >= 1, got {trials!r}")
    if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
        raise UserError(f"max_attempts must be an int >= 1 (tries per case when the server rate-"
                        f"limits; 1 = no retry), got {max_attempts!r}")
    from .agent_input import maybe_from_sdk
    agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
    case_list = load_cases(cases)
    check_labels(agent, case_list)
    config = run_config or RunConfig()
    if model is not None:
        config = RunConfig(**{**config.__dict__, "model": model})
    cached = _cache_for(config, agent, cache)
    cached_config = RunConfig(**{**config.__dict__, "model": cached}) if cached is not None else config
    loading_s = await _warm_up(agent, config, case_list, context_factory)
    from .ratelimit import AdaptiveLimiter
    limiter = AdaptiveLimiter(concurrency)
    total = len(case_list) * trials
    if progress is None:  # a bar only for long runs
        progress = total >= PROGRESS_FROM
    bar = _progress(total) if progress else None

    async def attempt(case: Case, trial: int) -> CaseResult:
        # trial 0 may come from the cache; later trials are fresh samples of a stochastic model
        cfg = cached_config if trial == 0 else config
        result = CaseResult(case, trial=trial)
        runs: list[Any] = []
        try:
            run = Runner.start(agent, case.message, context=context_factory(), max_turns=max_turns,
                               run_config=cfg)
            runs.append(run)
            await run.arun()
            for message in case.turns:  # a conversation: continue with the last agent
                run = run.next_turn(message)
                runs.append(run)
                await run.arun()
            result.final_output = run.final_output
        except MaxTurnsExceeded as e:
            result.error = f"MaxTurnsExceeded: {e}"
        except ModelError as e:
            if getattr(e, "status_code", None) == 429:
                raise
            result.error = f"{type(e).__name__}: {e}"
        except Exception as e:  # counted and listed, never dropped
            result.error = f"{type(e).__name__}: {e}"
        _record(result, runs)
        return result

    async def one(case: Case, trial: int) -> CaseResult:
        for n in range(max_attempts):
            async with limiter:
                try:
                    result = await attempt(case, trial)
                except ModelError as e:  # 429: back off, retry the whole case
                    await limiter.rate_limited(getattr(e, "retry_after", None), str(e))
                    if n == max_attempts - 1:
                        result = CaseResult(case, trial=trial, error=f"ModelError: {e}")
                        break
                    continue
            await limiter.success()
            break
        if bar is not None:
            bar.update(1)
            if limiter.waiting:
                bar.set_postfix_str(limiter.waiting[:80])
            elif limiter.rate:
                bar.set_postfix_str(f"{limiter.rate:.1f} calls/s, concurrency {limiter.limit}")
        return result

    try:
        results = await asyncio.gather(*(one(c, t) for c in case_list for t in range(trials)))
    finally:
        if bar is not None:
            bar.close()
    report = RoutingReport(name or agent.name, list(results), escalation,
                           cache_stats=cached.stats if cached is not None else None)
    report.limiter_backoffs = limiter.backoffs
    report.loading_s = loading_s
    return report


async def _evaluate_batch(agent: Agent, cases: Any, *, model: Any, run_config: RunConfig | None,
                          name: str | None, context_factory: Callable[[], Any], escalation: Any,
                          batch_id: str | None, poll_s: float, timeout_s: float | None,
                          progress: bool | None) -> RoutingReport:
    from . import batch as B
    from .models.provider import resolve_model
    from .agent_input import maybe_from_sdk
    agent = maybe_from_sdk(agent)
    config = run_config or RunConfig()
    resolved = resolve_model(model if model is not None else config.model or agent.model,
                             from_run_config=model is not None or config.model is not None)
    if not hasattr(resolved, "payload") or not hasattr(resolved, "_client_for_loop"):
        raise UserError("backend='batch' needs an OpenAI model (OpenAIChatModel or "
                        f"OpenAIResponsesModel), got {type(resolved).__name__}")
    if batch_id is None:
        case_list = load_cases(cases)
        check_labels(agent, case_list)
        data, ids = await asyncio.to_thread(B.build_requests, agent, case_list, resolved, config,
                                            context_factory)
        batch_id = await B.submit(resolved, data)
        data.unlink(missing_ok=True)
        B.save_state(batch_id, case_list, ids, resolved.model)
    else:  # resume: the saved case order, matched against the given cases
        state = B.load_state(batch_id)
        case_list = load_cases(cases)
        if [c.message for c in case_list] != state["messages"]:
            raise UserError(f"batch {batch_id} was submitted for other cases ({len(state['messages'])} "
                            f"messages); pass the same cases to resume it")
        ids = state["ids"]
    bar = _progress(len(case_list)) if (progress if progress is not None else len(case_list) >= PROGRESS_FROM) else None

    def show(job: Any) -> None:
        counts = getattr(job, "request_counts", None)
        if bar is not None and counts is not None:
            bar.n = getattr(counts, "completed", 0) + getattr(counts, "failed", 0)
            bar.set_postfix_str(f"batch {job.status}")
            bar.refresh()

    try:
        job = await B.wait(resolved, batch_id, poll_s=poll_s, timeout_s=timeout_s, on_progress=show)
    finally:
        if bar is not None:
            bar.close()
    bodies = await B.results(resolved, job)
    report = RoutingReport(name or agent.name, B.score(agent, case_list, ids, bodies, resolved), escalation)
    report.batch_id = batch_id
    return report


def _record(result: CaseResult, runs: list[Any]) -> None:
    """Path, decisions, tokens, cost and latency of a case's runs onto its result."""
    from .pricing import cost
    path: list[str] = []
    for i, run in enumerate(runs):
        path += run.agent_path if i == 0 else run.agent_path[1:]
    result.path = path
    steps = [s for run in runs for s in run.steps]
    result.handoff_inputs = [_jsonable(s.handoff.input) for s in steps
                             if s.handoff is not None and s.decision == "handoff"]
    result.why = [s.why for s in steps]
    called = [s for s in steps if s.response is not None]
    result.model_calls = len(called)
    result.input_tokens = sum(s.usage.input_tokens for s in called)
    result.output_tokens = sum(s.usage.output_tokens for s in called)
    result.latency_s = sum(s.duration_s for s in steps)
    result.models = tuple(sorted({s.model_name for s in called if s.model_name}))
    costs = [cost(s.model_name, s.usage) for s in called]
    result.cost_usd = (sum(costs) if all(c is not None for c in costs) else None) if costs else 0.0


def _cache_for(config: RunConfig, agent: Agent, cache: Any) -> Any:
    """A CachedModel around the run's model when it calls a server (see aevaluate_routing)."""
    from .cache import DEFAULT_PATH, CachedModel, is_real_model
    from .models.provider import resolve_model
    if cache is False:
        return None
    spec = config.model if config.model is not None else agent.model
    try:
        model = resolve_model(spec, from_run_config=config.model is not None)
    except Exception:
        return None
    if isinstance(model, CachedModel):
        return model
    if not is_real_model(model) or any(a.model is not None and a.model != agent.model for a in agent.walk()):
        return None  # offline/scripted, or agents with different models: nothing to share
    path = DEFAULT_PATH if cache in (None, True) else pathlib.Path(cache)
    return CachedModel(model, path)


def evaluate_routing(agent: Agent, cases: Sequence[Any] | str | pathlib.Path, **kwargs: Any) -> RoutingReport:
    """Synchronous :func:`aevaluate_routing` (works in notebooks too)."""
    from ._util import run_sync
    return run_sync(aevaluate_routing(agent, cases, **kwargs))


def _progress(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc="cases", leave=False)


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


def compare_variants(variants: dict[str, Agent], cases: Sequence[Any] | str | pathlib.Path,
                     **kwargs: Any) -> VariantComparison:
    case_list = load_cases(cases)
    return VariantComparison({name: evaluate_routing(agent, case_list, name=name, **kwargs)
                              for name, agent in variants.items()})


def bundled_cases() -> list[Case]:
    """handoff_nb's labelled customer-service messages for seed 000's system."""
    return load_cases(pathlib.Path(__file__).parent / "data" / "customer_service_cases.jsonl")


async def _warm_up(agent: Agent, config: RunConfig, cases: Sequence[Case],
                   context_factory: Callable[[], Any]) -> float | None:
    """One-time loading, done and timed before the cases run so the report's latency is what a
    case costs with everything loaded: the offline model's engine and every routing agent's
    route texts. Only for the offline model (nothing is sent anywhere; no handoff, tool or
    callback runs: each agent's first request is built and decided, then dropped). None when
    there was nothing to load this way."""
    import time

    from .items import normalize_input
    from .models.offline import OfflineModel
    from .run import RunContextWrapper, _resolve_model, build_request
    if not cases:
        return None
    needed = _needed_by(agent, cases)  # the others load on first use, if a case gets there
    routers = [a for a in agent.walk() if a.handoffs and a.name in needed]
    try:
        models = [_resolve_model(a, config) for a in routers]
    except Exception:  # a model spec the run itself will report
        return None
    if not routers or not all(isinstance(m, OfflineModel) for m in models):
        return None
    t0 = time.perf_counter()
    from .models import semantic
    semantic.get_embedder()  # the engine, even where the first message is decided by words
    for router, model in zip(routers, models):
        try:
            request = (await build_request(router, RunContextWrapper(context_factory()), config,
                                           normalize_input(cases[0].message)))[0]
            await model.get_response(request)
        except Exception:  # dynamic instructions needing a real context...: the cases will say
            continue
    return time.perf_counter() - t0


def _needed_by(agent: Agent, cases: Sequence[Case]) -> set[str]:
    """The agents the cases are expected to pass through (entry agent included)."""
    shortest = _shortest_chains(agent)
    needed = {agent.name}
    for case in cases:
        needed.update(case.expected_path or shortest.get(case.expected_final, ()))
    return needed


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

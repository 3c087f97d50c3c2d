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
import html
import io
import json
import pathlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .agent import Agent
from .errors import MaxTurnsExceeded, UserError
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
            for row in reader:
                rows.append({(k or "").strip().lower(): v for k, v in row.items()})
                line_of.append(reader.line_num)
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
                          id=str(row.get("id") or i), note=str(row.get("note") or "")))
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


class RoutingReport:
    def __init__(self, name: str, results: list[CaseResult],
                 escalation: Callable[[str], bool] | None = None) -> None:
        self.name = name
        self.results = results
        self._is_escalation = escalation or (lambda n: "escalat" in n.lower())

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
        return ", ".join(f"{k} {v['accuracy']:.2f} ({int(v['n'])})"
                         for k, v in sorted(self.by_decision_kind.items()))

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
        return (f"{self.name}: accuracy {self.accuracy:.2f} ({sum(r.correct for r in self.results)}/{self.n}), "
                f"{self.handoffs_per_conversation:.2f} handoffs/conversation, escalation rate "
                f"{self.escalation_rate:.2f}, {len(self.failures)} failed runs")

    def __str__(self) -> str:
        lines = [self.summary(), f"by decision kind: {self.kinds_summary()}"]
        confusion = self.confusion
        labels = list(confusion)
        width = max(len(x) for x in labels) if labels else 8
        lines.append(" " * (width + 2) + " ".join(f"{x[:10]:>10}" for x in labels) + "   <- actual")
        for e in labels:
            lines.append(f"{e:>{width}}  " + " ".join(f"{confusion[e][a]:>10}" for a in labels))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        confusion = self.confusion
        labels = list(confusion)
        th = ("border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:bottom;"
              "max-width:9em;white-space:normal;overflow-wrap:break-word;font-size:11px;line-height:1.2")
        td = "border:1px solid #e2e8f0;padding:2px 6px;text-align:right;line-height:1.2"
        # long route names wrap inside their header (never over a neighbour); full name on hover
        head = "".join(f"<th style='{th}' title='{html.escape(a)}'>{_breakable(_short(a))}</th>"
                       for a in labels)
        rows = []
        for e in labels:
            cells = "".join(
                f"<td style='{td};{'background:#dcfce7' if a == e and confusion[e][a] else ('background:#fee2e2' if confusion[e][a] else '')}'>"
                f"{confusion[e][a]}</td>" for a in labels)
            rows.append(f"<tr><th style='{th};text-align:right' title='{html.escape(e)}'>{_breakable(_short(e))}</th>{cells}</tr>")
        per = "".join(f"<tr><td>{html.escape(k)}</td><td>{v['precision']:.2f}</td><td>{v['recall']:.2f}</td>"
                      f"<td>{v['support']}</td></tr>" for k, v in self._per_route(confusion).items())
        wrong = "".join(f"<li>{html.escape(r.case.message[:120])} — expected {html.escape(r.case.expected_final)}, "
                        f"got {html.escape(' → '.join(r.path) or '-')}"
                        f"{' (' + html.escape(r.error[:120]) + ')' if r.error else ''}</li>" for r in self.wrong[:30])
        return (f"<div class='hnb-report' style='font-family:Helvetica,Arial,sans-serif;font-size:13px;min-width:0'>"
                f"<b>{html.escape(self.summary())}</b>"
                f"<div>by decision kind: {html.escape(self.kinds_summary())}</div>"
                f"<div style='overflow-x:auto;max-width:100%'>"
                f"<table style='border-collapse:collapse;font-size:12px;margin:6px 0'>"
                f"<tr><th style='{th}'>expected \\ actual</th>{head}</tr>{''.join(rows)}</table></div>"
                f"<div style='overflow-x:auto;max-width:100%'>"
                f"<table style='border-collapse:collapse;font-size:12px' border=1><tr><th>route</th>"
                f"<th>precision</th><th>recall</th><th>support</th></tr>{per}</table></div>"
                f"<details><summary>{len(self.wrong)} wrong</summary><ul>{wrong}</ul></details></div>")


def _breakable(label: str) -> str:
    """Escaped, with line-break opportunities between words of CamelCase / snake_case names."""
    import re
    parts = re.split(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[_\- ])", label)
    return "<wbr>".join(html.escape(p) for p in parts)


def _short(label: str, limit: int = 28) -> str:
    """A header that fits: long names keep their start and their end around an ellipsis
    ("EnterpriseCust…Number0"; the full name is the tooltip)."""
    if len(label) <= limit:
        return label
    head = (limit - 1) // 2
    return label[:head] + "…" + label[-(limit - 1 - head):]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


async def aevaluate_routing(agent: Agent, cases: Sequence[Any] | str | pathlib.Path, *, model: Any = None,
                            concurrency: int = 8, max_turns: int = 10,
                            run_config: RunConfig | None = None, name: str | None = None,
                            context_factory: Callable[[], Any] = dict, progress: bool | None = None,
                            escalation: Callable[[str], bool] | None = None) -> RoutingReport:
    if concurrency < 1:
        raise UserError(f"concurrency must be >= 1, got {concurrency}")
    from .sdk import maybe_from_sdk
    agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
    case_list = load_cases(cases)
    check_labels(agent, case_list)
    config = run_config or RunConfig()
    if model is not None:
        config = RunConfig(**{**config.__dict__, "model": model})
    sem = asyncio.Semaphore(concurrency)
    if progress is None:  # a bar only for long runs
        progress = len(case_list) >= PROGRESS_FROM
    bar = _progress(len(case_list)) if progress else None

    async def one(case: Case) -> CaseResult:
        async with sem:
            run = Runner.start(agent, case.message, context=context_factory(), max_turns=max_turns,
                               run_config=config)
            result = CaseResult(case)
            try:
                await run.arun()
                result.final_output = run.final_output
            except MaxTurnsExceeded as e:
                result.error = f"MaxTurnsExceeded: {e}"
            except Exception as e:  # counted and listed, never dropped
                result.error = f"{type(e).__name__}: {e}"
            result.path = run.agent_path
            result.handoff_inputs = [_jsonable(s.handoff.input) for s in run.steps
                                     if s.handoff is not None and s.decision == "handoff"]
            result.why = [s.why for s in run.steps]
            if bar is not None:
                bar.update(1)
            return result

    try:
        results = await asyncio.gather(*(one(c) for c in case_list))
    finally:
        if bar is not None:
            bar.close()
    return RoutingReport(name or agent.name, list(results), escalation)


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
        lines = [rep.summary() for rep in self.reports.values()]
        lines.append(f"{len(self.changed)} cases changed route:")
        for c in self.changed:
            lines.append(f"  {c['message'][:60]!r} expected {c['expected']}: " +
                         ", ".join(f"{n}={c[n]}" for n in self.reports))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        names = list(self.reports)
        rows = "".join(
            "<tr><td>" + html.escape(c["message"][:100]) + "</td><td>" + html.escape(c["expected"]) + "</td>"
            + "".join(f"<td style='background:{'#dcfce7' if c[n] == c['expected'] else '#fee2e2'}'>"
                      f"{html.escape(c[n])}</td>" for n in names) + "</tr>" for c in self.changed)
        side = "".join(f"<div style='flex:1 1 380px;min-width:0;overflow-x:auto'>{self.reports[n]._repr_html_()}</div>"
                       for n in names)
        return (f"<div style='font-family:Helvetica,Arial,sans-serif;font-size:13px'>"
                f"<b>{len(self.changed)} cases changed route</b>"
                f"<table border=1 style='border-collapse:collapse;font-size:12px'><tr><th>message</th><th>expected</th>"
                + "".join(f"<th>{html.escape(n)}</th>" for n in names) + f"</tr>{rows}</table>"
                f"<div style='display:flex;gap:16px;flex-wrap:wrap'>{side}</div></div>")


def compare_variants(variants: dict[str, Agent], cases: Sequence[Any] | str | pathlib.Path,
                     **kwargs: Any) -> VariantComparison:
    case_list = load_cases(cases)
    return VariantComparison({name: evaluate_routing(agent, case_list, name=name, **kwargs)
                              for name, agent in variants.items()})


def bundled_cases() -> list[Case]:
    """handoff_nb's labelled customer-service messages for seed 000's system."""
    return load_cases(pathlib.Path(__file__).parent / "data" / "customer_service_cases.jsonl")

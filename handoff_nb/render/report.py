"""The evaluation reports' HTML (handoff_nb.eval computes RoutingReport / VariantComparison values;
this draws them). Every text goes through ``html.escape``."""

from __future__ import annotations

import html
import re
from typing import Any


def routing_report_html(report: Any) -> str:
    """A RoutingReport: summary, confusion matrix, per-route precision/recall, what went wrong."""
    confusion = report.confusion
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
                  f"<td>{v['support']}</td></tr>" for k, v in report._per_route(confusion).items())
    wrong = "".join(f"<li>{html.escape(r.case.message[:120])} — expected {html.escape(r.case.expected_final)}, "
                    f"got {html.escape(' → '.join(r.path) or '-')}"
                    f"{' (' + html.escape(r.error[:120]) + ')' if r.error else ''}</li>" for r in report.wrong[:30])
    return (f"<div class='hnb-report' style='font-family:Helvetica,Arial,sans-serif;font-size:13px;min-width:0'>"
            f"<b>{html.escape(report.summary())}</b>"
            f"<div>by decision kind: {html.escape(report.kinds_summary())}</div>"
            f"<div style='color:#475569'>{html.escape(report.cost_summary())}"
            f"{html.escape(report.loading_summary())}</div>"
            f"{_flaky_html(report)}"
            f"<div style='overflow-x:auto;max-width:100%'>"
            f"<table style='border-collapse:collapse;font-size:12px;margin:6px 0'>"
            f"<tr><th style='{th}'>expected \\ actual</th>{head}</tr>{''.join(rows)}</table></div>"
            f"<div style='overflow-x:auto;max-width:100%'>"
            f"<table style='border-collapse:collapse;font-size:12px' border=1><tr><th>route</th>"
            f"<th>precision</th><th>recall</th><th>support</th></tr>{per}</table></div>"
            f"<details><summary>{len(report.wrong)} wrong</summary><ul>{wrong}</ul></details>"
            f"{_abstentions_html(report)}</div>")


def _flaky_html(report: Any) -> str:
    return _flaky_table(report) if report.trials > 1 and report.flaky else ""


def _abstentions_html(report: Any) -> str:
    stayed = report.abstentions
    if not stayed:
        return ""
    items = "".join(f"<li>{'✓' if a['correct'] else '✗'} {html.escape(a['message'][:100])} — "
                    f"{html.escape(a['reason'][:160] or 'stayed')}</li>" for a in stayed[:30])
    return (f"<details><summary>{len(stayed)} stayed at the entry agent "
            f"({sum(a['correct'] for a in stayed)} right)</summary><ul>{items}</ul></details>")


def _flaky_table(report: Any) -> str:
    rows = "".join(
        f"<tr><td>{c.agreement:.2f}</td><td>{c.correct}/{c.n}</td><td>{html.escape(c.case.message[:100])}</td>"
        f"<td>{html.escape(c.case.expected_final)}</td><td>"
        + html.escape(", ".join(f"{k} ×{v}" for k, v in c.finals.items())) + "</td></tr>"
        for c in report.flaky[:50])
    return ("<details open><summary><b>" + f"{len(report.flaky)} flaky cases</b> (trials disagree), "
            "listed first</summary><div style='overflow-x:auto'><table style='border-collapse:collapse;"
            "font-size:12px' border=1><tr><th>agreement</th><th>correct</th><th>message</th>"
            f"<th>expected</th><th>final agents</th></tr>{rows}</table></div></details>")


def _breakable(label: str) -> str:
    """Escaped, with line-break opportunities between words of CamelCase / snake_case names."""
    parts = re.split(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[_\- ])", label)
    return "<wbr>".join(html.escape(p) for p in parts)


def _short(label: str, limit: int = 28) -> str:
    """A header that fits: long names keep their start and their end around an ellipsis
    ("EnterpriseCust…Number0"; the full name is the tooltip)."""
    if len(label) <= limit:
        return label
    head = (limit - 1) // 2
    return label[:head] + "…" + label[-(limit - 1 - head):]


def variant_comparison_html(comparison: Any) -> str:
    """Variants side by side, the cases that changed route first."""
    names = list(comparison.reports)
    rows = "".join(
        "<tr><td>" + html.escape(c["message"][:100]) + "</td><td>" + html.escape(c["expected"]) + "</td>"
        + "".join(f"<td style='background:{'#dcfce7' if c[n] == c['expected'] else '#fee2e2'}'>"
                  f"{html.escape(c[n])}</td>" for n in names) + "</tr>" for c in comparison.changed)
    side = "".join(f"<div style='flex:1 1 380px;min-width:0;overflow-x:auto'>{routing_report_html(comparison.reports[n])}</div>"
                   for n in names)
    return (f"<div style='font-family:Helvetica,Arial,sans-serif;font-size:13px'>"
            f"<b>{len(comparison.changed)} cases changed route</b>"
            f"<table border=1 style='border-collapse:collapse;font-size:12px'><tr><th>message</th><th>expected</th>"
            + "".join(f"<th>{html.escape(n)}</th>" for n in names) + f"</tr>{rows}</table>"
            f"<div style='display:flex;gap:16px;flex-wrap:wrap'>{side}</div></div>")

"""The lint report's HTML view (handoff_nb.lint finds; this draws)."""

from __future__ import annotations

import html
from typing import Any


def lint_html(report: Any) -> str:
    """A LintReport as a table, one coloured row per finding."""
    colors = {"error": "#fee2e2", "warning": "#fef3c7", "info": "#eff6ff"}
    rows = "".join(
        f'<tr style="background:{colors[f.severity]}"><td>{f.severity}</td><td>{html.escape(f.rule)}</td>'
        f"<td>{html.escape(f.agent)}{' / ' + html.escape(f.handoff) if f.handoff else ''}</td>"
        f"<td>{html.escape(f.message)}</td><td>{html.escape(f.fix)}</td></tr>" for f in report.findings)
    if not rows:
        return f"<div><b>lint({html.escape(report.root.name)})</b>: no findings</div>"
    return (f"<div><b>lint({html.escape(report.root.name)})</b>: {len(report.findings)} findings"
            "<table style='border-collapse:collapse;font-size:12px'><tr><th>severity</th><th>rule</th>"
            f"<th>where</th><th>finding</th><th>fix</th></tr>{rows}</table></div>")

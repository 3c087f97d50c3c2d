"""Routing evaluation, cases in: a case (message, expected agent or path, further turns), read
from a list, CSV or JSONL, checked against the graph's agent names (handoff_nb.eval runs them)."""

from __future__ import annotations

import csv
import io
import json
import pathlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .agent import Agent
from .errors import UserError


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


def bundled_cases() -> list[Case]:
    """handoff_nb's labelled customer-service messages for seed 000's system."""
    return load_cases(pathlib.Path(__file__).parent / "data" / "customer_service_cases.jsonl")

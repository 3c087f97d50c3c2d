"""Evaluate routing at scale through the OpenAI Batch API (50% cheaper, results within 24 h).

``evaluate_routing(agent, cases, model=OpenAIChatModel(...), backend="batch")`` builds the
entry agent's first request for every case, uploads them as one JSONL file, creates a batch job,
polls it, downloads the results and scores each case by its **first routing decision** (the
handoff the entry agent takes, or staying). Later turns of a conversation are not run: use the
default backend for whole paths, escalations and multi-turn cases.

A job survives a kernel restart: its id and the case order are kept in
``.handoff_nb_cache/batches/<batch id>.json``; ``evaluate_routing(..., backend="batch",
batch_id="batch_...")`` resumes polling and scoring without resubmitting.

Nothing is dropped silently: a batch that ends ``expired`` or ``cancelled`` scores the requests that
completed (billed) and reports the others as errors; the error file's failures are each case's
error; a damaged or cut-off output line costs only its own case (the error and a warning name the
file and the line); a result counts once however often its line appears; a damaged state file is
a UserError naming it and saying how to write it again (:func:`save_state`).

Which backend when: up to a few thousand cases, the default (concurrent calls, with the request
cache and rate-limit back-off) answers in minutes; from ~10k cases, or when cost matters more
than waiting, the batch backend halves the price.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ._util import run_sync, write_atomic
from .context import RunContextWrapper
from .errors import UserError
from .eval_report import CaseResult
from .items import normalize_input
from .pricing import cost
from .run import build_request

STATE_DIR = pathlib.Path(".handoff_nb_cache") / "batches"
TERMINAL = {"completed", "failed", "expired", "cancelled"}


def build_requests(agent: Any, cases: Sequence[Any], model: Any, run_config: Any,
                   context_factory: Callable[[], Any] = dict,
                   path: str | pathlib.Path | None = None) -> tuple[pathlib.Path, list[str]]:
    """Write the batch input file (JSONL, one request per case, streamed to disk so 100k cases
    stay small in memory); returns its path and the custom ids."""
    url = "/v1/responses" if getattr(model, "api", "chat") == "responses" else "/v1/chat/completions"
    if path is None:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="submission-", suffix=".jsonl", dir=STATE_DIR)
        os.close(fd)
        path = name
    out = pathlib.Path(path)
    ids = [f"case-{i}" for i in range(len(cases))]

    async def write_all() -> None:
        with out.open("wb") as f:
            for cid, case in zip(ids, cases):
                request, _, _ = await build_request(agent, RunContextWrapper(context_factory()), run_config,
                                                    normalize_input(case.message))
                line = {"custom_id": cid, "method": "POST", "url": url, "body": model.payload(request)}
                f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")

    run_sync(write_all())
    return out, ids


async def submit(model: Any, path: pathlib.Path) -> str:
    client = model._client_for_loop()
    endpoint = "/v1/responses" if getattr(model, "api", "chat") == "responses" else "/v1/chat/completions"
    with path.open("rb") as f:
        upload = await client.files.create(file=("handoff_nb_batch.jsonl", f), purpose="batch")
    batch = await client.batches.create(input_file_id=upload.id, endpoint=endpoint, completion_window="24h")
    return batch.id


async def wait(model: Any, batch_id: str, *, poll_s: float = 10.0, timeout_s: float | None = None,
               on_progress: Callable[[Any], None] | None = None) -> Any:
    client = model._client_for_loop()
    start = time.monotonic()
    while True:
        batch = await client.batches.retrieve(batch_id)
        if on_progress is not None:
            on_progress(batch)
        if batch.status in TERMINAL:
            return batch
        if timeout_s is not None and time.monotonic() - start > timeout_s:
            raise UserError(f"batch {batch_id} is still {batch.status} after {timeout_s:g} s: resume "
                            f"later with evaluate_routing(..., backend='batch', batch_id={batch_id!r})")
        await asyncio.sleep(poll_s)


class BatchResults(dict):
    """custom_id -> the model's response body, or an error string; ``missing`` is the error of a
    case with no line in the output (why: the batch expired, was cancelled, or lost it)."""

    missing = "no result in the batch output"


_CUSTOM_ID = re.compile(r'"custom_id"\s*:\s*"([^"\\]+)"')


async def results(model: Any, batch: Any) -> BatchResults:
    """Every result the batch has: its output file and its error file, line by line. A batch that
    ended ``expired`` or ``cancelled`` keeps what completed before (billed): those are scored and
    the rest reported as errors. A damaged line (a cut-off download) loses only itself: the error
    names the file and the line, and a warning says so."""
    client = model._client_for_loop()
    status = batch.status
    files = [f for f in (getattr(batch, "output_file_id", None), getattr(batch, "error_file_id", None)) if f]
    if status == "failed" and not files:
        errors = getattr(getattr(batch, "errors", None), "data", None) or []
        detail = "; ".join(f"{getattr(e, 'code', '')}: {getattr(e, 'message', e)}" for e in errors[:5])
        raise UserError(f"batch {batch.id} failed before running any request"
                        + (f" ({detail})" if detail else "") + ": fix the cause and submit again "
                        "(evaluate_routing(..., backend='batch') without batch_id)")
    out = BatchResults()
    if status in ("expired", "cancelled"):
        out.missing = (f"not run: batch {batch.id} ended {status} before this request completed "
                       f"(the completed ones are scored)")
    else:
        out.missing = f"no result in the output of batch {batch.id}"
    for file_id in files:
        content = await client.files.content(file_id)
        raw = content.content if hasattr(content, "content") else content.read()
        _parse_output(raw, file_id, batch.id, out)
    if status in ("expired", "cancelled"):
        ok = sum(1 for v in out.values() if not isinstance(v, str))
        total = getattr(getattr(batch, "request_counts", None), "total", None)
        warnings.warn(f"batch {batch.id} ended {status}: {ok}" + (f" of {total}" if total else "")
                      + " requests completed and are scored; the others are errors in the report",
                      UserWarning, stacklevel=2)
    return out


def _parse_output(raw: bytes, file_id: str, batch_id: str, out: dict[str, Any]) -> None:
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    damaged: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("custom_id"), str):
                raise ValueError("not a batch result (no custom_id)")
        except ValueError as e:
            cut = number == len(lines) and not text.endswith("\n")
            what = ("is cut off (a partial download?)" if cut
                    else f"is not a batch result ({str(e)[:80]})")
            where = f"batch {batch_id} output file {file_id} line {number}"
            damaged.append(f"{where} {what}")
            again = f"resume with evaluate_routing(..., backend='batch', batch_id={batch_id!r}) to download it again"
            m = _CUSTOM_ID.search(line)
            if m and not _good(out.get(m.group(1))):
                out[m.group(1)] = f"error: {where} {what}: {again}"
            elif not m and isinstance(out, BatchResults):  # whose line it was is cut off too
                out.missing += f"; {where} {what} and may hold this result: {again}"
            continue
        cid = row["custom_id"]
        resp = row.get("response") or {}
        if row.get("error") or not isinstance(resp, dict) or resp.get("status_code", 200) != 200:
            value: Any = f"error: {row.get('error') or (resp.get('body') if isinstance(resp, dict) else resp)}"
        else:
            value = resp.get("body")
        if not _good(out.get(cid)):  # a result once, however often its line appears
            out[cid] = value
    if damaged:
        warnings.warn("; ".join(damaged[:5]) + (f"; and {len(damaged) - 5} more" if len(damaged) > 5 else "")
                      + ": the complete lines are kept and scored", UserWarning, stacklevel=3)


def _good(value: Any) -> bool:
    return value is not None and not isinstance(value, str)


def save_state(batch_id: str, cases: Sequence[Any], ids: list[str] | None = None,
               model_name: str | None = None) -> pathlib.Path:
    """Write ``batches/<batch id>.json`` (the case order of a submitted batch), atomically. Call it
    to write a lost or damaged state file again: the same cases in the submitted order (ids
    default to ``case-0, case-1, ...`` as ``build_requests`` numbers them)."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    path = STATE_DIR / f"{batch_id}.json"
    ids = list(ids) if ids is not None else [f"case-{i}" for i in range(len(cases))]
    text = json.dumps({"batch_id": batch_id, "model": model_name, "ids": ids,
                       "messages": [c.message for c in cases]})
    return write_atomic(path, text)


def load_state(batch_id: str) -> dict[str, Any]:
    path = STATE_DIR / f"{batch_id}.json"
    if not path.exists():
        raise UserError(f"no saved batch {batch_id!r} in {STATE_DIR} (was it submitted from this folder?)")
    remedy = (f"write it again from the cases, in the order they were submitted: "
              f"handoff_nb.batch.save_state({batch_id!r}, handoff_nb.eval.load_cases(cases)), then resume")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UserError(f"the batch state file {path} is damaged at line {e.lineno} column {e.colno} "
                        f"({e.msg}; cut off?): {remedy}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read the batch state file {path} ({e}): {remedy}") from None
    if (not isinstance(data, dict) or not isinstance(data.get("ids"), list)
            or not isinstance(data.get("messages"), list) or len(data["ids"]) != len(data["messages"])):
        raise UserError(f"the batch state file {path} does not hold a case order (ids and messages): {remedy}")
    return data


def score(agent: Any, cases: Sequence[Any], ids: list[str], bodies: dict[str, Any], model: Any) -> list[Any]:
    """CaseResults from the first decisions: which handoff the entry agent called (or none)."""
    names = {h.tool_name: h.agent_name for h in agent.handoff_objects()}
    out = []
    for case, cid in zip(cases, ids):
        result = CaseResult(case)
        body = bodies.get(cid)
        response = None
        if body is not None and not isinstance(body, str):
            try:
                response = (model._parse(_as_obj(body, "responses")) if getattr(model, "api", "chat") == "responses"
                            else model._to_response(_as_obj(body, "chat")))
            except Exception as e:  # one unreadable result is that case's error, not the report's
                body = f"error: the result for {cid} cannot be read ({type(e).__name__}: {str(e)[:200]})"
        if response is None:
            result.error = body or getattr(bodies, "missing", "no result in the batch output")
            result.path = [agent.name]
        else:
            called = [o["name"] for o in response.output if o.get("type") == "function_call"]
            target = next((names[n] for n in called if n in names), None)
            result.path = [agent.name] + ([target] if target else [])
            result.model_calls = 1
            result.input_tokens, result.output_tokens = response.usage.input_tokens, response.usage.output_tokens
            c = cost(response.model_name, response.usage)
            result.cost_usd = c / 2 if c is not None else None  # the Batch API's 50% price
            result.models = (response.model_name,)
        out.append(result)
    return out


def _as_obj(body: dict[str, Any], api: str) -> Any:
    if api == "responses":
        from openai.types.responses import Response
        return Response.model_validate(body)
    from openai.types.chat import ChatCompletion
    return ChatCompletion.model_validate(body)

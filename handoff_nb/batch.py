"""Evaluate routing at scale through the OpenAI Batch API (50% cheaper, results within 24 h).

``evaluate_routing(agent, cases, model=OpenAIChatModel(...), backend="batch")`` builds the
entry agent's first request for every case, uploads them as one JSONL file, creates a batch job,
polls it, downloads the results and scores each case by its **first routing decision** (the
handoff the entry agent takes, or staying). Later turns of a conversation are not run: use the
default backend for whole paths, escalations and multi-turn cases.

A job survives a kernel restart: its id and the case order are kept in
``.handoff_nb_cache/batches/<batch id>.json``; ``evaluate_routing(..., backend="batch",
batch_id="batch_...")`` resumes polling and scoring without resubmitting.

Which backend when: up to a few thousand cases, the default (concurrent calls, with the request
cache and rate-limit back-off) answers in minutes; from ~10k cases, or when cost matters more
than waiting, the batch backend halves the price.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from .errors import UserError

STATE_DIR = pathlib.Path(".handoff_nb_cache") / "batches"
TERMINAL = {"completed", "failed", "expired", "cancelled"}


def build_requests(agent: Any, cases: Sequence[Any], model: Any, run_config: Any,
                   context_factory: Callable[[], Any] = dict,
                   path: str | pathlib.Path | None = None) -> tuple[pathlib.Path, list[str]]:
    """Write the batch input file (JSONL, one request per case, streamed to disk so 100k cases
    stay small in memory); returns its path and the custom ids."""
    import tempfile

    from ._util import run_sync
    from .context import RunContextWrapper
    from .items import normalize_input
    from .run import build_request
    url = "/v1/responses" if getattr(model, "api", "chat") == "responses" else "/v1/chat/completions"
    if path is None:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="submission-", suffix=".jsonl", dir=STATE_DIR)
        import os
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


async def results(model: Any, batch: Any) -> dict[str, Any]:
    """custom_id -> the model's response body (or an error string)."""
    client = model._client_for_loop()
    if batch.status != "completed" or not batch.output_file_id:
        raise UserError(f"batch {batch.id} ended {batch.status}: nothing to score")
    content = await client.files.content(batch.output_file_id)
    text = content.text if hasattr(content, "text") else content.read().decode()
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        resp = row.get("response") or {}
        if row.get("error") or resp.get("status_code", 200) != 200:
            out[row["custom_id"]] = f"error: {row.get('error') or resp.get('body')}"
        else:
            out[row["custom_id"]] = resp.get("body")
    return out


def save_state(batch_id: str, cases: Sequence[Any], ids: list[str], model_name: str) -> pathlib.Path:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    path = STATE_DIR / f"{batch_id}.json"
    path.write_text(json.dumps({"batch_id": batch_id, "model": model_name, "ids": ids,
                                "messages": [c.message for c in cases]}), encoding="utf-8")
    return path


def load_state(batch_id: str) -> dict[str, Any]:
    path = STATE_DIR / f"{batch_id}.json"
    if not path.exists():
        raise UserError(f"no saved batch {batch_id!r} in {STATE_DIR} (was it submitted from this folder?)")
    return json.loads(path.read_text(encoding="utf-8"))


def score(agent: Any, cases: Sequence[Any], ids: list[str], bodies: dict[str, Any], model: Any) -> list[Any]:
    """CaseResults from the first decisions: which handoff the entry agent called (or none)."""
    from .eval import CaseResult
    from .pricing import cost
    names = {h.tool_name: h.agent_name for h in agent.handoff_objects()}
    out = []
    for case, cid in zip(cases, ids):
        result = CaseResult(case)
        body = bodies.get(cid)
        if body is None or isinstance(body, str):
            result.error = body or "no result in the batch output"
            result.path = [agent.name]
        else:
            response = (model._parse(_as_obj(body, "responses")) if getattr(model, "api", "chat") == "responses"
                        else model._to_response(_as_obj(body, "chat")))
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

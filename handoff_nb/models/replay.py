"""Record a model's conversation to a JSONL cassette and replay it offline.

    model = RecordingModel(OpenAIChatModel("gpt-4o-mini"), "cassettes/triage.jsonl")
    ...                                                       # run as usual: each call is appended
    model = ReplayModel("cassettes/triage.jsonl")              # later, with no key and no network

Each line is ``{"request": ..., "response": ...}``. Requests hold only what the runner sends
(system prompt, input items, tools, settings); API keys, bearer tokens and auth headers are
scrubbed before anything is written. A replayed request that matches no recorded one raises
:class:`~handoff_nb.errors.ReplayMismatch` showing what differs.
"""

from __future__ import annotations

import difflib
import json
import os
import pathlib
import threading
import warnings
from typing import Any

from .._secrets import scrub_data
from ..errors import ReplayMismatch, UserError
from .interface import Model, ModelRequest, ModelResponse


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class RecordingModel:
    """Wraps ``inner``; appends each request and response to ``path``."""

    def __init__(self, inner: Model, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.inner = inner
        self.path = pathlib.Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if overwrite and self.path.exists():
            self.path.unlink()
        self.name = f"recording:{getattr(inner, 'model', None) or getattr(inner, 'name', type(inner).__name__)}"

        self._lock = threading.Lock()
        self.write_errors: list[str] = []
        """Recordings that could not be written (the responses were still returned)."""

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        response = await self.inner.get_response(request)
        client = getattr(self.inner, "client", None)
        secrets = [getattr(client, "api_key", None), *getattr(self.inner, "_secrets", ())]
        entry = scrub_data({"request": request.to_json_dict(), "response": response.to_json_dict()},
                           *secrets)
        try:
            try:
                line = _dumps(entry)
            except (TypeError, ValueError) as e:  # e.g. an explanation holding an object
                line = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                                  default=repr)
                self._report(f"part of the response is not JSON ({e}); stored its repr()")
            with self._lock, self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as e:
            self._report(f"could not write to {self.path}: {e}")
        return response

    def _report(self, what: str) -> None:
        self.write_errors.append(what)
        warnings.warn(f"RecordingModel: {what} (the response was returned to the run)",
                      RuntimeWarning, stacklevel=3)


class ReplayModel:
    """Answers from a cassette, in order; a request may also match any unused recorded one."""

    name = "replay"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = pathlib.Path(path)
        if not self.path.exists():
            raise UserError(f"ReplayModel: no cassette at {self.path}")
        self.entries = _read_cassette(self.path)
        self.used = [False] * len(self.entries)

    @property
    def remaining(self) -> int:
        return self.used.count(False)

    def assert_complete(self) -> None:
        if self.remaining:
            raise AssertionError(f"ReplayModel: {self.remaining} recorded call(s) never replayed")

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        # scrubbed as the recording was, so a request holding a key-shaped string still matches
        wanted = scrub_data(json.loads(_dumps(request.to_json_dict())))
        for i, entry in enumerate(self.entries):
            if not self.used[i] and entry["request"] == wanted:
                self.used[i] = True
                return ModelResponse.from_json_dict(entry["response"])
        nearest = next((e["request"] for i, e in enumerate(self.entries) if not self.used[i]), None)
        if nearest is None:
            raise ReplayMismatch(f"ReplayModel: the cassette {self.path.name} has no unused recording "
                                 f"left for this request (agent {request.agent_name!r})")
        diff = "\n".join(difflib.unified_diff(
            json.dumps(nearest, indent=1, sort_keys=True, ensure_ascii=False).splitlines(),
            json.dumps(wanted, indent=1, sort_keys=True, ensure_ascii=False).splitlines(),
            "recorded", "requested", lineterm="", n=1))
        if len(diff) > 4000:
            diff = diff[:4000] + "\n... (diff truncated)"
        raise ReplayMismatch(f"ReplayModel: request from agent {request.agent_name!r} matches no "
                             f"recording in {self.path.name}; differences from the next one:\n{diff}")


def _read_cassette(path: pathlib.Path) -> list[dict[str, Any]]:
    """The cassette's entries; a bad line is a UserError naming the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"ReplayModel: cassette {path} is not UTF-8 text ({e})") from e
    lines = text.splitlines()
    entries = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as e:
            last = n == len(lines) and not text.endswith("\n")
            raise UserError(f"ReplayModel: cassette {path}, line {n}: not valid JSON ({e.msg} at "
                            f"column {e.colno})" + ("; the last line looks cut off (a recording "
                            "interrupted mid-write?): delete it and record again" if last else "")
                            ) from e
        if (not isinstance(entry, dict) or not isinstance(entry.get("request"), dict)
                or not isinstance(entry.get("response"), dict)
                or not isinstance(entry["response"].get("output"), list)):
            raise UserError(f"ReplayModel: cassette {path}, line {n}: expected an object with "
                            f"\"request\" and \"response\" (with \"output\"), got {line[:120]!r}")
        entries.append(entry)
    return entries

"""Save, load and share a stepped session.

``run.save(path)`` writes versioned JSON (atomically: a failed save keeps the earlier file): every
step (request, response, items, decision, handoff, context after it, edits) and the state after it,
the run's usage and the model it ran on, so a loaded run shows in every view, keeps its
``raw_responses`` and usage, and can be forked and continued. Agents are referenced by name and
re-bound on ``Run.load(path, agents)``; if the graph changed (an agent or a handoff tool is
missing) the error says what. Secrets are scrubbed. Saving a loaded run gives the same bytes.

Which model a loaded run goes on with: ``Run.load(path, agents, run_config=RunConfig(model=...))``
when given; else the one it was recorded with when a file can bring it back (the offline model, a
model name); a model object (a scripted model, a client on some server) cannot be: its next step
raises a UserError saying to pass ``run_config``. ``run.continues_on`` and the repr say which.

Context values round-trip with a type tag: dataclasses and pydantic models (defined at module level
and imported before loading), dates, datetimes, times, timedeltas, sets, frozensets, tuples, enums,
bytes, Decimals, UUIDs, paths and dicts with non-string keys. Anything else is saved as its repr
with a warning naming the field (``context.client``), and loads as an ``UnrestoredValue``
placeholder with a warning -- never a silent ``{"__repr__": ...}``. A damaged file (not JSON, cut
off, UTF-16, nested absurdly deep, a list, a missing or mistyped value, an agent, setting or usage
field that does not exist) is a UserError naming the file, the place and what to do.

``run.to_html(path)`` writes one self-contained HTML file -- no kernel, no network, no CDN: the
graph (SVG inline) with the path highlighted step by step, a slider and buttons, the transcript,
and per-step Prompt / Tools / Request / History / Why panels. For slides and LMSs.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as _dt
import decimal
import enum
import json
import pathlib
import re
import sys
import uuid
import warnings
from typing import Any

from . import __version__
from ._secrets import scrub, scrub_data
from .agent_input import maybe_from_sdk
from .context import Usage
from ._util import write_atomic
from .errors import UserError
from .items import (HandoffCallItem, HandoffOutputItem, MessageOutputItem, ReasoningItem,
                    ToolCallItem, ToolCallOutputItem)
from .model_settings import ModelSettings
from .models.interface import ModelRequest, ModelResponse, model_label
from .run import HandoffRecord, Run, RunConfig, Step, _RunState
from .render.export import inline_json, to_html  # the HTML export lives in render/

FORMAT = "handoff_nb.session"
VERSION = 1

REMEDY = ("restore the file from a copy, or load the run it came from and save it again "
          "with run.save(path)")


# -- values: what JSON can carry, with a type tag -------------------------------------------------
#
# A value JSON has no type for is written as a one-key (or two-key) object whose keys say what it
# was: {"__tuple__": [...]}, {"__set__": [...]}, {"__date__": "2024-01-02"},
# {"__dataclass__": "module:Class", "data": {...}}, {"__pydantic__": "module:Class", "data": {...}},
# {"__enum__": "module:Class", "value": ...}, {"__dict__": [[key, value], ...]} (keys that are not
# strings, or a dict that would read as a tag). What cannot be restored is written as
# {"__repr__": "...", "__type__": "module.Class"} and ``save`` warns, naming the field.

_TAGS = [frozenset(k) for k in (
    {"__repr__"}, {"__repr__", "__type__"}, {"__pydantic__", "data"}, {"__dataclass__", "data"},
    {"__enum__", "value"}, {"__datetime__"}, {"__date__"}, {"__time__"}, {"__timedelta__"},
    {"__decimal__"}, {"__uuid__"}, {"__bytes__"}, {"__set__"}, {"__frozenset__"}, {"__tuple__"},
    {"__dict__"}, {"__path__"})]


class UnrestoredValue:
    """A saved value ``Run.load`` could not bring back (its class is not defined now, or it was
    never JSON): kept as it was saved, so saving the run again writes the same bytes."""

    def __init__(self, saved: dict[str, Any], why: str) -> None:
        self.saved, self.why = saved, why

    def model_dump(self, mode: str = "json") -> Any:  # the views show it as its saved JSON
        return self.saved

    def __deepcopy__(self, memo: Any) -> UnrestoredValue:
        return self

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, UnrestoredValue) and other.saved == self.saved

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<not restored: {self.why}>"


def _qualname(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _class(ref: Any) -> Any:
    """The class ``module:Qualname`` names, looked up among modules already imported (a session
    file never makes handoff_nb import a module)."""
    if not isinstance(ref, str) or ":" not in ref:
        return None
    module, _, qual = ref.partition(":")
    obj: Any = sys.modules.get(module)
    for part in qual.split("."):
        if obj is None or part == "<locals>":
            return None
        obj = getattr(obj, part, None)
    return obj if isinstance(obj, type) else None


class _Saver:
    """Values to JSON, collecting the fields that cannot be restored (one warning per save)."""

    def __init__(self) -> None:
        self.lost: dict[str, str] = {}

    def value(self, value: Any, where: str) -> Any:
        if isinstance(value, enum.Enum) and _class(_qualname(type(value))) is type(value):
            return {"__enum__": _qualname(type(value)), "value": self.value(value.value, where)}
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        if isinstance(value, UnrestoredValue):
            return value.saved
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value) and frozenset(value) not in _TAGS:
                return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
            return {"__dict__": [[self.value(k, f"{where}[key]"), self.value(v, f"{where}[{k!r}]")]
                                 for k, v in value.items()]}
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            if hasattr(value, "_fields"):
                self.lost[where] = f"a {type(value).__qualname__} (restored as a plain tuple)"
            return {"__tuple__": [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, (set, frozenset)):
            items = sorted((self.value(v, f"{where}{{}}") for v in value),
                           key=lambda v: json.dumps(v, sort_keys=True, default=str))
            return {"__frozenset__" if isinstance(value, frozenset) else "__set__": items}
        if isinstance(value, _dt.datetime):
            return {"__datetime__": value.isoformat()}
        if isinstance(value, _dt.date):
            return {"__date__": value.isoformat()}
        if isinstance(value, _dt.time):
            return {"__time__": value.isoformat()}
        if isinstance(value, _dt.timedelta):
            return {"__timedelta__": [value.days, value.seconds, value.microseconds]}
        if isinstance(value, decimal.Decimal):
            return {"__decimal__": str(value)}
        if isinstance(value, uuid.UUID):
            return {"__uuid__": str(value)}
        if isinstance(value, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
        if isinstance(value, pathlib.PurePath):
            return {"__path__": str(value)}
        cls = type(value)
        if hasattr(value, "model_dump") and hasattr(cls, "model_validate"):
            if _class(_qualname(cls)) is not cls:
                self.lost[where] = f"a {cls.__qualname__} (a class defined inside a function)"
            try:
                return {"__pydantic__": _qualname(cls), "data": value.model_dump(mode="json")}
            except Exception as e:  # a field pydantic cannot dump
                self.lost[where] = f"a {cls.__qualname__} ({type(e).__name__} dumping it)"
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            if _class(_qualname(cls)) is not cls:
                self.lost[where] = f"a {cls.__qualname__} (a class defined inside a function)"
            return {"__dataclass__": _qualname(cls),
                    "data": {f.name: self.value(getattr(value, f.name), f"{where}.{f.name}")
                             for f in dataclasses.fields(value)}}
        else:
            self.lost[where] = f"a {cls.__module__}.{cls.__qualname__}"
        return {"__repr__": repr(value)[:2000], "__type__": f"{cls.__module__}.{cls.__qualname__}"}

    def warn(self) -> None:
        if not self.lost:
            return
        shown = list(self.lost.items())[:8]
        more = len(self.lost) - len(shown)
        warnings.warn(
            "run.save: these values cannot be restored from JSON and are saved as their repr "
            "(Run.load gives a placeholder): "
            + "; ".join(f"{where} ({what})" for where, what in shown)
            + (f"; and {more} more" if more else "")
            + ". Use JSON values, dataclasses or pydantic models defined at module level, or keep "
              "them out of the context.", UserWarning, stacklevel=4)


def _general(where: str) -> str:
    """``steps[3].context_after.x`` -> ``context.x``: one name for a field saved at every step."""
    return re.sub(r"^(steps\[\d+\]\.context_after|steps\[\d+\]\.state_after\.context|"
                  r"(initial_)?state\.context)", "context", where)


class _Loader:
    """JSON back to values, collecting what could not be restored (one warning per load)."""

    def __init__(self) -> None:
        self.lost: dict[str, str] = {}

    def value(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        keys = frozenset(value)
        if keys not in _TAGS:
            return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
        try:
            return self._tagged(value, keys, where)
        except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as e:
            raise _Bad(where, f"a saved value of type {next(iter(sorted(keys)))} cannot be read "
                              f"({type(e).__name__}: {str(e)[:200]})") from None

    def _tagged(self, value: dict[str, Any], keys: frozenset[str], where: str) -> Any:
        if "__repr__" in keys:
            self.lost[_general(where)] = f"a {value.get('__type__', 'value')} that could not be saved"
            return UnrestoredValue(value, f"{value.get('__type__', 'a value')} not saved: "
                                          f"{str(value['__repr__'])[:200]}")
        if "__dict__" in keys:
            return {self.value(k, f"{where}[key]"): self.value(v, f"{where}[{k!r}]")
                    for k, v in value["__dict__"]}
        if "__tuple__" in keys:
            return tuple(self.value(v, f"{where}[{i}]") for i, v in enumerate(value["__tuple__"]))
        if "__set__" in keys:
            return {self.value(v, where) for v in value["__set__"]}
        if "__frozenset__" in keys:
            return frozenset(self.value(v, where) for v in value["__frozenset__"])
        if "__datetime__" in keys:
            return _dt.datetime.fromisoformat(value["__datetime__"])
        if "__date__" in keys:
            return _dt.date.fromisoformat(value["__date__"])
        if "__time__" in keys:
            return _dt.time.fromisoformat(value["__time__"])
        if "__timedelta__" in keys:
            return _dt.timedelta(*value["__timedelta__"])
        if "__decimal__" in keys:
            return decimal.Decimal(value["__decimal__"])
        if "__uuid__" in keys:
            return uuid.UUID(value["__uuid__"])
        if "__bytes__" in keys:
            return base64.b64decode(value["__bytes__"], validate=True)
        if "__path__" in keys:
            return pathlib.Path(value["__path__"])
        ref = value.get("__enum__") or value.get("__dataclass__") or value.get("__pydantic__")
        cls = _class(ref)
        if "__enum__" in keys and isinstance(cls, enum.EnumMeta):
            return cls(self.value(value["value"], where))
        if "__dataclass__" in keys and cls is not None and dataclasses.is_dataclass(cls):
            data = value["data"]
            if not isinstance(data, dict):
                raise TypeError("its fields are not an object")
            fields = {f.name: f for f in dataclasses.fields(cls)}
            restored = {k: self.value(v, f"{where}.{k}") for k, v in data.items()}
            unknown = sorted(set(restored) - set(fields))
            if unknown:
                raise TypeError(f"{ref} has no field {', '.join(unknown)} now")
            obj = cls(**{k: v for k, v in restored.items() if fields[k].init})
            for k, v in restored.items():
                if not fields[k].init:
                    object.__setattr__(obj, k, v)
            return obj
        if "__pydantic__" in keys and cls is not None and hasattr(cls, "model_validate"):
            return cls.model_validate(value["data"])
        if ref is not None and isinstance(ref, str) and ":" in ref:
            module, _, qual = ref.partition(":")
            self.lost[_general(where)] = (f"a {qual} (define or import {qual} from {module} before "
                                          "Run.load to get it back)")
            return UnrestoredValue(value, f"{ref} is not defined now: {json.dumps(value)[:200]}")
        # a pydantic model saved by handoff_nb 0.x (class name only): kept as its data
        return UnrestoredValue(value, f"{ref}: {json.dumps(value.get('data'))[:200]}")

    def warn(self, file: pathlib.Path) -> None:
        if not self.lost:
            return
        shown = list(self.lost.items())[:8]
        warnings.warn(f"Run.load({file.name!r}): these values could not be saved or restored and are "
                      "placeholders now: " + "; ".join(f"{w} ({what})" for w, what in shown)
                      + ("; and more" if len(self.lost) > len(shown) else ""), UserWarning, stacklevel=4)


# -- save ----------------------------------------------------------------------------------------

def _item(item: Any, sv: _Saver, where: str) -> dict[str, Any]:
    out = {"kind": type(item).__name__, "agent": item.agent.name, "raw": dict(item.raw_item)}
    if hasattr(item, "output") and type(item).__name__ == "ToolCallOutputItem":
        out["output"] = sv.value(item.output, f"{where}.output")
    if type(item).__name__ == "HandoffOutputItem":
        out["source"] = item.source_agent.name if item.source_agent else None
        out["target"] = item.target_agent.name if item.target_agent else None
    return out


def _state(state: Any, sv: _Saver, where: str) -> dict[str, Any] | None:
    if state is None:
        return None
    lst, n = state.generated
    return {"current_agent": state.current_agent.name, "input": state.input[0][:state.input[1]],
            "generated": [_item(i, sv, f"{where}.generated[{k}]") for k, i in enumerate(lst[:n])],
            "log": state.log[0][:state.log[1]], "turns": state.turns,
            "context": sv.value(state.context, f"{where}.context"),
            "started_agent": state.started_agent.name if state.started_agent else None}


def _usage(usage: Any) -> dict[str, int]:
    return {"requests": usage.requests, "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens, "total_tokens": usage.total_tokens}


def _step(step: Any, sv: _Saver) -> dict[str, Any]:
    req = step.request
    w = f"steps[{step.index}]"
    out = _step_fields(step, req, w, sv)
    sent = getattr(step.response, "sent", None)
    if sent is not None:  # what went over the wire (the Request tab), as text: its key order kept
        out["sent"] = json.dumps(sv.value(sent, f"{w}.sent"), ensure_ascii=False)
    return out


def _step_fields(step: Any, req: Any, w: str, sv: _Saver) -> dict[str, Any]:
    return {
        "index": step.index, "agent": step.agent.name, "decision": step.decision,
        "request": None if req is None else {
            "agent_name": req.agent_name, "instructions": req.instructions,
            "handoff_instructions": req.handoff_instructions, "input": req.input, "tools": req.tools,
            "model_settings": req.model_settings.to_json_dict(), "step_index": req.step_index},
        "response": None if step.response is None else step.response.to_json_dict(),
        "items": [_item(i, sv, f"{w}.items[{k}]") for k, i in enumerate(step.items)],
        "handoff": None if step.handoff is None else {
            "source": step.handoff.source.name, "target": step.handoff.target.name,
            "tool_name": step.handoff.tool_name, "call_id": step.handoff.call_id,
            "arguments": step.handoff.arguments, "input": sv.value(step.handoff.input, f"{w}.handoff.input"),
            "history_before": step.handoff.history_before, "history_after": step.handoff.history_after,
            "filter_name": step.handoff.filter_name},
        "final_output": sv.value(step.final_output, f"{w}.final_output"),
        "error": (None if step.error is None else step.error.text if isinstance(step.error, SavedError)
                  else f"{type(step.error).__name__}: {step.error}"),
        "duration_s": round(step.duration_s, 6),
        "usage": _usage(step.usage),
        "model_name": step.model_name, "context_after": sv.value(step.context_after, f"{w}.context_after"),
        "edited": list(step.edited), "state_after": _state(step._state_after, sv, f"{w}.state_after")}


def _model_fields(run: Any) -> tuple[Any, Any]:
    """(label, type) of ``run_config.model`` as the file records it."""
    cfg = run.run_config
    model = cfg.model
    saved = getattr(cfg, "_handoff_nb_session_model", None)
    if saved is not None and saved[2] is model:  # a loaded run's config, unchanged: what its file said
        return saved[0], saved[1]
    if model is None:
        return None, None
    if isinstance(model, str):
        return model, "str"
    return model_label(model), type(model).__name__


def to_json(run: Any, _saver: _Saver | None = None) -> dict[str, Any]:
    sv = _saver or _Saver()
    label, kind = _model_fields(run)
    data = {"format": FORMAT, "version": VERSION, "handoff_nb": __version__,
            "starting_agent": run.starting_agent.name, "entry_agent": run.entry_agent.name,
            "agents": sorted({a.name for a in run.starting_agent.walk()}
                             | {a.name for a in run.entry_agent.walk()}),
            "input": run.input if isinstance(run.input, str) else list(run.input),
            "context": sv.value(run.context, "context"), "max_turns": run.max_turns,
            "model": label, "steps": [_step(s, sv) for s in run.steps],
            "initial_state": _state(run._initial, sv, "initial_state"),
            "state": _state(run._state(), sv, "state"),
            "usage": _usage(run.context_wrapper.usage),
            "done": run.done, "final_output": sv.value(run.final_output, "final_output")}
    if kind is not None:
        data["model_type"] = kind
    return scrub_data(data)


def dumps(run: Any) -> str:
    sv = _Saver()
    try:
        text = json.dumps(to_json(run, sv), ensure_ascii=False, indent=1, sort_keys=True,
                          default=lambda o: sv.value(o, "a recorded item or request")) + "\n"
    except RecursionError:
        raise UserError("run.save: a value in the run (its context or a tool output) is nested too "
                        "deep to save as JSON; keep deep structures out of the context") from None
    lost = _Saver()
    lost.lost = {}
    for where, what in sv.lost.items():  # one name for a field saved at every step
        lost.lost.setdefault(_general(where), what)
    lost.warn()
    return text


def save(run: Any, path: Any) -> pathlib.Path:
    """Write atomically: a failed save (disk full, Ctrl-C) leaves any earlier file as it was."""
    return write_atomic(path, dumps(run))


# -- load ----------------------------------------------------------------------------------------

class _Bad(Exception):
    """A damaged place in a session file (becomes a UserError naming the file)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(where, problem)
        self.where, self.problem = where, problem


def _read_text(file: pathlib.Path) -> str:
    try:
        raw = file.read_bytes()
    except OSError as e:
        raise UserError(f"cannot read the session {file}: {e.strerror or e}") from None
    if not raw.strip():
        raise UserError(f"{file} is empty: the save did not finish or the file was cleared; {REMEDY}")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw) > 1 and (raw[0] == 0 or raw[1] == 0)):
        raise UserError(f"{file} is UTF-16 encoded (an editor saved it so); session files are UTF-8: "
                        f"save it as UTF-8 in the editor (or in Python: p.write_text(p.read_text("
                        f"encoding='utf-16'), encoding='utf-8')) and call Run.load again; or {REMEDY}")
    if raw[:3] == b"\xef\xbb\xbf":
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise UserError(f"{file} is not UTF-8 text: byte {e.start} (line {line}) is "
                        f"{raw[e.start:e.start + 1]!r}; session files are UTF-8 (run.save writes "
                        f"them so): re-save it as UTF-8 or {REMEDY}") from None


def _deepest(text: str) -> tuple[int, int, int]:
    """(depth, line, column) where the nesting of ``text`` is deepest (brackets outside strings)."""
    depth = best = line = col = 0
    at = (1, 1)
    in_str = esc = False
    ln, c = 1, 0
    for ch in text:
        c += 1
        if ch == "\n":
            ln, c = ln + 1, 0
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best, at = depth, (ln, c)
        elif ch in "]}":
            depth -= 1
    line, col = at
    return best, line, col


def _parse(file: pathlib.Path) -> dict[str, Any]:
    text = _read_text(file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        cut = e.pos >= len(text.rstrip()) - 1
        raise UserError(f"{file} is not valid JSON at line {e.lineno} column {e.colno} ({e.msg})"
                        + ("; the file ends there: it is cut off (an interrupted save or copy)" if cut else "")
                        + f"; {REMEDY}") from None
    except RecursionError:
        depth, line, col = _deepest(text)
        raise UserError(f"{file} is nested {depth} levels deep (at line {line} column {col}); a "
                        f"handoff_nb session is never that deep: it is not a session file or it was "
                        f"damaged; {REMEDY}") from None
    if not isinstance(data, dict):
        raise UserError(f"{file} has a JSON {type(data).__name__} at the top level; a handoff_nb "
                        f"session is a JSON object written by run.save(path): is it the right file? "
                        f"If it is, {REMEDY}")
    if data.get("format") != FORMAT:
        raise UserError(f"{file} is not a handoff_nb session (format {data.get('format')!r}); "
                        f"Run.load reads files written by run.save(path)")
    if data.get("version") != VERSION:
        raise UserError(f"{file} is session format version {data.get('version')!r}; this handoff_nb "
                        f"reads version {VERSION}: load it with the handoff_nb that saved it "
                        f"({data.get('handoff_nb', 'unknown version')}) and save the run again")
    return data


_MISSING = object()


def _get(d: Any, key: str, where: str, kind: Any, what: str, default: Any = _MISSING) -> Any:
    if not isinstance(d, dict):
        raise _Bad(where or "the top level", "is not a JSON object")
    place = f"{where}.{key}" if where else f"'{key}'"
    if key not in d:
        if default is not _MISSING:
            return default
        raise _Bad(place, f"is missing ({what})")
    value = d[key]
    ok = (value is None and type(None) in kind) if isinstance(kind, tuple) else False
    types = tuple(t for t in kind if t is not type(None)) if isinstance(kind, tuple) else (kind,)
    if not ok:
        if bool in types or int not in types:
            ok = isinstance(value, types)
        else:  # an int field: not a bool
            ok = isinstance(value, types) and not isinstance(value, bool)
    if not ok:
        raise _Bad(place, f"should be {what}, found {json.dumps(value)[:80]}")
    return value


def _count(d: Any, key: str, where: str, what: str, default: Any = _MISSING) -> int:
    value = _get(d, key, where, int, what, default)
    if value < 0:
        raise _Bad(f"{where}.{key}" if where else f"'{key}'", f"should be {what}, found {value}")
    return value


def _restore_model(cfg: Any, label: Any, kind: Any, steps: list[dict[str, Any]], file: pathlib.Path,
                   given: bool) -> tuple[Any, str]:
    """The RunConfig a loaded run continues with and a sentence saying on which model."""
    if given:
        model = cfg.model
        what = (f"{model if isinstance(model, str) else model_label(model)!r}" if model is not None
                else "the agents' own models")
        return cfg, f"{what} (given as run_config)"
    cfg = RunConfig()
    used = {s.get("model_name") for s in steps if isinstance(s, dict)} - {None, "", "forced"}
    if label is None:
        if used == {"offline"}:
            cfg.model = "offline"
            text = "offline (recorded on the offline model)"
        else:
            text = "the agents' own models" + (f" (recorded: {', '.join(sorted(map(str, used)))})" if used else "")
    elif label == "offline" or kind == "OfflineModel":
        cfg.model = "offline"
        text = "offline (as recorded)"
    elif kind == "str":
        cfg.model = label
        text = f"{label!r} (the model name it was recorded with)"
    else:
        cfg.model = RecordedModel(str(label), str(kind or "a model object"), file)
        text = (f"nothing yet: recorded on the model {label!r} ({kind or 'a model object'}), which a "
                f"session file cannot bring back; pass run_config=RunConfig(model=...) to Run.load "
                f"to continue it")
    cfg._handoff_nb_session_model = (label, kind, cfg.model)  # saving the loaded run writes them back
    return cfg, text


class RecordedModel:
    """The model a loaded session was recorded on, when a file cannot bring it back (a model
    object, a server, a key): a step raises a UserError saying how to continue."""

    def __init__(self, label: str, kind: str, file: pathlib.Path) -> None:
        self.model, self.kind, self.file = label, kind, file

    async def get_response(self, request: Any) -> Any:
        raise UserError(f"this run was loaded from {self.file.name} and was recorded on the model "
                        f"{self.model!r} ({self.kind}), which a session file does not keep (model "
                        f"objects, servers and keys are not saved): continue it with "
                        f"Run.load({str(self.file)!r}, agents, run_config=RunConfig(model=...))")

    def __repr__(self) -> str:
        return f"RecordedModel({self.model!r}, not restorable)"


class SavedError(RuntimeError):
    """The error of a failed step in a loaded session (its type and message, as saved)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


_DECISIONS = {"handoff", "final_output", "run_again", "error"}
_ITEM_KINDS = {"MessageOutputItem", "HandoffCallItem", "HandoffOutputItem", "ToolCallOutputItem",
               "ToolCallItem", "ReasoningItem"}


def load(path: Any, agents: Any, run_config: Any = None) -> Any:
    file = pathlib.Path(path)
    if run_config is not None and not isinstance(run_config, RunConfig):
        raise UserError(f"Run.load(..., run_config=...): run_config must be a RunConfig, got "
                        f"{type(run_config).__name__} (write run_config=RunConfig(model=...))")
    loader = _Loader()
    try:
        data = _parse(file)
        try:
            run = _build(data, file, agents, run_config, loader)
        except _Bad as e:
            raise UserError(f"{file}: {e.where} {e.problem}; {REMEDY}") from None
        except RecursionError:
            raise UserError(f"{file}: a value is nested too deep to load; {REMEDY}") from None
    except UserError as e:  # an error quotes the file: never a key a hand-edited file holds
        raise UserError(scrub(str(e))) from None
    loader.warn(file)
    return run


def _build(data: dict[str, Any], file: pathlib.Path, agents: Any, run_config: Any, ld: _Loader) -> Any:

    root = maybe_from_sdk(agents)
    by_name = {a.name: a for a in root.walk()}
    saved_agents = _get(data, "agents", "", list, "the list of the graph's agent names")
    start = _get(data, "starting_agent", "", str, "the starting agent's name")
    missing = sorted(set(map(str, saved_agents)) - set(by_name))
    if start not in by_name or missing:
        raise UserError(f"the agent graph changed since {file.name} was saved: it starts at "
                        f"{start!r} (you passed {root.name!r}"
                        + (", which cannot reach it" if start != root.name else "") + ")"
                        + (f"; agents missing now: {', '.join(missing)}" if missing else "")
                        + f". Pass the graph the run was saved from: Run.load({str(file)!r}, <its entry agent>)")
    root = by_name[start]
    steps = _get(data, "steps", "", list, "the list of recorded steps")
    for k, s in enumerate(steps):
        if not isinstance(s, dict):
            raise _Bad(f"steps[{k}]", f"should be an object (a step), found {json.dumps(s)[:60]}")
    done = _get(data, "done", "", bool, "true or false (whether the run finished)")
    max_turns = _get(data, "max_turns", "", (int, type(None)), "a whole number >= 1 or null")
    if max_turns is not None and max_turns < 1:
        raise _Bad("'max_turns'", f"should be a whole number >= 1 or null, found {max_turns}")
    run_input = _get(data, "input", "", (str, list), "the run's input (a string or a list of items)")

    def agent_of(name: Any, where: str, optional: bool = False) -> Any:
        if optional and name is None:
            return None
        if not isinstance(name, str) or name not in by_name:
            raise _Bad(where, f"names the agent {name!r}, which is not in the graph you passed "
                              f"(agents: {', '.join(sorted(by_name)[:12])}{', ...' if len(by_name) > 12 else ''})")
        return by_name[name]

    def item(d: Any, where: str) -> Any:
        agent = agent_of(_get(d, "agent", where, str, "an agent name"), f"{where}.agent")
        kind = _get(d, "kind", where, str, "an item kind")
        raw = _get(d, "raw", where, dict, "the item as the model saw it (an object)")
        if kind not in _ITEM_KINDS:
            raise _Bad(f"{where}.kind", f"is {kind!r}, not one of {', '.join(sorted(_ITEM_KINDS))}")
        if kind == "MessageOutputItem":
            return MessageOutputItem(agent, raw)
        if kind == "ReasoningItem":
            return ReasoningItem(agent, raw)
        if kind == "HandoffCallItem":
            return HandoffCallItem(agent, raw)
        if kind == "HandoffOutputItem":
            return HandoffOutputItem(agent, raw,
                                     source_agent=agent_of(d.get("source"), f"{where}.source", True),
                                     target_agent=agent_of(d.get("target"), f"{where}.target", True))
        if kind == "ToolCallOutputItem":
            return ToolCallOutputItem(agent, raw, output=ld.value(d.get("output"), f"{where}.output"))
        return ToolCallItem(agent, raw)

    items_all: list[Any] = []
    raws: list[Any] = []

    def state(d: Any, where: str, n_items: int, n_raw: int, used: frozenset[int]) -> Any:
        if d is None:
            return None
        if not isinstance(d, dict):
            raise _Bad(where, "should be an object (the run's state) or null")
        generated = [item(x, f"{where}.generated[{k}]")
                     for k, x in enumerate(_get(d, "generated", where, list, "a list of items"))]
        inp = list(_get(d, "input", where, list, "a list of input items"))
        log = list(_get(d, "log", where, list, "a list of input items"))
        turns = _count(d, "turns", where, "a whole number >= 0 (turns used)")
        return _RunState(agent_of(_get(d, "current_agent", where, str, "an agent name"), f"{where}.current_agent"),
                         (inp, len(inp)), (generated, len(generated)), (log, len(log)),
                         (items_all, n_items), (raws, n_raw), turns,
                         ld.value(d.get("context"), f"{where}.context"),
                         agent_of(d.get("started_agent"), f"{where}.started_agent", True), used)

    def usage(d: Any, where: str) -> Any:
        if not isinstance(d, dict):
            raise _Bad(where, "should be an object of token counts")
        known = {"requests", "input_tokens", "output_tokens", "total_tokens"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise _Bad(where, f"has unknown fields {', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})")
        return Usage(**{k: _count(d, k, where, "a whole number >= 0", 0) for k in known})

    def settings(d: Any, where: str) -> Any:
        if not isinstance(d, dict):
            raise _Bad(where, "should be an object (model settings)")
        try:
            value = ModelSettings(**d)
        except TypeError as e:
            known = sorted(f.name for f in dataclasses.fields(ModelSettings))
            unknown = sorted(set(d) - set(known))
            raise _Bad(where, f"has unknown settings {', '.join(map(repr, unknown))} ({e})") from None
        numeric = {"temperature": (int, float), "top_p": (int, float), "frequency_penalty": (int, float),
                   "presence_penalty": (int, float), "max_tokens": (int,), "seed": (int,),
                   "top_logprobs": (int,), "parallel_tool_calls": (bool,), "store": (bool,),
                   "include_usage": (bool,), "tool_choice": (str,)}
        for k, types in numeric.items():
            v = d.get(k)
            if v is not None and (not isinstance(v, types) or (isinstance(v, bool) and bool not in types)):
                raise _Bad(f"{where}.{k}", f"should be {' or '.join(t.__name__ for t in types)}, "
                                           f"found {json.dumps(v)[:60]}")
        return value

    cfg, continues_on = _restore_model(run_config, data.get("model"), data.get("model_type"),
                                       steps, file, run_config is not None)
    try:
        run = Run(root, run_input, context=copy.deepcopy(ld.value(data.get("context"), "context")),
                  max_turns=max_turns, run_config=cfg)
    except UserError as e:
        raise _Bad("the run", str(e)) from None
    used: set[int] = set()
    for k, s in enumerate(steps):
        w = f"steps[{k}]"
        agent = agent_of(_get(s, "agent", w, str, "an agent name"), f"{w}.agent")
        decision = _get(s, "decision", w, str, "what the step decided")
        if decision not in _DECISIONS:
            raise _Bad(f"{w}.decision", f"is {decision!r}, not one of {', '.join(sorted(_DECISIONS))}")
        index = _count(s, "index", w, "the step's number")
        if index != k:
            raise _Bad(f"{w}.index", f"is {index}: steps must be numbered 0, 1, 2, ... in order")
        duration = _get(s, "duration_s", w, (int, float), "seconds", 0.0)
        step = Step(index=index, agent=agent, decision=decision,
                    model_name=_get(s, "model_name", w, (str, type(None)), "a model label", "") or "",
                    duration_s=float(duration),
                    edited=[str(x) for x in _get(s, "edited", w, list, "a list of edits", [])],
                    usage=usage(s.get("usage", {}), f"{w}.usage"),
                    context_after=ld.value(s.get("context_after"), f"{w}.context_after"),
                    final_output=ld.value(s.get("final_output"), f"{w}.final_output"))
        r = s.get("request")
        if r is not None:
            rw = f"{w}.request"
            step.request = ModelRequest(
                agent_name=_get(r, "agent_name", rw, str, "an agent name"),
                instructions=_get(r, "instructions", rw, (str, type(None)), "text or null", None),
                handoff_instructions=_get(r, "handoff_instructions", rw, (str, type(None)), "text or null", None),
                input=_get(r, "input", rw, list, "a list of input items"),
                tools=_get(r, "tools", rw, list, "a list of tools", []),
                model_settings=settings(r.get("model_settings", {}), f"{rw}.model_settings"),
                step_index=_count(r, "step_index", rw, "the step's number", index))
        if s.get("response") is not None:
            resp = s["response"]
            _get(resp, "output", f"{w}.response", list, "a list of output items")
            usage(resp.get("usage") or {}, f"{w}.response.usage")
            try:
                step.response = ModelResponse.from_json_dict(resp)
                if isinstance(s.get("sent"), str):
                    step.response = dataclasses.replace(step.response, sent=json.loads(s["sent"]))
            except (TypeError, ValueError, KeyError, AttributeError) as e:
                raise _Bad(f"{w}.response", f"cannot be read ({type(e).__name__}: {str(e)[:120]})") from None
        step.items = [item(x, f"{w}.items[{i}]") for i, x in enumerate(_get(s, "items", w, list, "a list of items", []))]
        h = s.get("handoff")
        if h is not None:
            hw = f"{w}.handoff"
            source = agent_of(_get(h, "source", hw, str, "an agent name"), f"{hw}.source")
            tool_name = _get(h, "tool_name", hw, str, "a handoff tool name")
            if tool_name not in {x.tool_name for x in source.handoff_objects()}:
                raise UserError(f"the agent graph changed since {file.name} was saved: {source.name!r} has "
                                f"no handoff tool {tool_name!r} any more (step {index}). Pass the graph "
                                f"the run was saved from")
            step.handoff = HandoffRecord(
                source=source, target=agent_of(_get(h, "target", hw, str, "an agent name"), f"{hw}.target"),
                tool_name=tool_name, call_id=h.get("call_id"), arguments=h.get("arguments"),
                input=ld.value(h.get("input"), f"{hw}.input"),
                history_before=_get(h, "history_before", hw, list, "a list of items", []),
                history_after=_get(h, "history_after", hw, list, "a list of items", []),
                filter_name=h.get("filter_name"))
            step.next_agent = step.handoff.target
        error = s.get("error")
        if error is not None:
            step.error = SavedError(str(error))
        if decision != "error":
            items_all.extend(step.items)
            if step.response is not None:
                raws.append(step.response)
            if any(isinstance(i, ToolCallOutputItem) and not isinstance(i, HandoffOutputItem)
                   for i in step.items):
                used.add(id(agent))
        step._state_after = state(s.get("state_after"), f"{w}.state_after", len(items_all), len(raws),
                                  frozenset(used))
        run.steps.append(step)
    run._initial = state(data.get("initial_state"), "initial_state", 0, 0, frozenset()) or run._initial
    now = state(_get(data, "state", "", dict, "the run's state after its last step"), "state",
                len(items_all), len(raws), frozenset(used))
    run._restore(now)
    run.all_items = [i for s in run.steps for i in s.items]
    run.context_wrapper.context = copy.deepcopy(now.context)
    # usage: every committed response added once, as the live run did (or what the file says,
    # when it differs: a fork counts only the calls it made)
    total = Usage()
    for r in raws:
        total.add(r.usage)
    if "usage" in data:
        saved = usage(data["usage"], "'usage'")
        if saved != total:
            total = saved
    run.context_wrapper.usage = total
    run._context_before = now.context
    run.done, run.final_output = done, ld.value(data.get("final_output"), "final_output")
    run.entry_agent = by_name.get(data.get("entry_agent"), root)
    run.loaded_from = str(file)
    run.continues_on = continues_on
    """Which model the loaded run's next step uses (shown in its repr)."""
    return run

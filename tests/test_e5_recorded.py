"""e5 vectors recorded in a local Python and replayed where e5 cannot run (issues 18, 22):
bit-exact, the same decisions, and a message that was not recorded decided whole by the static
table with a Why that says so. The no-numpy run of all of this is in test_semantic_determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handoff_nb import Runner
from handoff_nb.examples import load_system
from handoff_nb.models import e5_numpy, e5_recorded, semantic

ROOT = Path(__file__).resolve().parents[1]
needs_weights = pytest.mark.skipif(e5_numpy.model_path() is None, reason="no e5 weights (semantic extra)")


def test_recording_round_trips_bit_for_bit_and_is_the_same_bytes_in_any_order(tmp_path):
    vecs = [(0.1, -0.2, 1 / 3), (2.0 ** -40, 5e-324, -0.0), (1.0, 0.0, -1.0)]
    items = [("query", "b", vecs[0]), ("passage", "a ünïcödé", vecs[1]), ("query", "a", vecs[2])]
    n = e5_recorded.write(str(tmp_path / "x.bin"), "engine X", items)
    e5_recorded.write(str(tmp_path / "y.bin"), "engine X", list(reversed(items)))
    assert n == 3 and (tmp_path / "x.bin").read_bytes() == (tmp_path / "y.bin").read_bytes()
    rec = e5_recorded.Recording(str(tmp_path / "x.bin"))
    assert rec.engine == "engine X" and len(rec) == 3
    for kind, text, v in items:
        assert rec.get(kind, text) == v and all(
            a.hex() == b.hex() for a, b in zip(rec.get(kind, text), v))  # the same bits, -0.0 too
    assert rec.get("passage", "b") is None  # the kind is part of the key
    with pytest.raises(ValueError, match="different lengths"):
        e5_recorded.write(str(tmp_path / "z.bin"), "e", [("query", "a", (1.0,)), ("query", "b", (1.0, 2.0))])
    (tmp_path / "bad.bin").write_bytes(b"not a recording")
    with pytest.raises(ValueError, match="not an embedding recording"):
        e5_recorded.Recording(str(tmp_path / "bad.bin"))


def test_the_replaying_embedder_names_what_it_does_not_hold(tmp_path):
    e5_recorded.write(str(tmp_path / "r.bin"), "e5 X", [("query", "hello", (1.0, 0.0))])
    emb = e5_recorded.RecordedEmbedder(e5_recorded.Recording(str(tmp_path / "r.bin")), fallback=None)
    assert emb.name == "e5 X" and emb.embed(["hello"], "query") == [(1.0, 0.0)]
    with pytest.raises(e5_recorded.NotRecorded) as e:
        emb.embed(["hello", "something new"], "query")
    assert e.value.missing == ["something new"]


@pytest.fixture
def replayed(tmp_path):
    """The tutors system decided once by numpy e5, recorded, then the recording replayed."""
    e5 = semantic.NumpyE5Embedder()
    semantic.set_embedder(e5)
    agent, _cases = load_system("tutors")
    message = "Why did the Roman Empire fall?"
    before = Runner.run_sync(agent, message)
    path = tmp_path / "recorded.bin"
    e5_recorded.write(str(path), e5.name, semantic.cached_vectors(e5.name))
    semantic.set_embedder(e5_recorded.RecordedEmbedder(e5_recorded.Recording(str(path)),
                                                       semantic.StaticE5Embedder()))
    yield agent, message, before, e5
    semantic.set_embedder(None)


@needs_weights
def test_a_recorded_message_decides_as_e5_and_a_new_one_by_the_table_saying_so(replayed):
    agent, message, before, e5 = replayed
    assert before.steps[0].why["decision_kind"] == "semantic"  # meaning decided it, not words
    again = Runner.run_sync(agent, message)
    assert again.agent_path == before.agent_path
    assert again.steps[0].why["semantic"] == before.steps[0].why["semantic"]  # every similarity
    assert again.steps[0].why["semantic"]["engine"] == e5.name
    new = Runner.run_sync(agent, "What brought down ancient Rome in the end?")
    sem = new.steps[0].why["semantic"]
    assert sem["engine"].startswith("static e5") and "not recorded with e5" in sem["not_recorded"]
    assert "not recorded with e5" in sem["reason"]


def test_without_numpy_a_recording_is_replayed_and_announced(tmp_path):
    e5_recorded.write(str(tmp_path / "r.bin"), "multilingual-e5-small (test)", [("query", "hi", (1.0,))])
    code = ("import sys; sys.modules['numpy'] = None\n"
            "from handoff_nb.models import semantic\n"
            "e = semantic.get_embedder(); print(type(e).__name__, '|', e.name, '|', type(e.fallback).__name__)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_NB_SEMANTIC")}
    env["HANDOFF_NB_E5_RECORDING"] = str(tmp_path / "r.bin")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.stdout.split(" | ") == ["RecordedEmbedder", "multilingual-e5-small (test)", "StaticE5Embedder\n"], (
        out.stdout + out.stderr)
    assert "replays the e5 vectors recorded" in out.stdout + out.stderr and "1 texts" in out.stdout + out.stderr
    env["HANDOFF_NB_SEMANTIC_ENGINE"] = "static"  # asked for the table: no replay
    out = subprocess.run([sys.executable, "-c", code.replace(", '|', type(e.fallback).__name__", "")],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.stdout.startswith("StaticE5Embedder"), out.stdout + out.stderr


@needs_weights
def test_a_report_counts_the_runs_the_table_decided(replayed):
    from handoff_nb.eval import Case, evaluate_routing
    agent, message, before, e5 = replayed
    report = evaluate_routing(agent, [Case(message, "History Tutor"),
                                      Case("What brought down ancient Rome in the end?", "History Tutor")])
    assert report.not_recorded == 1
    assert "1 runs decided by the static table: texts not recorded with e5" in report.summary()
    semantic.set_embedder(e5)  # e5 itself: nothing to replay, nothing to say
    assert evaluate_routing(agent, [Case(message, "History Tutor")]).summary().endswith("0 failed runs")

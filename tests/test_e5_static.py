"""The static engine distilled from multilingual-e5-small (handoff_nb.models.e5_static): it ships in
the package, loads fast, needs no numpy, is deterministic per text, tokenizes as e5 does, and its
table is what scripts/distill_static_e5.py builds (encoder stage checked on a slice of pieces,
build stage rebuilt to the same bytes from the same encoder output)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import pathlib
import subprocess
import sys

import pytest

from handoff_nb.models import e5_static, semantic

ROOT = pathlib.Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "scripts" / "distill_static_e5.json"
TEXTS = ["My card was charged twice this month!", "Olá, quero cancelar a minha assinatura",
         "what's 47 times 83", "wake me up at 7 am tomorrow", "ção ß ﬁ 東京 🎉 ＡＢＣ", "",
         "  leading   and trailing  spaces  ", "play some jazz", "is it going to rain in lisbon"]


def _weights() -> str | None:
    try:
        from handoff_nb.models import e5_numpy
    except ImportError:
        return None
    return e5_numpy.model_path("enpt")


needs_weights = pytest.mark.skipif(_weights() is None, reason="no e5 weights (semantic extra)")


@pytest.fixture(scope="module")
def engine() -> e5_static.StaticE5:
    return e5_static.StaticE5()


def _child(code: str, **env: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "HANDOFF_NB_MODEL": "offline", **env})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def test_the_table_ships_in_the_package_and_is_the_one_built():
    path = e5_static.data_path()
    assert path == e5_static.DATA_FILE and path.startswith(str(ROOT / "handoff_nb" / "data"))
    data = pathlib.Path(path).read_bytes()
    manifest = json.loads(MANIFEST.read_text())
    assert len(data) == manifest["bytes"] <= 1_600_000
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]
    assert "data/*" in (ROOT / "pyproject.toml").read_text()  # package-data ships it


def test_loads_in_under_a_second_of_cpu_in_a_fresh_process():
    out = json.loads(_child(
        "import json, time\nt = time.process_time()\nfrom handoff_nb.models import e5_static\n"
        "m = e5_static.StaticE5()\nprint(json.dumps({'load_cpu_s': time.process_time() - t, "
        "'pieces': len(m.tokenizer.scores), 'dim': m.dim}))"))
    assert out["load_cpu_s"] < 1.0, out
    assert out["pieces"] > 40_000 and 16 <= out["dim"] <= 256


def test_inference_imports_no_numpy_and_gives_the_same_vectors(engine):
    code = ("import sys, json\nsys.modules['numpy'] = None\n"
            "from handoff_nb.models import e5_static, semantic\n"
            f"texts = {TEXTS!r}\n"
            "emb = semantic.StaticE5Embedder()\n"
            "vs = semantic.embed(texts, 'query', emb)\n"
            "sims = [semantic.cosine(vs[0], v) for v in vs]\n"
            "assert sys.modules['numpy'] is None\n"
            "print(json.dumps({'vecs': [[repr(x) for x in v] for v in vs], 'sims': sims}))")
    out = json.loads(_child(code))
    here = engine.embed(TEXTS)
    assert out["vecs"] == [[repr(x) for x in v] for v in here]  # bit for bit
    assert out["sims"] == [semantic.cosine(here[0], v) for v in here]


def test_vectors_are_unit_length_and_independent_of_batch_and_order(engine):
    vs = engine.embed(TEXTS)
    for t, v in zip(TEXTS, vs):
        n = math.sqrt(math.fsum(x * x for x in v))
        assert abs(n - 1.0) < 1e-12, (t, n)
    assert not any(engine.vector([]))  # no piece with weight: all zeros (cosine 0 with anything)
    assert engine.embed(list(reversed(TEXTS))) == list(reversed(vs))
    assert [engine.embed([t])[0] for t in TEXTS] == vs
    assert engine.embed(TEXTS, "passage") == vs


def test_cosine_is_the_same_without_numpy_as_with_it(engine):
    np = pytest.importorskip("numpy")
    a, b = engine.embed(TEXTS[:2])
    assert semantic.cosine(a, b) == semantic.cosine(np.array(a), np.array(b))
    assert 0.0 < semantic.cosine(a, b) < 1.0


def test_the_table_carries_meaning(engine):
    q = engine.embed(["I was charged twice for my subscription"])[0]
    routes = engine.embed(["Billing: charges, invoices, refunds and payment methods",
                           "Weather forecasts for any city", "Music: play songs and playlists"],
                          "passage")
    sims = [semantic.cosine(q, r) for r in routes]
    assert sims[0] > max(sims[1:]) + 0.02, sims  # e5-scale cosines: 0.02 is a clear lead
    for i, msg in ((1, "will it rain in lisbon tomorrow"), (2, "play something by the beatles")):
        v = engine.embed([msg])[0]
        sims = [semantic.cosine(v, r) for r in routes]
        assert max(range(3), key=sims.__getitem__) == i and sorted(sims)[-2] < sims[i] - 0.02, (msg, sims)


def test_frequent_pieces_weigh_less(engine):
    tz = engine.tokenizer
    the, laundry = tz.vocab["\u2581the"], tz.vocab["\u2581laundry"]
    assert engine._coef[the] < 0.2 * engine._coef[laundry]


@needs_weights
def test_tokenizer_gives_the_pieces_e5_reads(engine):
    from handoff_nb.models import e5_numpy
    ref = e5_numpy.Tokenizer(e5_numpy._read_model(e5_numpy._map_file(_weights())))
    assert engine.tokenizer.vocab == ref.vocab
    for t in TEXTS + ["Hello there, general Kenobi", "reembolso da fatura de março"]:
        assert engine.tokens(t) == ref.encode(t), t


@needs_weights
def test_encoder_stage_reproduces_the_manifest_slice():
    sys.path.insert(0, str(ROOT / "scripts"))
    import distill_static_e5 as distill
    manifest = json.loads(MANIFEST.read_text())
    p = manifest["params"]
    got = distill.slice_vectors(p["form"], p["pool"], manifest["slice"]["ids"])
    for row, want in zip(got, manifest["slice"]["head"]):
        assert max(abs(float(x) - y) for x, y in zip(row[:8], want)) < 1e-8


@needs_weights
def test_build_stage_gives_the_same_bytes_twice(tmp_path):
    np = pytest.importorskip("numpy")
    sys.path.insert(0, str(ROOT / "scripts"))
    import distill_static_e5 as distill
    rng = np.random.default_rng(18)
    n = len(e5_static.StaticE5().tokenizer.scores)
    X = rng.normal(size=(n, 384))
    for f in ("query_mean", "query_tok"):
        np.save(tmp_path / f"{f}.npy", X)
    a = distill.build(tmp_path, tmp_path / "a.bin", dim=16)
    b = distill.build(tmp_path, tmp_path / "b.bin", dim=16)
    assert a == b and e5_static.StaticE5(a).dim == 16



def test_without_numpy_the_default_stays_words_only_and_the_table_is_a_choice():
    """Where numpy is missing the default engine is not replaced by the table unasked (notebook
    04's "for my last invoice" would be kept as small talk); HANDOFF_NB_SEMANTIC_ENGINE=static
    picks it."""
    code = ("import sys; sys.modules['numpy'] = None\n"
            "from handoff_nb.models import semantic\n"
            "print(semantic.engine_choice(), semantic.get_embedder() is None)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("HANDOFF_NB_SEMANTIC_ENGINE", "HANDOFF_NB_SEMANTIC")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.stdout.split() == ["numpy", "True"], out.stdout + out.stderr
    env["HANDOFF_NB_SEMANTIC_ENGINE"] = "static"
    code = code.replace("semantic.get_embedder() is None", "semantic.get_embedder().name")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.stdout.split()[0] == "static" and "static" in out.stdout.split()[1], out.stdout + out.stderr

"""The offline router on real users' messages (issue 18), side by side with a plain baseline.

    python bench/bench_routing.py [--half tune|heldout|both] [--set NAME] [--wrong N]
                                  [--engines numpy,static]

For each benchmark set (handoff_nb/data/benchmarks: HWU64 flat, HWU64 two-level, SNIPS flat) and
half, prints: the offline router's accuracy, the plain nearest-description baseline's (the same
embeddings: the message against each target's handoff_description, no abstention; two-level:
desk then specialist), the share of out-of-scope messages kept at triage, the worst route, and
milliseconds per message; then the time to route a 1 MB message. Each semantic engine in
``--engines`` gets its own rows: ``numpy`` (multilingual-e5-small in float64 numpy, the default)
and ``static`` (the table distilled from the same weights, pure Python: what a browser tab can
run), and the baseline uses that engine's embeddings.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time
from typing import Any

os.environ.setdefault("HANDOFF_NB_MODEL", "offline")
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handoff_nb import Agent, Runner  # noqa: E402
from handoff_nb.eval import Case, evaluate_routing  # noqa: E402
from handoff_nb.models.offline import OfflineModel  # noqa: E402

BENCH_DIR = ROOT / "handoff_nb" / "data" / "benchmarks"
SETS = ("hwu64_flat", "hwu64_two_level", "snips_flat")
STAYS = "(stays)"


def load_benchmark(name: str, half: str = "heldout", model: Any = None
                   ) -> tuple[Agent, list[Case], dict[str, Any]]:
    """(entry agent, cases of ``half`` -- "tune", "heldout" or "both", spec)."""
    spec = json.loads((BENCH_DIR / f"{name}.json").read_text(encoding="utf-8"))
    built: dict[str, Agent] = {}
    for a in spec["agents"]:  # listed leaves first
        built[a["name"]] = Agent(name=a["name"], instructions=a.get("instructions"),
                                 handoff_description=a.get("handoff_description"), model=model,
                                 handoffs=[built[h] for h in a.get("handoffs", [])])
    entry = built[spec["entry"]]
    cases = []
    for n, line in enumerate((BENCH_DIR / spec["cases"]).read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        if half in ("both", row["half"]):
            expected = spec["entry"] if row["expected"] == STAYS else row["expected"]
            cases.append(Case(row["message"], expected, id=str(n), note=row["scenario"]))
    return entry, cases, spec


def baseline(entry: Agent, cases: list[Case]) -> list[str]:
    """Plain nearest description by the same embeddings: never stays, no other logic."""
    from handoff_nb.models import semantic
    emb = semantic.get_embedder()
    if emb is None:
        return [entry.name] * len(cases)
    qs = semantic.embed([c.message for c in cases], "query", emb)
    out = []
    for q in qs:
        agent = entry
        while agent.handoffs:
            targets = list(agent.handoffs)
            texts = [t.handoff_description or t.name for t in targets]
            vs = semantic.embed(texts, "passage", emb)
            sims = [semantic.cosine(q, v) for v in vs]
            agent = targets[max(range(len(sims)), key=sims.__getitem__)]
        out.append(agent.name)
    return out


def score(entry: Agent, cases: list[Case], finals: list[str]) -> dict[str, Any]:
    per: dict[str, list[int]] = {}
    for c, f in zip(cases, finals):
        per.setdefault(c.expected_final, []).append(int(f == c.expected_final))
    inscope = [x for k, v in per.items() if k != entry.name for x in v]
    worst = min(((sum(v) / len(v), k) for k, v in per.items() if k != entry.name), default=(0, "-"))
    oos = per.get(entry.name, [])
    return {"accuracy": sum(sum(v) for v in per.values()) / len(cases),
            "routed": sum(inscope) / len(inscope) if inscope else 0.0,
            "oos_kept": sum(oos) / len(oos) if oos else 0.0, "worst": worst, "n": len(cases)}


class DiskCachedEmbedder:
    """The default engine behind a pickle of every vector it made (``--embed-cache FILE``): a
    re-run while tuning re-embeds nothing. Same name, so decisions are identical."""

    def __init__(self, path: str) -> None:
        import pickle
        from handoff_nb.models import semantic
        self.path = pathlib.Path(path)
        self.inner = semantic.get_embedder()
        self.name = self.inner.name
        self.store: dict[tuple[str, str], Any] = (pickle.loads(self.path.read_bytes())
                                                  if self.path.exists() else {})

    def embed(self, texts: Any, kind: str) -> list[Any]:
        missing = [t for t in texts if (kind, t) not in self.store]
        if missing:
            for t, v in zip(missing, self.inner.embed(missing, kind)):
                self.store[(kind, t)] = [float(x) for x in v]
        return [self.store[(kind, t)] for t in texts]

    def save(self) -> None:
        import pickle
        self.path.write_bytes(pickle.dumps(self.store))


def prewarm(cases: list[Case]) -> None:
    """Embed the messages in one batch (as an evaluation should) before routing them."""
    from handoff_nb.models import semantic
    emb = semantic.get_embedder()
    if emb is not None:
        from handoff_nb.models.offline import QUERY_CHARS
        semantic.embed([c.message[:QUERY_CHARS] for c in cases], "query", emb)


def run_set(name: str, half: str, wrong: int = 0) -> dict[str, Any]:
    entry, cases, _spec = load_benchmark(name, half)
    model = OfflineModel()
    prewarm(cases)
    t0 = time.process_time()
    report = evaluate_routing(entry, cases, model=model, progress=False, concurrency=1)
    cpu = time.process_time() - t0
    finals = [r.final_agent for r in sorted(report.results, key=lambda r: int(r.case.id))]
    cases_sorted = sorted(cases, key=lambda c: int(c.id))
    router = score(entry, cases_sorted, finals)
    base = score(entry, cases_sorted, baseline(entry, cases_sorted))
    if wrong:
        for r in [r for r in report.results if not r.correct][:wrong]:
            why = r.why[0] or {}
            print(f"   x {r.case.message[:70]!r} exp {r.case.expected_final} got {' > '.join(r.path)}"
                  f" [{why.get('decision_kind')}] {str(why.get('reason'))[:150]}")
    return {"set": name, "half": half, "router": router, "baseline": base,
            "ms_per_message": 1000 * cpu / len(cases), "kinds": report.kinds_summary()}


def one_mb_seconds() -> float:
    from handoff_nb.examples import customer_service
    triage = customer_service()
    Runner.run_sync(triage, "hello", run_config=None)
    msg = ("I was charged twice on my invoice and the export page shows an error. " * 15_000)[:1_000_000]
    t0 = time.perf_counter()
    Runner.run_sync(triage, msg)
    return time.perf_counter() - t0


def use_engine(engine: str) -> None:
    """Route with ``engine`` ("numpy" or "static") from now on (the default engine: None)."""
    from handoff_nb.models import semantic
    semantic.set_embedder(semantic.StaticE5Embedder() if engine == "static" else
                          semantic.NumpyE5Embedder() if engine == "numpy" else None)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--half", default="both", choices=("tune", "heldout", "both"))
    p.add_argument("--set", default=None, choices=SETS)
    p.add_argument("--wrong", type=int, default=0, help="print this many wrong cases per set")
    p.add_argument("--no-1mb", action="store_true")
    p.add_argument("--embed-cache", default=None, help="a pickle file of vectors (tuning only)")
    p.add_argument("--engines", default="numpy,static",
                   help="semantic engines to compare, comma-separated: numpy, static")
    args = p.parse_args(argv)
    halves = ("tune", "heldout") if args.half == "both" else (args.half,)
    print(f"{'engine':<8}{'set':<17}{'half':<9}{'router':>7}{'routed':>8}{'OOS kept':>9}{'baseline':>9}"
          f"  {'worst route (router)':<28}{'ms/msg':>7}")
    rows = []
    for engine in args.engines.split(","):
        use_engine(engine)
        cache = None
        if args.embed_cache and engine == "numpy":
            from handoff_nb.models import semantic
            cache = DiskCachedEmbedder(args.embed_cache)
            semantic.set_embedder(cache)
        for name in ([args.set] if args.set else SETS):
            for half in halves:
                r = run_set(name, half, args.wrong)
                r["engine"] = engine
                rows.append(r)
                w = r["router"]["worst"]
                print(f"{engine:<8}{name:<17}{half:<9}{r['router']['accuracy']:>7.3f}"
                      f"{r['router']['routed']:>8.3f}{r['router']['oos_kept']:>9.3f}"
                      f"{r['baseline']['accuracy']:>9.3f}  {(w[1] + f' {w[0]:.2f}'):<28}"
                      f"{r['ms_per_message']:>7.1f}   {r['kinds']}", flush=True)
        for half in halves:
            flat = next((r for r in rows if r["set"] == "hwu64_flat" and r["half"] == half
                         and r["engine"] == engine), None)
            two = next((r for r in rows if r["set"] == "hwu64_two_level" and r["half"] == half
                        and r["engine"] == engine), None)
            if flat and two:
                print(f"{engine}: two-level vs flat ({half}): "
                      f"{two['router']['accuracy'] - flat['router']['accuracy']:+.3f}")
        if cache is not None:
            cache.save()
        if not args.no_1mb:
            print(f"{engine}: 1 MB message routed in {one_mb_seconds():.2f} s")


if __name__ == "__main__":
    main()

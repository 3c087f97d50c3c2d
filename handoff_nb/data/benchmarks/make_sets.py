"""Build the routing benchmark sets from the public data (run once; the output is committed).

    python handoff_nb/data/benchmarks/make_sets.py HWU64_GIT_DIR SNIPS_GIT_DIR

HWU64: xliuhw/NLU-Evaluation-Data (CC BY 4.0), test folds KFold_1 and KFold_2 of the authors'
cross-validation (columns: answer_from_anno, scenario, intent). SNIPS: sonos/nlu-benchmark (CC0),
2017-06-custom-intent-engines/*/validate_*.json. The agent systems are the *.json files next to
this script, written before any measurement. The split is seeded (random.Random(18)) and
stratified by expected route: every route's messages are shuffled and dealt alternately to the
"tune" and "heldout" halves.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
import random
import subprocess
import sys

HERE = pathlib.Path(__file__).parent
SEED = 18
CAP = 60          # messages per route (both halves together)
OOS_CAP = 160     # out-of-scope messages per set

HWU_ROUTES = {  # scenario or scenario_intent -> the specialist that owns it
    "alarm": "Alarms", "calendar": "Calendar", "email": "Email", "lists": "Lists",
    "music": "Media Player", "play": "Media Player", "audio": "Media Player",
    "general_joke": "Small Talk", "general_quirky": "Small Talk", "general_praise": "Small Talk",
    "news": "News", "weather": "Weather", "iot": "Smart Home", "takeaway": "Takeaway",
    "transport": "Transport"}
HWU_OOS = {"cooking", "datetime", "qa", "recommendation", "social"}  # scenarios no agent covers
SNIPS_ROUTES = {"AddToPlaylist": "Playlists", "BookRestaurant": "Restaurant Bookings",
                "GetWeather": "Weather", "PlayMusic": "Music Player", "RateBook": "Book Ratings",
                "SearchCreativeWork": "Creative Works Search",
                "SearchScreeningEvent": "Cinema Showtimes"}
SNIPS_OOS = {"alarm", "calendar", "email", "iot", "lists", "transport", "datetime", "qa", "social"}


def git_show(git_dir: str, path: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout


def hwu_rows(git_dir: str) -> list[dict[str, str]]:
    names = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "HEAD"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    rows, seen = [], set()
    for fold in ("KFold_1", "KFold_2"):
        for name in sorted(n for n in names if f"/{fold}/testset/csv/" in n):
            for r in csv.DictReader(io.StringIO(git_show(git_dir, name)), delimiter=";"):
                text = " ".join(r["answer_from_anno"].split())
                if text and text.lower() not in seen:
                    seen.add(text.lower())
                    rows.append({"message": text, "scenario": r["scenario"], "intent": r["intent"],
                                 "source": "HWU64"})
    return rows


def snips_rows(git_dir: str) -> list[dict[str, str]]:
    rows = []
    for intent in SNIPS_ROUTES:
        data = json.loads(git_show(git_dir, f"2017-06-custom-intent-engines/{intent}/validate_{intent}.json"))
        for q in data[intent]:
            text = " ".join("".join(p["text"] for p in q["data"]).split())
            rows.append({"message": text, "scenario": intent, "intent": intent, "source": "SNIPS"})
    return rows


def deal(groups: dict[str, list[dict]], cap: int, rng: random.Random) -> list[dict]:
    out = []
    for label in sorted(groups):
        items = sorted(groups[label], key=lambda r: r["message"])
        rng.shuffle(items)
        for i, r in enumerate(items[:cap]):
            out.append({**r, "half": "tune" if i % 2 == 0 else "heldout"})
    return out


def main(hwu_git: str, snips_git: str) -> None:
    rng = random.Random(SEED)
    hwu = hwu_rows(hwu_git)
    groups: dict[str, list[dict]] = {}
    oos_groups: dict[str, list[dict]] = {}
    for r in hwu:
        route = HWU_ROUTES.get(f"{r['scenario']}_{r['intent']}") or HWU_ROUTES.get(r["scenario"])
        if route:
            groups.setdefault(route, []).append({**r, "expected": route})
        elif r["scenario"] in HWU_OOS:
            oos_groups.setdefault(r["scenario"], []).append({**r, "expected": "(stays)"})
    cases = deal(groups, CAP, rng)
    cases += deal(oos_groups, OOS_CAP // len(oos_groups), rng)
    write(HERE / "hwu64_cases.jsonl", cases)

    snips = snips_rows(snips_git)
    groups = {}
    for r in snips:
        groups.setdefault(SNIPS_ROUTES[r["intent"]], []).append({**r, "expected": SNIPS_ROUTES[r["intent"]]})
    cases = deal(groups, CAP, rng)
    oos_groups = {}
    for r in hwu:
        if r["scenario"] in SNIPS_OOS:
            oos_groups.setdefault(r["scenario"], []).append({**r, "expected": "(stays)"})
    cases += deal(oos_groups, -(-OOS_CAP // len(oos_groups)), rng)
    write(HERE / "snips_cases.jsonl", cases)


def write(path: pathlib.Path, cases: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps({k: c[k] for k in ("message", "expected", "half", "source", "scenario",
                                                  "intent")}, ensure_ascii=False) + "\n")
    print(path.name, len(cases), {h: sum(c["half"] == h for c in cases) for h in ("tune", "heldout")})


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""Point the README's Binder and Colab links (and the notebooks' Colab install cell) at your
GitHub repository: derived from `git remote get-url origin`, or given as OWNER/REPO. The README
keeps its badges in an HTML comment until then (links to OWNER/handoff_nb lead nowhere); this
script takes them out of it.

    python scripts/launch_links.py            # from the origin remote
    python scripts/launch_links.py me/handoff_nb

Rewrites README.md and notebooks/src/*.py; run scripts/build_notebooks.py afterwards.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PLACEHOLDER = "OWNER/handoff_nb"
HIDDEN = re.compile(r"<!-- launch links:[^\n]*\n(.*?)\n-->", re.S)


def repo_from_remote() -> str:
    url = subprocess.run(["git", "remote", "get-url", "origin"], cwd=ROOT, capture_output=True,
                         text=True).stdout.strip()
    m = re.search(r"github\.com[:/]([^/]+)/([^/]+?)(?:\.git)?$", url)
    if not m:
        sys.exit(f"no GitHub origin remote ({url or 'none'}): pass OWNER/REPO")
    return f"{m.group(1)}/{m.group(2)}"


def main(argv: list[str]) -> None:
    repo = argv[0] if argv else repo_from_remote()
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        sys.exit(f"expected OWNER/REPO, got {repo!r}")
    files = [ROOT / "README.md", *sorted((ROOT / "notebooks" / "src").glob("*.py"))]
    changed = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        new = text.replace(PLACEHOLDER, repo)
        if path.name == "README.md":  # the badges, hidden while they pointed at OWNER: shown
            new = HIDDEN.sub(lambda m: m.group(1), new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    print(f"links now point at {repo} in {changed} files; rebuild the notebooks next")


if __name__ == "__main__":
    main(sys.argv[1:])

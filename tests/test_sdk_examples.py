"""Done means (issue 21): the OpenAI Agents SDK 0.24.0's own examples under basic/,
agent_patterns/, handoffs/ and customer_service/ (44 scripts, from its source distribution --
downloaded and cached, never committed) run offline on handoff_nb with only the import lines
changed (``agents`` -> ``handoff_nb``), with ``EXAMPLES_INTERACTIVE_MODE=auto`` and no key.

The sdist is cached in ``$HANDOFF_NB_SDK_SDIST_DIR`` (default ``~/.cache/handoff_nb/sdist``);
``HANDOFF_NB_SDK_SRC`` may point at an unpacked copy instead. Offline with neither: skipped.
What handoff_nb does not mirror must fail with the UserError that names the SDK engine.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile

import pytest

DIRS = ("basic", "agent_patterns", "handoffs", "customer_service")
THRESHOLD = 38
"""Examples that must run (of 44; issue 21 asks for 36). See NOT_MIRRORED and ELSEWHERE for the rest."""
NOT_MIRRORED = {
    "basic/stream_ws.py",  # Responses API websocket sessions
    "basic/prompt_template.py",  # server-side prompt templates
    "basic/retry.py", "basic/retry_litellm.py",  # ModelSettings(retry=...) / retry policies
}
ELSEWHERE = {
    "basic/hello_world_gpt_oss.py",  # needs an Ollama server on localhost:11434 (fails on the SDK too)
    "agent_patterns/hosted_multi_agent_beta.py",  # agents.extensions.experimental: hosted agents
}


def _sdk_source(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    given = os.environ.get("HANDOFF_NB_SDK_SRC")
    if given and (pathlib.Path(given) / "examples").is_dir():
        return pathlib.Path(given)
    cache = pathlib.Path(os.environ.get("HANDOFF_NB_SDK_SDIST_DIR",
                                        pathlib.Path.home() / ".cache" / "handoff_nb" / "sdist"))
    cache.mkdir(parents=True, exist_ok=True)
    sdists = sorted(cache.glob("openai_agents-0.24.0.tar.gz"))
    if not sdists:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:",
                               "openai-agents==0.24.0", "-d", str(cache), "-q"],
                              capture_output=True, text=True, timeout=300)
        sdists = sorted(cache.glob("openai_agents-0.24.0.tar.gz"))
        if not sdists:
            pytest.skip("could not download the openai-agents 0.24.0 sdist (offline? set "
                        f"HANDOFF_NB_SDK_SRC to an unpacked copy): {proc.stderr[-300:]}")
    root = tmp_path_factory.mktemp("sdist")
    with tarfile.open(sdists[0]) as tar:
        members = [m for m in tar.getmembers() if "/examples/" in m.name or "/tests/" in m.name]
        tar.extractall(root, members=members, filter="data")
    return next(root.glob("openai_agents-*"))


@pytest.fixture(scope="module")
def ported(tmp_path_factory):
    src = _sdk_source(tmp_path_factory)
    dst = tmp_path_factory.mktemp("ported")
    (dst / "examples").mkdir()
    (dst / "examples" / "__init__.py").write_text("")
    shutil.copy(src / "examples" / "auto_mode.py", dst / "examples" / "auto_mode.py")
    rels = []
    for d in DIRS:
        shutil.copytree(src / "examples" / d, dst / "examples" / d)
        for path in sorted((dst / "examples" / d).glob("*.py")):
            if path.name == "__init__.py":
                continue
            text = path.read_text()
            new = re.sub(r"^(\s*)(from|import) agents(\.|\b)", r"\1\2 handoff_nb\3", text, flags=re.M)
            changed = [(a, b) for a, b in zip(text.splitlines(), new.splitlines()) if a != b]
            assert all(re.match(r"\s*(from|import) ", a) for a, _ in changed)  # imports only
            path.write_text(new)
            rels.append(f"{d}/{path.name}")
    assert len(rels) == 44
    return dst, rels


def _run(dst: pathlib.Path, rel: str) -> tuple[str, int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}
    env.update(EXAMPLES_INTERACTIVE_MODE="auto", HANDOFF_NB_MODEL="offline", PYTHONPATH=str(dst))
    try:
        p = subprocess.run([sys.executable, "-m", "examples." + rel[:-3].replace("/", ".")], cwd=dst,
                           env=env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return rel, -9, "timeout"
    return rel, p.returncode, p.stderr[-1500:]


def test_the_sdks_examples_run_with_only_the_import_changed(ported):
    dst, rels = ported
    with cf.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda r: _run(dst, r), rels))
    passed = [r for r, rc, _ in results if rc == 0]
    failed = {r: err for r, rc, err in results if rc != 0}
    report = "\n".join(f"{r}: {err.strip().splitlines()[-1] if err.strip() else '?'}"
                       for r, err in failed.items())
    print(f"{len(passed)}/44 examples run\n{report}")
    assert len(passed) >= THRESHOLD, f"{len(passed)}/44 examples run (threshold {THRESHOLD}):\n{report}"
    unexpected = set(failed) - NOT_MIRRORED - ELSEWHERE
    assert not unexpected, report
    for rel in set(failed) & NOT_MIRRORED:  # refused, naming the way to run it
        assert "SDK engine" in failed[rel] or "engine='sdk'" in failed[rel], f"{rel}: {failed[rel]}"

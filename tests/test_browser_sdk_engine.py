"""JupyterLab in headless chromium: a Stepper on one of the SDK's own examples (customer_service,
imported as it is: ``agents``) through the SDK engine, with the SDK's ScriptedModel. Step three
times (handoff, the example's own FAQ tool, the answer), Back (a fork: steps 0 and 1 replayed from
the recorded responses, the SDK runs the tool again), Step: the forked continuation is the live
model's next answer, shown in place of the original one (issue 21).

Needs Debian's chromium and Python Playwright. Saves tests/artifacts/sdk_engine_fork.png.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.test_browser import ARTIFACTS, TOKEN, launch, open_and_run_all, playwright, serve_lab
from tests.test_sdk_examples import _sdk_source

pytestmark = pytest.mark.browser
pytest.importorskip("agents.testing")

ORIGINAL = "One bag, under 50 pounds."
FORKED = "Forked: one bag, 22 x 14 x 9 inches."


def _notebook(examples_root: str) -> dict:
    source = (
        "import sys\n"
        f"sys.path.insert(0, {examples_root!r})  # the sdist's examples package, as it is\n"
        "import agents\n"
        "from agents.testing import ScriptedModel, assistant_message, function_call\n"
        "from examples.customer_service import main as cs\n"
        "from handoff_nb.widgets import Stepper\n"
        "agents.set_tracing_disabled(True)\n"
        "model = ScriptedModel([\n"
        "    [function_call('transfer_to_faq_agent', '{}', call_id='h1')],\n"
        "    [function_call('faq_lookup_tool', {'question': 'How many bags can I bring?'}, call_id='t1')],\n"
        f"    [assistant_message({ORIGINAL!r})],\n"
        f"    [assistant_message({FORKED!r})]])  # the live call after Back\n"
        "stepper = Stepper(cs.triage_agent, engine='sdk', context=cs.AirlineAgentContext(),\n"
        "                  run_config=agents.RunConfig(model=model), message='How many bags can I bring?')\n"
        "stepper")
    return {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                       "source": source}],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    src = _sdk_source(tmp_path_factory)
    root = tmp_path_factory.mktemp("lab_sdk_engine")
    examples_root = root / "sdist"
    examples_root.mkdir()
    (examples_root / "examples").symlink_to(src / "examples", target_is_directory=True)
    (root / "engine.ipynb").write_text(json.dumps(_notebook(str(examples_root))))
    yield from serve_lab(root, EXAMPLES_INTERACTIVE_MODE="auto")


def test_an_sdk_example_stepped_and_forked_on_the_sdk_engine(lab):
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = launch(p)
        page = open_and_run_all(browser, f"{lab}/lab/workspaces/engine/tree/engine.ipynb?reset&token={TOKEN}")
        out = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea").first
        out.locator(".hnb-graphview svg").first.wait_for(timeout=60000)

        def button(label):
            return out.locator("button.jupyter-button", has_text=re.compile(rf"^\s*{label}\s*$")).first

        def shown(text, timeout=30000):
            page.wait_for_function(
                "t => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea')"
                ".innerText.includes(t)", arg=text, timeout=timeout)

        def picker():
            inspect = out.locator(".widget-dropdown", has=page.locator("label", has_text="inspect")).first
            return [o.replace("\xa0", " ") for o in inspect.locator("select")
                    .evaluate("e => Array.from(e.options).map(o => o.text)")]

        try:
            button("Step").click()  # the message in the box is sent, then the SDK's first model call
            shown("Triage Agent → FAQ Agent via transfer_to_faq_agent")
            button("Step").click()  # the example's own faq_lookup_tool, run by the SDK
            shown("22 inches x 14 inches x 9 inches")
            button("Step").click()
            shown(ORIGINAL)
            assert picker()[-1] == "step 2: FAQ Agent · final_output"
            assert "Forked" not in out.inner_text()
            button("Back").click()  # a fork: steps 0 and 1 replayed, step 2 live again
            shown("Back to before step 2")
            assert picker() == ["step 0: Triage Agent · handoff", "step 1: FAQ Agent · run_again",
                                "next request (FAQ Agent)"]
            button("Step").click()
            shown(FORKED)
        finally:
            page.screenshot(path=str(ARTIFACTS / "sdk_engine_fork.png"), full_page=False)
        text = out.inner_text()
        assert ORIGINAL not in text  # the forked run replaced the original continuation
        assert "Triage Agent → FAQ Agent via transfer_to_faq_agent" in text  # replayed
        assert "22 inches x 14 inches x 9 inches" in text  # the tool ran again in the fork
        assert picker() == ["step 0: Triage Agent · handoff", "step 1: FAQ Agent · run_again",
                            "step 2: FAQ Agent · final_output"]
        active = out.locator(".hnb-graphview .node.hnb-active text").first.text_content()
        assert active == "FAQ Agent"
        page.wait_for_timeout(600)
        page.screenshot(path=str(ARTIFACTS / "sdk_engine_fork.png"), full_page=False)
        browser.close()

"""Every notebook exercise starts unsolved and has a check that a worked solution passes.

The notebook's own code cells (from the built .ipynb) are executed up to the exercise, so the
check sees exactly the state a learner has; then a solution is applied and checked.
"""

from __future__ import annotations

import ast
import asyncio
import pathlib

import nbformat
import pytest

from handoff_nb.exercises import EXERCISES, check_exercise

NB = pathlib.Path(__file__).resolve().parents[1] / "notebooks"

SOLUTIONS = {
    "00": """
sales_agent = Agent(name="Sales Agent", instructions="You handle pricing, plans and quotes.",
                    handoff_description="Pricing, plans, quotes and the cost per seat")
triage_agent.handoffs.append(sales_agent)
""",
    "01": """
triage_agent.handoffs.append(Agent(name="RefundAgent"))
predicted_tool_name = "transfer_to_refundagent"
""",
    "02": """configured_handoff.description = "Billing stuff" """,
    "03": """
from typing import Literal
class HandoffMetadata(BaseModel):
    reason: str
    priority: str
    customer_sentiment: str
    customer_tier: Literal["free", "pro", "enterprise"]
triage_agent = Agent(name="TriageAgent", instructions=triage_agent.instructions,
                     handoffs=[handoff(billing_agent, description="Billing specialist",
                                       input_type=HandoffMetadata, on_handoff=on_billing_handoff)])
""",
    "04": """
def only_user_messages(data):
    return data.clone(input_history=tuple(i for i in data.input_history if i.get("role") == "user"),
                      pre_handoff_items=(), new_items=())
triage_agent = Agent(name="Triage Agent", handoffs=[billing_agent,
                     handoff(technical_agent, input_filter=only_user_messages)])
""",
    "05": """
triage_agent.instructions = triage_agent.instructions.replace("Charges, refunds, invoices", "Charges, invoices")
goes_to = Runner.run_sync(triage_agent, "Hi, I was charged $49.99 twice on my last invoice and I need a refund",
                          context={}).agent_path[1]
""",
    "06": """
technical_agent.handoff_description = "Bugs, errors, app and login problems"
billing_agent.handoffs.append(technical_agent)
""",
    "07": """
escalation = Agent(name="EscalationManager", instructions="Resolve what others could not.")
for specialist in (frontend_support, backend_support, mobile_support, billing, sales):
    specialist.handoffs.append(escalation)
""",
    "08": """
from handoff_nb.models.offline import OfflineModel
from handoff_nb.models.replay import RecordingModel
from handoff_nb.examples import customer_service
from handoff_nb import RunConfig
Runner.run_sync(customer_service(), "I need a refund but your billing team was unhelpful last time", context={},
                run_config=RunConfig(model=RecordingModel(OfflineModel(), my_cassette)))
""",
    "09": """
fixed = customer_service()
fixed.instructions = fixed.instructions.replace("new purchases, demos", "new purchases, demos, product walkthroughs")
""",
    "10": """triage.handoffs[0].tool_description = "Refunds and double charges" """,
    "11": """
stays_with_billing = original.fork(1)
stays_with_billing.force_response([{"role": "assistant", "content": "I will refund you myself today."}])
stays_with_billing.run()
""",
}

NOTEBOOK_OF = {"00": "00_start_here", "01": "01_first_handoff", "02": "02_customizing_handoffs",
               "03": "03_on_handoff_and_input_type", "04": "04_input_filters", "05": "05_triage_system",
               "06": "06_multi_turn", "07": "07_chains_and_two_level_triage", "08": "08_real_models",
               "09": "09_prototyping_triage_prompts", "10": "10_from_and_to_the_sdk", "11": "11_what_if"}


def _execute(source: str, ns: dict) -> None:
    from IPython.core.inputtransformer2 import TransformerManager
    source = TransformerManager().transform_cell(source)  # %pip and ! lines, as in a kernel
    ns.setdefault("get_ipython", lambda: None)
    code = compile(source, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    result = eval(code, ns)  # noqa: S307 - the project's own notebook cells
    if asyncio.iscoroutine(result):
        from handoff_nb._util import run_sync
        run_sync(result)


def _state_before_exercise(name: str, tmp_path) -> dict:
    nb = nbformat.read(NB / f"{NOTEBOOK_OF[name]}.ipynb", as_version=4)
    ns: dict = {"__name__": "__main__", "my_cassette": str(tmp_path / "my_cassette.jsonl")}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if f'check_exercise("{name}")' in cell.source:
            return ns
        _execute(cell.source, ns)
    pytest.fail(f"notebook {NOTEBOOK_OF[name]} has no check_exercise({name!r}) cell")


def test_every_exercise_has_a_solution_and_a_notebook():
    assert set(SOLUTIONS) == set(EXERCISES) == set(NOTEBOOK_OF)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_exercise_starts_unsolved_and_the_solution_passes(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(NB)  # notebooks run from their folder (cassettes/...)
    if name == "10":
        pytest.importorskip("agents")
    ns = _state_before_exercise(name, tmp_path)
    assert check_exercise(name, ns) is False, "the exercise is already solved by the notebook itself"
    out = capsys.readouterr().out
    assert f"Exercise {name}" in out and "not yet — " in out
    _execute(SOLUTIONS[name], ns)
    assert check_exercise(name, ns) is True, capsys.readouterr().out
    assert "solved ✓" in capsys.readouterr().out


def test_a_broken_solution_is_reported_not_raised(capsys):
    class Broken:
        def handoff_objects(self):
            raise RuntimeError("half-written")
    assert check_exercise("00", {"triage_agent": Broken()}) is False
    assert "could not run your code: RuntimeError: half-written" in capsys.readouterr().out
    with pytest.raises(KeyError, match="choose from"):
        check_exercise("99", {})

"""Time travel: edits at a step, breakpoints, save/load, and the self-contained HTML export."""

from __future__ import annotations

import json

import pytest

from handoff_nb import Agent, RunConfig, Runner, UserError, function_tool
from handoff_nb.examples import customer_service
from handoff_nb.models.scripted import ScriptedModel, call_tool, say
from handoff_nb.run import Run
from handoff_nb.timetravel import what_changed_html

MSG = "I need a refund but your billing team was unhelpful last time"


def _run(message=MSG, **kw):
    run = Runner.start(customer_service(), message, context={}, **kw)
    run.run()
    return run


def test_forced_handoff_at_step_0_takes_the_other_route_and_is_marked():
    original = _run()
    assert original.agent_path[:2] == ["TriageAgent", "BillingSpecialist"]
    what_if = original.fork(0)
    what_if.force_handoff("route_to_sales", {"interest_area": "refund", "budget_mentioned": False,
                                             "summary": "what if"})
    what_if.run()
    assert what_if.agent_path[:2] == ["TriageAgent", "SalesSpecialist"]
    assert what_if.steps[0].edited == ["response forced"] and what_if.steps[0].model_name == "forced"
    assert original.agent_path[1] == "BillingSpecialist"  # the original is kept
    assert what_if.steps[0].handoff.input.summary == "what if"
    page = what_changed_html(original, what_if)
    assert "the runs part at step 0" in page and "SalesSpecialist" in page and "BillingSpecialist" in page
    from handoff_nb.render.html import transcript_html, transcript_text
    assert "✎ step 0 edited: response forced" in transcript_html(what_if)
    assert "[0] edited: response forced" in transcript_text(what_if)
    from handoff_nb.render.dot import apply_run, graph_model
    m = graph_model(what_if.starting_agent)
    apply_run(m, what_if)
    assert ["0 ✎"] in m.taken.values()


def test_invalid_forced_handoff_is_a_clear_error_and_changes_nothing():
    run = Runner.start(customer_service(), MSG, context={})
    with pytest.raises(UserError, match="forced handoff 'route_to_sales'.*SalesHandoffData"):
        run.force_handoff("route_to_sales", {"interest_area": 3})
    with pytest.raises(UserError, match="no enabled handoff to 'Nobody'.*route_to_billing"):
        run.force_handoff("Nobody")
    assert run._forced is None
    run.step()
    assert run.steps[0].edited == [] and run.steps[0].model_name == "offline"
    done = _run()
    with pytest.raises(UserError, match="fork it first"):
        done.edit_context({})


def test_edit_history_and_context_before_the_next_step():
    run = Runner.start(customer_service(), MSG, context={"customer_id": "c1"})
    run.edit_history([{"role": "user", "content": "How much does the enterprise plan cost?"}])
    run.edit_context('{"customer_id": "c2", "vip": true}')
    step = run.step()
    assert step.request.input == [{"role": "user", "content": "How much does the enterprise plan cost?"}]
    assert step.handoff.target.name == "SalesSpecialist"
    assert step.edited == ["history edited (1 items)", "context edited"]
    assert run.context["vip"] is True and run.context["customer_id"] == "c2"
    with pytest.raises(UserError, match="not valid JSON"):
        run.edit_context("{oops")
    with pytest.raises(UserError, match="history item 0"):
        run.edit_history([{"nonsense": 1}])


def test_breakpoints_each_kind():
    run = Runner.start(customer_service(), MSG, context={})
    stop = run.run_until(handoff=True)
    assert "handed off to BillingSpecialist" in stop.reason and len(run.steps) == 1
    stop = run.run_until(before_agent="EscalationManager")
    assert stop.reason.startswith("before EscalationManager") and run.current_agent.name == "EscalationManager"
    assert not run.done
    stop = run.run_until(handoff=True)
    assert stop.done and run.done

    @function_tool
    def lookup(order_id: str) -> str:
        """Look up the shipping status of an order."""
        return "shipped"

    shop = Agent(name="Shop", tools=[lookup])
    run = Runner.start(shop, "x", run_config=RunConfig(model=ScriptedModel([say("hi"), ])))
    run2 = Runner.start(shop, "status of order 7?", run_config=RunConfig(
        model=ScriptedModel([call_tool("lookup", {"order_id": "7"}), say("it shipped")])))
    stop = run2.run_until(tool="lookup")
    assert stop.reason == "step 0 called the tool 'lookup'" and not run2.done
    ctx_run = Runner.start(customer_service(), MSG, context={})
    stop = ctx_run.run_until(when=lambda c: c.get("department") == "escalation")
    assert "condition on the context holds after step 1" in stop.reason
    with pytest.raises(UserError, match="needs a condition"):
        run.run_until()


def test_save_load_round_trip_is_byte_identical_and_the_loaded_run_works(tmp_path):
    original = _run()
    path = original.save(tmp_path / "session.json")
    text = path.read_text()
    data = json.loads(text)
    assert data["format"] == "handoff_nb.session" and data["version"] == 1
    loaded = Run.load(path, customer_service())
    assert loaded.agent_path == original.agent_path and loaded.done
    assert loaded.save(tmp_path / "again.json").read_text() == text  # byte-identical re-save
    assert [s.request.system_prompt for s in loaded.steps] == [s.request.system_prompt for s in original.steps]
    from handoff_nb.render.mime import run_bundle
    assert "EscalationManager" in run_bundle(loaded)["text/html"]
    fork = loaded.fork(1)
    fork.force_handoff("escalate_to_manager", {"reason": "r", "previous_department": "billing",
                                               "attempts_so_far": "0"})
    fork.run()
    assert fork.agent_path == original.agent_path and fork.steps[1].edited == ["response forced"]
    cont = loaded.next_turn("thanks")
    cont.run()
    assert cont.done


def test_load_says_what_changed_in_the_graph_and_scrubs_secrets(tmp_path):
    run = Runner.start(customer_service(), "my key is sk-proj-" + "Ab1" * 10, context={})
    run.run()
    path = run.save(tmp_path / "s.json")
    assert "Ab1Ab1" not in path.read_text()
    smaller = customer_service()
    smaller.handoffs = smaller.handoffs[:1]
    with pytest.raises(UserError, match="agent graph changed.*missing now: .*BillingSpecialist"):
        Run.load(path, smaller)
    with pytest.raises(UserError, match="starts at 'TriageAgent'"):
        Run.load(path, Agent(name="Other"))
    (tmp_path / "bad.json").write_text('{"format": "x"}')
    with pytest.raises(UserError, match="not a handoff_nb session"):
        Run.load(tmp_path / "bad.json", customer_service())


def test_html_export_is_one_file_with_every_step():
    run = _run()
    page = run.to_html()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert page.count('class="panel"') == 6 * len(run.steps)
    assert '"label": "step 2: EscalationManager' in page


def test_stepper_what_if_and_run_until_controls():
    from handoff_nb.widgets import Stepper
    s = Stepper(customer_service(), message=MSG)
    s.send()
    s.until.value = "agent:EscalationManager"
    s.until_button.click()
    assert "Stopped: before EscalationManager" in s.status.value
    s.back()  # before step 1: force billing to stay... it can only escalate: force it explicitly
    s.what_handoff.value = "escalate_to_manager"
    s.what_args.value = '{"reason": "forced", "previous_department": "billing", "attempts_so_far": "1"}'
    s.what_apply.click()
    assert "response forced" in s.status.value
    s.step_button.click()
    assert s.run.steps[1].edited == ["response forced"] and "✎ step 1 edited" in s.transcript.value
    s.compare_button.click()
    assert "What changed: the runs part at step 1" in s.compare_view.value
    s.what_args.value = "{not json"
    s.what_handoff.value = ""
    s.what_history.value = "[not json"
    s.what_apply.click()
    assert "Not applied" in s.status.value


def test_html_export_counts_its_steps_in_words():
    from handoff_nb import Agent
    one = Runner.start(Agent(name="A"), "hi")
    one.run()
    assert "1 step · path A" in one.to_html() and "1 steps" not in one.to_html()
    assert "3 steps · path" in _run().to_html()

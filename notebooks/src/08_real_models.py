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
# # Real models: OpenAI and any OpenAI-compatible server
#
# With `OPENAI_API_KEY` set, model names such as `"gpt-4o"` resolve to OpenAI's Chat Completions.
# Local servers that speak the same API (Ollama, vLLM, llama.cpp server, LM Studio) work through
# `base_url`. The key is only ever sent to the server: it never appears in outputs, cassettes or
# error messages.

# %%
# In Google Colab or in the browser (JupyterLite), install handoff_nb first; elsewhere nothing to do
import sys
if "google.colab" in sys.modules:
    # %pip install -q "handoff_nb[notebook] @ git+https://github.com/OWNER/handoff_nb"
    # !apt-get -qq install -y graphviz > /dev/null
elif sys.platform == "emscripten":  # JupyterLite: from the site's own wheels, no network
    # %pip install -q handoff_nb[widgets,openai]
    from handoff_nb.lite import lesson_files  # the cassettes below, readable on a first visit too
    lesson_files("cassettes/triage_escalation.jsonl")

# %%
# NBVAL_CHECK_OUTPUT
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

# %% [markdown]
# ```python
# # Ollama (ollama serve; ollama pull llama3.1)
# from handoff_nb.models.openai_chat import OpenAIChatModel
# local = OpenAIChatModel("llama3.1", base_url="http://localhost:11434/v1")
# Runner.run_sync(triage_agent, "I was charged twice", run_config=RunConfig(model=local))
# ```
#
# ## Real HTTP without a key
# `handoff_nb.testing.FakeOpenAIServer` is a tiny OpenAI-compatible server on 127.0.0.1 with
# scripted answers — handy for seeing the exact payloads and for testing error handling. (In the
# browser tab, where nothing can listen on a port, it answers inside the kernel instead: same
# routes, same payloads, no socket.)

# %%
# NBVAL_CHECK_OUTPUT
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

# %% [markdown]
# ## Record once, replay anywhere
# `RecordingModel` appends every request and response to a JSONL cassette (secrets scrubbed);
# `ReplayModel` answers from it with no network. The cassette shipped here,
# `cassettes/triage_escalation.jsonl`, was recorded from the local scripted server above (we ship no
# real-model output we did not produce); record your own with a key:
# `RecordingModel(OpenAIChatModel("gpt-4o-mini"), "my.jsonl")`.

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb.models.replay import ReplayModel

replay = ReplayModel("cassettes/triage_escalation.jsonl")
result = Runner.run_sync(triage_agent, "I need a refund but your billing team was unhelpful last time",
                         context={}, run_config=RunConfig(model=replay))
replay.assert_complete()
print(" -> ".join(result.agent_path))
print(result.final_output)

# %% [markdown]
# If the agents change, the replay stops matching and says exactly what differs:

# %%
# NBVAL_CHECK_OUTPUT
from handoff_nb import ReplayMismatch
try:
    Runner.run_sync(triage_agent, "a different message", context={},
                    run_config=RunConfig(model=ReplayModel("cassettes/triage_escalation.jsonl")))
except ReplayMismatch as e:
    print("\n".join(str(e).splitlines()[:6]))

# %% [markdown]
# ## Prototyping on a real model: the Responses API, streaming, trials, cost, cache, rate limits
#
# Everything below talks HTTP to a **loopback server that plays a model** (`FakeOpenAIServer`),
# so it runs anywhere. To use OpenAI instead, drop `base_url=...` (and set `OPENAI_API_KEY`);
# for a local server (Ollama, vLLM, llama.cpp) point `base_url` at it.
#
# **The Responses API** (the Agents SDK's default) is `OpenAIResponsesModel`; model names use it
# after `set_default_openai_api("responses")`. The Request tab shows the exact body it sent:

# %%
from handoff_nb.models.openai_responses import OpenAIResponsesModel
from handoff_nb.render.html import request_html, wrap
from handoff_nb.testing import FakeOpenAIServer, reply
from IPython.display import HTML

script = [reply(tool_calls=[("route_to_billing", '{"billing_issue_type": "refund", "amount_mentioned": null, "summary": "refund"}')],
                model="gpt-4o-mini", usage=(412, 38)),
          reply("Your refund is on its way.", model="gpt-4o-mini", usage=(530, 12))]
with FakeOpenAIServer(script) as srv:
    responses_model = OpenAIResponsesModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-demo-not-real")
    result = Runner.run_sync(triage_agent, "I need a refund", context={}, run_config=RunConfig(model=responses_model))
print(" -> ".join(result.agent_path), "|", result.final_output)
HTML(wrap(request_html(result.steps[0])))

# %% [markdown]
# **Streaming.** `Runner.run_streamed` yields the SDK's stream events as tokens arrive; in the
# Stepper, text and tool-call arguments appear in the transcript while the model is still
# answering, and **Stop** cancels the call (the step is kept as interrupted; Retry calls again).

# %%
# NBVAL_CHECK_OUTPUT
import asyncio
from handoff_nb import RawResponsesStreamEvent

with FakeOpenAIServer([reply("Streaming, one word at a time.", model="gpt-4o-mini")]) as srv:
    streamed = Runner.run_streamed(Agent(name="Helper"), "hi", run_config=RunConfig(
        model=OpenAIResponsesModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-demo-not-real")))
    chunks = [e.data.delta async for e in streamed.stream_events()
              if isinstance(e, RawResponsesStreamEvent) and hasattr(e.data, "delta")]
print(chunks)

# %% [markdown]
# **Routing is stochastic.** `evaluate_routing(..., trials=5)` runs every case five times and
# reports the agreement per case (flaky cases first) and the accuracy with a 95% confidence
# interval, plus tokens, latency and cost (prices of known models live in `handoff_nb.pricing`).
# Here the "model" sends one message to a different department every other time:

# %%
# NBVAL_CHECK_OUTPUT
import itertools, json
from handoff_nb.eval import evaluate_routing
from handoff_nb.models.openai_chat import OpenAIChatModel

flip = itertools.count()
ARGS = {"route_to_billing": {"billing_issue_type": "charge", "amount_mentioned": None, "summary": "x"},
        "route_to_sales": {"interest_area": "pricing", "budget_mentioned": False, "summary": "x"},
        "route_to_support": {"issue_category": "account", "urgency": "low", "summary": "x"}}

def model_answer(body):
    last = body["messages"][-1]
    if last["role"] == "tool" or "route_to" not in str(body.get("tools")):
        return reply("Done.", model="gpt-4o-mini", usage=(300, 10))
    text = last["content"]
    route = ("route_to_billing" if "invoice" in text else "route_to_sales" if "price" in text
             else ("route_to_billing" if next(flip) % 2 else "route_to_support"))
    return reply(tool_calls=[(route, json.dumps(ARGS[route]))], model="gpt-4o-mini", usage=(400, 20),
                 call_id_prefix=text[:4])

cases = [("Wrong invoice amount", "BillingSpecialist"), ("What is the price per seat?", "SalesSpecialist"),
         ("My account looks odd", "BillingSpecialist")]
with FakeOpenAIServer([model_answer], repeat=True) as srv:
    chat = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-demo-not-real", max_retries=0)
    report = evaluate_routing(triage_agent, cases, model=chat, trials=4, cache=False)
print(report.summary())
print(report.per_case[0].case.message, report.per_case[0].finals)

# %%
report

# %% [markdown]
# **The request cache.** With a real model, evaluations answer identical requests from disk
# (`.handoff_nb_cache/requests.jsonl`): re-running an unchanged evaluation makes no model call and
# costs nothing. `cache=False` bypasses it. **Rate limits**: a 429 halves the concurrency, waits for
# the server's `retry-after`, retries the case and recovers. **Large sets**: `backend="batch"` sends
# the first turn of every case as one Batch API job (half price, results within 24 h, resumable
# with `batch_id=`); use it from ~10k cases or when cost matters more than waiting.

# %%
# NBVAL_CHECK_OUTPUT
import tempfile, os
cache_file = os.path.join(tempfile.mkdtemp(), "requests.jsonl")
with FakeOpenAIServer([model_answer], repeat=True) as srv:
    chat = OpenAIChatModel("gpt-4o-mini", base_url=srv.base_url, api_key="sk-demo-not-real", max_retries=0)
    first = evaluate_routing(triage_agent, cases[:2], model=chat, cache=cache_file)
    calls = len(srv.requests)
    again = evaluate_routing(triage_agent, cases[:2], model=chat, cache=cache_file)
    print("first run:", calls, "model calls;", "re-run:", len(srv.requests) - calls, "model calls")
print(again.cache_stats)

# %% [markdown]
# ### Exercise
# Record seed 000's escalation message (*"I need a refund but your billing team was unhelpful last time"*) with `RecordingModel(model, 'my_cassette.jsonl')` on any model — a real one with a key, a local server, or the offline one — then replay it with `ReplayModel`. With a real model, compare its route with the offline model's.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("08")

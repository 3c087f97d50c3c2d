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
# scripted answers — handy for seeing the exact payloads and for testing error handling.

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
# ### Exercise
# Record seed 000's escalation message (*"I need a refund but your billing team was unhelpful last time"*) with `RecordingModel(model, 'my_cassette.jsonl')` on any model — a real one with a key, a local server, or the offline one — then replay it with `ReplayModel`. With a real model, compare its route with the offline model's.

# %%
from handoff_nb.exercises import check_exercise
check_exercise("08")

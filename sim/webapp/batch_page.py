"""The "Run a batch" page: choose a small grid (one headline parameter of a scenario, its
values, replicates, months) or a shipped experiment (the what-if library), press Start:
the batch runs in its own process while a progress bar follows the runs written; when it
is done its results open on the "Batch results" page. An error is one line on the page.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import solara

from sim.scenarios import scenario_headlines, scenario_names
from sim.webapp import results_page
from sim.webapp.form import one_line
from sim.webapp.launch import SMALL_GRID, BatchRequest, Job, outcome, progress, start

POLL = 0.5  # seconds between progress reads


def shipped_experiments() -> list[str]:
    from sim.scenarios import config_dir

    folder = config_dir() / "experiments"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


@solara.component
def RequestForm(request: solara.Reactive[BatchRequest], disabled: bool):
    r = request.value

    def put(**kw) -> None:
        request.set(replace(request.value, **kw))

    def choose(name: str) -> None:
        put(experiment=name, out=f"results/{'app_batch' if name == SMALL_GRID else name}")

    solara.Select("Experiment", values=[SMALL_GRID, *shipped_experiments()], value=r.experiment,
                  on_value=choose, disabled=disabled)  # fmt: skip
    if r.experiment == SMALL_GRID:
        keys = [h.key for h in scenario_headlines(r.scenario)]
        solara.Select("Scenario", values=scenario_names(), value=r.scenario,
                      on_value=lambda v: put(scenario=v), disabled=disabled)  # fmt: skip
        solara.Select("Parameter", values=keys, value=r.parameter if r.parameter in keys else
                      None, on_value=lambda v: put(parameter=v), disabled=disabled)  # fmt: skip
        solara.InputText("Values (comma-separated)", value=r.values, disabled=disabled,
                         on_value=lambda v: put(values=v))  # fmt: skip
        solara.InputInt("Replicates per value", value=r.replicates, disabled=disabled,
                        on_value=lambda v: put(replicates=v))  # fmt: skip
        solara.InputInt("Months per run", value=r.rounds, disabled=disabled,
                        on_value=lambda v: put(rounds=v))  # fmt: skip
    solara.InputText("Output directory", value=r.out, disabled=disabled,
                     on_value=lambda v: put(out=v))  # fmt: skip


def use_job():
    """(job, (done, total), status, start action) of this session's batch."""
    job = solara.use_reactive(None)
    counts = solara.use_reactive((0, None))
    status = solara.use_reactive("")

    def follow(cancel: threading.Event) -> None:
        j: Job | None = job.value
        if j is None:
            return
        while j.process.poll() is None and not cancel.is_set():
            counts.set(progress(j.out))
            time.sleep(POLL)
        if cancel.is_set():
            return
        counts.set(progress(j.out))
        error = outcome(j)
        status.set(f"error: {error}" if error else "done")
        if not error:
            results_page.results_dir.set(str(j.out))
            results_page.point_choice.set(results_page.ALL_POINTS)

    solara.use_thread(follow, [job.value], intrusive_cancel=False)

    def launch(request: BatchRequest) -> None:
        try:
            new = start(request)
        except Exception as exc:  # a bad request or experiment: one line
            status.set(one_line(exc))
            return
        status.set("running")
        counts.set((0, None))
        job.set(new)

    return job.value, counts.value, status.value, launch


@solara.component
def BatchPage():
    request = solara.use_reactive(BatchRequest())
    job, (done, total), status, launch = use_job()
    running = status == "running"
    with solara.Columns([1, 2]):
        with solara.Card("Run a batch", margin=0):
            RequestForm(request, running)
            solara.Button("Start batch", color="primary", disabled=running,
                          on_click=lambda: launch(request.value))  # fmt: skip
        with solara.Card("Progress", margin=0), solara.Column():
            share = done / total if total else 0.0
            solara.ProgressLinear(value=100 * share if running or status == "done" else False)
            of = f"{total:,}" if total else "?"
            solara.Text(f"{done:,} of {of} runs ({share:.0%})")
            if job is not None:
                solara.Text(f"command: {job.command}", style={"font-size": "0.8em"})
            if status == "done":
                solara.Success(f"done: {job.out} — open it on the Batch results page", dense=True)
            elif status.startswith("error") or (status and not running):
                solara.Error(status, dense=True)
            solara.Text("The batch runs in its own process: the other pages stay usable. A "
                        "stopped batch resumes when started again with the same settings.",
                        style={"font-size": "0.8em", "color": "#555"})  # fmt: skip


__all__ = ["BatchPage", "shipped_experiments"]

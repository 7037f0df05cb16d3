"""The equal-CPU-budget campaign driver of the speech benchmarks: every configuration
calibrated once (CPU seconds per step, pinned to one core with one TensorFlow thread), then
each run trains budget / (seconds per step) steps pinned to a core, two at a time, in a
subprocess of the benchmark's own script (``--job``); results kept in one json, rendered
after every run; resumable (finished runs kept, a half-done run started again).

Used by ``bench_postfilter.py`` and ``bench_voice_conversion.py``. A campaign's jobs
re-read the script: run a long campaign from a frozen clone, not from a checkout being
edited.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from typing import Callable, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CALIBRATION_WARMUP, CALIBRATION_STEPS = 20, 100


def env() -> dict:
    """One TensorFlow thread of each kind, quiet logs, the checkout on the path."""
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_NUM_INTRAOP_THREADS="1",
                TF_NUM_INTEROP_THREADS="1", PYTHONPATH=ROOT)


def run_job(script: str, spec: dict, core: str, timeout: float = 6 * 3600) -> dict:
    """Runs ``script --job spec`` pinned to ``core``; the row the job wrote."""
    out = spec["out"] + ".row.json"
    subprocess.run(["taskset", "-c", core, sys.executable, script, "--job", json.dumps(spec),
                    "--job-out", out], check=True, env=env(), timeout=timeout,
                   stdout=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as stream:
        return json.load(stream)


def write_row(row: dict, out: str) -> None:
    """A job's result, atomically."""
    with open(out + ".tmp", "w", encoding="utf-8") as stream:
        json.dump(row, stream, default=float)
    os.replace(out + ".tmp", out)


def calibrate_config(config: dict) -> dict:
    """CPU and wall seconds per step of ``config`` (inside a job: one pinned core), after
    ``CALIBRATION_WARMUP`` steps, over ``CALIBRATION_STEPS`` in the recipe's executions."""
    import keras

    from tfgan_suite import factory

    facts = factory.run_facts(config)
    keras.utils.set_random_seed(0)
    model = factory.build_gan(config, facts)
    factory.compile_gan(model, config)
    batches = factory.dataset(config, facts=facts)
    model.fit(batches, steps_per_epoch=CALIBRATION_WARMUP, epochs=1, verbose=0)
    cpu, wall = time.process_time(), time.monotonic()
    model.fit(batches, steps_per_epoch=CALIBRATION_STEPS, epochs=1, verbose=0)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    return {"cpu_seconds_per_step": cpu / CALIBRATION_STEPS,
            "wall_seconds_per_step": wall / CALIBRATION_STEPS}


def budget_steps(minutes: float, seconds_per_step: float, multiple: int = 10) -> int:
    """Steps of ``minutes`` CPU minutes, a multiple of ``multiple`` (the recipes'
    steps_per_execution), at least one execution."""
    return max(multiple, int(minutes * 60.0 / seconds_per_step) // multiple * multiple)


def arguments(doc: str, groups: tuple, minutes: float = 15.0, seeds: int = 2,
              name: str = "") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=minutes,
                        help="CPU minutes (one core) per trained run")
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--only", nargs="*", choices=groups)
    parser.add_argument("--parallel", type=int, default=2, choices=(1, 2))
    parser.add_argument("--keep-runs", default=os.path.join(ROOT, "runs", "bench_" + name))
    parser.add_argument("--rerender", action="store_true")
    parser.add_argument("--results", default=os.path.join(ROOT, "docs", "results"),
                        help="where the md and json go")
    parser.add_argument("--rows", nargs="*", metavar="NAME", help="only rows of these names")
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--job-out", help=argparse.SUPPRESS)
    return parser


def ordered(jobs: list[tuple[dict, int]], priority: tuple,
            last: Callable[[dict], bool] = lambda row: False) -> list[tuple[dict, int]]:
    """(row, seed) jobs sorted so that a partial campaign answers the main questions first:
    the rows ``last`` picks after every other, then by seed, then by the row's name in
    ``priority`` (names not in it after those that are)."""
    return sorted(jobs, key=lambda job: (last(job[0]), job[1],
                                         priority.index(job[0]["name"])
                                         if job[0]["name"] in priority else len(priority)))


def tag(*parts: str) -> str:
    text = "_".join(parts)
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_" for c in text)


class Campaign:
    """Calibrations and runs of one benchmark (module docstring).

    Args:
        script: the benchmark's file (its ``--job`` runs each job).
        path: the results json.
        render: ``render(path)`` writes the tables from the json.
        args: the parsed ``arguments``.
    """

    def __init__(self, script: str, path: str, render: Callable[[str], None], args):
        from tfgan_suite import provenance

        self.script, self.path, self.render, self.args = script, path, render, args
        self.machine = provenance.machine_description()
        self.saved = {"meta": {}, "rows": [], "calibration": {}}
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as stream:
                self.saved = json.load(stream)
        command = f"python {os.path.relpath(script, ROOT)} {' '.join(sys.argv[1:])}".strip()
        meta = self.saved["meta"]
        meta |= {"machine": self.machine, "git_revision": provenance.git_revision(ROOT),
                 "minutes": args.minutes, "date": datetime.date.today().isoformat(),
                 "commands": [c for c in meta.get("commands", []) if c != command] +
                 [command]}
        self.lock = threading.Lock()
        self.cores: queue.Queue = queue.Queue()
        for core in range(args.parallel):
            self.cores.put(str(core))
        os.makedirs(args.keep_runs, exist_ok=True)

    def save(self) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path + ".tmp", "w", encoding="utf-8") as stream:
            json.dump(self.saved, stream, indent=1, default=float)
        os.replace(self.path + ".tmp", self.path)
        self.render(self.path)

    def _with_core(self, function, *arguments):
        core = self.cores.get()
        try:
            return function(*arguments, core)
        finally:
            self.cores.put(core)

    def _pool(self, calls: list) -> list:
        with concurrent.futures.ThreadPoolExecutor(self.args.parallel) as pool:
            futures = [pool.submit(self._with_core, f, *a) for f, *a in calls]
            return [future.result() for future in futures]

    def calibrate(self, wanted: dict[str, dict]) -> None:
        """Calibrates every key of ``wanted`` (key → a job spec of kind ``calibrate``,
        without ``out``) not calibrated yet, each alone on its core."""
        def one(key, spec, core):
            digest = hashlib.sha256(key.encode()).hexdigest()[:12]
            spec = spec | {"kind": "calibrate",
                           "out": os.path.join(self.args.keep_runs, f"calibration_{digest}")}
            result = run_job(self.script, spec, core, timeout=3600)
            with self.lock:
                self.saved["calibration"][key] = result | {"machine": self.machine}
                self.save()
            print(f"calibrated {key}: {result}", flush=True)

        self._pool([(one, k, s) for k, s in wanted.items()
                    if k not in self.saved["calibration"]])

    def seconds_per_step(self, key: str) -> float:
        return self.saved["calibration"][key]["cpu_seconds_per_step"]

    def run(self, jobs: list[tuple[dict, int]], spec_of: Callable[[dict, int, str], dict],
            key_of: Callable[[dict], tuple] = lambda row: (row["group"], row["setting"],
                                                             row["name"]),
            fields: tuple = ("group", "setting", "name")) -> list:
        """Runs each (row, seed) not in the json yet: ``spec_of(row, seed, out)`` is its job;
        the row's result joins the json with its provenance and the row's ``fields``.
        Failures are reported, not fatal; returns them."""
        from tfgan_suite import provenance

        done = {key_of(r) + (r["seed"],) for r in self.saved["rows"]}
        todo = [(row, seed) for row, seed in jobs if key_of(row) + (seed,) not in done]
        print(f"{len(todo)} runs to go", flush=True)
        failed = []

        def one(row, seed, core):
            out = os.path.join(self.args.keep_runs, tag(*map(str, key_of(row)),
                                                       f"seed{seed}"))
            shutil.rmtree(out, ignore_errors=True)  # a stale, unfinished run: start afresh
            started = time.monotonic()
            try:
                result = run_job(self.script, spec_of(row, seed, out), core)
            except Exception as error:  # noqa: BLE001 - one failed run must not stop the rest
                failed.append((key_of(row), seed))
                print(f"FAILED {key_of(row)} seed {seed}: {error}", flush=True)
                return
            entry = {k: row[k] for k in fields if k in row} | {
                "seed": seed, "run": os.path.relpath(out, ROOT), "machine": self.machine,
                "wall_seconds": round(time.monotonic() - started, 1),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                    "%Y-%m-%d %H:%M UTC"),
                "git_revision": provenance.git_revision(ROOT)} | result
            with self.lock:
                self.saved["rows"].append(entry)
                self.save()
            print(json.dumps({"row": list(key_of(row)), "seed": seed}), flush=True)

        self._pool([(one, row, seed) for row, seed in todo])
        print(f"{len(failed)} failed runs: {failed}" if failed else "every run done",
              flush=True)
        return failed


def job_main(args, handlers: dict[str, Callable[[dict], dict]]) -> Optional[int]:
    """Inside a ``--job`` subprocess: runs its handler and writes the row (0); None when the
    process is the driver."""
    if not args.job:
        return None
    spec = json.loads(args.job)
    write_row(handlers[spec["kind"]](spec), args.job_out)
    return 0


__all__ = ["CALIBRATION_STEPS", "CALIBRATION_WARMUP", "Campaign", "arguments", "budget_steps",
           "calibrate_config", "env", "job_main", "ordered", "run_job", "tag", "write_row"]

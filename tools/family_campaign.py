"""The campaign driver shared by the family benchmarks (``bench_imperfect_labels.py``,
``bench_imperfect_images.py``): rows × seeds of ``tfgan train`` for a fixed wall-clock
budget, then ``tfgan eval`` against the clean test split, each run pinned to one core when
two go at a time; ``--merge`` resumes a campaign across sittings; the comparison rule.

A benchmark gives its rows (dicts with ``group``, ``setting``, ``name``, ``recipe``,
``overrides``; optionally ``budget``, a multiple of ``--minutes`` for that row, ``runner``,
and ``curve_minutes`` / ``curve_metrics`` / ``curve_n``: evaluate every ``curve_minutes`` of
training time, metric groups ``curve_metrics`` (e.g. ``[fd,conditional]``) on ``curve_n``
samples, kept under the row's ``curve``) and a ``render(results)`` that writes its table
from the json. Each run's row records the ``minutes`` it trained for. ``--results DIR``
writes the json, md and grids to DIR instead of docs/results (smoke runs of a campaign).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import math
import os
import queue
import shutil
import sys
import tempfile
import threading
from typing import Callable, Optional

from bench_fashion_mnist import run_recipe
from fashion_mnist_campaign import mean_se

from tfgan_suite import provenance

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPACES = ("fmnist", "fmnist_vgg")


#: Keys of a row spec handed to its runner as keyword arguments: the curve's schedule.
CURVE_KEYS = ("curve_minutes", "curve_metrics", "curve_n")


def row_key(row: dict) -> tuple:
    return row["group"], row["setting"], row["name"]


def run_tag(spec: dict) -> str:
    """A row's name on disk: its run directory is ``<tag>_seed<seed>``."""
    tag = f"{spec['group']}_{spec['setting']}_{spec['name']}".replace("μ", "mu")
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_" for c in tag)


def parser(doc: str, groups: tuple, minutes: float = 10.0, seeds: int = 3
           ) -> argparse.ArgumentParser:
    """The benchmarks' common command line."""
    result = argparse.ArgumentParser(description=doc.splitlines()[0])
    result.add_argument("--minutes", type=float, default=minutes)
    result.add_argument("--seeds", type=int, default=seeds)
    result.add_argument("--only", nargs="*", choices=groups, help="groups (default all)")
    result.add_argument("--rows", nargs="*", metavar="NAME",
                        help="within those groups, only the rows of these names (NAME, or "
                             "GROUP/NAME for one group's row)")
    result.add_argument("--parallel", type=int, default=2, choices=(1, 2),
                        help="runs at a time (2: each pinned to one core)")
    result.add_argument("--n-eval", type=int, default=10000)
    result.add_argument("--merge", action="store_true",
                        help="keep the rows of the json and skip them")
    result.add_argument("--drop", nargs="*", default=[], metavar="GROUP",
                        help="with --merge: first remove these groups' rows from the json "
                             "(to measure a group again, e.g. on another machine)")
    result.add_argument("--rerender", action="store_true",
                        help="only rewrite the md (and plots) from the json")
    result.add_argument("--results", metavar="DIR", default=None,
                        help="write the json, md and grids here instead of docs/results "
                             "(e.g. a smoke run of a campaign)")
    result.add_argument("--keep-runs", metavar="DIR",
                        help="train in DIR and keep every run directory (for pictures or "
                             "further evaluation later); default: a temporary directory, "
                             "each run removed once scored")
    return result


def stats(rows: list[dict], metrics: tuple, value: Callable,
          spaces: tuple = SPACES) -> dict[tuple, dict]:
    """Per (group, setting, name): its seeds and mean ± SE of each ``metric_space`` that
    ``value(row, metric, space)`` gives (None: absent), for each space of ``spaces``."""
    table: dict[tuple, dict] = {}
    for row in rows:
        entry = table.setdefault(row_key(row), {"seeds": [], "values": {}})
        entry["seeds"].append(row["seed"])
        for metric in metrics:
            for space in spaces:
                found = value(row, metric, space)
                if found is not None:
                    entry["values"].setdefault(f"{metric}_{space}", []).append(found)
    for entry in table.values():
        entry["stats"] = {k: mean_se(v) for k, v in entry["values"].items()}
    return table


def compare(entry: dict, base: dict, key: str, higher: bool) -> Optional[dict]:
    """``entry`` against ``base`` on ``key``: the gain (positive = better), two combined
    standard errors 2·√(se² + se_b²), and whether the gain exceeds them (≥ 2 seeds)."""
    if key not in entry["stats"] or key not in base["stats"]:
        return None
    (m, se), (mb, seb) = entry["stats"][key], base["stats"][key]
    margin = 2 * math.sqrt(se ** 2 + seb ** 2)
    gain = (m - mb) if higher else (mb - m)
    return {"metric": key, "model_mean": m, "baseline_mean": mb, "gain": gain,
            "margin": margin, "seeds": (len(entry["seeds"]), len(base["seeds"])),
            "beats": bool(gain > margin and len(entry["seeds"]) >= 2)}


def cpu(row: dict) -> str:
    """A row's machine without its kernel: the CPU model and core count."""
    return ", ".join(row.get("machine", "unknown").split(", ")[:2])


def machines_by_group(rows: list[dict]) -> dict[str, str]:
    """Group → the machine its rows were measured on (one per group: ``run`` refuses to
    mix machines within a group, whose rows are compared with each other)."""
    result: dict[str, str] = {}
    for row in rows:
        result.setdefault(row["group"], cpu(row))
    return result


def check_machines(rows: list[dict], jobs: list, machine: str) -> None:
    """Wall-clock rows compare only on one machine: a job of a group whose rows come from
    another machine is refused (``--drop GROUP`` measures the group again here)."""
    here = cpu({"machine": machine})
    measured = machines_by_group(rows)
    for spec, _ in jobs:
        there = measured.get(spec["group"])
        if there is not None and there != here:
            raise SystemExit(f"--merge: group {spec['group']!r} was measured on {there}, this "
                             f"is {here}; a group's rows must share a machine: add --drop "
                             f"{spec['group']} to measure it again here, or run it there")


def header(title: str, meta: dict, same: str, rows: Optional[list[dict]] = None
           ) -> list[str]:
    """The provenance lines that open a family table: command, revision, machine, date and
    the budget (``same``: what every row shares). With ``rows`` from several machines, the
    machine of each group (comparisons stay within a group)."""
    commands = meta.get("commands") or [meta["command"]]
    lines = [f"# {title}", ""]
    lines += ([f"- command: `{commands[0]}`"] if len(commands) == 1 else
              ["- commands, in order (a campaign resumed with --merge):"]
              + [f"  - `{command}`" for command in commands])
    lines += [
        f"- git revision of this file: {meta['git_revision']} (each row names its own)",
        f"- machine: {meta['machine']}; TensorFlow {meta['tensorflow']}",
        f"- date: {meta['date']}",
        f"- budget: **{meta['minutes']:g} minutes of training per run**, "
        f"{meta['parallel']} run(s) at a time, each pinned to "
        f"{'one core' if meta['parallel'] > 1 else 'the whole machine'} (taskset); {same}"]
    by_group = machines_by_group(rows or [])
    if len(set(by_group.values())) > 1:
        lines.append("- machines by group (each group measured on one machine; compare rows "
                     "within a group only): " + "; ".join(
                         f"{group}: {machine}" for group, machine in by_group.items()))
    return lines + [f"- note: {note}" for note in meta.get("notes", [])]


def rerender(results: str, name: str, write_markdown: Callable) -> None:
    """Rewrite ``<name>.md`` from ``<name>.json``: ``write_markdown(meta, rows, results)``."""
    with open(os.path.join(results, f"{name}.json"), encoding="utf-8") as handle:
        saved = json.load(handle)
    write_markdown(saved["meta"], saved["rows"], results)


def grid_lines(rows: list[dict], heading: str = "Sample grids (seed 0)",
               note: str = "") -> list[str]:
    """A section (``note`` under its heading) with the seed-0 grid of every row."""
    lines = ["", f"## {heading}", ""] + ([note, ""] if note else [])
    for row in rows:
        if row["seed"] == 0:
            lines += [f"### {row['name']}", "", f"![{row['name']}]({row['grid']})", ""]
    return lines


def write_lines(results: str, name: str, lines: list[str]) -> None:
    with open(os.path.join(results, f"{name}.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def pm(stat, digits: int = 2, scale: float = 1.0) -> str:
    if stat is None:
        return "—"
    mean, se = stat
    return f"{mean * scale:.{digits}f} ± {se * scale:.{digits}f}"


def run(name: str, all_rows: list[dict], args, render: Callable[[str], None],
        results: str, script: str) -> int:
    """Every (row, seed) of ``all_rows`` in ``args.only``'s groups that the json lacks,
    two at a time on one core each (``--parallel 2``), the json rewritten and rendered
    after each run."""
    import tensorflow as tf

    results = getattr(args, "results", None) or results
    path = os.path.join(results, f"{name}.json")
    rows: list[dict] = []
    previous: dict = {}
    if args.merge and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        rows, previous = saved["rows"], saved["meta"]
        rows = [row for row in rows if row["group"] not in getattr(args, "drop", [])]
    elif getattr(args, "drop", None):
        raise SystemExit("--drop: applies with --merge only (without it the json starts "
                         "empty)")
    done = {row_key(row) + (row["seed"],) for row in rows}
    revision = provenance.git_revision(ROOT)
    meta = {"command": f"python tools/{script} " + " ".join(sys.argv[1:]),
            "git_revision": revision, "machine": provenance.machine_description(),
            "tensorflow": tf.__version__, "minutes": args.minutes, "parallel": args.parallel,
            "date": datetime.date.today().isoformat()}
    # A resumed campaign keeps what its json said before (e.g. a reference, notes) and the
    # list of every command that wrote it.
    commands = previous.get("commands", [previous["command"]] if previous else [])
    meta = previous | meta | {"commands": [c for c in commands if c != meta["command"]]
                              + [meta["command"]]}
    jobs = [(row, seed) for seed in range(args.seeds) for row in all_rows
            if (not args.only or row["group"] in args.only)
            and (not getattr(args, "rows", None) or row["name"] in args.rows
                 or f"{row['group']}/{row['name']}" in args.rows)
            and row_key(row) + (seed,) not in done]
    check_machines(rows, jobs, provenance.machine_description())
    print(f"{len(jobs)} runs to go", flush=True)
    keep = bool(getattr(args, "keep_runs", None))
    if keep:
        os.makedirs(args.keep_runs, exist_ok=True)
    workdir = args.keep_runs if keep else tempfile.mkdtemp(prefix=f"bench_{name}_")
    grid_dir = os.path.join(results, name)
    cores: queue.Queue = queue.Queue()
    for core in range(args.parallel):
        cores.put(str(core))
    lock = threading.Lock()

    def one(job):
        spec, seed = job
        core = cores.get()
        try:
            tag = run_tag(spec)
            # A kept directory of a job the json lacks is a stale run (failed, or its row
            # taken out to be measured again): start it afresh.
            shutil.rmtree(os.path.join(workdir, f"{tag}_seed{seed}"), ignore_errors=True)
            # A row may bring its own runner (same arguments), e.g. StackGAN's two stages.
            runner = spec.get("runner", run_recipe)
            minutes = args.minutes * spec.get("budget", 1)
            curve = {key: spec[key] for key in CURVE_KEYS if key in spec}
            row = runner(tag, spec["recipe"], minutes, workdir, args.n_eval,
                         overrides=spec["overrides"], seed=seed, grid_dir=grid_dir,
                         cpus=core if args.parallel > 1 else None, **curve)
        finally:
            cores.put(core)
        row |= {key: spec[key] for key in ("group", "setting", "name")} | {
            "minutes": minutes, "git_revision": revision,
            "machine": provenance.machine_description(),
            "cores": 1 if args.parallel > 1 else os.cpu_count(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        row |= {key: spec[key] for key in CURVE_KEYS if key in spec}
        if not keep:
            shutil.rmtree(os.path.join(workdir, f"{tag}_seed{seed}"), ignore_errors=True)
        with lock:
            rows.append(row)
            os.makedirs(results, exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"meta": meta, "rows": rows}, handle, indent=2)
            render(results)
        print(json.dumps({"row": row_key(row), "seed": seed, "steps": row["steps"]}),
              flush=True)

    with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
        for future in [pool.submit(one, job) for job in jobs]:
            future.result()
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0

"""The seed campaign of ``bench_fashion_mnist.py --seeds N`` (issue #20).

Each recipe trains ``N`` times (seeds 0 … N−1) for the same budget, evaluating every
``--curve-minutes`` of training time on 5,000 samples in both feature spaces (the curve;
evaluation time is not training time), then ``tfgan eval`` on 10,000 samples at the end.
Seeds are interleaved (seed 0 of every recipe, then seed 1, …) so that a campaign cut short
is still balanced, and ``--merge`` skips (recipe, seed) rows already measured: a campaign
longer than one sitting resumes where it stopped. A table mixes machines only if told to:
every row records its CPU, and the summary is computed per CPU.

Summary per recipe and space: mean ± standard error of FD over seeds; the ratio to the
tutorial baseline's mean; the bar of issue #20 — FD ≤ 0.5 × the baseline's, by more than two
combined standard errors: 0.5·m_b − m ≥ 2·√(se² + (0.5·se_b)²) — in both spaces; and, from the
mean curves, the training minutes a recipe needs to reach the baseline's final FD.

Results: ``docs/results/fashion_mnist_seeds.md`` / ``.json`` and ``fashion_mnist_curves.png``.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import shutil
import tempfile
from typing import Optional

import numpy as np

from tfgan_suite import provenance

SPACES = ("fd_fmnist", "fd_fmnist_vgg")
BASELINE = "dcgan_tutorial"
#: Issue #20's bar: at most this fraction of the baseline's FD.
BAR = 0.5
NAME = "fashion_mnist_seeds"


def mean_se(values: list[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (sample std / √n; 0 for one value)."""
    values = np.asarray(values, np.float64)
    if len(values) < 2:
        return float(values.mean()), 0.0
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def meets_bar(ours: tuple[float, float], baseline: tuple[float, float],
              bar: float = BAR) -> bool:
    """``bar``·m_b − m ≥ 2·√(se² + (bar·se_b)²): lower than ``bar`` × the baseline by more
    than two combined standard errors."""
    (mean, se), (base_mean, base_se) = ours, baseline
    return bar * base_mean - mean >= 2.0 * math.hypot(se, bar * base_se)


def mean_curve(rows: list[dict], key: str) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """(minutes, mean FD) over the seeds' curves, on the evaluation times they share (each
    seed's points taken at the same nominal period; the time is the seeds' mean)."""
    curves = [row["curve"] for row in rows if row.get("curve")]
    if not curves:
        return None
    length = min(len(curve) for curve in curves)
    minutes = np.mean([[point["train_seconds"] / 60.0 for point in curve[:length]]
                       for curve in curves], axis=0)
    values = np.mean([[point[key] for point in curve[:length]] for curve in curves], axis=0)
    return minutes, values


def minutes_to_reach(curve, target: float) -> Optional[float]:
    """The first evaluation time at which the mean curve is at or below ``target``."""
    if curve is None:
        return None
    for minutes, value in zip(*curve, strict=True):
        if value <= target:
            return float(minutes)
    return None


def summarise(rows: list[dict]) -> dict:
    """Per CPU, per recipe: seeds, steps, mean ± SE per space, ratios, bar, time to reach."""
    by_cpu: dict[str, dict[str, list[dict]]] = {}
    for row in rows:
        by_cpu.setdefault(row["machine"].split(",")[0], {}).setdefault(row["name"], []).append(
            row)
    summary = {}
    for cpu, recipes in by_cpu.items():
        base_rows = recipes.get(BASELINE, [])
        base = {key: mean_se([r["metrics"][key] for r in base_rows]) for key in SPACES
                } if base_rows else {}
        table = {}
        for name, group in recipes.items():
            entry = {"seeds": sorted(r["seed"] for r in group),
                     "steps": mean_se([r["steps"] for r in group])}
            for key in SPACES:
                entry[key] = mean_se([r["metrics"][key] for r in group])
                if base and name != BASELINE:
                    entry[f"{key}_ratio"] = entry[key][0] / base[key][0]
                    entry[f"{key}_meets_bar"] = meets_bar(entry[key], base[key])
                    entry[f"{key}_minutes_to_baseline"] = minutes_to_reach(
                        mean_curve(group, key), base[key][0])
            table[name] = entry
        summary[cpu] = table
    return summary


def plot_curves(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(SPACES), figsize=(5.5 * len(SPACES), 4.2))
    names = sorted({row["name"] for row in rows}, key=lambda n: (n != BASELINE, n))
    for axis, key in zip(axes, SPACES, strict=True):
        for name in names:
            group = [row for row in rows if row["name"] == name]
            for row in group:
                if row.get("curve"):
                    axis.plot([p["train_seconds"] / 60 for p in row["curve"]],
                              [p[key] for p in row["curve"]], alpha=0.25, linewidth=0.8,
                              color=f"C{names.index(name)}")
            curve = mean_curve(group, key)
            if curve is not None:
                axis.plot(*curve, marker="o", markersize=3, color=f"C{names.index(name)}",
                          label=f"{name} (mean of {len(group)})")
        axis.set_yscale("log")
        axis.set_xlabel("training minutes (2 cores)")
        axis.set_ylabel(key)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("FD versus training time (5,000 samples per point; thin: single seeds)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _pm(value: tuple[float, float]) -> str:
    return f"{value[0]:.2f} ± {value[1]:.2f}"


def write_markdown(meta: dict, rows: list[dict], summary: dict, results: str) -> None:
    lines = [
        "# Fashion-MNIST, unconditional: seeds, two feature spaces, FD versus time", "",
        f"- command: `{meta['command']}`",
        f"- git revision of this file: {meta['git_revision']} (each row names its own)",
        f"- machine of this invocation: {meta['machine']}; TensorFlow {meta['tensorflow']}",
        f"- date: {meta['date']}",
        f"- budget: **{meta['minutes']:g} minutes of training per run** (`train.max_minutes`; "
        "the curve's evaluations are not counted), one run at a time on the whole machine; "
        "'cores used' = the training process's CPU seconds per wall second (≈ 2 when it had "
        "the 2-core machine to itself; lower when other work competed)",
        f"- curve: every {meta['curve_minutes']:g} training minutes, 5,000 samples, FD in both "
        "spaces; final numbers: `tfgan eval`, 10,000 generated vs 10,000 test images",
        "- spaces: `fd_fmnist` (2-conv CNN, seed 0) and `fd_fmnist_vgg` (VGG-style CNN with "
        "BatchNorm and global pooling, seed 1); accuracies and floors in metrics_floor.md",
        f"- bar (issue #20): FD ≤ {BAR:g} × the `{BASELINE}` mean by more than two combined "
        "standard errors, in both spaces"]
    if len(meta.get("commands", [])) > 1:
        lines.append("- every invocation of this campaign (`--merge` resumes it): "
                     + "; ".join(f"`{c}`" for c in meta["commands"]))
    if meta.get("excluded"):
        lines.append(f"- excluded: {meta['excluded']}")
    lines += [f"- note: {note}" for note in meta.get("notes", [])]
    lines.append("")
    for cpu, table in summary.items():
        lines += [f"## Summary on {cpu} (mean ± standard error over seeds)", "",
                  "| recipe | seeds | steps | FD_fmnist | ratio | bar | reaches baseline at "
                  "| FD_fmnist_vgg | ratio | bar | reaches baseline at |", "|---" * 11 + "|"]
        for name, entry in table.items():
            cells = []
            for key in SPACES:
                ratio = entry.get(f"{key}_ratio")
                bar = entry.get(f"{key}_meets_bar")
                reach = entry.get(f"{key}_minutes_to_baseline")
                cells += [_pm(entry[key]), "—" if ratio is None else f"{ratio:.2f}",
                          "—" if bar is None else ("**met**" if bar else "missed"),
                          "—" if name == BASELINE else
                          ("not within the run" if reach is None else f"{reach:.1f} min")]
            seeds = ", ".join(map(str, entry["seeds"]))
            lines.append(f"| {name} | {len(entry['seeds'])} ({seeds}) "
                         f"| {entry['steps'][0]:,.0f} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Every run", "",
              "| recipe | seed | steps | steps / s | FD_fmnist | FD_fmnist_vgg | precision "
              "| recall | coverage | cores used | CPU | revision | date |", "|---" * 13 + "|"]
    for row in rows:
        m = row["metrics"]
        lines.append(f"| {row['name']} | {row['seed']} | {row['steps']:,} | "
                     f"{row['steps_per_second']:.1f} | {m['fd_fmnist']:.2f} | "
                     f"{m['fd_fmnist_vgg']:.2f} | {m['precision_fmnist']:.3f} | "
                     f"{m['recall_fmnist']:.3f} | {m['coverage_fmnist']:.3f} | "
                     f"{row.get('cores_used', '—')} | {row['machine'].split(',')[0]} | "
                     f"{row['git_revision']} | {row['date']} |")
    lines += ["", "## FD versus training time", "", "![curves](fashion_mnist_curves.png)",
              "", "## Sample grids (seed 0 of each recipe)", ""]
    for row in rows:
        if row["seed"] == 0:
            lines += [f"### {row['name']}", "", f"![{row['name']}]({row['grid']})", ""]
    with open(os.path.join(results, f"{NAME}.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def render(results: str) -> None:
    with open(os.path.join(results, f"{NAME}.json"), encoding="utf-8") as handle:
        saved = json.load(handle)
    rows, meta = saved["rows"], saved["meta"]
    write_markdown(meta, rows, summarise(rows), results)
    if any(row.get("curve") for row in rows):
        plot_curves(rows, os.path.join(results, "fashion_mnist_curves.png"))


def run_campaign(recipes: list[tuple[str, str, str]], seeds: int, minutes: float,
                 curve_minutes: float, n_eval: int, merge: bool, results: str, root: str,
                 command: str, run_recipe) -> None:
    """Trains every (recipe, seed) not yet measured, writing the results after each run."""
    import tensorflow as tf

    path = os.path.join(results, f"{NAME}.json")
    rows: list[dict] = []
    previous: dict = {}
    if merge and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        rows, previous = saved["rows"], saved["meta"]
    done = {(row["name"], row["seed"]) for row in rows}
    revision = provenance.git_revision(root)
    meta = {"command": command, "git_revision": revision,
            "machine": provenance.machine_description(), "tensorflow": tf.__version__,
            "minutes": minutes, "curve_minutes": curve_minutes,
            "date": datetime.date.today().isoformat()}
    # A merged campaign keeps its history: every command, and the notes on excluded rows.
    commands = previous.get("commands", [previous["command"]] if previous else [])
    meta["commands"] = [c for c in commands if c != command] + [command]
    for key in ("excluded", "notes"):
        if previous.get(key):
            meta[key] = previous[key]
    workdir = tempfile.mkdtemp(prefix="fashion_mnist_campaign_")
    for seed in range(seeds):
        for name, recipe, role in recipes:
            if (name, seed) in done:
                print(f"{name} seed {seed}: measured already (--merge), skipped", flush=True)
                continue
            print(f"{name} seed {seed}: training {minutes:g} min ...", flush=True)
            row = run_recipe(name, recipe, minutes, workdir, n_eval, seed=seed,
                             curve_minutes=curve_minutes,
                             grid_dir=os.path.join(results, NAME))
            row |= {"role": role, "git_revision": revision,
                    "machine": provenance.machine_description(),
                    "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                        "%Y-%m-%d %H:%M UTC")}
            rows.append(row)
            shutil.rmtree(os.path.join(workdir, f"{name}_seed{seed}"), ignore_errors=True)
            print(json.dumps({"name": name, "seed": seed, "steps": row["steps"]}
                             | {key: row["metrics"][key] for key in SPACES}), flush=True)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"meta": meta, "rows": rows}, handle, indent=2)
            render(results)
    shutil.rmtree(workdir, ignore_errors=True)

"""Image-to-image translation between Fashion-MNIST edge maps and garments (issue #18).

The task (``data.name: fashion_edges``, 32 px; data/translation.py): the edge maps
(scikit-image Canny) of one half of the train split and the garments of the other half for
the unpaired models; the test split's (edge map, garment) pairs are the hidden truth every
row is scored against. Two tasks: ``edges→image`` and ``image→edges``.

Rows (``ROWS``), equal wall-clock budget (``--minutes``, default 15, one core per run, two
at a time — ``family_campaign.py``):

- ``identity``: output = input, no training (the floor every translator must clear);
- ``cyclegan``: ``configs/cyclegan_fashion_edges.yaml`` — both directions from one run;
- ``cyclegan_no_identity``: the same with ``cyclegan.identity_fraction=0``;
- ``pix2pix``: ``configs/pix2pix_fashion_edges.yaml`` on the train pairs (the paired upper
  bound), edges→image; ``pix2pix_reverse``: the same recipe with ``data.domains=[garments,
  edges]``, image→edges. Each direction of pix2pix is its own run with the whole budget,
  while CycleGAN learns both directions within one budget.

The recipes decay the learning rate linearly over the second half of ``train.steps``
(the reference's 100 + 100 epochs). Within a wall-clock budget, each row first trains for
``PROBE_MINUTES`` (pinned like its run, not counted in the budget) to measure its rate, and
its run sets ``train.steps`` to ``PLAN_FACTOR`` × rate × budget, so the decay happens inside
the budget; the table lists planned and reached steps (``train.max_minutes`` stops a run
that is faster than planned, so no row trains longer than the budget).

Scores (``tfgan eval --n 10000`` on the hidden test pairs; evaluation.TranslationEvaluator):
L1 (mean |output − truth| on the [0, 1] scale) and SSIM to the truth for both tasks; for
edges→image, in both Fashion-MNIST feature spaces (``primary``: the 2-conv CNN, ``vgg``:
the VGG-style CNN), the fraction of outputs the classifier puts in the class of the source's
garment (class preserved) and FD of the outputs against the real test garments. Mean ±
standard error over seeds (the identity row is deterministic).

Must-show (``summarise``): CycleGAN beats identity by a wide margin — by more than two
combined standard errors and by at least ``WIDE`` of identity's value — on image→edges L1
and on edges→image class preservation, and its numbers sit between identity and pix2pix.

Results: ``docs/results/translation.md`` / ``.json``; grids (input / output / truth, seed 0)
under ``docs/results/translation/``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import family_campaign as campaign  # noqa: E402
from bench_fashion_mnist import _cli, run_pinned, run_recipe  # noqa: E402
from fashion_mnist_campaign import mean_se  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "translation"
GROUP = "fashion_edges"
SETTING = "32 px"
CYCLEGAN = "cyclegan_fashion_edges.yaml"
PIX2PIX = "pix2pix_fashion_edges.yaml"
#: Minutes of training that measure a row's rate before its run (not part of the budget; a
#: quarter of the budget when that is less).
PROBE_MINUTES = 3.0
#: The planned steps: this many times the probe's rate × the budget. The probe's rate
#: includes tracing, so it is below the steady rate; a plan above the reachable steps only
#: leaves part of the decay untaken (the table shows how much).
PLAN_FACTOR = 1.15
#: "A wide margin": at least this fraction of identity's value, and > 2 combined SE.
WIDE = 0.25
TASKS = ("edges→image", "image→edges")
METRICS = ("l1", "ssim", "class_preserved", "fd")
SPACES = ("primary", "vgg")


def _row(name: str, recipe: str, overrides: tuple = (), runner=None) -> dict:
    spec = {"group": GROUP, "setting": SETTING, "name": name, "recipe": recipe,
            "overrides": overrides}
    return spec | ({"runner": runner} if runner else {})


_rates: dict[str, float] = {}
_rates_lock = threading.Lock()


def _tool(*args: str, cpus=None, timeout: float = 3600) -> str:
    """This script with ``args`` in a subprocess (pinned like the run it belongs to)."""
    return run_pinned([sys.executable, os.path.abspath(__file__), *args], timeout, cpus)


def _probe_rate(tag: str, recipe: str, overrides: tuple, cpus, minutes: float) -> float:
    """Steps per second of ``recipe`` over ``minutes`` of training (once per row)."""
    with _rates_lock:
        if tag in _rates:
            return _rates[tag]
    with tempfile.TemporaryDirectory(prefix="probe_") as directory:
        run = os.path.join(directory, "probe")
        sets = [f"train.max_minutes={minutes}", "train.steps=10000000", *overrides]
        _cli("train", "--config", os.path.join(ROOT, "configs", recipe), "--out", run,
             *[arg for item in sets for arg in ("--set", item)], timeout=3600, cpus=cpus)
        with open(os.path.join(run, "metrics.json"), encoding="utf-8") as handle:
            rate = float(json.load(handle)["steps_per_second"])
    with _rates_lock:
        _rates[tag] = rate
    return rate


def _tasks(metrics: dict, domains: tuple[str, str], directions: tuple[str, ...]) -> dict:
    """A run's metrics by task (``edges→image`` …) instead of by direction (``a2b`` …)."""
    result = {}
    for direction in directions:
        source, target = domains if direction == "a2b" else domains[::-1]
        task = f"{'image' if source == 'garments' else source}→" \
               f"{'image' if target == 'garments' else target}"
        entry = {}
        for metric in METRICS:
            for space in SPACES:
                suffix = "fmnist" if space == "primary" else "fmnist_vgg"
                key = (f"{metric}_{direction}" if metric in ("l1", "ssim")
                       else f"{metric}_{direction}_{suffix}")
                if key in metrics:
                    name = metric if metric in ("l1", "ssim") else f"{metric}_{space}"
                    entry[name] = float(metrics[key])
        result[task] = entry
    return result


def run_translation(tag, recipe, minutes, workdir, n_eval, overrides=(), seed=0,
                    grid_dir=None, cpus=None) -> dict:
    """Probe the row's rate, train with the planned steps, score, draw the grid."""
    rate = _probe_rate(tag, recipe, tuple(overrides), cpus, min(PROBE_MINUTES, minutes / 4))
    planned = max(100, int(PLAN_FACTOR * rate * minutes * 60))
    row = run_recipe(tag, recipe, minutes, workdir, n_eval,
                     overrides=(*overrides, f"train.steps={planned}"), seed=seed,
                     grid_dir=grid_dir, cpus=cpus, sample_grid=False)
    run_dir = os.path.join(workdir, f"{tag}_seed{seed}")
    grid = os.path.join(RESULTS, row["grid"])
    info = json.loads(_tool("--grid", run_dir, grid, cpus=cpus).strip().splitlines()[-1])
    return row | {"probe_steps_per_second": rate, "planned_steps": planned,
                  "overrides": list(overrides), "domains": info["domains"],
                  "tasks": _tasks(row["metrics"], tuple(info["domains"]),
                                  tuple(info["directions"]))}


def run_identity(tag, recipe, minutes, workdir, n_eval, overrides=(), seed=0, grid_dir=None,
                 cpus=None) -> dict:
    """The identity baseline: no training; scored like a run (``--identity``)."""
    del minutes, workdir  # nothing trains
    grid = os.path.join(grid_dir or os.path.join(RESULTS, NAME),
                        f"{tag}.png" if seed == 0 else f"{tag}_seed{seed}.png")
    result = json.loads(_tool("--identity", recipe, str(n_eval), grid, *overrides,
                              cpus=cpus).strip().splitlines()[-1])
    return {"name": tag, "recipe": f"configs/{recipe}", "overrides": list(overrides),
            "seed": seed, "steps": 0, "steps_per_second": 0.0, "planned_steps": 0,
            "stopped_by_time": False, "metrics": result["metrics"],
            "domains": result["domains"], "n_eval": result["n_pairs"],
            "feature_extractors": result["feature_extractors"],
            "grid": os.path.relpath(grid, RESULTS),
            "tasks": _tasks(result["metrics"], tuple(result["domains"]), ("a2b", "b2a"))}


ROWS = [
    _row("identity", CYCLEGAN, runner=run_identity),
    _row("cyclegan", CYCLEGAN, runner=run_translation),
    _row("cyclegan_no_identity", CYCLEGAN, ("cyclegan.identity_fraction=0",),
         runner=run_translation),
    _row("pix2pix", PIX2PIX, runner=run_translation),
    _row("pix2pix_reverse", PIX2PIX, ("data.domains=[garments, edges]",),
         runner=run_translation),
]


# --- the subprocess side: grids, descriptions, the identity baseline --------------------

class IdentityTranslator:
    """Output = input, in both directions (edge maps and garments share one shape)."""

    directions = ("a2b", "b2a")

    @staticmethod
    def translate(images, direction: str = "a2b"):
        del direction
        return images


def _grid_rows(model, config: dict, columns: int = 8) -> list:
    """One block per direction: its sources, their translations, the hidden truth."""
    import numpy as np

    from tfgan_suite import factory

    a, b = factory.grid_sources(config, columns * columns)
    rows = []
    for direction in model.directions:
        source, truth = (a, b) if direction == "a2b" else (b, a)
        rows += [source, np.asarray(model.translate(source, direction)), truth]
    return rows


def _save_grid(model, config: dict, path: str) -> None:
    import numpy as np

    from tfgan_suite.viz import grids

    rows = _grid_rows(model, config)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    grids.save_image_grid(np.concatenate(rows), path, columns=len(rows[0]))


def _grid_main(run_dir: str, path: str) -> None:
    """Draw a run's grid; print its domains and directions (JSON)."""
    from tfgan_suite import runs
    from tfgan_suite.data import domains

    model = runs.load_run(run_dir)
    _save_grid(model, model.run_config, path)
    names, _ = domains.resolve(model.run_config["data"])
    print(json.dumps({"domains": list(names), "directions": list(model.directions)}))


def _identity_main(recipe: str, n: str, grid: str, *overrides: str) -> None:
    from tfgan_suite import config as config_lib
    from tfgan_suite import evaluation

    config = config_lib.load(os.path.join(ROOT, "configs", recipe), list(overrides))
    evaluator = evaluation.TranslationEvaluator(config, n=int(n))
    model = IdentityTranslator()
    metrics = evaluator.evaluate(model)
    _save_grid(model, config, grid)
    print(json.dumps(evaluator.describe() | {"metrics": metrics,
                                             "domains": list(evaluator.pair.names)}))


# --- the table ---------------------------------------------------------------------------

def table(rows: list[dict]) -> dict:
    """(name → task → metric → (mean, se)) over seeds, and the seeds of each name."""
    values: dict = {}
    seeds: dict = {}
    for row in rows:
        seeds.setdefault(row["name"], []).append(row["seed"])
        for task, entry in row["tasks"].items():
            for metric, value in entry.items():
                values.setdefault(row["name"], {}).setdefault(task, {}).setdefault(
                    metric, []).append(value)
    stats = {name: {task: {metric: mean_se(v) for metric, v in entry.items()}
                    for task, entry in tasks.items()} for name, tasks in values.items()}
    return {"stats": stats, "seeds": seeds}


def _higher(metric: str) -> bool:
    return metric == "ssim" or metric.startswith("class_preserved")


def summarise(rows: list[dict]) -> list[dict]:
    """The must-show verdicts (module docstring)."""
    summary = table(rows)
    stats, seeds = summary["stats"], summary["seeds"]
    verdicts = []
    if "identity" not in stats or "cyclegan" not in stats:
        return verdicts
    for task, metric in (("image→edges", "l1"), ("edges→image", "class_preserved_primary"),
                         ("edges→image", "class_preserved_vgg")):
        cycle = stats["cyclegan"].get(task, {}).get(metric)
        base = stats["identity"].get(task, {}).get(metric)
        if cycle is None or base is None:
            continue
        higher = _higher(metric)
        gain = (cycle[0] - base[0]) if higher else (base[0] - cycle[0])
        margin = 2 * math.sqrt(cycle[1] ** 2 + base[1] ** 2)
        wide = WIDE * abs(base[0])
        verdicts.append({
            "rule": f"cyclegan beats identity widely on {task} {metric}",
            "cyclegan": cycle, "reference": base, "gain": gain,
            "needed": max(margin, wide), "seeds": len(seeds["cyclegan"]),
            "meets": bool(gain > margin and gain >= wide and len(seeds["cyclegan"]) >= 2)})
    upper = {"edges→image": "pix2pix", "image→edges": "pix2pix_reverse"}
    for task, bound in upper.items():
        if bound not in stats:
            continue
        for metric in stats["cyclegan"].get(task, {}):
            cycle = stats["cyclegan"][task][metric][0]
            low = stats["identity"].get(task, {}).get(metric)
            high = stats[bound].get(task, {}).get(metric)
            if low is None or high is None:
                continue
            sign = 1 if _higher(metric) else -1
            between = sign * low[0] <= sign * cycle <= sign * high[0]
            verdicts.append({
                "rule": f"cyclegan between identity and {bound} on {task} {metric}",
                "cyclegan": stats["cyclegan"][task][metric], "reference": low, "upper": high,
                "seeds": len(seeds["cyclegan"]), "meets": bool(between)})
    return verdicts


def _cell(stat, metric: str) -> str:
    if stat is None:
        return "—"
    if metric.startswith("class_preserved"):
        return campaign.pm(stat, 1, 100.0) + " %"
    return campaign.pm(stat, 3 if metric in ("l1", "ssim") else 2)


def write_markdown(meta: dict, rows: list[dict], results: str) -> None:
    summary = table(rows)
    stats, seeds = summary["stats"], summary["seeds"]
    lines = campaign.header(
        "Image-to-image translation: Fashion-MNIST edges ↔ garments (issue #18)", meta,
        "each row is its recipe (configs/) unchanged but for the overrides listed and "
        f"`train.steps` planned from a {min(PROBE_MINUTES, meta['minutes'] / 4):g}-minute "
        f"probe of the row's rate (× {PLAN_FACTOR}) so that the linear decay happens inside "
        "the budget", rows)
    pairs = max((row.get("n_eval") or 0 for row in rows), default=0)
    lines += [
        "- task: `data.name: fashion_edges`, 32 px; unpaired models see the edge maps of one "
        f"half of the train split and the garments of the other; scores on {pairs:,} hidden "
        f"test pairs (`tfgan eval --n {pairs}`): L1 (mean |output − truth| on [0, 1]) and SSIM "
        "to the truth; for edges→image the class preserved (the classifier's class of the "
        "output = the class of the source's garment) and FD of the outputs against the real "
        "test garments, in both feature spaces (`primary`: the 2-conv CNN, `vgg`: the "
        "VGG-style CNN); mean ± standard error over seeds (identity is deterministic)",
        "- pix2pix is the paired upper bound: one run per direction, each with the whole "
        "budget (`pix2pix` edges→image, `pix2pix_reverse` image→edges); CycleGAN learns both "
        "directions in one run", "", "## Must-show", "",
        f"Wide margin: a gain of more than two combined standard errors and at least "
        f"{WIDE:.0%} of identity's value, with ≥ 2 seeds.", "",
        "| rule | cyclegan | identity | upper bound | seeds | verdict |",
        "|---" * 6 + "|"]
    for v in summarise(rows):
        metric = v["rule"].split()[-1]
        lines.append(f"| {v['rule']} | {_cell(v['cyclegan'], metric)} | "
                     f"{_cell(v['reference'], metric)} | "
                     f"{_cell(v.get('upper'), metric)} | {v['seeds']} | "
                     f"{'**meets**' if v['meets'] else 'missed'} |")
    for task in TASKS:
        metrics = (["l1", "ssim", "class_preserved_primary", "class_preserved_vgg",
                    "fd_primary", "fd_vgg"] if task == "edges→image" else ["l1", "ssim"])
        lines += ["", f"## {task} (mean ± SE over seeds)", "",
                  "| row | seeds | " + " | ".join(metrics) + " |",
                  "|---" * (2 + len(metrics)) + "|"]
        for spec in ROWS:
            name = spec["name"]
            if task not in stats.get(name, {}):
                continue
            cells = [_cell(stats[name][task].get(m), m) for m in metrics]
            lines.append(f"| {name} | {len(seeds[name])} | " + " | ".join(cells) + " |")
    lines += ["", "## Runs", "",
              "| row | seed | planned steps | steps | steps/s (probe) | stopped by time | "
              "revision | date |", "|---" * 8 + "|"]
    for row in rows:
        if row["name"] == "identity":
            continue
        lines.append(f"| {row['name']} | {row['seed']} | {row['planned_steps']:,} | "
                     f"{row['steps']:,} | {row['steps_per_second']:.2f} "
                     f"({row['probe_steps_per_second']:.2f}) | "
                     f"{'yes' if row['stopped_by_time'] else 'no'} | {row['git_revision']} | "
                     f"{row['date']} |")
    lines += campaign.grid_lines(
        rows, "Grids (seed 0, the first test pairs)",
        "Per direction three rows: the sources, the translations, the hidden truth "
        "(CycleGAN and identity: edges→image first, then image→edges).")
    campaign.write_lines(results, NAME, lines)


def render(results: str) -> None:
    campaign.rerender(results, NAME, write_markdown)


def prepare() -> None:
    """Edge maps and classifiers are cached on first use: build them once, before two runs
    race for them."""
    _tool("--warm")


def _warm_main() -> None:
    from tfgan_suite import config as config_lib
    from tfgan_suite import evaluation
    from tfgan_suite.data import domains

    config = config_lib.load(os.path.join(ROOT, "configs", CYCLEGAN), [])
    evaluation.TranslationEvaluator(config, n=2)
    domains.load_pair(config["data"], split="train")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("--grid", "--identity", "--warm"):
        {"--grid": _grid_main, "--identity": _identity_main,
         "--warm": _warm_main}[argv[0]](*argv[1:])
        return 0
    parser = campaign.parser(__doc__, (GROUP,), minutes=15.0, seeds=2)
    args = parser.parse_args(argv)
    if args.rerender:
        render(RESULTS)
        return 0
    prepare()
    return campaign.run(NAME, ROWS, args, render, RESULTS, "bench_translation.py")


if __name__ == "__main__":
    sys.exit(main())

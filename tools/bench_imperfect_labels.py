"""Imperfect labels on Fashion-MNIST (issue #13): each robust model against its naive model
trained on the same corrupted labels, judged against the clean truth.

Groups (``--only``; rows in ``ROWS``):

- ``symmetric``: symmetric noise μ = 0.5 — AC-GAN, rAC-GAN (T known / estimated), cGAN
  (projection), rcGAN (T known / estimated);
- ``asymmetric``: the Fashion-MNIST flip map at μ = 0.7 (T-shirt→Shirt, Pullover→Coat,
  Dress→Coat, Sandal→Sneaker, Ankle boot→Sneaker: then 58 % of the images labelled Coat
  are not coats), the same six rows;
- ``sweep``: symmetric μ ∈ {0, 0.3, 0.7} for AC-GAN, rAC-GAN, cGAN, rcGAN (T known; μ = 0.5
  comes from ``symmetric``) — the GAN-test-versus-μ plot;
- ``overlap``: 10to5 — CP-GAN, AC-GAN, cGAN (one generator: probability vectors,
  conditional BatchNorm) — class-distinct / class-mutual accuracy (``evaluation.py``), FD;
- ``fraction``: 10 % of the labels — S3GAN, the projection GAN on the labelled 10 % alone,
  and the projection GAN on every label (the upper reference) — FD, GAN-test.

Every run trains ``--minutes`` (default 10) of wall-clock time through ``tfgan train``, then
``tfgan eval`` on 10,000 samples against the clean test split in both feature spaces. With
``--parallel 2`` (default) two runs go at a time, each pinned to one core of the machine
(``taskset``): a model and its baseline get identical conditions, at twice the throughput of
one run on both cores. Seeds are interleaved; ``--merge`` skips (row, seed) pairs already in
``docs/results/imperfect_labels.json`` so a campaign resumes across sittings. Summary: mean ±
standard error over seeds; a model beats its baseline when the difference exceeds two
combined standard errors, 2·√(se_a² + se_b²).

Results: ``docs/results/imperfect_labels.md`` / ``.json``, per-class grids under
``docs/results/imperfect_labels/``, ``imperfect_labels_sweep.png``.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from bench_fashion_mnist import run_recipe  # noqa: E402
from fashion_mnist_campaign import mean_se  # noqa: E402

from tfgan_suite import provenance  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "imperfect_labels"
SPACES = ("fmnist", "fmnist_vgg")
ASYMMETRIC_RATE = 0.7


def _noise(kind: str, rate: float) -> tuple:
    return (f"data.corruption.label_noise.kind={kind}",
            f"data.corruption.label_noise.rate={rate}")


def _noise_rows(group: str, kind: str, rate: float, estimated: bool) -> list[dict]:
    noise = _noise(kind, rate)
    rows = [
        {"name": "acgan", "recipe": "acgan_fashion_mnist_noisy.yaml", "overrides": noise},
        {"name": "racgan", "recipe": "racgan_fashion_mnist_noisy.yaml", "overrides": noise},
        {"name": "cgan", "recipe": "cgan_fashion_mnist_noisy.yaml", "overrides": noise},
        {"name": "rcgan", "recipe": "rcgan_fashion_mnist_noisy.yaml", "overrides": noise}]
    if estimated:
        estimate = ("rgan.transition=estimated",)
        rows += [{"name": "racgan_estimated_t", "recipe": "racgan_fashion_mnist_noisy.yaml",
                  "overrides": noise + estimate},
                 {"name": "rcgan_estimated_t", "recipe": "rcgan_fashion_mnist_noisy.yaml",
                  "overrides": noise + estimate}]
    return [row | {"group": group, "setting": f"{kind} μ={rate:g}", "rate": rate}
            for row in rows]


#: Every row of the benchmark: (group, name) is unique within a setting.
ROWS = (_noise_rows("symmetric", "symmetric", 0.5, True)
        + _noise_rows("asymmetric", "asymmetric", ASYMMETRIC_RATE, True)
        + [row for rate in (0.0, 0.3, 0.7)
           for row in _noise_rows("sweep", "symmetric", rate, False)]
        + [{"group": "overlap", "setting": "10to5", "name": name,
            "recipe": f"{name}_fashion_mnist_10to5.yaml", "overrides": ()}
           for name in ("cpgan", "acgan", "cgan")]
        + [{"group": "fraction", "setting": "10 % labels", "name": "s3gan",
            "recipe": "s3gan_fashion_mnist_10pct.yaml", "overrides": ()},
           {"group": "fraction", "setting": "10 % labels", "name": "projection_10pct",
            "recipe": "projection_fashion_mnist_10pct.yaml", "overrides": ()},
           {"group": "fraction", "setting": "every label", "name": "projection_all_labels",
            "recipe": "projection_fashion_mnist_10pct.yaml",
            "overrides": ("data.corruption.label_fraction=1.0",)}])
GROUPS = ("symmetric", "asymmetric", "sweep", "overlap", "fraction")
#: (group, model, baseline, metric, higher is better): the issue's must-show comparisons.
COMPARISONS = (
    [(group, model, baseline, "gan_test_accuracy", True)
     for group in ("symmetric", "asymmetric")
     for model, baseline in (("racgan", "acgan"), ("racgan_estimated_t", "acgan"),
                             ("rcgan", "cgan"), ("rcgan_estimated_t", "cgan"))]
    + [("overlap", "cpgan", baseline, "dma", True) for baseline in ("acgan", "cgan")]
    + [("fraction", "s3gan", "projection_10pct", "fd", False),
       ("fraction", "s3gan", "projection_10pct", "gan_test_accuracy", True)])


def row_key(row: dict) -> tuple:
    return row["group"], row["setting"], row["name"]


def _value(row: dict, metric: str, space: str):
    key = {"intra_fd": f"intra_fd_{space}_mean"}.get(metric, f"{metric}_{space}")
    return row["metrics"].get(key)


def summarise(rows: list[dict]) -> dict:
    """Per (group, setting, name): mean ± SE of each metric in each space; the comparisons."""
    table: dict[tuple, dict] = {}
    for row in rows:
        entry = table.setdefault(row_key(row), {"seeds": [], "values": {}})
        entry["seeds"].append(row["seed"])
        for metric in ("fd", "gan_test_accuracy", "intra_fd", "dma",
                       "class_distinct_accuracy", "class_mutual_accuracy"):
            for space in SPACES:
                value = _value(row, metric, space)
                if value is not None:
                    entry["values"].setdefault(f"{metric}_{space}", []).append(value)
    for entry in table.values():
        entry["stats"] = {k: mean_se(v) for k, v in entry["values"].items()}
    verdicts = []
    for group, model, baseline, metric, higher in COMPARISONS:
        for (g, setting, name), entry in table.items():
            if g != group or name != model:
                continue
            base_setting = setting if group != "fraction" else "10 % labels"
            base = table.get((group, base_setting, baseline))
            if base is None:
                continue
            for space in SPACES:
                key = f"{metric}_{space}"
                if key not in entry["stats"] or key not in base["stats"]:
                    continue
                (m, se), (mb, seb) = entry["stats"][key], base["stats"][key]
                margin = 2 * math.sqrt(se ** 2 + seb ** 2)
                gain = (m - mb) if higher else (mb - m)
                verdicts.append({"group": group, "setting": setting, "model": model,
                                 "baseline": baseline, "metric": key, "model_mean": m,
                                 "baseline_mean": mb, "gain": gain, "margin": margin,
                                 "seeds": (len(entry["seeds"]), len(base["seeds"])),
                                 "beats": bool(gain > margin and len(entry["seeds"]) >= 2)})
    return {"table": table, "verdicts": verdicts}


def _pm(stat, digits: int = 2, scale: float = 1.0) -> str:
    if stat is None:
        return "—"
    mean, se = stat
    return f"{mean * scale:.{digits}f} ± {se * scale:.{digits}f}"


def write_markdown(meta: dict, rows: list[dict], results: str) -> None:
    summary = summarise(rows)
    lines = [
        "# Imperfect labels on Fashion-MNIST (issue #13)", "",
        f"- command: `{meta['command']}`",
        f"- git revision of this file: {meta['git_revision']} (each row names its own)",
        f"- machine: {meta['machine']}; TensorFlow {meta['tensorflow']}",
        f"- date: {meta['date']}",
        f"- budget: **{meta['minutes']:g} minutes of training per run**, "
        f"{meta['parallel']} run(s) at a time, each pinned to "
        f"{'one core' if meta['parallel'] > 1 else 'the whole machine'} (taskset); a model "
        "and its naive baseline share the networks and the corrupted labels",
        "- evaluation: `tfgan eval --n 10000` against the **clean** test split; GAN-test = "
        "accuracy of the clean-trained classifier on generated images for their clean "
        "conditioning class; DMA = class-distinct / class-mutual accuracy (evaluation.py)",
        "- spaces: `fmnist` (primary CNN) and `fmnist_vgg` (independent VGG-style CNN); "
        "mean ± standard error over seeds; **beats** = the difference exceeds "
        "2·√(se_model² + se_baseline²) (at least 2 seeds)", "",
        "## Must-show comparisons", "",
        "| setting | model | baseline | metric | model | baseline | gain | 2 combined SE "
        "| seeds | verdict |", "|---" * 10 + "|"]
    for v in summary["verdicts"]:
        percent = "accuracy" in v["metric"] or v["metric"].startswith("dma")
        scale, digits = (100.0, 1) if percent else (1.0, 2)
        lines.append(
            f"| {v['setting']} | {v['model']} | {v['baseline']} | {v['metric']} | "
            f"{v['model_mean'] * scale:.{digits}f} | {v['baseline_mean'] * scale:.{digits}f} | "
            f"{v['gain'] * scale:+.{digits}f} | {v['margin'] * scale:.{digits}f} | "
            f"{v['seeds'][0]} / {v['seeds'][1]} | "
            f"{'**beats**' if v['beats'] else 'not shown'} |")
    lines += ["", "## Every row (mean ± SE over seeds)", "",
              "| group | setting | model | seeds | GAN-test % | GAN-test % (vgg) | intra-FD "
              "| FD | FD (vgg) | DMA % | distinct % | mutual % |", "|---" * 12 + "|"]
    for (group, setting, name), entry in summary["table"].items():
        s = entry["stats"]
        lines.append(
            f"| {group} | {setting} | {name} | {len(entry['seeds'])} | "
            f"{_pm(s.get('gan_test_accuracy_fmnist'), 1, 100)} | "
            f"{_pm(s.get('gan_test_accuracy_fmnist_vgg'), 1, 100)} | "
            f"{_pm(s.get('intra_fd_fmnist'))} | {_pm(s.get('fd_fmnist'))} | "
            f"{_pm(s.get('fd_fmnist_vgg'))} | {_pm(s.get('dma_fmnist'), 1, 100)} | "
            f"{_pm(s.get('class_distinct_accuracy_fmnist'), 1, 100)} | "
            f"{_pm(s.get('class_mutual_accuracy_fmnist'), 1, 100)} |")
    lines += ["", "## Runs", "", "| group | setting | model | seed | steps | revision | date |",
              "|---" * 7 + "|"]
    for row in rows:
        lines.append(f"| {row['group']} | {row['setting']} | {row['name']} | {row['seed']} | "
                     f"{row['steps']:,} | {row['git_revision']} | {row['date']} |")
    if os.path.isfile(os.path.join(results, f"{NAME}_sweep.png")):
        lines += ["", "## Clean GAN-test against the symmetric noise rate", "",
                  f"![sweep]({NAME}_sweep.png)"]
    lines += ["", "## Sample grids (seed 0)", ""]
    for row in rows:
        if row["seed"] == 0:
            lines += [f"### {row['setting']}: {row['name']}", "",
                      f"![{row['name']}]({row['grid']})", ""]
    with open(os.path.join(results, f"{NAME}.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def plot_sweep(rows: list[dict], path: str) -> None:
    """Clean GAN-test (primary space) against symmetric μ for AC-GAN, rAC-GAN, cGAN, rcGAN."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = summarise(rows)["table"]
    figure, axis = plt.subplots(figsize=(6, 4))
    plotted = False
    for name in ("acgan", "racgan", "cgan", "rcgan"):
        points = []
        for (group, setting, row_name), entry in table.items():
            stat = entry["stats"].get("gan_test_accuracy_fmnist")
            if (row_name == name and setting.startswith("symmetric") and stat
                    and group in ("symmetric", "sweep")):
                points.append((float(setting.split("=")[1]), *stat))
        if points:
            points.sort()
            rates, means, errors = zip(*points, strict=True)
            axis.errorbar(rates, [100 * m for m in means], [100 * e for e in errors],
                          marker="o", capsize=3, label=name)
            plotted = True
    if not plotted:
        plt.close(figure)
        return
    axis.set_xlabel("symmetric label-noise rate μ")
    axis.set_ylabel("clean GAN-test accuracy (%)")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def render(results: str) -> None:
    with open(os.path.join(results, f"{NAME}.json"), encoding="utf-8") as handle:
        saved = json.load(handle)
    plot_sweep(saved["rows"], os.path.join(results, f"{NAME}_sweep.png"))
    write_markdown(saved["meta"], saved["rows"], results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=GROUPS, help="groups (default all)")
    parser.add_argument("--parallel", type=int, default=2, choices=(1, 2),
                        help="runs at a time (2: each pinned to one core)")
    parser.add_argument("--n-eval", type=int, default=10000)
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of imperfect_labels.json and skip them")
    parser.add_argument("--rerender", action="store_true",
                        help="only rewrite the md and the plot from the json")
    args = parser.parse_args(argv)
    if args.rerender:
        render(RESULTS)
        return 0
    import tensorflow as tf

    path = os.path.join(RESULTS, f"{NAME}.json")
    rows: list[dict] = []
    if args.merge and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            rows = json.load(handle)["rows"]
    done = {row_key(row) + (row["seed"],) for row in rows}
    revision = provenance.git_revision(ROOT)
    meta = {"command": "python tools/bench_imperfect_labels.py " + " ".join(sys.argv[1:]),
            "git_revision": revision, "machine": provenance.machine_description(),
            "tensorflow": tf.__version__, "minutes": args.minutes, "parallel": args.parallel,
            "date": datetime.date.today().isoformat()}
    jobs = [(row, seed) for seed in range(args.seeds) for row in ROWS
            if (not args.only or row["group"] in args.only)
            and row_key(row) + (seed,) not in done]
    print(f"{len(jobs)} runs to go", flush=True)
    workdir = tempfile.mkdtemp(prefix="bench_imperfect_labels_")
    grid_dir = os.path.join(RESULTS, NAME)
    cores: queue.Queue = queue.Queue()
    for core in range(args.parallel):
        cores.put(str(core))
    lock = threading.Lock()

    def one(job):
        spec, seed = job
        core = cores.get()
        try:
            tag = f"{spec['group']}_{spec['setting']}_{spec['name']}".replace("μ", "mu")
            tag = "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_"
                          for c in tag)
            row = run_recipe(tag, spec["recipe"], args.minutes, workdir, args.n_eval,
                             overrides=spec["overrides"], seed=seed, grid_dir=grid_dir,
                             cpus=core if args.parallel > 1 else None)
        finally:
            cores.put(core)
        row |= {key: spec[key] for key in ("group", "setting", "name")} | {
            "git_revision": revision, "machine": provenance.machine_description(),
            "cores": 1 if args.parallel > 1 else os.cpu_count(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        shutil.rmtree(os.path.join(workdir, f"{tag}_seed{seed}"), ignore_errors=True)
        with lock:
            rows.append(row)
            os.makedirs(RESULTS, exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"meta": meta, "rows": rows}, handle, indent=2)
            render(RESULTS)
        print(json.dumps({"row": row_key(row), "seed": seed, "steps": row["steps"]}),
              flush=True)

    with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
        for future in [pool.submit(one, job) for job in jobs]:
            future.result()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

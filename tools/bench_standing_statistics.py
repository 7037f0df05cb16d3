"""Copied versus standing BatchNorm statistics for the EMA generator, on the same weights.

The EMA generator's BatchNorm layers need moving statistics. ``train.ema_statistics=copy``
(the default) copies the trained generator's; ``standing`` recomputes them from the averaged
weights (gans/standing.py, BigGAN's "standing statistics"). The statistics do not change
training, only sampling, so the comparison needs no second training run: each run is
evaluated twice — its checkpoint as saved (copied statistics), then with standing statistics
recomputed from the same EMA weights — in both feature spaces, with the same samples' z.

    python tools/bench_standing_statistics.py --recipes dcgan biggan --minutes 10
    python tools/bench_standing_statistics.py --run dcgan=/tmp/runs/dcgan

Results: ``docs/results/standing_statistics.md`` / ``.json`` (rows merged by name).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from bench_fashion_mnist import RESULTS, _cli  # noqa: E402

from tfgan_suite import provenance  # noqa: E402

HEADLINE = ("fd_fmnist", "fd_fmnist_vgg", "precision_fmnist", "recall_fmnist",
            "gan_test_accuracy_fmnist", "intra_fd_fmnist_mean")


def compare(run_dir: str, n: int) -> dict:
    """Metrics of ``run_dir``'s EMA generator with copied and with standing statistics."""
    from tfgan_suite import evaluation, runs

    model = runs.load_run(run_dir)
    if model.ema_generator is None:
        raise ValueError(f"{run_dir}: the run has no EMA generator (train.ema_decay null)")
    if model.ema_statistics != "copy":
        raise ValueError(f"{run_dir}: trained with ema_statistics={model.ema_statistics}; "
                         f"the comparison starts from copied statistics")
    evaluator = evaluation.Evaluator(model.run_config, n=n)
    copied = evaluator.evaluate(model)
    model.ema_statistics = "standing"
    model.refresh_standing_statistics(force=True)
    standing = evaluator.evaluate(model)
    return {"step": int(model.step_counter.numpy()), "copy": copied, "standing": standing,
            "standing_batches": model.standing_batches,
            "standing_batch_size": model.standing_batch_size}


def write_markdown(meta: dict, rows: list[dict]) -> None:
    lines = ["# EMA generator: copied vs standing BatchNorm statistics (same weights)", "",
             "- commands that wrote these rows (each row's own is in the json): " + "; ".join(
                 f"`{c}`" for c in dict.fromkeys(r.get("command", meta["command"])
                                                 for r in rows)),
             f"- git revision: {meta['git_revision']}",
             f"- machine: {meta['machine']}", f"- date: {meta['date']}",
             f"- {meta['n']:,} samples per evaluation (same z for both), both feature spaces; "
             "standing statistics: the average of the batch statistics of "
             "`train.standing_batches` batches of `data.batch_size` fixed latents", "",
             "| run | steps | statistics | " + " | ".join(HEADLINE) + " |",
             "|---" * (3 + len(HEADLINE)) + "|"]
    for row in rows:
        for mode in ("copy", "standing"):
            values = [row[mode].get(key) for key in HEADLINE]
            cells = ["—" if v is None else f"{v:.3f}" for v in values]
            lines.append(f"| {row['name']} ({row['recipe']}, {row['minutes']:.1f} min) | "
                         f"{row['step']:,} | {mode} | " + " | ".join(cells) + " |")
    with open(os.path.join(RESULTS, "standing_statistics.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="*", default=[],
                        help="recipes (configs/<name>_fashion_mnist.yaml) to train first")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--run", nargs="*", default=[], help="NAME=RUN_DIR already trained")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--rerender", action="store_true",
                        help="only rewrite standing_statistics.md from its json")
    args = parser.parse_args(argv)
    path = os.path.join(RESULTS, "standing_statistics.json")
    if args.rerender:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        write_markdown(saved["meta"], saved["rows"])
        return 0
    jobs = []
    workdir = tempfile.mkdtemp(prefix="bench_standing_")
    for recipe in args.recipes:
        run = os.path.join(workdir, recipe)
        print(f"{recipe}: training {args.minutes:g} min ...", flush=True)
        _cli("train", "--config", os.path.join(ROOT, "configs", f"{recipe}_fashion_mnist.yaml"),
             "--out", run, "--set", f"train.max_minutes={args.minutes}",
             "--set", "train.steps=10000000", timeout=60 * args.minutes + 3600)
        jobs.append((recipe, recipe, args.minutes, run))
    for item in args.run:
        name, _, run = item.partition("=")
        if not run:
            parser.error(f"--run: expected NAME=RUN_DIR, got {item!r}")
        with open(os.path.join(run, "metrics.json"), encoding="utf-8") as handle:
            trained = json.load(handle)
        minutes = trained.get("training_seconds", trained["elapsed_seconds"]) / 60.0
        jobs.append((name, "run " + os.path.basename(run.rstrip("/")), minutes, run))
    rows = []
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            rows = json.load(handle)["rows"]
    meta = {"command": "python tools/bench_standing_statistics.py " + " ".join(sys.argv[1:]),
            "git_revision": provenance.git_revision(ROOT),
            "machine": provenance.machine_description(), "n": args.n,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    for name, recipe, minutes, run in jobs:
        row = {"name": name, "recipe": recipe, "minutes": minutes,
               "command": meta["command"], "git_revision": meta["git_revision"],
               "machine": meta["machine"], "date": meta["date"]} | compare(run, args.n)
        rows = [r for r in rows if r["name"] != name] + [row]
        print(json.dumps({"name": name} | {mode: {k: row[mode].get(k) for k in HEADLINE}
                                           for mode in ("copy", "standing")}), flush=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"meta": meta, "rows": rows}, handle, indent=2)
        write_markdown(meta, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

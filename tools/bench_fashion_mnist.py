"""Every image recipe on Fashion-MNIST at the same wall-clock budget, measured (issue #4).

Each recipe trains through the public ``tfgan train`` command in its own process for the
same budget (``--minutes``, default 30: ``train.max_minutes``, counted from the start of
``fit``, so tracing is inside the budget and process start-up is not), one recipe at a
time with the machine to itself. Then ``tfgan eval`` measures its latest checkpoint on
10,000 samples against the 10,000 test images in the domain classifier's feature space
(FD_fmnist, KID, precision/recall, density/coverage; conditional models also GAN-test
accuracy and intra-class FD), and ``tfgan sample`` writes a grid (one row per class for
conditional models) to ``docs/results/fashion_mnist/``. Results:
``docs/results/fashion_mnist.md`` / ``.json``; ``--merge`` keeps the rows of recipes not
rerun, so the table can be filled in several sittings.

    python tools/bench_fashion_mnist.py --minutes 30
    python tools/bench_fashion_mnist.py --minutes 30 --only sngan sagan --merge

With ``--seeds N`` it runs the seed campaign instead (``tools/fashion_mnist_campaign.py``):
every chosen recipe N times with FD-versus-time curves in both feature spaces, mean ± standard
error, into ``docs/results/fashion_mnist_seeds.md``; ``--merge`` resumes a campaign:

    python tools/bench_fashion_mnist.py --seeds 3 --curve-minutes 3 \
        --only dcgan_tutorial dcgan --merge
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from tfgan_suite import provenance  # noqa: E402

#: (name, recipe, role). Baselines are what the suite's recipes must beat.
RECIPES = [
    ("dcgan_tutorial", "dcgan_tutorial_fashion_mnist.yaml", "baseline"),
    ("kerasio_wgan_gp", "kerasio_wgan_gp_fashion_mnist.yaml", "baseline"),
    ("dcgan", "dcgan_fashion_mnist.yaml", "ours"),
    ("dcgan_g64_lr4", "dcgan_g64_lr4_fashion_mnist.yaml", "ours"),
    ("dcgan_g64_lr6", "dcgan_g64_lr6_fashion_mnist.yaml", "ours"),
    ("ssgan", "ssgan_fashion_mnist.yaml", "ours"),
    ("kerasio_wgan_gp_fast", "kerasio_wgan_gp_fast_fashion_mnist.yaml", "ours"),
    ("sngan", "sngan_fashion_mnist.yaml", "ours"),
    ("sagan", "sagan_fashion_mnist.yaml", "ours"),
    ("biggan", "biggan_fashion_mnist.yaml", "ours, conditional"),
    ("cgan", "cgan_fashion_mnist.yaml", "ours, conditional"),
    ("projection", "projection_fashion_mnist.yaml", "ours, conditional"),
    ("acgan", "acgan_fashion_mnist.yaml", "ours, conditional"),
]
#: "Clearly lower": at most this fraction of the better baseline's FD.
CLEARLY = 0.8
GAN_TEST_BAR = 0.80
RESULTS = os.path.join(ROOT, "docs", "results")


def _tfgan(*args: str) -> list[str]:
    """The command line of ``tfgan ARGS`` in this interpreter."""
    return [sys.executable, "-m", "tfgan_suite", *args]


def _cli(*args: str, timeout: float, cpus: Optional[str] = None) -> str:
    """``tfgan ARGS`` in a subprocess; ``cpus`` (e.g. "0") pins it with taskset."""
    return run_pinned(_tfgan(*args), timeout, cpus)


def run_pinned(command: list[str], timeout: float, cpus: Optional[str] = None) -> str:
    """``command`` in a subprocess with the repository on PYTHONPATH, pinned to ``cpus``
    (taskset) when given; its stdout, or a RuntimeError with the end of its stderr."""
    return run_pinned_cpu(command, timeout, cpus)[0]


def run_pinned_cpu(command: list[str], timeout: float, cpus: Optional[str] = None
                   ) -> tuple[str, float]:
    """``run_pinned``, and the CPU seconds (user + system) of that child process alone.

    The child is reaped with ``os.wait4``, which returns its own resource usage:
    ``getrusage(RUSAGE_CHILDREN)`` is process-wide, so with two runs at a time (one per
    thread) the run that ended second also counted the other's child."""
    if cpus is not None:
        command = ["taskset", "-c", cpus, *command]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        # Popen must not wait for a pid that is already reaped.
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = (handle.read().decode("utf-8", "replace") for handle in (out, err))
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(command, timeout, stdout, stderr)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return stdout, usage.ru_utime + usage.ru_stime


def run_recipe(name: str, recipe: str, minutes: float, workdir: str, n_eval: int,
               overrides: tuple = (), seed: int = 0, curve_minutes: float = None,
               curve_n: int = 5000, grid_dir: str = None, cpus: Optional[str] = None,
               eval_metrics: Optional[str] = None, sample_grid: bool = True,
               curve_metrics: str = "[fd]") -> dict:
    """Trains ``recipe`` (plus ``overrides``) for ``minutes`` through ``tfgan train``, then
    ``tfgan eval`` (every feature space; ``eval_metrics``: its ``--metrics``) and a sample
    grid (``sample_grid``; translators have no z to sample: their caller draws them). With
    ``curve_minutes``, the run also evaluates every ``curve_minutes`` of training time on
    ``curve_n`` samples (the evaluations' time is not training time), the metric groups
    ``curve_metrics`` (``eval.metrics``, e.g. ``[fd,conditional]``). ``cpus``
    pins every step to those CPUs (taskset), e.g. one core each for two runs at a time."""
    run = os.path.join(workdir, f"{name}_seed{seed}")
    sets = [f"train.max_minutes={minutes}", "train.steps=10000000", f"seed={seed}",
            *overrides]
    if curve_minutes:
        sets += [f"eval.every_minutes={curve_minutes}", f"eval.n={curve_n}",
                 f"eval.metrics={curve_metrics}"]
    started = time.monotonic()
    _, train_cpu = run_pinned_cpu(
        _tfgan("train", "--config", os.path.join(ROOT, "configs", recipe), "--out", run,
               *[arg for item in sets for arg in ("--set", item)]),
        timeout=60 * minutes + 3600, cpus=cpus)
    train_wall = time.monotonic() - started
    # CPU seconds of the training process per wall second: ≈ the cores it may use when
    # nothing else competed for them (1 when pinned to one core); lower when something did.
    load = os.getloadavg()
    _cli("eval", "--run", run, "--n", str(n_eval),
         *(["--metrics", eval_metrics] if eval_metrics else []), timeout=3600, cpus=cpus)
    with open(os.path.join(run, "metrics.json"), encoding="utf-8") as handle:
        metrics = json.load(handle)
    evaluation = metrics["evaluation"]
    conditional = "gan_test_accuracy_fmnist" in evaluation["metrics"]
    grid_dir = grid_dir or os.path.join(RESULTS, "fashion_mnist")
    os.makedirs(grid_dir, exist_ok=True)
    grid = os.path.join(grid_dir, f"{name}.png" if seed == 0 else f"{name}_seed{seed}.png")
    row = {"name": name, "recipe": f"configs/{recipe}", "overrides": list(overrides),
           "seed": seed, "steps": metrics["steps"],
           "elapsed_seconds": metrics["elapsed_seconds"],
           "evaluation_seconds": metrics.get("evaluation_seconds", 0.0),
           "steps_per_second": metrics["steps_per_second"],
           "stopped_by_time": metrics["stopped_by_time"],
           "process_wall_seconds": round(train_wall, 1),
           "process_cpu_seconds": round(train_cpu, 1),
           "cores_used": round(train_cpu / max(train_wall, 1e-9), 2),
           "load_average_at_end": [round(value, 2) for value in load],
           "metrics": evaluation["metrics"],
           "curve": metrics.get("curve"),
           # Translation evaluations count test pairs, not generated samples.
           "n_eval": evaluation.get("n_fake", evaluation.get("n_pairs")),
           "conditional": conditional,
           "feature_extractor": evaluation.get("feature_extractor"),
           "feature_extractors": evaluation.get("feature_extractors"),
           "grid": os.path.relpath(grid, RESULTS)}
    if not sample_grid:
        return row
    sample_args = ["sample", "--run", run, "--out", grid, "--seed", "0"]
    if conditional:  # one row of 8 per class
        labels = ",".join(str(k) for k in range(10) for _ in range(8))
        sample_args += ["--n", "80", "--labels", labels]
    else:
        sample_args += ["--n", "64"]
    _cli(*sample_args, timeout=600, cpus=cpus)
    return row


def _cpu(row: dict) -> str:
    """The row's CPU model ("unknown" for rows written before machines were recorded)."""
    return row.get("machine", "unknown").split(",")[0]


def verdicts(rows: list[dict]) -> dict:
    """Which of our recipes beat both baselines clearly; conditional GAN-test bar.

    Wall-clock budgets are only comparable on one machine, so a row is judged against the
    baselines measured on its own machine when both are there; otherwise against the
    baselines of another machine, and the row says so (``baselines_from``).
    """
    fds: dict[str, list[float]] = {}
    for row in rows:
        if row["role"] == "baseline":
            fds.setdefault(_cpu(row), []).append(row["metrics"]["fd_fmnist"])
    best = {cpu: min(values) for cpu, values in fds.items() if len(values) == 2}
    result = {"baselines_measured": bool(best), "best_baseline_fd_by_machine": best,
              "best_baseline_fd": min(best.values()) if best else None}
    for row in rows:
        fd = row["metrics"]["fd_fmnist"]
        row["beats_baselines"] = False
        row.pop("baselines_from", None)
        if "ours" in row["role"] and best:
            cpu = _cpu(row)
            if cpu in best:
                reference, row["baselines_from"] = best[cpu], "same machine"
            else:
                source = min(best, key=best.get)
                reference, row["baselines_from"] = best[source], source
            row["beats_baselines"] = bool(fd <= CLEARLY * reference)
        if row["conditional"]:
            row["meets_gan_test"] = row["metrics"]["gan_test_accuracy_fmnist"] >= GAN_TEST_BAR
    return result


def merged(rows: list[dict], path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        previous = json.load(handle)["rows"]
    fresh = {r["name"] for r in rows}
    return [r for r in previous if r["name"] not in fresh] + rows


def _fmt(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def write_markdown(meta: dict, rows: list[dict], summary: dict) -> None:
    lines = [
        "# Fashion-MNIST: every recipe at the same wall-clock budget", "",
        f"- command: `{meta['command']}`",
        f"- git revision that wrote this file: {meta['git_revision']}; each row names the "
        "revision it was trained at (`--merge` keeps rows not rerun)",
        f"- machine of this invocation: {meta['machine']}; TensorFlow {meta['tensorflow']}; "
        "each row names the CPU it ran on (sessions run on different machines; a row is "
        "judged against the baselines of its own machine when both were measured there)",
        f"- date: {meta['date']}",
        f"- budget: **{meta['minutes']:g} minutes of training wall clock per recipe** "
        "(`train.max_minutes`, from the start of `fit`: graph tracing is inside it, process "
        "start-up and evaluation are not), one recipe at a time on the whole machine "
        "(2 cores), seed 0, one run per recipe (seed-to-seed spread is not measured here)",
        f"- metrics: {rows[0]['n_eval'] if rows else '?'} generated vs as many test images "
        "in the feature space of the domain classifier (docs/results/metrics_floor.md; "
        "real-data floor: FD 0.181, precision 0.851, recall 0.859, density 1.003, coverage "
        "0.969). Conditional models: GAN-test accuracy = the classifier's accuracy on "
        "class-balanced conditional samples (bar ≥ 80 %), intra-FD = mean FD per class.",
        f"- \"clearly lower\": FD ≤ {CLEARLY:g} × the better baseline's FD",
        "",
        "| recipe | role | steps in budget | steps / s | FD_fmnist | KID | precision | recall "
        "| density | coverage | GAN-test acc | intra-FD | beats both baselines | CPU "
        "| revision |",
        "|---" * 15 + "|"]
    for row in rows:
        m = row["metrics"]
        gan_test = intra = "—"
        if row["conditional"]:
            gan_test = f"{100 * m['gan_test_accuracy_fmnist']:.1f} %"
            intra = _fmt(m["intra_fd_fmnist_mean"], 2)
        beats = ("baseline" if row["role"] == "baseline"
                 else "**yes**" if row.get("beats_baselines") else "no")
        if row.get("baselines_from", "same machine") != "same machine":
            beats = f"{beats.strip('*')} (vs baselines on {row['baselines_from']})"
        lines.append(
            f"| {row['name']} | {row['role']} | {row['steps']:,} | "
            f"{row['steps_per_second']:.2f} | {m['fd_fmnist']:.2f} | "
            f"{m['kid_fmnist_mean']:.3f} | {m['precision_fmnist']:.3f} | "
            f"{m['recall_fmnist']:.3f} | {m['density_fmnist']:.3f} | "
            f"{m['coverage_fmnist']:.3f} | {gan_test} | {intra} | {beats} | {_cpu(row)} | "
            f"{row.get('git_revision', '?')} |")
    best = summary.get("best_baseline_fd_by_machine") or {}
    lines += ["", "Better baseline FD: " + ("; ".join(f"{value:.2f} on {cpu}"
                                                     for cpu, value in best.items())
                                            or "— (not both baselines measured)"),
              "", "## Sample grids (seed 0; conditional models: one row per class, "
              "T-shirt/top, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, "
              "ankle boot)", ""]
    for row in rows:
        lines += [f"### {row['name']}", "", f"![{row['name']}]({row['grid']})", ""]
    with open(os.path.join(RESULTS, "fashion_mnist.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--only", nargs="*", help="recipe names to run (default all)")
    parser.add_argument("--n-eval", type=int, default=10000)
    parser.add_argument("--merge", action="store_true",
                        help="keep rows of docs/results/fashion_mnist.json not rerun")
    parser.add_argument("--rerender", action="store_true",
                        help="only rewrite fashion_mnist.md from fashion_mnist.json")
    parser.add_argument("--seeds", type=int,
                        help="seed campaign: N runs per recipe (fashion_mnist_seeds.md)")
    parser.add_argument("--curve-minutes", type=float, default=3.0,
                        help="seed campaign: evaluate every this many training minutes")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only or []) - {name for name, _, _ in RECIPES})
    if unknown:
        parser.error(f"--only: unknown recipe(s) {unknown}; accepted: "
                     f"{', '.join(name for name, _, _ in RECIPES)}")
    if args.seeds is not None:
        import fashion_mnist_campaign as campaign

        if args.rerender:
            campaign.render(RESULTS)
            return 0
        if args.seeds < 1:
            parser.error(f"--seeds: must be a positive integer, got {args.seeds}")
        chosen = [r for r in RECIPES if not args.only or r[0] in args.only]
        campaign.run_campaign(chosen, args.seeds, args.minutes, args.curve_minutes,
                              args.n_eval, args.merge, RESULTS, ROOT,
                              "python tools/bench_fashion_mnist.py " + " ".join(sys.argv[1:]),
                              run_recipe)
        return 0
    path = os.path.join(RESULTS, "fashion_mnist.json")
    if args.rerender:
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        write_markdown(saved["meta"], saved["rows"], verdicts(saved["rows"]))
        return 0
    revision = provenance.git_revision(ROOT)
    workdir = tempfile.mkdtemp(prefix="bench_fashion_mnist_")
    rows = []
    for name, recipe, role in RECIPES:
        if args.only and name not in args.only:
            continue
        print(f"{name}: training {args.minutes:g} min ...", flush=True)
        row = run_recipe(name, recipe, args.minutes, workdir, args.n_eval)
        row |= {"role": role, "git_revision": revision,
                "machine": provenance.machine_description(),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                    "%Y-%m-%d %H:%M UTC")}
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("name", "steps", "steps_per_second")}
                         | {"fd_fmnist": row["metrics"]["fd_fmnist"]}), flush=True)
    if args.merge and os.path.isfile(path):
        rows = merged(rows, path)
    order = {name: i for i, (name, _, _) in enumerate(RECIPES)}
    rows.sort(key=lambda r: order[r["name"]])
    import tensorflow as tf

    meta = {"command": "python tools/bench_fashion_mnist.py " + " ".join(sys.argv[1:]),
            "git_revision": revision, "machine": provenance.machine_description(),
            "tensorflow": tf.__version__, "minutes": args.minutes,
            "date": datetime.date.today().isoformat()}
    summary = verdicts(rows)
    os.makedirs(RESULTS, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "summary": summary, "rows": rows}, handle, indent=2)
    write_markdown(meta, rows, summary)
    shutil.rmtree(workdir, ignore_errors=True)
    print(open(os.path.join(RESULTS, "fashion_mnist.md"), encoding="utf-8").read())
    return 0


if __name__ == "__main__":
    sys.exit(main())

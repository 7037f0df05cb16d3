"""Reruns with ``deterministic: true`` (issue #43): are they bit-identical?

Trains each recipe ``--runs`` times from scratch with the same seed, ``--parallel`` processes
at a time (the machine loaded, as the failure appears under load), each a ``tfgan train``
process, and compares every run's final variables — both networks, the EMA copy, both
optimizers' slots, the step — with the first run's, bit for bit (a SHA-256 of their bytes)
and by the largest absolute difference.

Recipes (``--recipes``):

- ``toy``: ``configs/toy2d.yaml`` at its (the README's) learning rate 1e-3, 200 steps of
  5-step executions — the recipe whose reruns differed about one time in ten;
- ``dcgan``: ``configs/dcgan_g64_lr4_fashion_mnist.yaml`` (``make demo``'s recipe), 100 steps.

``--set KEY=VALUE`` adds overrides to every run (e.g. an experiment's switch);
``--label`` names the row. Results: ``docs/results/determinism.md`` / ``.json`` (rows are
added, keyed by recipe and label).

    python tools/bench_determinism.py --runs 20
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "determinism"
RECIPES = {
    "toy": ("toy2d.yaml", ["train.steps=200", "train.steps_per_epoch=100",
                           "train.steps_per_execution=5", "sample.toy_points=100"]),
    "dcgan": ("dcgan_g64_lr4_fashion_mnist.yaml", ["train.steps=100", "train.steps_per_epoch=50",
                                                  "sample.grid_size=4"]),
}


def variables_of(run: str) -> dict:
    """The variables of the run's newest checkpoint by name (every one: networks, EMA,
    optimizers, step; not the checkpoint's own save counter)."""
    import tensorflow as tf

    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(os.path.join(run, "checkpoints")))
    names = sorted(k for k in reader.get_variable_to_shape_map()
                   if "save_counter" not in k and "_CHECKPOINTABLE_OBJECT_GRAPH" not in k)
    return {name: reader.get_tensor(name) for name in names}


#: ``--prelude ftz``: the process's main thread flushes denormals to zero before TensorFlow
#: starts (MXCSR's FTZ and DAZ bits, set through glibc's fegetenv / fesetenv on x86-64),
#: as TensorFlow's pool threads do.
PRELUDES = {
    "none": "",
    "ftz": "import ctypes, ctypes.util\n"
           "libm = ctypes.CDLL(ctypes.util.find_library('m'))\n"
           "env = (ctypes.c_uint32 * 8)()\n"
           "assert libm.fegetenv(env) == 0\n"
           "env[7] |= 0x8040\n"
           "assert libm.fesetenv(env) == 0\n",
}


def train_one(recipe: str, overrides: list[str], out: str, prelude: str = "none") -> float:
    config, recipe_sets = RECIPES[recipe]
    # The tfgan command's own entry point, after the prelude (in this process: oneDNN set
    # by the environment, so the command does not restart itself).
    command = [sys.executable, "-c", PRELUDES[prelude] + "import sys\n"
               "from tfgan_suite.cli import main\nsys.exit(main())", "train", "--config",
               os.path.join(ROOT, "configs", config), "--out", out]
    for item in recipe_sets + ["deterministic=true", *overrides]:
        command += ["--set", item]
    started = time.monotonic()
    from tfgan_suite import hardware

    onednn = os.environ.get(hardware.ONEDNN_ENV,
                            "1" if hardware.onednn_worth_enabling() else "0")
    subprocess.run(command, check=True, capture_output=True, timeout=3600,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
                            **{hardware.ONEDNN_ENV: onednn}))
    return time.monotonic() - started


def timed(job: tuple) -> float:
    """``train_one`` of ``(recipe, overrides, out, prelude, loads)``, noting the load at its
    start."""
    recipe, overrides, out, prelude, loads = job
    loads.append(os.getloadavg()[0])
    return train_one(recipe, overrides, out, prelude)


def compare(runs: list[str]) -> dict:
    import numpy as np

    reference = variables_of(runs[0])
    digests, largest = [], []
    for run in runs:
        values = reference if run == runs[0] else variables_of(run)
        digest = hashlib.sha256()
        for name in sorted(values):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(values[name]).tobytes())
        digests.append(digest.hexdigest()[:16])
        largest.append(max(float(np.max(np.abs(np.asarray(values[n], np.float64)
                                               - np.asarray(reference[n], np.float64))))
                           for n in reference if np.asarray(reference[n]).dtype.kind == "f"))
    return {"digests": digests, "max_abs_diff_to_first": largest,
            "identical_to_first": sum(d == digests[0] for d in digests),
            "distinct": len(set(digests))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--recipes", nargs="*", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--label", default="deterministic: true")
    parser.add_argument("--prelude", default="none", choices=list(PRELUDES),
                        help="code run first in each training process (an experiment)")
    parser.add_argument("--results", default=RESULTS)
    args = parser.parse_args()
    from tfgan_suite import provenance

    path = os.path.join(args.results, f"{NAME}.json")
    saved = {"rows": []}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as stream:
            saved = json.load(stream)
    for recipe in args.recipes:
        base = tempfile.mkdtemp(prefix=f"determinism_{recipe}_")
        runs = [os.path.join(base, f"run{i:02d}") for i in range(args.runs)]
        loads = []
        with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
            seconds = list(pool.map(timed, [(recipe, args.set, run, args.prelude, loads)
                                              for run in runs]))
        row = {"recipe": recipe, "label": args.label, "prelude": args.prelude,
               "overrides": RECIPES[recipe][1] + args.set,
               "runs": args.runs, "parallel": args.parallel,
               "machine": provenance.machine_description(),
               "git_revision": provenance.git_revision(ROOT),
               "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "command": "python tools/bench_determinism.py " + " ".join(sys.argv[1:]),
               "seconds_per_run": round(sum(seconds) / len(seconds), 1),
               "load_average_at_starts": [round(min(loads), 2), round(max(loads), 2)]
               } | compare(runs)
        print(json.dumps({k: row[k] for k in ("recipe", "label", "identical_to_first",
                                               "distinct")}), flush=True)
        saved["rows"] = [r for r in saved["rows"]
                         if (r["recipe"], r["label"]) != (recipe, args.label)] + [row]
        os.makedirs(args.results, exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(saved, stream, indent=1)
        render(saved, os.path.join(args.results, f"{NAME}.md"))
    return 0


def render(saved: dict, out: str) -> None:
    lines = ["# Bit-identical reruns with `deterministic: true` (issue #43)", "",
             "Generated by `tools/bench_determinism.py` (method in its docstring): each row "
             "trains one recipe N times from scratch with the same seed, two processes at a "
             "time, and compares every run's checkpointed variables (networks, EMA, both "
             "optimizers) with the first run's.", "",
             "| recipe | setting | runs | identical to run 1 | distinct results | largest "
             "difference | s / run | load at starts | machine | revision, date | command |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in saved["rows"]:
        lines.append(
            f"| {row['recipe']} | {row['label']} | {row['runs']} | "
            f"{row['identical_to_first']}/{row['runs']} | {row['distinct']} | "
            f"{max(row['max_abs_diff_to_first']):.2g} | {row['seconds_per_run']} | "
            f"{row['load_average_at_starts'][0]}–{row['load_average_at_starts'][1]} | "
            f"{row['machine']} | {row['git_revision']}, {row['date']} | `{row['command']}` |")
    with open(out, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())

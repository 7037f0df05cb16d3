"""Voice conversion without parallel data (issue #40): CycleGAN-VC, CycleGAN-VC2 and its
ablations on speaker pairs, StarGAN-VC, StarGAN-VC2 and theirs on all 12 directions of a
four-voice set, beside the baselines B0–B2, judged against the hidden parallel test truth.

Groups (``--only``):

- ``pairs``: on esp4 m3 → m6 (intra-gender), esp4 m3 → f2 (inter-gender) and mix4
  kal → slt: B0, B1, B2, CycleGAN-VC, CycleGAN-VC2 and VC2 with one change undone each —
  the 1-D generator, the fully connected discriminator, the one-step adversarial loss.
  Each pair model is measured in the named direction.
- ``long``: CycleGAN-VC and CycleGAN-VC2 on esp4 m3 → m6 with three times the budget —
  not a must-show row: does the gap to the baselines close with training?
- ``many``: esp4's 12 directions: B0, B1, B2, StarGAN-VC, StarGAN-VC2, VC2 with StarGAN-VC's
  classifier + target-only adversarial loss, VC2 with concatenation instead of CIN, and
  pairwise CycleGAN-VC2 — six pair models, each 1/6 of the budget (the same total).

Budget: **equal CPU time**. Each configuration (model and overrides; the speakers and the
corpus do not change its cost) is first calibrated — pinned to one core with one TensorFlow
thread, two calibrations at a time as the runs go, 20 warm-up steps then 100 timed ones in
the recipe's executions of 10 steps, CPU seconds of the process per step — and every run of
it then trains ``--minutes`` × 60 / (seconds per step) steps (``--minutes`` 15 by default),
pinned to one core, so a run's steps do not depend on what else the machine does; each row
reports the CPU minutes its training took. Calibrate on a quiet machine: a process beside
the two calibrations slows their instructions (shared cores) and inflates CPU time per
step. The calibration is kept in the json and not repeated on another machine: a
campaign that spans sittings on different machines trains every configuration for the same
step count everywhere (the rows record their machine; the report lists the machines and
compares the seed-free baselines measured on both). The identity loss is on for the first
10 % of a run's steps; learning rates constant
for the first half, then linearly to 0 (the recipes' schedule).

Measurement (``speech_evaluation``): every hidden test sentence of a direction converted
(analysis → model → WORLD synthesis → the one re-analysis), against the natural target:
MCD-fixed and MCD-DTW (dB), MSD, GV ratio, target acceptance by the linear and the CNN
speaker judges, source retention, content retrieval. Intervals: 95 % bootstrap over the
test conversions of all seeds pooled (GV and MSD: over directions × seeds).

Listening: each row's first finished run converts one hidden test sentence and keeps its
first 2.5 s in ``docs/results/voice_conversion/clips`` (run directories do not travel
between machines); ``bench_voice_conversion_report.py --listening`` builds the page.

Resumable: the json keeps finished runs; a run killed half-way is started again (its
directory is removed), so no run trains more than its budget. Run directories are kept in
``--keep-runs`` (default ``runs/bench_voice_conversion``) for the listening page.
Results: ``docs/results/voice_conversion.md`` / ``.json``.
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
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "voice_conversion"
GROUPS = ("pairs", "many", "long")
#: The long group's budget, a multiple of --minutes.
LONG_BUDGET = 3
#: (corpus, source, target, label) of the pair group.
PAIRS = (("esp4", "m3", "m6", "esp4 m3→m6 (intra-gender)"),
         ("esp4", "m3", "f2", "esp4 m3→f2 (inter-gender)"),
         ("mix4", "kal", "slt", "mix4 kal→slt"))
#: The pair group's model rows: (name, recipe model, overrides).
PAIR_MODELS = (
    ("CycleGAN-VC", "cyclegan_vc", ()),
    ("CycleGAN-VC2", "cyclegan_vc2", ()),
    ("VC2 with the 1-D G", "cyclegan_vc2", ("generator.name=vc_gated_1d",)),
    ("VC2 with the full D", "cyclegan_vc2", ("discriminator.name=vc_full",)),
    ("VC2 one-step loss", "cyclegan_vc2", ("cyclegan_vc2.two_step=false",)),
)
#: The many group's model rows (esp4, every direction).
MANY_MODELS = (
    ("StarGAN-VC", "stargan_vc", ()),
    ("StarGAN-VC2", "stargan_vc2", ()),
    ("VC2 with classifier + target-only loss", "stargan_vc2",
     ("stargan_vc2.adversarial=target", "stargan_vc2.classifier_weight=1.0")),
    ("VC2 with concatenation, not CIN", "stargan_vc2", ("generator.conditioning=concat",)),
)
PAIRWISE = "pairwise CycleGAN-VC2 (6 models)"
BASELINES = (("B0 F0 only", "f0_only"), ("B1 mean-variance", "mean_variance"),
             ("B2 parallel MSE", "parallel_mse"))
CALIBRATION_WARMUP, CALIBRATION_STEPS = 20, 100


def _env() -> dict:
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_NUM_INTRAOP_THREADS="1",
                TF_NUM_INTEROP_THREADS="1", PYTHONPATH=ROOT)


def _pinned(command: list[str], core: str, timeout: float) -> None:
    subprocess.run(["taskset", "-c", core, *command], check=True, env=_env(),
                   timeout=timeout, stdout=subprocess.DEVNULL)


def _job(spec: dict, core: str, timeout: float = 6 * 3600) -> dict:
    """Runs ``spec`` in a subprocess pinned to ``core``; its row."""
    out = spec["out"] + ".row.json"
    _pinned([sys.executable, __file__, "--job", json.dumps(spec), "--job-out", out], core,
            timeout)
    with open(out, encoding="utf-8") as stream:
        return json.load(stream)


# --- inside a job process --------------------------------------------------------------------


def _config(model: str, corpus: str, overrides, domains=None) -> dict:
    from tfgan_suite import config as config_lib

    sets = list(overrides) + ([f"data.domains=[{','.join(domains)}]"] if domains else [])
    return config_lib.load(os.path.join(ROOT, "configs", f"{model}_{corpus}.yaml"), sets)


def calibrate(spec: dict) -> dict:
    """CPU seconds per step of a configuration (module docstring)."""
    import keras

    from tfgan_suite import factory

    # The recipe's steps_per_execution, as the runs train: with 1, each step's dispatch
    # from Python adds CPU time that the runs do not spend.
    config = _config(spec["model"], spec["corpus"], spec["overrides"], spec.get("domains"))
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


def train_and_measure(spec: dict) -> dict:
    """Trains every part of a row's run (one model; six for the pairwise row), then
    measures its directions on the hidden test pairs."""
    from tfgan_suite import runs, speech_evaluation

    parts, started = [], time.monotonic()
    for part in spec["parts"]:
        steps = part["steps"]
        overrides = [*spec["overrides"], f"seed={spec['seed']}", f"train.steps={steps}",
                     f"{spec['model']}.identity_steps={max(1, steps // 10)}",
                     f"train.steps_per_epoch={min(500, steps)}"]
        config = _config(spec["model"], spec["corpus"], overrides, part.get("domains"))
        cpu = time.process_time()
        run = runs.train(config, part["out"], verbose=0)
        parts.append({"out": part["out"], "steps": run.metrics["steps"],
                      "training_seconds": run.metrics["training_seconds"],
                      "cpu_seconds": round(time.process_time() - cpu, 1)})
    converter, record = _converter(spec)
    directions = [tuple(d) for d in spec["directions"]]
    result = speech_evaluation.evaluate_converter(converter, record, spec["parts"][0]["out"],
                                                  seed=0, directions=directions)
    return {"parts": parts, "rows": result["rows"], "directions": result["directions"],
            "summary": result["summary"], "seconds": round(time.monotonic() - started, 1)}


def _converter(spec: dict):
    """The converter a finished job left (its run; the pairwise row's six as one) and its
    run record."""
    from tfgan_suite import conversion, runs

    if "parts" not in spec:
        return conversion.load_converter(spec["out"])
    converters = [runs.speech_converter(p["out"]) for p in spec["parts"]]
    if len(converters) == 1:
        return converters[0]
    return Pairwise([c for c, _ in converters]), converters[0][1]


def baseline(spec: dict) -> dict:
    """A baseline fitted on the corpus (B2: on the directions measured, seeded) and
    measured like the models."""
    from tfgan_suite import conversion, speech_evaluation
    from tfgan_suite.data.voices import corpus as voice_corpus

    corpus = voice_corpus.load_corpus(spec["corpus"])
    directions = [tuple(d) for d in spec["directions"]]
    converter = conversion.fit_baseline(spec["kind"], corpus, seed=spec["seed"],
                                        directions=directions)
    os.makedirs(spec["out"], exist_ok=True)
    conversion.save_converter(converter, spec["out"], corpus=spec["corpus"])
    result = speech_evaluation.evaluate_converter(
        converter, {"corpus": spec["corpus"], "subset": "full"}, spec["out"], seed=0,
        directions=directions)
    return {"parts": [], "rows": result["rows"], "directions": result["directions"],
            "summary": result["summary"]}


def Pairwise(converters):  # noqa: N802 - a class made lazily (TensorFlow imports)
    """Six pair models as one converter of every direction they cover."""
    from tfgan_suite import conversion

    class PairwiseConverter(conversion.F0Only):
        name = PAIRWISE

        def __init__(self, parts):
            super().__init__({k: v for c in parts for k, v in c.statistics.items()})
            self.by_direction = {d: c for c in parts for d in conversion.directions_of(c)}

        def directions(self):
            return sorted(self.by_direction)

        def convert(self, analysis, source, target):
            return self.by_direction[(source, target)].convert(analysis, source, target)

    return PairwiseConverter(converters)


def job_main(spec: dict, out: str) -> None:
    kind = spec["kind"]
    row = (calibrate(spec) if kind == "calibrate" else baseline(spec)
           if kind in dict((k, n) for n, k in BASELINES) else train_and_measure(spec))
    if spec.get("clip"):
        import bench_voice_conversion_report as report

        report.write_clip(_converter(spec)[0], spec["clip"], spec["setting"],
                          *spec["directions"][0])
    with open(out + ".tmp", "w", encoding="utf-8") as stream:
        json.dump(row, stream, default=float)
    os.replace(out + ".tmp", out)


# --- the driver ------------------------------------------------------------------------------


def all_directions(voices=("m3", "m6", "f2", "f5")) -> list[list[str]]:
    return [[s, t] for s in voices for t in voices if s != t]


def plan(groups) -> list[dict]:
    """Every row (without seeds): group, setting, name, kind, model / corpus / overrides,
    directions, and the parts of its run (for the pairwise row, six)."""
    rows = []
    if "pairs" in groups:
        for corpus, source, target, label in PAIRS:
            for name, kind in BASELINES:
                rows.append({"group": "pairs", "setting": label, "name": name, "kind": kind,
                             "corpus": corpus, "directions": [[source, target]]})
            for name, model, overrides in PAIR_MODELS:
                rows.append({"group": "pairs", "setting": label, "name": name, "kind": "model",
                             "model": model, "corpus": corpus, "overrides": list(overrides),
                             "directions": [[source, target]],
                             "parts": [{"domains": [source, target], "share": 1.0}]})
    if "long" in groups:
        corpus, source, target, label = PAIRS[0]
        for name, model, overrides in PAIR_MODELS[:2]:
            rows.append({"group": "long", "setting": f"{label}, {LONG_BUDGET}× budget",
                         "name": name, "kind": "model", "model": model, "corpus": corpus,
                         "overrides": list(overrides), "directions": [[source, target]],
                         "budget": LONG_BUDGET,
                         "parts": [{"domains": [source, target], "share": 1.0}]})
    if "many" in groups:
        label, directions = "esp4, 12 directions", all_directions()
        for name, kind in BASELINES:
            rows.append({"group": "many", "setting": label, "name": name, "kind": kind,
                         "corpus": "esp4", "directions": directions})
        for name, model, overrides in MANY_MODELS:
            rows.append({"group": "many", "setting": label, "name": name, "kind": "model",
                         "model": model, "corpus": "esp4", "overrides": list(overrides),
                         "directions": directions, "parts": [{"share": 1.0}]})
        voices = ("m3", "m6", "f2", "f5")
        pairs = [[a, b] for i, a in enumerate(voices) for b in voices[i + 1:]]
        rows.append({"group": "many", "setting": label, "name": PAIRWISE, "kind": "model",
                     "model": "cyclegan_vc2", "corpus": "esp4", "overrides": [],
                     "directions": directions, "calibrate_with": {"domains": pairs[0]},
                     "parts": [{"domains": p, "share": 1.0 / len(pairs)} for p in pairs]})
    return rows


def _tag(row: dict) -> str:
    text = f"{row['group']}_{row['setting']}_{row['name']}"
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_" for c in text)


def _calibration_key(row: dict) -> str:
    """The configuration whose cost a calibration measures: the model and its overrides."""
    return json.dumps([row["model"], row["overrides"]])


#: Where a configuration is calibrated: a pair model on esp4 m3 -> m6, a StarGAN on esp4.
def _calibration_data(key: str) -> tuple[str, Optional[list]]:
    model = json.loads(key)[0]
    return "esp4", (None if model.startswith("stargan") else ["m3", "m6"])


#: Runs in this order, so that a partial campaign answers the main questions first.
PRIORITY = ("B0 F0 only", "B1 mean-variance", "B2 parallel MSE", "CycleGAN-VC", "CycleGAN-VC2",
            "StarGAN-VC", "StarGAN-VC2")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0,
                        help="CPU minutes (one core) per run")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--only", nargs="*", choices=GROUPS)
    parser.add_argument("--parallel", type=int, default=2, choices=(1, 2))
    parser.add_argument("--keep-runs", default=os.path.join(ROOT, "runs", "bench_" + NAME))
    parser.add_argument("--rerender", action="store_true")
    parser.add_argument("--results", default=RESULTS, help="where the md and json go")
    parser.add_argument("--rows", nargs="*", metavar="NAME", help="only rows of these names")
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--job-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        job_main(json.loads(args.job), args.job_out)
        return 0
    import bench_voice_conversion_report as report

    path = os.path.join(args.results, f"{NAME}.json")
    if args.rerender:
        report.render(path)
        return 0
    saved = {"meta": {}, "rows": [], "calibration": {}}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as stream:
            saved = json.load(stream)
    from tfgan_suite import provenance

    machine = provenance.machine_description()
    meta = saved["meta"]
    command = f"python tools/bench_voice_conversion.py {' '.join(sys.argv[1:])}".strip()
    meta |= {"machine": machine, "git_revision": provenance.git_revision(ROOT),
             "minutes": args.minutes, "date": datetime.date.today().isoformat(),
             "commands": [c for c in meta.get("commands", []) if c != command] + [command]}
    rows_plan = [r for r in plan(args.only or GROUPS) if not args.rows or r["name"] in args.rows]
    cores: queue.Queue = queue.Queue()
    for core in range(args.parallel):
        cores.put(str(core))
    lock = threading.Lock()

    def save() -> None:
        os.makedirs(args.results, exist_ok=True)
        with open(path + ".tmp", "w", encoding="utf-8") as stream:
            json.dump(saved, stream, indent=1, default=float)
        os.replace(path + ".tmp", path)
        report.render(path)

    def with_core(function, *arguments):
        core = cores.get()
        try:
            return function(*arguments, core)
        finally:
            cores.put(core)

    os.makedirs(args.keep_runs, exist_ok=True)
    # 1. calibrations (one per configuration), each alone on its core.
    wanted = {_calibration_key(r): r for r in rows_plan if r["kind"] == "model"}
    missing = {k: r for k, r in wanted.items() if k not in saved["calibration"]}

    def calibrate_one(key, row, core):
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        corpus, domains = _calibration_data(key)
        spec = {"kind": "calibrate", "model": row["model"], "corpus": corpus,
                "overrides": row["overrides"], "domains": domains,
                "out": os.path.join(args.keep_runs, f"calibration_{digest}")}
        result = _job(spec, core, timeout=3600)
        with lock:
            saved["calibration"][key] = result | {"machine": machine}
            save()
        print(f"calibrated {key}: {result}", flush=True)

    with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
        for future in [pool.submit(with_core, calibrate_one, k, r) for k, r in missing.items()]:
            future.result()
    # 2. the runs.
    done = {(r["group"], r["setting"], r["name"], r["seed"]) for r in saved["rows"]}
    jobs = [(row, seed) for seed in range(args.seeds) for row in rows_plan
            if (row["group"], row["setting"], row["name"], seed) not in done]
    # Seed 0 of the main rows first, then their ablations, the next seed; the long rows
    # (not a must-show row) last.
    jobs.sort(key=lambda job: (job[0]["group"] == "long", job[1],
                               PRIORITY.index(job[0]["name"])
                               if job[0]["name"] in PRIORITY else len(PRIORITY)))
    print(f"{len(jobs)} runs to go", flush=True)

    def run_one(row, seed, core):
        tag = f"{_tag(row)}_seed{seed}"
        out = os.path.join(args.keep_runs, tag)
        shutil.rmtree(out, ignore_errors=True)  # a stale, unfinished run: start afresh
        spec = {"kind": row["kind"], "corpus": row["corpus"], "seed": seed, "out": out,
                "directions": row["directions"], "setting": row["setting"]}
        clip = report.clip_path(args.results, row["setting"], row["name"])
        if not os.path.isfile(clip):  # the row's first finished run keeps its clip
            spec["clip"] = clip
        if row["kind"] == "model":
            per_step = saved["calibration"][_calibration_key(row)]["cpu_seconds_per_step"]
            budget = args.minutes * 60.0 * row.get("budget", 1)
            spec |= {"model": row["model"], "overrides": row["overrides"], "parts": [
                {"out": out if len(row["parts"]) == 1 else os.path.join(out, f"part{i}"),
                 "domains": part.get("domains"),
                 # a multiple of the recipes' steps_per_execution (10), so none is added
                 "steps": max(10, int(budget * part["share"] / per_step) // 10 * 10)}
                for i, part in enumerate(row["parts"])]}
        started = time.monotonic()
        result = _job(spec, core)
        entry = {key: row[key] for key in ("group", "setting", "name", "kind")} | {
            "seed": seed, "run": os.path.relpath(out, ROOT), "machine": machine,
            "wall_seconds": round(time.monotonic() - started, 1),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "git_revision": provenance.git_revision(ROOT)} | result
        with lock:
            saved["rows"].append(entry)
            save()
        print(json.dumps({"row": [row["setting"], row["name"]], "seed": seed,
                          "mcd": result["summary"]["mcd"][0]}), flush=True)

    failed = []

    def attempt(row, seed, core):
        try:
            run_one(row, seed, core)
        except Exception as error:  # noqa: BLE001 - one failed run must not stop the rest
            failed.append((row["setting"], row["name"], seed))
            print(f"FAILED {row['setting']} / {row['name']} seed {seed}: {error}", flush=True)

    with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
        for future in [pool.submit(with_core, attempt, row, seed) for row, seed in jobs]:
            future.result()
    print(f"{len(failed)} failed runs: {failed}" if failed else "every run done", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

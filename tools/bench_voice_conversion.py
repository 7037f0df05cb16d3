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

import json
import os
import sys
import time
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import speech_campaign  # noqa: E402

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


# --- inside a job process --------------------------------------------------------------------


def _config(model: str, corpus: str, overrides, domains=None) -> dict:
    from tfgan_suite import config as config_lib

    sets = list(overrides) + ([f"data.domains=[{','.join(domains)}]"] if domains else [])
    return config_lib.load(os.path.join(ROOT, "configs", f"{model}_{corpus}.yaml"), sets)


def calibrate(spec: dict) -> dict:
    """CPU seconds per step of a configuration (module docstring), in the recipe's
    executions of 10 steps as the runs train."""
    return speech_campaign.calibrate_config(
        _config(spec["model"], spec["corpus"], spec["overrides"], spec.get("domains")))


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


def with_clip(handler):
    """``handler``, then (when the spec names a clip) the row's listening clip."""
    def job(spec: dict) -> dict:
        row = handler(spec)
        if spec.get("clip"):
            import bench_voice_conversion_report as report

            report.write_clip(_converter(spec)[0], spec["clip"], spec["setting"],
                              *spec["directions"][0])
        return row
    return job


HANDLERS = {"calibrate": calibrate, "model": with_clip(train_and_measure)} | {
    kind: with_clip(baseline) for _, kind in BASELINES}


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


def job_order(rows: list[dict], seeds: int) -> list[tuple[dict, int]]:
    """(row, seed) jobs: seed 0 of the main rows first, then their ablations, the next
    seed; the long rows (not a must-show row) last."""
    return speech_campaign.ordered([(row, seed) for seed in range(seeds) for row in rows],
                                   PRIORITY, last=lambda row: row["group"] == "long")


def calibration_spec(key: str, row: dict) -> dict:
    """The job spec (without ``out``) that calibrates the configuration ``key``."""
    corpus, domains = _calibration_data(key)
    return {"model": row["model"], "corpus": corpus, "overrides": row["overrides"],
            "domains": domains}


def job_spec(row: dict, seed: int, out: str, minutes: float, seconds_per_step: float,
             clip: Optional[str] = None) -> dict:
    """A run's job: a baseline fitted, or a model's parts trained for their share of
    ``minutes`` × the row's budget CPU minutes — each a multiple of the recipes'
    steps_per_execution (10), so none is added — then measured."""
    spec = {"kind": row["kind"], "corpus": row["corpus"], "seed": seed, "out": out,
            "directions": row["directions"], "setting": row["setting"]}
    if clip:
        spec["clip"] = clip
    if row["kind"] == "model":
        budget = minutes * row.get("budget", 1)
        spec |= {"model": row["model"], "overrides": row["overrides"], "parts": [
            {"out": out if len(row["parts"]) == 1 else os.path.join(out, f"part{i}"),
             "domains": part.get("domains"),
             "steps": speech_campaign.budget_steps(budget * part["share"], seconds_per_step)}
            for i, part in enumerate(row["parts"])]}
    return spec


def main() -> int:
    parser = speech_campaign.arguments(__doc__, GROUPS, name=NAME)
    args = parser.parse_args()
    finished = speech_campaign.job_main(args, HANDLERS)
    if finished is not None:
        return finished
    import bench_voice_conversion_report as report

    path = os.path.join(args.results, f"{NAME}.json")
    if args.rerender:
        report.render(path)
        return 0
    campaign = speech_campaign.Campaign(os.path.abspath(__file__), path, report.render, args)
    rows = [r for r in plan(args.only or GROUPS) if not args.rows or r["name"] in args.rows]
    # 1. calibrations (one per configuration), each alone on its core.
    campaign.calibrate({_calibration_key(r): calibration_spec(_calibration_key(r), r)
                        for r in rows if r["kind"] == "model"})

    # 2. the runs.
    def spec_of(row: dict, seed: int, out: str) -> dict:
        clip = report.clip_path(args.results, row["setting"], row["name"])
        per_step = (campaign.seconds_per_step(_calibration_key(row))
                    if row["kind"] == "model" else 0.0)
        return job_spec(row, seed, out, args.minutes, per_step,
                        clip=None if os.path.isfile(clip) else clip)

    failed = campaign.run(job_order(rows, args.seeds), spec_of,
                          fields=("group", "setting", "name", "kind"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

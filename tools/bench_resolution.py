"""Progressive and style-based generators against our DCGAN at equal budget (issue #16).

Rows (``ROWS``; group ``fmnist32``: Fashion-MNIST padded to 32 px), one recipe each, equal
budget (``--minutes``, default 30, one core per run, two at a time — ``family_campaign.py``):

- ``dcgan``: ``dcgan_g64_lr4`` at 32 px (our DCGAN, the suite's best at 28 px);
- ``progan``: ``progan_fashion_mnist.yaml`` (growth 4 → 32 inside ``fit``);
- ``stylegan``: ``stylegan_fashion_mnist.yaml``;
- ``stylegan2``: ``stylegan2_fashion_mnist.yaml``;
- ``msggan``: ``msggan_fashion_mnist.yaml``.

Group ``glyphs64``: the same models on the glyphs dataset at 64 px (``data.name:
glyphs``; one more resolution, width 16, for the progressive and style networks; DCGAN at
64 px), scored in the glyph classifiers' feature spaces (FD_glyphs; the classifiers are
trained once by ``python tools/glyphs_report.py --classifiers``, else by the first eval).

Scores (``tfgan eval --n 10000`` against the test split; Fashion-MNIST's generated 32 px
images centre-cropped to the classifiers' 28 px): FD and precision / recall / density /
coverage in both feature spaces of the dataset (``primary``: the 2-conv CNN, ``vgg``: the
VGG-style CNN), steps, steps/s and images/s of training. Must-show bars: FD_fmnist ≤ 32
(``BAR``, twice the tutorial DCGAN's 16.26) for every model at 32 px; at 64 px the best of
progan / stylegan / stylegan2 / msggan below dcgan's FD_glyphs. Speed: each recipe says
whether it uses XLA; ``--speed`` measures each recipe's images/s with and without XLA on
the whole machine (``SPEED_STEPS`` steps after a warm-up) into the json's meta.

Results: ``docs/results/resolution.md`` / ``.json``, grids under ``docs/results/resolution/``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import family_campaign as campaign  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "resolution"
GROUP = "fmnist32"
ROWS = [
    {"group": GROUP, "setting": "32 px", "name": "dcgan",
     "recipe": "dcgan_g64_lr4_fashion_mnist.yaml", "overrides": ("data.image_size=32",)},
    {"group": GROUP, "setting": "32 px", "name": "progan",
     "recipe": "progan_fashion_mnist.yaml", "overrides": ()},
    {"group": GROUP, "setting": "32 px", "name": "stylegan",
     "recipe": "stylegan_fashion_mnist.yaml", "overrides": ()},
    {"group": GROUP, "setting": "32 px", "name": "stylegan2",
     "recipe": "stylegan2_fashion_mnist.yaml", "overrides": ()},
    {"group": GROUP, "setting": "32 px", "name": "msggan",
     "recipe": "msggan_fashion_mnist.yaml", "overrides": ()},
]
GLYPHS = "glyphs64"
_GLYPH_DATA = ("data.name=glyphs", "data.image_size=64")
_WIDER = ("generator.filters=[64, 64, 64, 32, 16]",
          "discriminator.filters=[64, 64, 64, 32, 16]")
ROWS += [{"group": GLYPHS, "setting": "64 px", "name": "dcgan",
          "recipe": "dcgan_g64_lr4_fashion_mnist.yaml", "overrides": _GLYPH_DATA}]
ROWS += [{"group": GLYPHS, "setting": "64 px", "name": name,
          "recipe": f"{name}_fashion_mnist.yaml", "overrides": _GLYPH_DATA + _WIDER}
         for name in ("progan", "stylegan", "stylegan2", "msggan")]
GROUPS = (GROUP, GLYPHS)
#: Each group's two feature spaces, as metric-name suffixes.
PREFIX = {GROUP: "fmnist", GLYPHS: "glyphs"}
SPACES = ("primary", "vgg")
#: FD_fmnist at most this (twice the tutorial DCGAN's 16.26), every model at 32 px.
BAR = 32.0
METRICS = ("fd", "precision", "recall", "density", "coverage")
SPEED_STEPS = 300


def _value(row: dict, metric: str, space: str):
    prefix = PREFIX[row["group"]]
    return row["metrics"].get(f"{metric}_{prefix}" + ("_vgg" if space == "vgg" else ""))


def summarise(rows: list[dict]) -> dict:
    """The table and the bars: every 32 px model's FD_fmnist ≤ ``BAR``; at 64 px the best
    non-DCGAN FD_glyphs below dcgan's (one seed each: a plain comparison of values)."""
    table = campaign.stats(rows, METRICS, _value, SPACES)
    verdicts = []
    for (group, _, name), entry in table.items():
        stat = entry["stats"].get("fd_primary")
        if group == GROUP and stat is not None:
            verdicts.append({"rule": f"FD_fmnist ≤ {BAR:g}", "model": name, "mean": stat[0],
                             "se": stat[1], "seeds": len(entry["seeds"]),
                             "meets": bool(stat[0] <= BAR)})
    glyphs = {name: entry["stats"]["fd_primary"] for (group, _, name), entry in table.items()
              if group == GLYPHS and "fd_primary" in entry["stats"]}
    others = {name: stat for name, stat in glyphs.items() if name != "dcgan"}
    if "dcgan" in glyphs and others:
        best = min(others, key=lambda name: others[name][0])
        verdicts.append({"rule": f"best FD_glyphs below dcgan's ({glyphs['dcgan'][0]:.2f})",
                         "model": best, "mean": others[best][0], "se": others[best][1],
                         "seeds": 1, "meets": bool(others[best][0] < glyphs["dcgan"][0])})
    return {"table": table, "verdicts": verdicts}


def _resolved(spec: dict) -> dict:
    from tfgan_suite import config as config_lib

    return config_lib.load(os.path.join(ROOT, "configs", spec["recipe"]),
                           list(spec["overrides"]))


def write_markdown(meta: dict, rows: list[dict], results: str) -> None:
    summary = summarise(rows)
    lines = campaign.header("Progressive and style-based generators (issue #16)", meta,
                            "each row is its family's recipe (configs/), unchanged but for "
                            "the image size of the DCGAN row")
    lines += [
        "- scores: `tfgan eval --n 10000` against the test split (Fashion-MNIST's generated "
        "32 px images centre-cropped to the classifiers' 28 px); `primary`: the 2-conv CNN's "
        "features (FD_fmnist / FD_glyphs), `vgg`: the VGG-style CNN's; mean ± standard error "
        "over seeds (± 0 with one)", "", "## Must-show bars", "",
        "| rule | model | FD | seeds | verdict |", "|---" * 5 + "|"]
    for v in summary["verdicts"]:
        lines.append(f"| {v['rule']} | {v['model']} | {v['mean']:.2f} ± {v['se']:.2f} | "
                     f"{v['seeds']} | {'**meets**' if v['meets'] else 'missed'} |")
    lines += ["", "## Every row (mean ± SE over seeds)", "",
              "| data | model | seeds | steps | images/s | XLA | "
              + " | ".join(f"{m} ({s})" for m in METRICS for s in SPACES) + " |",
              "|---" * (6 + 2 * len(METRICS)) + "|"]
    by_key: dict[tuple, list[dict]] = {}
    for row in rows:
        by_key.setdefault((row["group"], row["name"]), []).append(row)
    specs = {(spec["group"], spec["name"]): spec for spec in ROWS}
    for (group, _, name), entry in summary["table"].items():
        runs = by_key[(group, name)]
        steps = sum(r["steps"] for r in runs) / len(runs)
        rate = sum(r["steps_per_second"] * r["batch_size"] for r in runs) / len(runs)
        jit = runs[0].get("jit_compile")
        cells = [campaign.pm(entry["stats"].get(f"{m}_{s}"), 3 if m != "fd" else 2)
                 for m in METRICS for s in SPACES]
        lines.append(f"| {group} | {name} | {len(entry['seeds'])} | {steps:,.0f} | {rate:.0f} | "
                     f"{'yes' if jit else 'no' if jit is not None else '?'} | "
                     + " | ".join(cells) + " |")
    speed = meta.get("speed")
    if speed:
        lines += ["", "## Speed with and without XLA (whole machine)", "",
                  speed.get("note", ""), "",
                  "| recipe | XLA images/s | no-XLA images/s | XLA / no-XLA | recipe uses |",
                  "|---" * 5 + "|"]
        for name, entry in speed["rows"].items():
            with_xla, without = entry.get("xla"), entry.get("no_xla")
            ratio = (f"{with_xla / without:.2f}" if with_xla and without else "—")
            uses = "XLA" if _resolved(specs[(GROUP, name)])["train"]["jit_compile"] \
                else "no XLA"
            lines.append(f"| {name} | {with_xla if with_xla else entry.get('xla_error', '—')} "
                         f"| {without or '—'} | {ratio} | "
                         f"{uses} |")
    lines += ["", "## Runs", "", "| data | model | seed | steps | steps/s | revision | date |",
              "|---" * 7 + "|"]
    for row in rows:
        lines.append(f"| {row['group']} | {row['name']} | {row['seed']} | {row['steps']:,} | "
                     f"{row['steps_per_second']:.2f} | {row['git_revision']} | {row['date']} |")
    lines += ["", "## Sample grids (seed 0)", ""]
    for row in rows:
        if row["seed"] == 0:
            title = f"{row['group']} {row['name']}"
            lines += [f"### {title}", "", f"![{title}]({row['grid']})", ""]
    with open(os.path.join(results, f"{NAME}.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def render(results: str) -> None:
    with open(os.path.join(results, f"{NAME}.json"), encoding="utf-8") as handle:
        saved = json.load(handle)
    specs = {(spec["group"], spec["name"]): spec for spec in ROWS}
    for row in saved["rows"]:  # the recipe's batch and compiler, for the table
        config = _resolved(specs[(row["group"], row["name"])])
        row.setdefault("batch_size", int(config["data"]["batch_size"]))
        row.setdefault("jit_compile", bool(config["train"]["jit_compile"]))
    write_markdown(saved["meta"], saved["rows"], results)


def measure_speed(names=None) -> dict:
    """Images/s of each recipe with and without XLA: ``SPEED_STEPS`` steps after one
    execution of warm-up (tracing and compilation), on the whole machine."""
    from tfgan_suite import runs

    result = {}
    for spec in ROWS:
        if spec["group"] != GROUP or (names and spec["name"] not in names):
            continue
        entry = {}
        for jit in (True, False):
            key = "xla" if jit else "no_xla"
            with tempfile.TemporaryDirectory() as directory:
                overrides = list(spec["overrides"]) + [f"train.jit_compile={str(jit).lower()}",
                                                       "sample.grid_size=4"]
                try:
                    timings = []
                    for steps in (50, 50 + SPEED_STEPS):
                        started = time.monotonic()
                        run = runs.train(os.path.join(ROOT, "configs", spec["recipe"]),
                                         os.path.join(directory, f"r{steps}"),
                                         overrides=overrides + [f"train.steps={steps}",
                                                                f"train.steps_per_epoch={steps}",
                                                                "train.steps_per_execution=25"],
                                         verbose=0)
                        timings.append(time.monotonic() - started)
                    batch = int(run.config["data"]["batch_size"])
                    if timings[1] <= timings[0]:
                        # ProGAN: the two runs cross different growth phases (their own
                        # compilations), so their difference is not the steps' time.
                        entry[f"{key}_error"] = "unmeasurable: the longer run was not slower"
                        continue
                    entry[key] = round(SPEED_STEPS * batch / (timings[1] - timings[0]))
                except Exception as error:  # noqa: BLE001 - recorded in the table
                    entry[f"{key}_error"] = f"fails: {type(error).__name__}"
        result[spec["name"]] = entry
    return result


def main(argv=None) -> int:
    parser = campaign.parser(__doc__, GROUPS, minutes=30.0, seeds=1)
    parser.add_argument("--speed", nargs="*", metavar="NAME",
                        help="only measure images/s with and without XLA (the named rows, "
                             "default all) into the json's meta")
    args = parser.parse_args(argv)
    if args.rerender:
        render(RESULTS)
        return 0
    if args.speed is not None:
        path = os.path.join(RESULTS, f"{NAME}.json")
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        speed = saved["meta"].setdefault("speed", {"rows": {}})
        speed["rows"].update(measure_speed(args.speed or None))
        speed["note"] = (f"`python tools/bench_resolution.py --speed`: images/s over "
                         f"{SPEED_STEPS} steps after 50 of warm-up, each recipe alone on the "
                         f"machine (the difference of a 50-step and a {50 + SPEED_STEPS}-step "
                         f"run, so tracing and compilation cancel)")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(saved, handle, indent=2)
        render(RESULTS)
        return 0
    return campaign.run(NAME, ROWS, args, render, RESULTS, "bench_resolution.py")


if __name__ == "__main__":
    sys.exit(main())

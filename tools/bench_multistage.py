"""Multi-stage generation on Fashion-MNIST (issue #17): does the extra stage pay for itself?

Rows (``ROWS``), equal wall-clock budget (``--minutes``, default 10, one core per run, two at
a time — ``family_campaign.py``), ``tfgan eval --n 10000`` against the test split in both
feature spaces:

- group ``lapgan`` (unconditional): ``dcgan`` — the single-scale GAN of the suite's dcgan
  recipe, whose parameter count (G + D) is within a few per cent of LAPGAN's (the table
  lists both) — against ``lapgan`` (7 → 14 → 28, one GAN per level);
- group ``conditional`` (class-conditional, GAN-test as well): ``cgan`` — the one-stage
  conditional GAN at 28 px — against ``lapgan_cond`` and ``stackgan``. The StackGAN row is
  one chain inside the same budget: Stage-I trains for half of it, then Stage-II (Stage-I
  frozen) for the other half; ``stackgan_stage1`` is that same Stage-I, its 14-px images
  up-sampled bilinearly to 28 px by the judges (``metrics/classifier.py``), so the table
  shows what Stage-II adds to the Stage-I it was given.

Group ``glyphs`` (one seed by default: ``--only glyphs --seeds 1``): the same comparisons on
the glyphs at 64 px (``data.name: glyphs``), scored in the glyph classifiers' feature spaces
(train them first: ``python tools/glyphs_report.py --classifiers``): ``dcgan_64`` (the
dcgan_g64_lr4 recipe) against ``lapgan_64`` (16 → 32 → 64), and ``cgan_64`` (class = the
character) against ``stackgan_64``, whose condition is the character *with* its weight and
slant ("A bold italic", ``data.label_view: glyph_description``; Stage-I 16 px, Stage-II 64
px); GAN-test judges the character.

Verdicts (``COMPARISONS``): the model's mean beats the reference's by more than two combined
standard errors (≥ 2 seeds), per metric and space — lower FD, higher GAN-test accuracy.

Results: ``docs/results/multistage.md`` / ``.json``, sample grids (every level / stage) under
``docs/results/multistage/``.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import family_campaign as campaign  # noqa: E402
from bench_fashion_mnist import run_recipe  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "multistage"
SPACES = campaign.SPACES
STAGE1_RECIPE = "stackgan1_fashion_mnist.yaml"


def count_parameters(run_dir: str) -> dict:
    """Trainable and total parameters of a run's generator and discriminator."""
    from tfgan_suite import runs

    model = runs.load_run(run_dir)

    def count(variables) -> int:
        return int(sum(int(v.numpy().size) for v in variables))

    return {"generator": count(model.generator.weights),
            "generator_trainable": count(model.generator.trainable_variables),
            "discriminator": count(model.discriminator.trainable_variables)}


def stage_picture(run_dir: str, path: str, columns: int = 4) -> Optional[str]:
    """Every level / stage of the same draws, as one grid (None for single-stage models).

    LAPGAN: rows Ĩ_K (coarsest) … Ĩ₀, each nearest-up-sampled to the final side, columns
    z (conditional: class k in column k). StackGAN Stage-II: one row per class, ``columns``
    pairs (Stage-I's image nearest-up-sampled, Stage-II's refinement of it) of one z each.
    """
    import numpy as np

    from tfgan_suite import runs
    from tfgan_suite.networks import pyramid
    from tfgan_suite.networks.lapgan import LAPGANGenerator
    from tfgan_suite.networks.stackgan import StackGANStage2Generator
    from tfgan_suite.viz import grids

    model = runs.load_run(run_dir)
    generator = model.sampling_generator
    side = generator.outputs[0].shape[1]

    def full(images):
        return pyramid.nearest(images, side // images.shape[1]).numpy()

    if isinstance(generator, LAPGANGenerator):
        count = 8
        z = model.latent(count, seed=0)
        inputs = z
        if getattr(model, "conditional", False):
            inputs = [z, np.arange(count, dtype=np.int32) % model.num_classes]
        levels = generator.chain_levels(inputs)[::-1]
        images = np.concatenate([full(level) for level in levels])
        return grids.save_image_grid(images, path, columns=count)
    if isinstance(generator, StackGANStage2Generator):
        first_dim = generator.stage1.inputs[0].shape[-1]
        rows = []
        # At most 10 conditions, spread over the ids (the glyphs' 620: ten characters).
        for label in range(0, model.num_classes, max(1, model.num_classes // 10))[:10]:
            z = model.latent(columns, seed=label)
            labels = np.full([columns], label, np.int32)
            low = full(generator.stage1([z[:, :first_dim], labels]))
            high = generator([z, labels]).numpy()
            rows.append(np.stack([low, high], axis=1).reshape(-1, *high.shape[1:]))
        return grids.save_image_grid(np.concatenate(rows), path, columns=2 * columns)
    return None


def run_counted(tag, recipe, minutes, workdir, n_eval, overrides=(), seed=0, grid_dir=None,
                cpus=None) -> dict:
    """``run_recipe`` plus the run's parameter counts and, for seed 0 of a multi-stage
    model, its picture of every level / stage (``stage_picture``)."""
    row = run_recipe(tag, recipe, minutes, workdir, n_eval, overrides=overrides, seed=seed,
                     grid_dir=grid_dir, cpus=cpus)
    run_dir = os.path.join(workdir, f"{tag}_seed{seed}")
    row["parameters"] = count_parameters(run_dir)
    if seed == 0:
        path = os.path.join(grid_dir or os.path.join(RESULTS, NAME), f"{tag}_stages.png")
        if stage_picture(run_dir, path) is not None:
            row["stages_grid"] = os.path.relpath(path, RESULTS)
    return row


def run_stackgan(tag, recipe, minutes, workdir, n_eval, overrides=(), seed=0, grid_dir=None,
                 cpus=None, stage1_overrides=()) -> dict:
    """Stage-I (``STAGE1_RECIPE`` with ``stage1_overrides``) for half the budget, then
    Stage-II (``recipe``) on it for the other half; the row is Stage-II's, with Stage-I's own
    row (judged up-sampled) under ``stage1``."""
    stage1_dir = os.path.join(workdir, f"{tag}_stage1_seed{seed}")
    shutil.rmtree(stage1_dir, ignore_errors=True)  # a stale run of an interrupted campaign
    first = run_counted(f"{tag}_stage1", STAGE1_RECIPE, minutes / 2, workdir, n_eval,
                        overrides=stage1_overrides, seed=seed, grid_dir=grid_dir, cpus=cpus)
    second = run_counted(tag, recipe, minutes / 2, workdir, n_eval,
                         overrides=(f"generator.stage1_run={stage1_dir}", *overrides),
                         seed=seed, grid_dir=grid_dir, cpus=cpus)
    return second | {"stage1": first}


ROWS = [
    {"group": "lapgan", "setting": "unconditional", "name": "dcgan",
     "recipe": "dcgan_fashion_mnist.yaml", "overrides": (), "runner": run_counted},
    {"group": "lapgan", "setting": "unconditional", "name": "lapgan",
     "recipe": "lapgan_fashion_mnist.yaml", "overrides": (), "runner": run_counted},
    {"group": "conditional", "setting": "class", "name": "cgan",
     "recipe": "cgan_fashion_mnist.yaml", "overrides": (), "runner": run_counted},
    {"group": "conditional", "setting": "class", "name": "lapgan_cond",
     "recipe": "lapgan_cond_fashion_mnist.yaml", "overrides": (), "runner": run_counted},
    {"group": "conditional", "setting": "class", "name": "stackgan",
     "recipe": "stackgan2_fashion_mnist.yaml", "overrides": (), "runner": run_stackgan},
]
_GLYPHS = ("data.name=glyphs", "data.image_size=64")
_GLYPH_TEXT = _GLYPHS + ("data.label_view=glyph_description", "generator.descriptions=glyphs",
                         "discriminator.descriptions=glyphs")
ROWS += [
    {"group": "glyphs", "setting": "64 px", "name": "dcgan_64",
     "recipe": "dcgan_g64_lr4_fashion_mnist.yaml", "overrides": _GLYPHS,
     "runner": run_counted},
    {"group": "glyphs", "setting": "64 px", "name": "lapgan_64",
     "recipe": "lapgan_fashion_mnist.yaml", "overrides": _GLYPHS, "runner": run_counted},
    {"group": "glyphs", "setting": "64 px", "name": "cgan_64",
     "recipe": "cgan_fashion_mnist.yaml", "overrides": _GLYPHS, "runner": run_counted},
    {"group": "glyphs", "setting": "64 px", "name": "stackgan_64",
     "recipe": "stackgan2_fashion_mnist.yaml",
     "overrides": tuple(o for o in _GLYPH_TEXT if o != "generator.descriptions=glyphs")
     + ("generator.image_size=64", "discriminator.image_size=64"),
     "runner": functools.partial(run_stackgan, stage1_overrides=_GLYPH_TEXT + (
         "generator.image_size=16", "discriminator.image_size=16"))},
]
GROUPS = ("lapgan", "conditional", "glyphs")
#: Each group's feature spaces: the suffix of its metric names for SPACES' two columns.
PREFIX = {"lapgan": "fmnist", "conditional": "fmnist", "glyphs": "glyphs"}
#: (model, reference, metrics): what each comparison judges.
COMPARISONS = (("lapgan", "dcgan", ("fd",)),
               ("lapgan_cond", "cgan", ("fd", "gan_test_accuracy")),
               ("stackgan", "stackgan_stage1", ("fd", "gan_test_accuracy")),
               ("stackgan", "cgan", ("fd", "gan_test_accuracy")),
               ("lapgan_64", "dcgan_64", ("fd",)),
               ("stackgan_64", "stackgan_64_stage1", ("fd", "gan_test_accuracy")),
               ("stackgan_64", "cgan_64", ("fd", "gan_test_accuracy")))
METRICS = ("fd", "gan_test_accuracy", "precision", "recall", "density", "coverage")


def expanded(rows: list[dict]) -> list[dict]:
    """The rows with each StackGAN chain's Stage-I as a row of its own (``stackgan_stage1``)."""
    result = []
    for row in rows:
        result.append(row)
        if "stage1" in row:
            result.append(row["stage1"] | {key: row[key] for key in (
                "group", "setting", "seed", "git_revision", "machine", "cores", "date")}
                | {"name": f"{row['name']}_stage1"})
    return result


def _value(row: dict, metric: str, space: str):
    """``metric`` in the row's group's spaces (SPACES' ``fmnist`` column: the group's primary
    space, ``fmnist_vgg``: its VGG-style one)."""
    prefix = PREFIX.get(row["group"], "fmnist")
    return row["metrics"].get(f"{metric}_{space.replace('fmnist', prefix, 1)}")


def summarise(rows: list[dict]) -> dict:
    table = campaign.stats(expanded(rows), METRICS, _value)
    by_name = {name: entry for (_, _, name), entry in table.items()}
    verdicts = []
    for model, reference, metrics in COMPARISONS:
        if model not in by_name or reference not in by_name:
            continue
        for metric in metrics:
            for space in SPACES:
                verdict = campaign.compare(by_name[model], by_name[reference],
                                           f"{metric}_{space}", higher=metric != "fd")
                if verdict is not None:
                    verdicts.append(verdict | {"model": model, "reference": reference,
                                               "space": space, "name": metric})
    return {"table": table, "verdicts": verdicts}


def _parameters(rows: list[dict], name: str) -> str:
    found = next((r.get("parameters") for r in rows if r["name"] == name
                  and r.get("parameters")), None)
    if found is None:
        return "—"
    trainable = found["generator_trainable"]
    frozen = found["generator"] - trainable
    generator = f"{trainable:,}" + (f" (+{frozen:,} frozen or statistics)" if frozen else "")
    return f"{generator} / {found['discriminator']:,}"


def write_markdown(meta: dict, rows: list[dict], results: str) -> None:
    summary = summarise(rows)
    every = expanded(rows)
    lines = campaign.header("Multi-stage generation on Fashion-MNIST and the glyphs (issue #17)",
                            meta,
                            "StackGAN's chain splits its budget: Stage-I half, Stage-II half")
    lines += [
        f"- scores: `tfgan eval --n {rows[0]['n_eval'] if rows else '?'}` against the test "
        "split; `fmnist`: the 2-conv CNN, "
        "`fmnist_vgg`: the VGG-style CNN (docs/results/feature_spaces.md); mean ± standard "
        "error over seeds. Stage-I's 14-px images are judged up-sampled bilinearly to 28 px",
        "- group `glyphs` (rows `*_64`): the glyphs at 64 px, scored in the glyph "
        "classifiers' spaces instead (`fmnist` column: the glyph 2-conv CNN, `fmnist_vgg`: "
        "the glyph VGG-style CNN; docs/results/glyphs.md); GAN-test judges the character "
        "(StackGAN's condition also names weight and slant, which no judge scores); Stage-I "
        "draws 16 px",
        "- verdict: the model beats the reference when its mean is better by more than two "
        "combined standard errors (≥ 2 seeds); otherwise it is stated as not better", "",
        "## Comparisons", "",
        "| model | reference | metric | space | model mean | reference mean | gain | 2·SE "
        "| verdict |", "|---" * 9 + "|"]
    for v in summary["verdicts"]:
        scale, digits = (100.0, 1) if v["name"] == "gan_test_accuracy" else (1.0, 2)
        lines.append(
            f"| {v['model']} | {v['reference']} | {v['name']} | {v['space']} | "
            f"{v['model_mean'] * scale:.{digits}f} | {v['baseline_mean'] * scale:.{digits}f} | "
            f"{v['gain'] * scale:.{digits}f} | {v['margin'] * scale:.{digits}f} | "
            f"{'**beats**' if v['beats'] else 'not better'} |")
    lines += ["", "## Every row (mean ± SE over seeds; GAN-test in %)", "",
              "| model | parameters G / D | seeds | steps | "
              + " | ".join(f"{m} ({s})" for m in METRICS for s in SPACES) + " |",
              "|---" * (4 + 2 * len(METRICS)) + "|"]
    for (_, _, name), entry in summary["table"].items():
        steps = [r["steps"] for r in every if r["name"] == name]
        cells = [campaign.pm(entry["stats"].get(f"{m}_{s}"), 1 if m == "gan_test_accuracy"
                             else 3 if m != "fd" else 2,
                             100.0 if m == "gan_test_accuracy" else 1.0)
                 for m in METRICS for s in SPACES]
        lines.append(f"| {name} | {_parameters(every, name)} | {len(entry['seeds'])} | "
                     f"{sum(steps) // max(len(steps), 1):,} | " + " | ".join(cells) + " |")
    lines += ["", "## Runs", "", "| model | seed | steps | minutes | revision | date |",
              "|---" * 6 + "|"]
    for row in every:
        lines.append(f"| {row['name']} | {row['seed']} | {row['steps']:,} | "
                     f"{row['elapsed_seconds'] / 60:.1f} | {row['git_revision']} | "
                     f"{row['date']} |")
    lines += ["", "## Sample grids (seed 0; conditional rows: one row of 8 per class)", ""]
    for row in every:
        if row["seed"] == 0:
            lines += [f"### {row['name']}", "", f"![{row['name']}]({row['grid']})", ""]
            if row.get("stages_grid"):
                glyph = row["group"] == "glyphs"
                sides = (16, 64) if glyph else (7, 28)
                caption = (f"every level of the same draws, rows coarse ({sides[0]} px) → fine "
                           f"({sides[1]} px), each shown at {sides[1]} px"
                           if row["name"].startswith("lapgan") else
                           f"per condition (rows; at most ten, spread over the ids), pairs of "
                           f"Stage-I ({16 if glyph else 14} px, shown at {sides[1]}) and "
                           f"Stage-II's refinement of it")
                lines += [f"{caption}:", "", f"![{row['name']} stages]({row['stages_grid']})",
                          ""]
    with open(os.path.join(results, f"{NAME}.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def render(results: str) -> None:
    campaign.rerender(results, NAME, write_markdown)


def main(argv=None) -> int:
    parser = campaign.parser(__doc__, GROUPS, seeds=2)
    args = parser.parse_args(argv)
    if args.rerender:
        render(RESULTS)
        return 0
    return campaign.run(NAME, ROWS, args, render, RESULTS, "bench_multistage.py")


if __name__ == "__main__":
    sys.exit(main())

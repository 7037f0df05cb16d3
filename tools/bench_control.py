"""Control of the latent space on Fashion-MNIST (issue #15): how much each code means,
judged by the domain classifiers of both feature spaces.

Rows (``ROWS``; one group each, ``--only``), equal budget (``--minutes``, default 10, one
core per run, two at a time — ``family_campaign.py``):

- ``infogan``: InfoGAN, a 10-way categorical code and two continuous ones, no labels;
- ``infogan_lambda0``: the same network with every MI weight 0 (the code then means
  nothing: the plain GAN fed the same input);
- ``cfgan``: CFGAN on the garment-group view (tops / bottoms / footwear / bags; the class
  hidden), a 5-way code live for the tops and a 3-way one for the footwear;
- ``dtlcgan``: unsupervised DTLC-GAN, a 4 × 5 decision tree; ``dtlcgan_weak``: the same
  tree whose first layer is the observed garment group (weakly supervised);
- screening rows (group ``infogan_screen``, run only when named, outside the bars): the
  InfoGAN recipe before it took the reference's learning rates (D 2e-4, G 1e-3:
  openai/InfoGAN's MNIST run) — both networks at 4e-4, with and without the MI terms — and
  the categorical code's λ doubled at those rates;
- a clustering reference, not a run: k-means (10 clusters) on each judge's features of the
  real test images, its NMI with the true classes (``kmeans_reference``).

Scores (``tfgan eval`` against the clean test split): InfoGAN: NMI(c1, judged class);
CFGAN: toggle accuracy (samples for group a judged in group a) and within-group NMI of each
code against the judged class; DTLC-GAN: layer-1 NMI against the judged garment group and
layer-2 NMI against the judged class; FD for every row. Must-show bars (``BARS``), mean over
seeds: InfoGAN NMI ≥ 0.5 (against ≈ 0 for λ = 0); CFGAN toggle ≥ 90 %, within-group NMI ≥
0.3 for tops and footwear; DTLC-GAN layer-1 NMI ≥ 0.4; the weakly supervised DTLC-GAN's
layer-2 NMI within its first-layer node above the unsupervised one's (``WEAK``: by more
than two combined standard errors).

Results: ``docs/results/control.md`` / ``.json``, sample grids under ``docs/results/control/``.
"""

from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import family_campaign as campaign  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "control"
SPACES = campaign.SPACES
LAMBDA0 = ("infogan.codes=[{name: c1, kind: categorical, size: 10, weight: 0.0}, "
           "{name: c2, kind: continuous, size: 2, weight: 0.0}]")
ROWS = [
    {"group": "infogan", "setting": "no labels", "name": "infogan",
     "recipe": "infogan_fashion_mnist.yaml", "overrides": ()},
    {"group": "infogan", "setting": "no labels", "name": "infogan_lambda0",
     "recipe": "infogan_fashion_mnist.yaml", "overrides": (LAMBDA0,)},
    {"group": "cfgan", "setting": "garment groups", "name": "cfgan",
     "recipe": "cfgan_fashion_mnist.yaml", "overrides": ()},
    {"group": "dtlcgan", "setting": "no labels", "name": "dtlcgan",
     "recipe": "dtlcgan_fashion_mnist.yaml", "overrides": ()},
    {"group": "dtlcgan", "setting": "garment groups observed", "name": "dtlcgan_weak",
     "recipe": "dtlcgan_fashion_mnist.yaml",
     "overrides": ("dtlcgan.supervised=true", "data.label_view=garment_group")},
]
#: Screening rows (never in the bars): what was tried to raise InfoGAN's NMI before the recipe
#: took the reference's learning rates — the recipe at dcgan_g64_lr4's equal rates (4e-4 for
#: both networks, 3 seeds, with its λ = 0 control), and the categorical code's λ doubled at
#: those rates (one seed). Run only when named (``--only infogan_screen``).
SCREEN = "infogan_screen"
EQUAL_LR = ("train.d_learning_rate=4.0e-4", "train.g_learning_rate=4.0e-4")
ROWS += [
    {"group": SCREEN, "setting": "no labels", "name": "infogan_equal_lr",
     "recipe": "infogan_fashion_mnist.yaml", "overrides": EQUAL_LR},
    {"group": SCREEN, "setting": "no labels", "name": "infogan_lambda0_equal_lr",
     "recipe": "infogan_fashion_mnist.yaml", "overrides": (LAMBDA0,) + EQUAL_LR},
    {"group": SCREEN, "setting": "no labels", "name": "infogan_c1_weight2",
     "recipe": "infogan_fashion_mnist.yaml",
     "overrides": ("infogan.codes=[{name: c1, kind: categorical, size: 10, weight: 2.0}, "
                   "{name: c2, kind: continuous, size: 2, weight: 1.0}]",) + EQUAL_LR},
]
GROUPS = ("infogan", "cfgan", "dtlcgan", SCREEN)
#: (row, metric, bar, what): the must-show bars, mean over seeds, in both spaces.
BARS = (("infogan", "nmi_c1", 0.5, "NMI(c1, class) ≥ 0.5"),
        ("cfgan", "toggle_accuracy", 0.9, "toggle accuracy ≥ 90 %"),
        ("cfgan", "nmi_tops", 0.3, "within-tops NMI ≥ 0.3"),
        ("cfgan", "nmi_footwear", 0.3, "within-footwear NMI ≥ 0.3"),
        ("dtlcgan", "nmi_tree_layer1_group", 0.4, "layer-1 NMI(group) ≥ 0.4"))
#: Weakly supervised DTLC-GAN's layer 2 within its group must beat the unsupervised one's.
WEAK = ("dtlcgan_weak", "dtlcgan", "nmi_tree_layer2_within")
METRICS = ("fd", "nmi_c1", "toggle_accuracy", "nmi_tops", "nmi_footwear",
           "nmi_tree_layer1_group", "nmi_tree_layer2", "nmi_tree_layer2_within")


def _value(row: dict, metric: str, space: str):
    return row["metrics"].get(f"{metric}_{space}")


def summarise(rows: list[dict]) -> dict:
    table = campaign.stats(rows, METRICS, _value)
    by_name = {name: entry for (_, _, name), entry in table.items()}
    verdicts = []
    for name, metric, bar, what in BARS:
        entry = by_name.get(name)
        for space in SPACES:
            stat = None if entry is None else entry["stats"].get(f"{metric}_{space}")
            if stat is None:
                continue
            verdicts.append({"model": name, "rule": what, "space": space, "mean": stat[0],
                             "se": stat[1], "seeds": len(entry["seeds"]),
                             "meets": bool(stat[0] >= bar and len(entry["seeds"]) >= 3)})
    model, baseline, metric = WEAK
    if model in by_name and baseline in by_name:
        for space in SPACES:
            verdict = campaign.compare(by_name[model], by_name[baseline], f"{metric}_{space}",
                                       higher=True)
            if verdict is not None:
                verdicts.append({"model": model, "rule": f"{metric} above {baseline}'s",
                                 "space": space, "mean": verdict["model_mean"],
                                 "se": by_name[model]["stats"][f"{metric}_{space}"][1],
                                 "seeds": verdict["seeds"][0],
                                 "meets": verdict["beats"] and min(verdict["seeds"]) >= 3})
    return {"table": table, "verdicts": verdicts}


def kmeans_reference(n: int = 10000, seed: int = 0) -> dict[str, float]:
    """NMI of k-means (10 clusters) on each judge's features of the real test images with
    their true classes: what clustering the real data, not generating it, reaches."""
    import numpy as np
    from sklearn.cluster import KMeans

    from tfgan_suite import data as data_lib
    from tfgan_suite import evaluation
    from tfgan_suite.metrics import classifier as classifier_lib
    from tfgan_suite.metrics import control

    images, labels = data_lib.load_arrays("fashion_mnist", "test")
    chosen = np.random.default_rng(seed).permutation(len(images))[:n]
    result = {}
    for space, config in evaluation.feature_spaces("fashion_mnist").items():
        network = classifier_lib.get_domain_classifier("fashion_mnist", config=config)
        features = network.features(images[chosen])
        clusters = KMeans(10, n_init=10, random_state=seed).fit_predict(features)
        result[space] = control.nmi(clusters, labels[chosen])
    return result


#: Garment-group ids of the label view (data/views.py): the CFGAN codes' attributes.
TOPS, FOOTWEAR = 0, 2


def pictures_of(name: str, model) -> list[tuple[str, str, object, int]]:
    """The two pictures issue #15 asks of each model — a control grid (rows = code value,
    columns = z) and interpolation strips (slerp for z; lerp for a continuous code) — as
    (file suffix, caption, images [k, …], columns)."""
    import numpy as np

    columns = 8
    if name.startswith("infogan"):
        grid = np.concatenate([model.sample(columns, seed=0, codes={"c1": k})
                               for k in range(10)])
        result = [("control_c1", "rows: c1 = 0 … 9; columns: z (the same in every row)",
                   grid, columns),
                  ("lerp_c2", "rows: z and c1 fixed; columns: c2 lerped between two draws",
                   model.interpolate(6, columns, seed=0, along="c2"), columns)]
    elif name == "cfgan":
        rows = [model.sample(columns, seed=0, labels=TOPS, codes={"tops": k})
                for k in range(5)]
        rows += [model.sample(columns, seed=0, labels=FOOTWEAR, codes={"footwear": k})
                 for k in range(3)]
        result = [("control", "rows: tops code 0 … 4 (attribute tops), then footwear code "
                   "0 … 2 (attribute footwear); columns: z", np.concatenate(rows), columns)]
    else:  # dtlcgan, dtlcgan_weak: every leaf of the 4 × 5 tree
        tree = next(code for code in model.codes.codes if code.kind == "tree")
        leaves = [[a, b] for a in range(tree.branching[0]) for b in range(tree.branching[1])]
        grid = np.concatenate([model.sample(columns, seed=0, codes={tree.name: leaf})
                               for leaf in leaves])
        result = [("control_leaves", f"rows: the {len(leaves)} leaves (layer-1 node a, its "
                   f"child b) in order a = 0 … {tree.branching[0] - 1}; columns: z", grid,
                   columns)]
    labels = None if not getattr(model, "attributes", 0) else [TOPS, TOPS, FOOTWEAR, FOOTWEAR,
                                                                1, 3]
    result.append(("slerp_z", "rows: codes fixed" + (" (attributes tops, tops, footwear, "
                   "footwear, bottoms, bags)" if labels else "") + "; columns: z slerped "
                   "between two draws", model.interpolate(6, columns, seed=0, labels=labels),
                   columns))
    return [(suffix, caption, images.reshape(-1, *images.shape[-3:]), cols)
            for suffix, caption, images, cols in result]


def write_pictures(runs_dir: str, results: str) -> dict:
    """For every row, the lowest seed whose run directory ``--keep-runs`` kept in
    ``runs_dir``: its pictures under ``results/control/`` and what they show, by row."""
    from tfgan_suite import runs
    from tfgan_suite.viz import grids

    with open(os.path.join(results, f"{NAME}.json"), encoding="utf-8") as handle:
        saved = json.load(handle)
    made = {}
    for spec in ROWS:
        kept = sorted((row["seed"], row) for row in saved["rows"]
                      if row["name"] == spec["name"]
                      and os.path.isdir(os.path.join(runs_dir, _run_dir(spec, row["seed"]))))
        if not kept:
            continue
        seed = kept[0][0]
        model = runs.load_run(os.path.join(runs_dir, _run_dir(spec, seed)))
        files = []
        for suffix, caption, images, columns in pictures_of(spec["name"], model):
            relative = os.path.join(NAME, f"{spec['name']}_{suffix}.png")
            grids.save_image_grid(images, os.path.join(results, relative), columns=columns)
            files.append([relative, caption])
        made[spec["name"]] = {"seed": seed, "files": files}
    saved["meta"]["pictures"] = made
    with open(os.path.join(results, f"{NAME}.json"), "w", encoding="utf-8") as handle:
        json.dump(saved, handle, indent=2)
    return made


def _run_dir(spec: dict, seed: int) -> str:
    """The run directory ``family_campaign.run`` gives (spec, seed)."""
    return f"{campaign.run_tag(spec)}_seed{seed}"


def write_markdown(meta: dict, rows: list[dict], results: str) -> None:
    summary = summarise(rows)
    lines = campaign.header("Control of the latent space on Fashion-MNIST (issue #15)", meta,
                            "every row has dcgan_g64_lr4's networks, loss and schedule")
    lines += [
        "- scores: `tfgan eval --n 10000`; the judge of each space (`fmnist`: the 2-conv CNN; "
        "`fmnist_vgg`: the VGG-style CNN) names the class of every generated image; NMI = "
        "normalised mutual information (metrics/control.py); mean ± standard error over seeds",
        "- k-means reference (10 clusters on each judge's features of 10,000 real test "
        "images, NMI with the true classes): " + (", ".join(
            f"{space} {value:.3f}" for space, value in meta.get("kmeans", {}).items())
            or "not computed"), "",
        "## Must-show bars (mean over ≥ 3 seeds)", "",
        "| model | rule | space | mean ± SE | seeds | verdict |", "|---" * 6 + "|"]
    for v in summary["verdicts"]:
        lines.append(f"| {v['model']} | {v['rule']} | {v['space']} | {v['mean']:.3f} ± "
                     f"{v['se']:.3f} | {v['seeds']} | "
                     f"{'**meets**' if v['meets'] else 'missed'} |")
    lines += ["", "## Every row (mean ± SE over seeds)", "",
              "| model | seeds | " + " | ".join(f"{m} ({s})" for m in METRICS for s in SPACES)
              + " |", "|---" * (2 + 2 * len(METRICS)) + "|"]
    for (_, _, name), entry in summary["table"].items():
        cells = [campaign.pm(entry["stats"].get(f"{m}_{s}"), 3) for m in METRICS
                 for s in SPACES]
        lines.append(f"| {name} | {len(entry['seeds'])} | " + " | ".join(cells) + " |")
    lines += ["", "## Runs", "", "| model | seed | steps | revision | date |", "|---" * 5 + "|"]
    for row in rows:
        lines.append(f"| {row['name']} | {row['seed']} | {row['steps']:,} | "
                     f"{row['git_revision']} | {row['date']} |")
    pictures = meta.get("pictures", {})
    if pictures:
        lines += ["", "## Control grids and interpolation strips", "",
                  "Written by `python tools/bench_control.py --pictures DIR` from the runs "
                  "that `--keep-runs DIR` kept (the lowest seed of each row).", ""]
        for name, entry in pictures.items():
            lines += [f"### {name} (seed {entry['seed']})", ""]
            for relative, caption in entry["files"]:
                lines += [f"{caption}:", "", f"![{name}]({relative})", ""]
    lines += campaign.grid_lines(rows)
    campaign.write_lines(results, NAME, lines)


def render(results: str) -> None:
    campaign.rerender(results, NAME, write_markdown)


def main(argv=None) -> int:
    parser = campaign.parser(__doc__, GROUPS)
    parser.add_argument("--kmeans", action="store_true",
                        help="only compute the k-means reference into the json's meta")
    parser.add_argument("--pictures", metavar="DIR",
                        help="only draw each row's control grid and interpolation strips "
                             "from the runs --keep-runs kept in DIR")
    args = parser.parse_args(argv)
    if args.rerender:
        render(RESULTS)
        return 0
    if args.pictures:
        write_pictures(args.pictures, RESULTS)
        render(RESULTS)
        return 0
    if args.kmeans:
        path = os.path.join(RESULTS, f"{NAME}.json")
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        saved["meta"]["kmeans"] = kmeans_reference()
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(saved, handle, indent=2)
        render(RESULTS)
        return 0
    rows = ROWS if args.only else [row for row in ROWS if row["group"] != SCREEN]
    return campaign.run(NAME, rows, args, render, RESULTS, "bench_control.py")


if __name__ == "__main__":
    sys.exit(main())

"""Imperfect labels on Fashion-MNIST (issue #13): each robust model against its naive model
trained on the same corrupted labels, judged against the clean truth.

Groups (``--only``; rows in ``ROWS``):

- ``symmetric``: symmetric noise μ = 0.5 — AC-GAN, rAC-GAN (T known / estimated), cGAN
  (projection), rcGAN (T known / estimated);
- ``asymmetric``: the Fashion-MNIST flip map at μ = 0.7, two chains of confusable classes
  (T-shirt→Shirt→Pullover→Coat, Dress→Coat, Sandal→Sneaker→Ankle boot): 70 % of the images
  labelled Shirt are T-shirts, of those labelled Pullover shirts, of those labelled Sneaker
  sandals; the same six rows. An earlier map whose targets never flip (T-shirt→Shirt,
  Pullover→Coat, Dress→Coat, Sandal→Sneaker, Ankle boot→Sneaker) was dropped after one seed
  (AC-GAN 85.6 %, rAC-GAN 80.2 % GAN-test): it leaves every observed label's most likely
  class itself, so the naive AC-GAN's classifier term already points at the clean class and
  the setting cannot ask what a correction buys. Expected before running: the
  estimated-T rows suffer here, because an anchor point of class Shirt (the image most
  surely labelled Shirt) is a T-shirt once more than half of the T-shirts carry that label;
  anchor points identify T only while each label's majority is its own class.
- ``sweep``: symmetric μ ∈ {0, 0.3, 0.7} for AC-GAN, rAC-GAN, cGAN, rcGAN (T known; μ = 0.5
  comes from ``symmetric``) — the GAN-test-versus-μ plot;
- ``overlap``: 10to5 — CP-GAN, AC-GAN, cGAN (one generator: probability vectors,
  conditional BatchNorm) — class-distinct / class-mutual accuracy (``evaluation.py``), FD;
- ``fraction``: 10 % of the labels — S3GAN, the projection GAN on the labelled 10 % alone,
  and the projection GAN on every label (the upper reference) — FD, GAN-test; and SS-GAN
  (S3GAN's networks and rotation loss, no label at all) on every image: the 10 % baseline
  sees 6,000 images where S3GAN sees 60,000, so S3GAN's FD is also judged against the
  label-free model on the same images (FD only: it has no class to test).

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

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import family_campaign as campaign  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "imperfect_labels"
SPACES = campaign.SPACES
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


#: S3GAN's networks and rotation loss without any label — SS-GAN on every image: what the
#: 10 % of labels and the predictor add beyond the 60,000 images the 10 % baseline lacks.
SSGAN_NO_LABELS = ("model=ssgan", "data.corruption.label_fraction=1.0",
                   "generator.conditional=false", "generator.conditional_bn=false",
                   "discriminator.conditioning=none", "discriminator.label_predictor=false")
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
            "overrides": ("data.corruption.label_fraction=1.0",)},
           {"group": "fraction", "setting": "no labels", "name": "ssgan_no_labels",
            "recipe": "s3gan_fashion_mnist_10pct.yaml", "overrides": SSGAN_NO_LABELS}])
GROUPS = ("symmetric", "asymmetric", "sweep", "overlap", "fraction")
#: (group, model, baseline, metric, higher is better): the issue's must-show comparisons.
COMPARISONS = (
    [(group, model, baseline, "gan_test_accuracy", True)
     for group in ("symmetric", "asymmetric")
     for model, baseline in (("racgan", "acgan"), ("racgan_estimated_t", "acgan"),
                             ("rcgan", "cgan"), ("rcgan_estimated_t", "cgan"))]
    + [("overlap", "cpgan", baseline, "dma", True) for baseline in ("acgan", "cgan")]
    + [("fraction", "s3gan", "projection_10pct", "fd", False),
       ("fraction", "s3gan", "projection_10pct", "gan_test_accuracy", True),
       ("fraction", "s3gan", "ssgan_no_labels", "fd", False)])


def _value(row: dict, metric: str, space: str):
    key = {"intra_fd": f"intra_fd_{space}_mean"}.get(metric, f"{metric}_{space}")
    return row["metrics"].get(key)


def summarise(rows: list[dict]) -> dict:
    """Per (group, setting, name): mean ± SE of each metric in each space; the comparisons."""
    table = campaign.stats(rows, ("fd", "gan_test_accuracy", "intra_fd", "dma",
                                  "class_distinct_accuracy", "class_mutual_accuracy"), _value)
    verdicts = []
    for group, model, baseline, metric, higher in COMPARISONS:
        for (g, setting, name), entry in table.items():
            if g != group or name != model:
                continue
            # The fraction group's rows differ in their labels (their settings); the others
            # compare rows of one setting.
            base = next((other for (o_group, o_setting, o_name), other in table.items()
                         if (o_group, o_name) == (group, baseline)
                         and (group == "fraction" or o_setting == setting)), None)
            if base is None:
                continue
            for space in SPACES:
                verdict = campaign.compare(entry, base, f"{metric}_{space}", higher)
                if verdict is not None:
                    verdicts.append({"group": group, "setting": setting, "model": model,
                                     "baseline": baseline} | verdict)
    return {"table": table, "verdicts": verdicts}


def write_markdown(meta: dict, rows: list[dict], results: str) -> None:
    summary = summarise(rows)
    lines = campaign.header(
        "Imperfect labels on Fashion-MNIST (issue #13)", meta,
        "a model and its naive baseline share the networks and the corrupted labels",
        rows) + [
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
            f"{campaign.pm(s.get('gan_test_accuracy_fmnist'), 1, 100)} | "
            f"{campaign.pm(s.get('gan_test_accuracy_fmnist_vgg'), 1, 100)} | "
            f"{campaign.pm(s.get('intra_fd_fmnist'))} | {campaign.pm(s.get('fd_fmnist'))} | "
            f"{campaign.pm(s.get('fd_fmnist_vgg'))} | {campaign.pm(s.get('dma_fmnist'), 1, 100)} | "
            f"{campaign.pm(s.get('class_distinct_accuracy_fmnist'), 1, 100)} | "
            f"{campaign.pm(s.get('class_mutual_accuracy_fmnist'), 1, 100)} |")
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
    args = campaign.parser(__doc__, GROUPS).parse_args(argv)
    if args.rerender:
        render(RESULTS)
        return 0
    return campaign.run(NAME, ROWS, args, render, RESULTS, "bench_imperfect_labels.py")


if __name__ == "__main__":
    sys.exit(main())

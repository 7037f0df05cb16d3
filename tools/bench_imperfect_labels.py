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

Issue #45's groups (rows in ``ISSUE45_ROWS``; the issue-13 groups above are ``ROWS``):

- ``screen``: which unconditional recipe S3GAN and SS-GAN should be built on, at half the
  budget (``--minutes`` × 0.5) and one seed (``--seeds 1``): per candidate, SS-GAN on every
  image without labels, S3GAN with 1 % of the labels and the projection GAN on that 1 %
  alone. Candidates: ``hinge_sn`` (issue #13's S3GAN recipe: hinge loss, spectral norm,
  32-filter generator; FD 79 without labels), ``g64_lr4`` (dcgan_g64_lr4: non-saturating
  loss, dropout 0.3 in D, 64-filter generator, learning rates 4e-4 — the recipe chosen,
  ``CHOSEN_RECIPE``) and ``g64_lr4_hinge_sn`` (dcgan_g64_lr4's networks and learning rates
  with issue #13's hinge loss and spectral norm instead of dropout: which of the two changes
  matters). The rendered table says whether the chosen candidate is the screen's best;
- ``fraction_1pct`` / ``fraction_2pct``: 1 % (600 labels, exactly 60 per class:
  ``data.corruption.label_selection=per_class``) and 2 % (120 per class) of the labels on the
  chosen recipe: the projection GAN on the labelled part alone (``projection_1pct`` /
  ``projection_2pct``: 600 / 1,200 images), the projection GAN on every label (the upper
  reference), S3GAN (the labelled part plus the 59,400 / 58,800 unlabelled images) and
  SS-GAN without labels (ssgan_fashion_mnist.yaml: dcgan_g64_lr4 plus the rotation head).
  The must-show, in this order: the labelled-only GAN loses to the all-labels one (the
  deficit exists), then S3GAN at 1 % beats the labelled-only GAN in FD and GAN-test by more
  than two combined standard errors in both feature spaces;
- ``overlap_60min``: CP-GAN, AC-GAN and CP-GAN without D dropout
  (``discriminator.dropout=0.0``) on 10to5 for six times the budget (60 minutes at the
  default ``--minutes 10``), evaluated every ``CURVE_MINUTES`` of training time (in-training
  evaluation of FD, DMA and its halves on 5,000 samples, both spaces): does CP-GAN pass
  AC-GAN in DMA as its classifier sharpens;
- ``symmetric_60min``: AC-GAN and rAC-GAN (T known) under symmetric μ = 0.5 for 60 minutes,
  with GAN-test, intra-FD and FD curves: does AC-GAN's clean GAN-test fall as its classifier
  memorises the noisy labels.

Curves (``family_curves.py``): each run's evaluations on their nominal minute, mean ± SE
over seeds; per compared pair the minutes at which the model's mean passes (or falls behind)
its baseline's, the ratio at the end and its trend over the second half; plotted in
``imperfect_labels_curves_<group>.png``. The final numbers of these groups are the
10,000-sample ``tfgan eval`` at the end, as for every row.

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
import imperfect_labels_sections as sections  # noqa: E402

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
#: Issue #45 (module docstring): recipes of the few-label groups, built on dcgan_g64_lr4.
S3GAN_G64 = "s3gan_g64_fashion_mnist_1pct.yaml"
PROJECTION_G64 = "projection_g64_fashion_mnist_1pct.yaml"
SSGAN_G64 = "ssgan_fashion_mnist.yaml"
PER_CLASS = ("data.corruption.label_selection=per_class",)
#: The screen's candidates: name → (S3GAN recipe, projection recipe, SS-GAN recipe, the
#: overrides every row of the candidate adds, the SS-GAN row's own overrides).
HINGE_SN = ("objective.name=hinge", "discriminator.dropout=0.0",
            "discriminator.spectral_norm=true")
SCREEN_CANDIDATES = {
    "hinge_sn": ("s3gan_fashion_mnist_10pct.yaml", "projection_fashion_mnist_10pct.yaml",
                 "s3gan_fashion_mnist_10pct.yaml", (), SSGAN_NO_LABELS),
    "g64_lr4": (S3GAN_G64, PROJECTION_G64, SSGAN_G64, (), ()),
    "g64_lr4_hinge_sn": (S3GAN_G64, PROJECTION_G64, SSGAN_G64, HINGE_SN, ())}
CHOSEN_RECIPE = "g64_lr4"
#: The screen's budget (a multiple of --minutes).
SCREEN_BUDGET = 0.5
FEW_LABELS = {"fraction_1pct": 0.01, "fraction_2pct": 0.02}
#: The longer groups: six times the budget (60 minutes at --minutes 10), evaluated every
#: CURVE_MINUTES of training time on CURVE_N samples.
LONG_BUDGET = 6
CURVE_MINUTES = 6.0
CURVE_N = 5000
CURVE = {"budget": LONG_BUDGET, "curve_minutes": CURVE_MINUTES, "curve_n": CURVE_N,
         "curve_metrics": "[fd,conditional]"}


def _screen_rows() -> list[dict]:
    labels = ("data.corruption.label_fraction=0.01",) + PER_CLASS
    rows = []
    for candidate, (s3gan, projection, ssgan, common, label_free) in SCREEN_CANDIDATES.items():
        rows += [{"name": "ssgan_no_labels", "recipe": ssgan, "overrides": label_free + common},
                 {"name": "s3gan", "recipe": s3gan, "overrides": labels + common},
                 {"name": "projection_1pct", "recipe": projection, "overrides": labels + common}]
        rows[-3:] = [row | {"group": "screen", "setting": candidate, "budget": SCREEN_BUDGET}
                     for row in rows[-3:]]
    return rows


def _few_label_rows(group: str, fraction: float) -> list[dict]:
    percent = f"{100 * fraction:g}"
    labels = (f"data.corruption.label_fraction={fraction}",)
    rows = [{"name": f"projection_{percent}pct", "setting": f"{percent} % labels",
             "recipe": PROJECTION_G64, "overrides": labels},
            {"name": "s3gan", "setting": f"{percent} % labels", "recipe": S3GAN_G64,
             "overrides": labels},
            {"name": "projection_all_labels", "setting": "every label",
             "recipe": PROJECTION_G64, "overrides": ("data.corruption.label_fraction=1.0",)},
            {"name": "ssgan_no_labels", "setting": "no labels", "recipe": SSGAN_G64,
             "overrides": ()}]
    return [row | {"group": group} for row in rows]


def _long_rows() -> list[dict]:
    overlap = [{"name": name, "recipe": f"{recipe}_fashion_mnist_10to5.yaml",
                "overrides": overrides}
               for name, recipe, overrides in (("cpgan", "cpgan", ()), ("acgan", "acgan", ()),
                                               ("cpgan_no_dropout", "cpgan",
                                                ("discriminator.dropout=0.0",)))]
    overlap = [row | {"group": "overlap_60min",
                      "setting": f"10to5, {LONG_BUDGET} × the budget"} | CURVE
               for row in overlap]
    symmetric = [row | {"group": "symmetric_60min",
                        "setting": f"{row['setting']}, {LONG_BUDGET} × the budget"} | CURVE
                 for row in _noise_rows("symmetric_60min", "symmetric", 0.5, False)
                 if row["name"] in ("acgan", "racgan")]
    return overlap + symmetric


#: Issue #45's rows (module docstring).
ISSUE45_ROWS = (_screen_rows()
                + [row for group, f in FEW_LABELS.items() for row in _few_label_rows(group, f)]
                + _long_rows())
ALL_ROWS = ROWS + ISSUE45_ROWS
#: Groups whose rows compare across settings (their labels differ).
ACROSS_SETTINGS = ("fraction", "screen") + tuple(FEW_LABELS)
CURVE_GROUPS = ("overlap_60min", "symmetric_60min")
GROUPS = ("symmetric", "asymmetric", "sweep", "overlap", "fraction", "screen") + tuple(
    FEW_LABELS) + CURVE_GROUPS
#: (group, model, baseline, metric, higher is better): the issue's must-show comparisons.
COMPARISONS = (
    [(group, model, baseline, "gan_test_accuracy", True)
     for group in ("symmetric", "asymmetric")
     for model, baseline in (("racgan", "acgan"), ("racgan_estimated_t", "acgan"),
                             ("rcgan", "cgan"), ("rcgan_estimated_t", "cgan"))]
    + [("overlap", "cpgan", baseline, "dma", True) for baseline in ("acgan", "cgan")]
    + [("fraction", "s3gan", "projection_10pct", "fd", False),
       ("fraction", "s3gan", "projection_10pct", "gan_test_accuracy", True),
       ("fraction", "s3gan", "ssgan_no_labels", "fd", False)]
    # Issue #45: the deficit first (every label against the labelled part alone), then S3GAN.
    + [(group, model, f"projection_{100 * f:g}pct", metric, higher)
       for group, f in FEW_LABELS.items()
       for model in ("projection_all_labels", "s3gan")
       for metric, higher in (("fd", False), ("gan_test_accuracy", True))]
    + [(group, "s3gan", "ssgan_no_labels", "fd", False) for group in FEW_LABELS]
    + [("overlap_60min", model, "acgan", "dma", True) for model in ("cpgan", "cpgan_no_dropout")]
    + [("symmetric_60min", "racgan", "acgan", "gan_test_accuracy", True)])


def metric_key(metric: str, space: str) -> str:
    """The evaluation's name of ``metric`` in ``space`` (intra-FD: its mean over classes)."""
    return {"intra_fd": f"intra_fd_{space}_mean"}.get(metric, f"{metric}_{space}")


def _value(row: dict, metric: str, space: str):
    return row["metrics"].get(metric_key(metric, space))


def summarise(rows: list[dict]) -> dict:
    """Per (group, setting, name): mean ± SE of each metric in each space; the comparisons."""
    table = campaign.stats(rows, ("fd", "gan_test_accuracy", "intra_fd", "dma",
                                  "class_distinct_accuracy", "class_mutual_accuracy"), _value)
    verdicts = []
    for group, model, baseline, metric, higher in COMPARISONS:
        for (g, setting, name), entry in table.items():
            if g != group or name != model:
                continue
            # The fraction groups' rows differ in their labels (their settings); the others
            # compare rows of one setting.
            base = next((other for (o_group, o_setting, o_name), other in table.items()
                         if (o_group, o_name) == (group, baseline)
                         and (group in ACROSS_SETTINGS or o_setting == setting)), None)
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
    lines += sections.screen_lines(summary, tuple(SCREEN_CANDIDATES), CHOSEN_RECIPE)
    lines += sections.few_label_lines(summary, FEW_LABELS)
    lines += sections.long_verdict_lines(summary)
    for group in CURVE_GROUPS:
        lines += sections.curve_lines(rows, group, results, NAME, metric_key, CURVE_MINUTES)
    lines += ["", "## Runs", "", "| group | setting | model | seed | minutes | steps | revision "
              "| date |", "|---" * 8 + "|"]
    for row in rows:
        lines.append(f"| {row['group']} | {row['setting']} | {row['name']} | {row['seed']} | "
                     f"{row.get('minutes', meta['minutes']):g} | {row['steps']:,} | "
                     f"{row['git_revision']} | {row['date']} |")
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
        render(args.results or RESULTS)
        return 0
    return campaign.run(NAME, ALL_ROWS, args, render, RESULTS, "bench_imperfect_labels.py")


if __name__ == "__main__":
    sys.exit(main())

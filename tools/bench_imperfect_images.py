"""Imperfect images on Fashion-MNIST (issue #14): a clean generator learned from noisy or
measured training images, judged by FD against the **clean** test split in both feature
spaces.

Groups (``--only``; rows in ``ROWS``), every row with the networks, loss and schedule of
``dcgan_g64_lr4`` (NR-GAN adds a noise generator of the same architecture):

- ``noise_A`` (Gaussian σ 25), ``noise_G`` (brown), ``noise_I`` (multiplicative),
  ``noise_M`` (Poisson λ 30): the plain GAN on the noisy data; AmbientGAN† (told the true
  noise); SI-NR-GAN-I; SI-NR-GAN-II; SD-NR-GAN-II (the signal-dependent variant that needs
  neither the noise type nor its amount); restore-then-GAN (non-local means, then the
  plain GAN). On Poisson data every row's discriminator sees the blurvh pair
  (``discriminator.input_blur``), as in the reference code.
- ``noise_A_3x``: noise A's plain GAN, AmbientGAN† and SI-NR-GAN-I trained **three times
  the budget** (``--minutes`` × 3; each run's minutes are in the Runs table) — not a
  must-show row: it asks whether NR-GAN's gap to the bars at 10 minutes closes with
  training (it makes ≈ 0.7 × the GAN's steps, two generators), judged by the same bars.
- ``block_pixels_0.5``, ``block_pixels_0.8``, ``convolve_noise``, ``block_patch_14``: the
  plain GAN, AmbientGAN, restore-then-GAN (biharmonic inpainting / Wiener deconvolution).
  The reference's MNIST grid on [0, 1] images: blur 5×5 σ_k = 1 plus noise σ = 0.1, which
  is σ = 0.2 on the suite's [−1, 1] scale; a blocked pixel (and the blur's zero border) is 0
  on [−1, 1], i.e. mid-grey, as in the reference's [−1, 1] CelebA runs (on MNIST's [0, 1] it
  is black, the background), and block_pixels keeps values unscaled (the reference scales
  them by 1/(1 − p)): the plain GAN sees grey specks, AmbientGAN the same measurement
  on both sides.

The NR-GAN variant judged for each noise was chosen from the paper before any run
(``BEST_NRGAN``): SI-NR-GAN-I for A (pixel-independent Gaussian: its distribution
constraint fits exactly), SI-NR-GAN-II for G (brown noise is spatially correlated, which
SI-I's per-pixel ε cannot express, while rotation / sign flips leave it invariant),
SD-NR-GAN-II for I and M (signal-dependent noise; the paper names SI-NR-GAN-II and
SD-NR-GAN-II its robust general-purpose variants, and SD-II needs no noise model, unlike
SD-I).

Must-show rules (``VERDICTS``), in both spaces, mean over seeds:
- per noise: the chosen NR-GAN's FD ≤ 0.5 × the plain GAN's and ≤ 1.5 × AmbientGAN†'s, each
  by more than two combined standard errors (``meets_bar`` of fashion_mnist_campaign);
- AmbientGAN's FD ≤ 0.5 × the plain GAN's for block_pixels p = 0.8 and convolve_noise;
- AmbientGAN beats restore-then-GAN (2 combined SE) on at least one measurement.

Issue #45: NR-GAN with its reference recipe (rows in ``REFERENCE_ROWS``; the groups above
are ``ROWS``). The reference is Kaneko & Harada, "Noise Robust Generative Adversarial
Networks", CVPR 2020 (arXiv:1911.11776) and its official code, github.com/takuhirok/NR-GAN,
read for this at commit 79e73ac: ``models/net.py`` (the generator: linear → 128 channels at
image_size / 8 → three up-sampling residual blocks → ReLU → conv3×3 → tanh; the
discriminator: an optimized block, a down-sampling block, two plain blocks, ReLU, global
mean pooling, linear), ``models/common.py`` (residual blocks without any normalisation,
output = shortcut + 0.1 · residual, ``residual_factor`` 0.1 in both networks; nearest
up-sampling, mean-pool down-sampling), ``train.py`` (defaults: Adam ``g_lr`` = ``d_lr`` =
2e-4, β = (0, 0.99), ``num_critic`` 1, ``lambda_r1`` 10 on λ·E‖∇D(y)‖² without ½,
``lambda_ds`` 0.02, batch 64 with the generator's batch twice that, EMA 0.999 of the
generators, 200k iterations without decay) and ``scripts/train.sh`` (the variants' flags;
AmbientGAN = ``--noise_measure``). The recipes ``gan_`` / ``ambientgan_`` /
``nrgan_resnet_r1_fashion_mnist.yaml`` carry exactly that — ResNet G and D without
BatchNorm, residual ×0.1, mean pooling, no spectral norm, NS loss, R1 = 10 in the
reference's convention (``penalties: {r1: {weight: 20}}``: the suite's R1 is γ/2·E‖∇D‖²),
Adam 2e-4 for both networks with β = (0, 0.99), EMA 0.999, λ_ds = 0.02 — scaled to the CPU
in width (32 channels per block instead of 128), resolution (28 px with two up-sampling
blocks instead of 32 px with three) and length (minutes instead of 200k iterations). The
learning rates are the reference's: its batch (64) is ours, so there is nothing to rescale
them by; what is not reproduced: the generator's double batch, and the Xavier gain √2 of
the residual convolutions (Keras's Glorot gain 1 here).

- ``reference_A``, ``reference_G``: every row of ``noise_A`` / ``noise_G`` (plain GAN,
  AmbientGAN†, SI-NR-GAN-I, SI-NR-GAN-II, SD-NR-GAN-II, restore-then-GAN) with the
  reference recipe, ``--minutes`` each (10 by default), two seeds;
- ``reference_A_60min`` (the must-show) and ``reference_G_60min``: the plain GAN,
  AmbientGAN† and the judged NR-GAN variant (SI-I on A, SI-II on G) for six times the
  budget (60 minutes), evaluated every ``CURVE_MINUTES`` of training time (FD on 5,000
  samples, both spaces; the evaluations are not training time). The renderer tabulates and
  plots the mean FD-versus-time curves, states where NR-GAN's curve crosses the GAN's and
  AmbientGAN†'s, the ratio at every point and whether it is still falling over the second
  half (least-squares slope), and the first minute at which each bar holds on the means.

Bars of issue #45 (``REFERENCE_BARS``) on every reference group, in both spaces, by more
than two combined standard errors: the judged NR-GAN's FD ≤ 0.6 × the plain GAN's and
≤ 1.2 × AmbientGAN†'s; the must-show is ``reference_A_60min``'s.

Each run trains ``--minutes`` (default 10) through ``tfgan train`` then ``tfgan eval --n
10000``; two runs at a time, one core each (``family_campaign.py``). Results:
``docs/results/imperfect_images.md`` / ``.json``; grids of each row's clean samples under
``docs/results/imperfect_images/`` next to the setting's corrupted (and restored) training
images (``--examples`` writes those).
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import family_campaign as campaign  # noqa: E402
import family_curves as curves  # noqa: E402
from fashion_mnist_campaign import meets_bar  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
NAME = "imperfect_images"
SPACES = campaign.SPACES
GAN = "dcgan_g64_lr4_fashion_mnist.yaml"
AMBIENT = "ambientgan_fashion_mnist.yaml"
NRGAN = "nrgan_fashion_mnist.yaml"
NOISES = {"A": "Gaussian σ=25", "G": "brown σ=25", "I": "multiplicative σ=25",
          "M": "Poisson λ=30"}
#: The NR-GAN variant judged per noise, chosen from the paper before any run (docstring).
BEST_NRGAN = {"A": "nrgan_si1", "G": "nrgan_si2", "I": "nrgan_sd2", "M": "nrgan_sd2"}
MEASUREMENTS = {"block_pixels_0.5": ("block_pixels", "p", 0.5),
                "block_pixels_0.8": ("block_pixels", "p", 0.8),
                "convolve_noise": ("convolve_noise", "sigma", 0.2),
                "block_patch_14": ("block_patch", "patch", 14)}


def _noise_rows(letter: str) -> list[dict]:
    data = (f"data.corruption.image_noise={letter}", "data.corruption.measurement.kind=none")
    if letter in "MNOP":
        data += ("discriminator.input_blur=true",)
    rows = [{"name": "gan", "recipe": GAN, "overrides": data},
            {"name": "ambientgan", "recipe": AMBIENT, "overrides": data}]
    rows += [{"name": f"nrgan_{variant}", "recipe": NRGAN,
              "overrides": data + (f"nrgan.variant={variant}",)}
             for variant in ("si1", "si2", "sd2")]
    rows.append({"name": "restore", "recipe": GAN,
                 "overrides": data + ("data.corruption.restore=auto",)})
    return [row | {"group": f"noise_{letter}", "setting": f"{letter}: {NOISES[letter]}"}
            for row in rows]


def _measurement_rows(group: str) -> list[dict]:
    kind, field, value = MEASUREMENTS[group]
    data = (f"data.corruption.measurement.kind={kind}",
            f"data.corruption.measurement.{field}={value}")
    rows = [{"name": "gan", "recipe": GAN, "overrides": data},
            {"name": "ambientgan", "recipe": AMBIENT, "overrides": data},
            {"name": "restore", "recipe": GAN,
             "overrides": data + ("data.corruption.restore=auto",)}]
    return [row | {"group": group, "setting": f"{kind} {field}={value:g}"} for row in rows]


#: Longer-budget groups: name → (noise, its rows, multiple of ``--minutes``).
LONGER = {"noise_A_3x": ("A", ("gan", "ambientgan", "nrgan_si1"), 3)}


def _longer_rows(group: str) -> list[dict]:
    letter, names, budget = LONGER[group]
    return [row | {"group": group, "setting": f"{row['setting']}, {budget} × the budget",
                   "budget": budget}
            for row in _noise_rows(letter) if row["name"] in names]


ROWS = ([row for letter in NOISES for row in _noise_rows(letter)]
        + [row for group in MEASUREMENTS for row in _measurement_rows(group)]
        + [row for group in LONGER for row in _longer_rows(group)])

#: Issue #45: NR-GAN's reference recipe for each model (module docstring).
REFERENCE_RECIPES = {GAN: "gan_resnet_r1_fashion_mnist.yaml",
                     AMBIENT: "ambientgan_resnet_r1_fashion_mnist.yaml",
                     NRGAN: "nrgan_resnet_r1_fashion_mnist.yaml"}
REFERENCE_NOISES = ("A", "G")
#: The 60-minute groups: name → (noise, its rows), at LONG_BUDGET × --minutes.
REFERENCE_LONG = {"reference_A_60min": ("A", ("gan", "ambientgan", BEST_NRGAN["A"])),
                  "reference_G_60min": ("G", ("gan", "ambientgan", BEST_NRGAN["G"]))}
LONG_BUDGET = 6
CURVE_MINUTES = 6.0
CURVE = {"budget": LONG_BUDGET, "curve_minutes": CURVE_MINUTES, "curve_n": 5000,
         "curve_metrics": "[fd]"}
#: Issue #45's bars: the judged NR-GAN ≤ 0.6 × the plain GAN's FD, ≤ 1.2 × AmbientGAN†'s.
REFERENCE_BARS = {"gan": 0.6, "ambientgan": 1.2}


def _reference_rows(letter: str) -> list[dict]:
    return [row | {"group": f"reference_{letter}", "recipe": REFERENCE_RECIPES[row["recipe"]],
                   "setting": f"{row['setting']}, reference recipe"}
            for row in _noise_rows(letter)]


def _reference_long_rows(group: str) -> list[dict]:
    letter, names = REFERENCE_LONG[group]
    return [row | {"group": group, "setting": f"{row['setting']}, {LONG_BUDGET} × the budget"}
            | CURVE for row in _reference_rows(letter) if row["name"] in names]


REFERENCE_ROWS = ([row for letter in REFERENCE_NOISES for row in _reference_rows(letter)]
                  + [row for group in REFERENCE_LONG for row in _reference_long_rows(group)])
ALL_ROWS = ROWS + REFERENCE_ROWS
REFERENCE_GROUPS = tuple(f"reference_{letter}" for letter in REFERENCE_NOISES) + tuple(
    REFERENCE_LONG)
GROUPS = (tuple(f"noise_{letter}" for letter in NOISES) + tuple(MEASUREMENTS)
          + tuple(LONGER) + REFERENCE_GROUPS)


def _value(row: dict, metric: str, space: str):
    return row["metrics"].get(f"{metric}_{space}")


def summarise(rows: list[dict]) -> dict:
    """Per row: mean ± SE of FD per space; the must-show verdicts."""
    table = campaign.stats(rows, ("fd",), _value)
    by_group: dict[str, dict] = {}
    for (group, _, name), entry in table.items():
        by_group.setdefault(group, {})[name] = entry
    verdicts = []

    def bar(group, model, baseline, factor, rule):
        entries = by_group.get(group, {})
        if model not in entries or baseline not in entries:
            return
        for space in SPACES:
            key = f"fd_{space}"
            ours, base = entries[model]["stats"].get(key), entries[baseline]["stats"].get(key)
            if ours is None or base is None:
                continue
            seeds = (len(entries[model]["seeds"]), len(entries[baseline]["seeds"]))
            verdicts.append({"group": group, "model": model, "baseline": baseline,
                             "rule": rule, "metric": key, "model_mean": ours[0],
                             "baseline_mean": base[0], "ratio": ours[0] / base[0],
                             "seeds": seeds,
                             "meets": bool(min(seeds) >= 2 and meets_bar(ours, base, factor))})

    noise_groups = [(f"noise_{letter}", model) for letter, model in BEST_NRGAN.items()]
    noise_groups += [(group, BEST_NRGAN[letter]) for group, (letter, _, _) in LONGER.items()]
    for group, model in noise_groups:
        bar(group, model, "gan", 0.5, "FD ≤ 0.5 × GAN")
        bar(group, model, "ambientgan", 1.5, "FD ≤ 1.5 × AmbientGAN†")
    for group in REFERENCE_GROUPS:
        model = BEST_NRGAN[group.split("_")[1]]
        for baseline, factor in REFERENCE_BARS.items():
            label = "GAN" if baseline == "gan" else "AmbientGAN†"
            bar(group, model, baseline, factor, f"FD ≤ {factor:g} × {label}")
    for group in ("block_pixels_0.8", "convolve_noise"):
        bar(group, "ambientgan", "gan", 0.5, "FD ≤ 0.5 × GAN")
    for group in MEASUREMENTS:
        bar(group, "ambientgan", "restore", 1.0, "FD < restore-then-GAN")
    return {"table": table, "verdicts": verdicts}


def write_markdown(meta: dict, rows: list[dict], results: str) -> None:
    summary = summarise(rows)
    lines = campaign.header(
        "Imperfect images on Fashion-MNIST (issue #14)", meta,
        "every row has the networks, loss and schedule of dcgan_g64_lr4 (NR-GAN adds a "
        "noise generator of the same architecture, so it makes fewer steps in the same "
        "time)" + "".join(f"; {group} trains {budget} × the budget (a diagnostic of the "
                          "budget, judged by the same bars)"
                          for group, (_, _, budget) in LONGER.items())
        + "; the reference_* groups (issue #45) train with NR-GAN's reference recipe instead "
        "(ResNets without BatchNorm, R1 = 10, Adam β = (0, 0.99); the tool's docstring), "
        f"their *_60min groups {LONG_BUDGET} × the budget with an FD curve every "
        f"{CURVE_MINUTES:g} training minutes, judged by issue #45's bars", rows) + [
        "- score: FD of the clean generator (`tfgan eval --n 10000`) against the **clean** "
        "test split, in the primary space (`fmnist`) and the independent one "
        "(`fmnist_vgg`); mean ± standard error over seeds",
        "- NR-GAN variant judged per noise, chosen from the paper before any run: "
        + ", ".join(f"{k} → {v}" for k, v in BEST_NRGAN.items()), "",
        "## Must-show verdicts", "",
        "| setting | model | baseline | rule | space | model FD | baseline FD | ratio | seeds "
        "| verdict |", "|---" * 10 + "|"]
    for v in summary["verdicts"]:
        lines.append(
            f"| {v['group']} | {v['model']} | {v['baseline']} | {v['rule']} | "
            f"{v['metric'][3:]} | {v['model_mean']:.2f} | {v['baseline_mean']:.2f} | "
            f"{v['ratio']:.2f} | {v['seeds'][0]} / {v['seeds'][1]} | "
            f"{'**meets**' if v['meets'] else 'missed'} |")
    against_restore = {g: [v["meets"] for v in summary["verdicts"]
                           if v["group"] == g and v["baseline"] == "restore"]
                       for g in MEASUREMENTS}
    measured = [g for g, meets in against_restore.items() if meets]
    beats_restore = [g for g in measured if all(against_restore[g])]
    if measured:
        lines += ["", "AmbientGAN beats restore-then-GAN (in both spaces) on at least one "
                  "measurement: "
                  + (f"**met** ({', '.join(beats_restore)})" if beats_restore
                     else f"missed (of {', '.join(measured)})")]
    lines += ["", "## Every row (mean ± SE over seeds)", "",
              "| group | setting | model | seeds | FD | FD (vgg) |", "|---" * 6 + "|"]
    for (group, setting, name), entry in summary["table"].items():
        s = entry["stats"]
        lines.append(f"| {group} | {setting} | {name} | {len(entry['seeds'])} | "
                     f"{campaign.pm(s.get('fd_fmnist'))} | "
                     f"{campaign.pm(s.get('fd_fmnist_vgg'))} |")
    for group in REFERENCE_LONG:
        lines += curve_lines(rows, group, results)
    lines += ["", "## Runs", "",
              "| group | model | seed | minutes | steps | revision | date |", "|---" * 7 + "|"]
    for row in rows:
        lines.append(f"| {row['group']} | {row['name']} | {row['seed']} | "
                     f"{row.get('minutes', meta['minutes']):g} | {row['steps']:,} | "
                     f"{row['git_revision']} | {row['date']} |")
    lines += ["", "## Clean samples (seed 0) next to the training data they saw", ""]
    for group in dict.fromkeys(row["group"] for row in rows):
        example = os.path.join(NAME, f"{group}_data.png")
        if os.path.isfile(os.path.join(results, example)):
            lines += [f"### {group}: training images", "", f"![data]({example})", ""]
        for row in rows:
            if row["group"] == group and row["seed"] == 0:
                lines += [f"### {group}: {row['name']}", "", f"![{row['name']}]({row['grid']})",
                          ""]
    with open(os.path.join(results, f"{NAME}.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def curve_lines(rows: list[dict], group: str, results: str) -> list[str]:
    """A 60-minute group's FD-versus-time section: plot, table per space, crossings and the
    ratio of the judged NR-GAN to the GAN and to AmbientGAN† (``family_curves``), and the
    first minute at which each of issue #45's bars holds on the means."""
    members = [row for row in rows if row["group"] == group and row.get("curve")]
    if not members:
        return []
    period = members[0].get("curve_minutes", CURVE_MINUTES)
    model = REFERENCE_LONG[group][1][-1]
    names = list(dict.fromkeys(row["name"] for row in members))

    def mean(name: str, space: str) -> list[tuple]:
        return curves.mean_curve([row for row in members if row["name"] == name],
                                 f"fd_{space}", period)

    lines = ["", f"## FD versus training time: {group} (every {period:g} training minutes, "
             "5,000 samples; mean ± SE over seeds)", ""]
    plot = f"{NAME}_curves_{group}.png"
    if curves.plot_curves([(f"FD ({space})", {name: mean(name, space) for name in names})
                           for space in SPACES], os.path.join(results, plot), title=group):
        lines += [f"![{group} curves]({plot})", ""]
    for space in SPACES:
        lines += [f"### FD, {space}", ""]
        lines += curves.curve_table({name: mean(name, space) for name in names}) + [""]
    lines += ["### Where the curves cross, and the ratios", ""]
    for baseline, factor in REFERENCE_BARS.items():
        for space in SPACES:
            comparison = curves.compare_curves(mean(model, space), mean(baseline, space),
                                               higher=False)
            lines.append("- " + curves.describe_comparison(model, baseline, comparison,
                                                           f"FD, {space}"))
            if comparison is not None:
                pairs = list(zip(comparison["minutes"], comparison["ratios"], strict=True))
                reached = next((minute for minute, ratio in pairs if ratio <= factor), None)
                lines.append("  - ratios: " + ", ".join(f"{m:g} min {r:.2f}" for m, r in pairs)
                             + f"; ≤ {factor:g} (on the means) "
                             + (f"from {reached:g} min" if reached is not None else "never"))
    return lines


def render(results: str) -> None:
    campaign.rerender(results, NAME, write_markdown)


def write_examples(groups, results: str) -> None:
    """Per group: 16 corrupted training images, and under them the same 16 restored."""
    import numpy as np

    from tfgan_suite import config as config_lib
    from tfgan_suite import factory
    from tfgan_suite.viz import grids

    os.makedirs(os.path.join(results, NAME), exist_ok=True)
    for group in groups:
        if group in LONGER or group in REFERENCE_GROUPS:  # its noise group's training images
            continue
        rows = {row["name"]: row for row in ROWS if row["group"] == group}
        shown = []
        for name in ("gan", "restore"):
            overrides = [item for item in rows[name]["overrides"]
                         if item.startswith("data.")]
            config = config_lib.load(config_lib.read_yaml(os.path.join(ROOT, "configs", GAN)),
                                     overrides)
            shown.append(factory.training_arrays(config)[0][:16])
        grids.save_image_grid(np.concatenate(shown), os.path.join(
            results, NAME, f"{group}_data.png"), columns=16)


def main(argv=None) -> int:
    parser = campaign.parser(__doc__, GROUPS, seeds=2)
    parser.add_argument("--examples", action="store_true",
                        help="only write each group's corrupted / restored example grid")
    args = parser.parse_args(argv)
    if args.rerender:
        render(args.results or RESULTS)
        return 0
    if args.examples:
        write_examples(args.only or GROUPS, args.results or RESULTS)
        return 0
    return campaign.run(NAME, ALL_ROWS, args, render, RESULTS, "bench_imperfect_images.py")


if __name__ == "__main__":
    sys.exit(main())

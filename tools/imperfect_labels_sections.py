"""The issue-#45 sections of ``docs/results/imperfect_labels.md`` (``bench_imperfect_labels``
renders them between its row table and its runs): the recipe screen, the must-show verdicts
of the few-label groups and of the 60-minute groups, and the curves of those groups.

Every function takes the summary of ``bench_imperfect_labels.summarise`` (``table``: per
(group, setting, name) its seeds and mean ± SE; ``verdicts``: the comparisons) or the raw
rows, and returns markdown lines; nothing here runs a model.
"""

from __future__ import annotations

import os
from typing import Callable

import family_campaign as campaign
import family_curves as curves

SPACES = campaign.SPACES
#: Per curve group: the panels (metric, axis label, higher is better, display scale) and the
#: compared pairs (model, baseline, metric).
CURVE_PANELS = {
    "overlap_60min": [("dma", "DMA (%)", True, 100.0),
                      ("class_distinct_accuracy", "class-distinct accuracy (%)", True, 100.0),
                      ("class_mutual_accuracy", "class-mutual accuracy (%)", True, 100.0),
                      ("fd", "FD", False, 1.0)],
    "symmetric_60min": [("gan_test_accuracy", "clean GAN-test (%)", True, 100.0),
                        ("intra_fd", "intra-FD", False, 1.0), ("fd", "FD", False, 1.0)]}
CURVE_COMPARISONS = {
    "overlap_60min": [("cpgan", "acgan", "dma"), ("cpgan_no_dropout", "acgan", "dma")],
    "symmetric_60min": [("racgan", "acgan", "gan_test_accuracy"),
                        ("racgan", "acgan", "intra_fd")]}


def _verdicts(summary: dict, group: str, model: str, baseline: str, metric: str) -> list:
    return [v for v in summary["verdicts"]
            if (v["group"], v["model"], v["baseline"]) == (group, model, baseline)
            and v["metric"] in (f"{metric}_{space}" for space in SPACES)]


def _all_beat(verdicts: list, expected: int) -> bool:
    return len(verdicts) == expected and all(v["beats"] for v in verdicts)


def screen_lines(summary: dict, candidates: tuple[str, ...], chosen: str) -> list[str]:
    """The screen's table (one seed, FD and GAN-test in the primary space, per candidate)
    and whether ``chosen`` is its best at training without labels and with 1 %."""
    table = {(setting, name): entry for (group, setting, name), entry in summary["table"].items()
             if group == "screen"}
    if not table:
        return []

    def stat(candidate, name, key):
        entry = table.get((candidate, name))
        return None if entry is None else entry["stats"].get(key)

    lines = ["", "## Recipe screen for S3GAN and SS-GAN (issue #45; half the budget, one seed)",
             "", "| candidate | SS-GAN FD (no labels) | S3GAN FD (1 %) | S3GAN GAN-test % "
             "| projection 1 % FD | projection 1 % GAN-test % |", "|---" * 6 + "|"]
    for candidate in candidates:
        lines.append(
            f"| {candidate}{' (chosen)' if candidate == chosen else ''} | "
            f"{campaign.pm(stat(candidate, 'ssgan_no_labels', 'fd_fmnist'))} | "
            f"{campaign.pm(stat(candidate, 's3gan', 'fd_fmnist'))} | "
            f"{campaign.pm(stat(candidate, 's3gan', 'gan_test_accuracy_fmnist'), 1, 100)} | "
            f"{campaign.pm(stat(candidate, 'projection_1pct', 'fd_fmnist'))} | "
            f"{campaign.pm(stat(candidate, 'projection_1pct', 'gan_test_accuracy_fmnist'), 1, 100)}"
            " |")
    for name, what in (("ssgan_no_labels", "without labels (SS-GAN)"),
                       ("s3gan", "with 1 % of the labels (S3GAN)")):
        measured = {c: stat(c, name, "fd_fmnist") for c in candidates}
        measured = {c: value[0] for c, value in measured.items() if value is not None}
        if len(measured) == len(candidates):
            best = min(measured, key=measured.get)
            lines.append("")
            lines.append(f"Lowest FD {what}: {best} ({measured[best]:.2f}); the chosen recipe "
                         f"{chosen}: {measured[chosen]:.2f} — "
                         + ("the screen supports the choice" if best == chosen else
                            "**the screen does not support the choice**"))
    return lines


def few_label_lines(summary: dict, groups: dict[str, float]) -> list[str]:
    """Per few-label group, the issue's must-show in its order: the deficit (every label
    beats the labelled part alone in FD and GAN-test, both spaces), then S3GAN beating the
    labelled part alone in FD and GAN-test, both spaces, beyond two combined SE."""
    lines = []
    for group, fraction in groups.items():
        baseline = f"projection_{100 * fraction:g}pct"
        deficit = [v for metric in ("fd", "gan_test_accuracy")
                   for v in _verdicts(summary, group, "projection_all_labels", baseline, metric)]
        s3gan = [v for metric in ("fd", "gan_test_accuracy")
                 for v in _verdicts(summary, group, "s3gan", baseline, metric)]
        if not deficit and not s3gan:
            continue
        expected = 2 * len(SPACES)
        shown = _all_beat(deficit, expected)
        met = _all_beat(s3gan, expected)
        lines += ["", f"- **{group}** ({100 * fraction:g} % of the labels): the labelled-only "
                  f"GAN loses to the all-labels one (FD and GAN-test, both spaces): "
                  + ("**shown**" if shown else f"not shown ({_missing(deficit, expected)})")
                  + "; S3GAN beats the labelled-only GAN in FD and GAN-test beyond two "
                  "combined standard errors, both spaces: "
                  + ("**met**" if met and shown else
                     "met, but the deficit it must make up is not shown" if met else
                     f"missed ({_missing(s3gan, expected)})")]
    return (["", "## Issue #45: S3GAN at few labels (must-show)"] + lines) if lines else []


def _missing(verdicts: list, expected: int) -> str:
    failed = [v["metric"] for v in verdicts if not v["beats"]]
    if len(verdicts) < expected:
        failed.append(f"{expected - len(verdicts)} comparison(s) not measured yet")
    return ", ".join(failed) or "—"


def curve_lines(rows: list[dict], group: str, results: str, name: str,
                metric_key: Callable[[str, str], str], default_period: float) -> list[str]:
    """A 60-minute group's curves: a plot (``<name>_curves_<group>.png``), a table per
    panel metric (primary space; the compared metrics in both), and per compared pair where
    the curves cross and how the ratio moves."""
    members = [row for row in rows if row["group"] == group and row.get("curve")]
    if not members:
        return []
    period = members[0].get("curve_minutes", default_period)
    names = list(dict.fromkeys(row["name"] for row in members))

    def mean(model: str, metric: str, space: str) -> list[tuple]:
        return curves.mean_curve([row for row in members if row["name"] == model],
                                 metric_key(metric, space), period)

    lines = ["", f"## Curves: {group} (every {period:g} training minutes, 5,000 samples; "
             "mean ± SE over seeds)", ""]
    plot = f"{name}_curves_{group}.png"
    panels = [(label, {model: [(m, v * scale, e * scale) for m, v, e in mean(model, metric,
                                                                            SPACES[0])]
                       for model in names})
              for metric, label, _, scale in CURVE_PANELS[group]]
    if curves.plot_curves(panels, os.path.join(results, plot), title=f"{group} (fmnist)"):
        lines += [f"![{group} curves]({plot})", ""]
    compared = {metric for _, _, metric in CURVE_COMPARISONS[group]}
    for metric, label, _, scale in CURVE_PANELS[group]:
        for space in SPACES if metric in compared else SPACES[:1]:
            lines += [f"### {label}, {space}", ""]
            lines += curves.curve_table({model: mean(model, metric, space) for model in names},
                                        scale=scale, digits=1 if scale != 1.0 else 2)
            lines.append("")
    lines += ["### Where the curves cross", ""]
    for model, baseline, metric in CURVE_COMPARISONS[group]:
        higher = next(h for m, _, h, _ in CURVE_PANELS[group] if m == metric)
        for space in SPACES:
            comparison = curves.compare_curves(mean(model, metric, space),
                                               mean(baseline, metric, space), higher)
            lines.append("- " + curves.describe_comparison(model, baseline, comparison,
                                                           f"{metric}, {space}"))
    for model in names:
        metric, _, higher, scale = CURVE_PANELS[group][0]
        for space in SPACES:
            best = curves.best_and_last(mean(model, metric, space), higher)
            if best is not None:
                lines.append(
                    f"- {model}, {metric} ({space}): best {best['best'] * scale:.1f} at "
                    f"{best['best_minute']:g} min, last {best['last'] * scale:.1f} at "
                    f"{best['last_minute']:g} min ({best['change_from_best'] * scale:+.1f} "
                    "from its best)")
    return lines


def long_verdict_lines(summary: dict) -> list[str]:
    """The 60-minute groups' final comparisons (10,000 samples at the end) in words."""
    lines = []
    for group, model, baseline, metric, what in (
            ("overlap_60min", "cpgan", "acgan", "dma", "CP-GAN > AC-GAN in class-distinct / "
             "mutual accuracy"),
            ("overlap_60min", "cpgan_no_dropout", "acgan", "dma", "CP-GAN without D dropout "
             "> AC-GAN in class-distinct / mutual accuracy"),
            ("symmetric_60min", "racgan", "acgan", "gan_test_accuracy", "rAC-GAN > AC-GAN in "
             "clean GAN-test under symmetric μ = 0.5")):
        found = _verdicts(summary, group, model, baseline, metric)
        if not found:
            continue
        parts = [f"{'fmnist_vgg' if v['metric'].endswith('_vgg') else 'fmnist'}: "
                 f"{100 * v['model_mean']:.1f} against {100 * v['baseline_mean']:.1f} "
                 f"({'**beats**' if v['beats'] else 'not shown'})" for v in found]
        lines.append(f"- {what} at the end of {group}: " + "; ".join(parts))
    return (["", "## Issue #45: the 60-minute groups (final evaluation)", ""] + lines
            ) if lines else []

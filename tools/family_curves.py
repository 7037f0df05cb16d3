"""Quality-versus-training-time curves of the family campaigns (issue #45): a row's seeds
evaluated every ``curve_minutes`` of training time (``eval.every_minutes``, kept under each
run's ``curve``), averaged per evaluation, compared between two rows, tabulated and plotted.

A run's evaluations fall due every ``period`` minutes of training time and happen at the
first step after (``evaluation.EvaluationCallback``), plus one when training ends; each is
put on its nominal minute, round(t / period) · period (a run with two points on one minute
keeps the later). A row's curve is the mean ± standard error over its seeds at the minutes
every seed has.

Comparing a model's curve with a baseline's (``compare_curves``):

- **crossings**: the minutes at which the model's mean turns better than the baseline's, or
  worse, (the first point counts as a crossing when the model starts better);
  ``better_from``: the minute from which the model stays better to the end (None: it is not
  better at the end);
- **ratio** model / baseline at each minute and its **trend** over the second half of the
  curve (at least three points): the least-squares slope per 10 minutes, ``falling`` when
  negative — for a distance (FD), a falling ratio means the model is still gaining on its
  baseline when training stops.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
from fashion_mnist_campaign import mean_se


def nominal_minute(point: dict, period: float) -> float:
    """The evaluation's nominal time: its training minutes rounded to a multiple of
    ``period``."""
    return round(point["train_seconds"] / 60.0 / period) * period


def seed_values(curve: list[dict], key: str, period: float) -> dict[float, float]:
    """One run's curve as nominal minute → value of ``key`` (absent or non-finite values
    left out; of two points on one minute, the later)."""
    values: dict[float, float] = {}
    for point in curve or []:
        value = point.get(key)
        if value is not None and math.isfinite(value):
            values[nominal_minute(point, period)] = float(value)
    return values


def mean_curve(rows: list[dict], key: str, period: float) -> list[tuple[float, float, float]]:
    """``[(minute, mean, se)]`` of ``key`` over the seeds ``rows`` (one row's runs), at the
    minutes every seed's curve has; [] when a seed has no curve."""
    per_seed = [seed_values(row.get("curve"), key, period) for row in rows]
    if not per_seed or not all(per_seed):
        return []
    shared = sorted(set.intersection(*(set(values) for values in per_seed)))
    return [(minute, *mean_se([values[minute] for values in per_seed])) for minute in shared]


def _slope_per_10_minutes(minutes: list[float], values: list[float]) -> float:
    slope = np.polyfit(np.asarray(minutes, float), np.asarray(values, float), 1)[0]
    return float(10.0 * slope)


def compare_curves(model: list[tuple], baseline: list[tuple], higher: bool) -> Optional[dict]:
    """A model's mean curve against a baseline's (module docstring) on the minutes both
    have: ``minutes``, ``ratios``, ``crossings`` [(minute, "better" | "worse")],
    ``better_from``, ``trend_per_10_minutes`` and ``falling`` (None with fewer than three
    points in the second half). None when they share no minute."""
    base = {minute: mean for minute, mean, _ in baseline}
    shared = [(minute, mean, base[minute]) for minute, mean, _ in model if minute in base]
    if not shared:
        return None
    minutes = [minute for minute, _, _ in shared]
    ratios = [ours / theirs if theirs else math.inf for _, ours, theirs in shared]
    better = [(ours > theirs) if higher else (ours < theirs) for _, ours, theirs in shared]
    crossings, previous = [], False
    for minute, state in zip(minutes, better, strict=True):
        if state != previous:
            crossings.append((minute, "better" if state else "worse"))
        previous = state
    better_from = None
    if better[-1]:
        start = len(better) - 1
        while start > 0 and better[start - 1]:
            start -= 1
        better_from = minutes[start]
    half = minutes[len(minutes) // 2:], ratios[len(ratios) // 2:]
    trend = (_slope_per_10_minutes(*half)
             if len(half[0]) >= 3 and all(map(math.isfinite, half[1])) else None)
    return {"minutes": minutes, "ratios": ratios, "crossings": crossings,
            "better_from": better_from, "trend_per_10_minutes": trend,
            "falling": None if trend is None else trend < 0}


def describe_comparison(model: str, baseline: str, comparison: Optional[dict],
                        metric: str) -> str:
    """One sentence: where ``model``'s curve crosses ``baseline``'s, its last ratio and its
    trend."""
    if comparison is None:
        return f"{model} against {baseline} ({metric}): no shared evaluation yet"
    crossings = ", ".join(f"{'passes' if state == 'better' else 'falls behind'} at "
                          f"{minute:g} min" for minute, state in comparison["crossings"])
    trend = comparison["trend_per_10_minutes"]
    trend_text = ("too few points for a trend" if trend is None else
                  f"ratio {'falling' if trend < 0 else 'not falling'} over the second half "
                  f"({trend:+.3f} per 10 min)")
    stays = (f"better from {comparison['better_from']:g} min to the end"
             if comparison["better_from"] is not None else "not better at the end")
    return (f"{model} against {baseline} ({metric}): "
            f"{crossings or 'never better'}; {stays}; ratio at the end "
            f"{comparison['ratios'][-1]:.2f}; {trend_text}")


def curve_table(curves: dict[str, list[tuple]], scale: float = 1.0, digits: int = 2
                ) -> list[str]:
    """Markdown rows: one per minute, one column per named curve (mean ± SE)."""
    names = list(curves)
    minutes = sorted({minute for curve in curves.values() for minute, _, _ in curve})
    lines = ["| minutes | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for minute in minutes:
        cells = []
        for name in names:
            point = next(((m, s) for t, m, s in curves[name] if t == minute), None)
            cells.append("—" if point is None else
                         f"{point[0] * scale:.{digits}f} ± {point[1] * scale:.{digits}f}")
        lines.append(f"| {minute:g} | " + " | ".join(cells) + " |")
    return lines


def plot_curves(panels: list[tuple[str, dict[str, list[tuple]]]], path: str,
                title: str = "") -> bool:
    """One axis per panel ``(ylabel, {name: mean curve})``: mean with a ± SE band per name;
    False (nothing written) when no panel has a point."""
    if not any(curve for _, curves in panels for curve in curves.values()):
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6),
                                squeeze=False)
    for axis, (label, curves) in zip(axes[0], panels, strict=True):
        for index, (name, curve) in enumerate(curves.items()):
            if not curve:
                continue
            minutes, means, errors = (np.asarray(v) for v in zip(*curve, strict=True))
            axis.plot(minutes, means, marker="o", markersize=3, color=f"C{index}", label=name)
            axis.fill_between(minutes, means - errors, means + errors, color=f"C{index}",
                              alpha=0.2)
        axis.set_xlabel("training minutes")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def best_and_last(curve: list[tuple], higher: bool) -> Optional[dict]:
    """The best mean of a curve (highest when ``higher``), its minute, and the last point:
    how far a row falls back from its best (e.g. AC-GAN's GAN-test as its classifier
    memorises noisy labels)."""
    if not curve:
        return None
    pick = max if higher else min
    minute, mean, se = pick(curve, key=lambda point: point[1])
    last_minute, last_mean, last_se = curve[-1]
    return {"best_minute": minute, "best": mean, "best_se": se, "last_minute": last_minute,
            "last": last_mean, "last_se": last_se,
            "change_from_best": last_mean - mean}

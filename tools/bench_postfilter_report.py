"""Renders ``docs/results/postfilter.md`` from its json (``bench_postfilter.py``): the
precondition, one table per group (rows pooled over their seeds), and the issue's
must-show verdicts.

Pooling: a row's test utterances of every seed form one sample; each cell is the mean with
its 95 % bootstrap interval (``metrics.intervals.bootstrap_ci``). A naturalness judge's
"natural %" counts utterances whose P(natural) exceeds 0.5 (the issue's measure); its
"P(natural)" column is the mean probability itself, which moves before the count does.
Per-utterance GV ratio and MSD are each utterance's against its own natural target (c10..c24
of a mel-cepstrum, every bin of a spectrogram); LSD-GV is a set-level measure (mean over
seeds, no interval). "Beats" means the intervals do not overlap.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import bench_voice_conversion_report as conversion_report  # noqa: E402

from tfgan_suite.metrics import intervals  # noqa: E402

#: (heading, key, percent) of the postfilter tables, by group.
COLUMNS = {
    "ganpf": (("MCD dB", "mcd", False), ("GV ratio c10+", "gv_ratio_upper", False),
              ("MSD c10+", "msd_upper", False), ("natural (linear) %", "natural_linear", True),
              ("natural (CNN) %", "natural_cnn", True),
              ("P(natural) linear", "p_natural_linear", False),
              ("P(natural) CNN", "p_natural_cnn", False), ("TAR linear %", "tar_linear", True),
              ("TAR CNN %", "tar_cnn", True), ("content %", "content_hit", True)),
    "stft": (("LSD dB", "lsd", False), ("GV ratio", "gv_ratio_upper", False),
             ("MSD", "msd_upper", False), ("natural (linear) %", "natural_linear", True),
             ("natural (CNN) %", "natural_cnn", True),
             ("P(natural) linear", "p_natural_linear", False),
             ("P(natural) CNN", "p_natural_cnn", False)),
}
THRESHOLD = 0.5


def pooled(group: str, entries: list[dict]) -> dict:
    """Key → (mean, low, high) over the utterances of every seed of one row."""
    utterances = [u for e in entries for u in e["rows"]]
    values = {}
    for _, key, _ in COLUMNS[group]:
        if key.startswith("tar_"):
            judge = key[4:]
            values[key] = [float(u[f"judge_{judge}"] == u["target"]) for u in utterances]
        elif key.startswith("natural_"):
            values[key] = [float(u[key] > THRESHOLD) for u in utterances]
        elif key.startswith("p_natural_"):  # the judge's probability itself, unthresholded
            values[key] = [u[key[2:]] for u in utterances]
        elif key == "content_hit":
            values[key] = [float(u[key]) for u in utterances]
        else:
            values[key] = [u[key] for u in utterances]
    result = {k: intervals.bootstrap_ci(np.asarray(v, np.float64), seed=0)
              for k, v in values.items() if v}
    if group == "stft":
        result["lsd_gv"] = float(np.mean([e["lsd_gv"] for e in entries]))
    return result


def _cell(value, percent: bool) -> str:
    scale, digits = (100.0, 1) if percent else (1.0, 3)
    mean, low, high = (scale * v for v in value)
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _training(entries: list[dict]) -> tuple[str, str]:
    steps = sorted({e.get("steps") for e in entries if e.get("steps")})
    cpu = [e["cpu_seconds"] / 60.0 for e in entries if e.get("cpu_seconds")]
    return (", ".join(map(str, steps)) or "–",
            f"{np.mean(cpu):.1f}" if cpu else "–")


def _by_row(saved: dict) -> dict:
    table: dict = {}
    for entry in saved["rows"]:
        table.setdefault(entry["group"], {}).setdefault(entry["name"], []).append(entry)
    return table


def group_table(group: str, rows: dict) -> tuple[list[str], dict]:
    """The markdown lines of one group's table and its pooled cells."""
    cells = {}
    if group == "ganvc":
        headings = [c[0] for c in conversion_report.COLUMNS]
        lines = ["| row | seeds | " + " | ".join(headings) + " | steps | CPU min |",
                 "|---" * (len(headings) + 4) + "|"]
        for name, entries in rows.items():
            cells[name] = conversion_report.pooled(entries)
            values = [conversion_report._cell(cells[name][key], percent)
                      if key in cells[name] else "–"
                      for _, key, percent, _ in conversion_report.COLUMNS]
            steps, cpu = _training(entries)
            lines.append(f"| {name} | {len(entries)} | " + " | ".join(values) +
                         f" | {steps} | {cpu} |")
        return lines, cells
    headings = [c[0] for c in COLUMNS[group]] + (["LSD-GV dB"] if group == "stft" else [])
    lines = ["| row | seeds | " + " | ".join(headings) + " | steps | CPU min |",
             "|---" * (len(headings) + 4) + "|"]
    for name, entries in rows.items():
        cells[name] = pooled(group, entries)
        values = [_cell(cells[name][key], percent) for _, key, percent in COLUMNS[group]]
        if group == "stft":
            values.append(f"{cells[name]['lsd_gv']:.2f}")
        steps, cpu = _training(entries)
        lines.append(f"| {name} | {len(entries)} | " + " | ".join(values) +
                     f" | {steps} | {cpu} |")
    return lines, cells


def _gv_better(a, b) -> bool:
    """``a``'s GV ratio interval is closer to 1 than ``b``'s, without overlap."""
    if a[0] <= 1.0 and b[0] <= 1.0:
        return a[1] > b[2]
    return abs(1.0 - a[0]) < abs(1.0 - b[0]) and (a[2] < b[1] or a[1] > b[2])


def verdicts(saved: dict, cells: dict) -> list[str]:
    lines = []
    pre = saved.get("precondition", {}).get("mcep")
    if pre:
        holds = pre["gv_ratio"] < 0.8 and pre["msd"] > 2.0 * pre["msd_floor"]
        lines.append(f"- Precondition (the MSE converter's mel-cepstra are over-smoothed: GV "
                     f"ratio c10..c24 < 0.8, MSD clearly above the natural floor): "
                     f"**{'holds' if holds else 'fails'}** (GV ratio {pre['gv_ratio']:.3f}, "
                     f"MSD {pre['msd']:.3f} against {pre['msd_floor']:.3f})")
    ganpf = cells.get("ganpf", {})
    gan, plain, mse = (ganpf.get(n) for n in ("GAN-PF", "no postfilter",
                                               "squared-error postfilter"))
    for other_name, other in (("no postfilter", plain), ("the squared-error postfilter", mse)):
        if gan and other:
            checks = {"MSD": conversion_report.beats(gan["msd_upper"], other["msd_upper"], True),
                      "GV ratio": _gv_better(gan["gv_ratio_upper"], other["gv_ratio_upper"]),
                      "natural (linear)": conversion_report.beats(
                          gan["natural_linear"], other["natural_linear"], False),
                      "natural (CNN)": conversion_report.beats(gan["natural_cnn"],
                                                               other["natural_cnn"], False)}
            held = [k for k, v in checks.items() if v]
            # Not a condition of the bar (which counts utterances called natural): whether
            # the judges' probabilities themselves moved towards natural.
            moved = [judge for judge in ("linear", "CNN") if conversion_report.beats(
                gan[f"p_natural_{judge.lower()}"], other[f"p_natural_{judge.lower()}"], False)]
            lines.append(f"- GAN-PF beats {other_name} on MSD, GV ratio and the naturalness "
                         f"judges: **{'yes' if all(checks.values()) else 'no'}** (holds: "
                         f"{', '.join(held) or 'none'}); mean P(natural) higher beyond the "
                         f"intervals: {', '.join(moved) or 'neither judge'}; MCD "
                         f"{gan['mcd'][0]:.2f} against {other['mcd'][0]:.2f} dB")
    stft = cells.get("stft", {})
    four, one, plain = (stft.get(n) for n in ("GAN-PF K=4", "GAN-PF K=1", "no postfilter"))
    for other_name, other in (("K = 1", one), ("no postfilter", plain)):
        if four and other:
            msd = conversion_report.beats(four["msd_upper"], other["msd_upper"], True)
            lsd_gv = four["lsd_gv"] < other["lsd_gv"]
            lines.append(f"- GAN-PF STFT K = 4 beats {other_name} on LSD-GV and MSD: "
                         f"**{'yes' if msd and lsd_gv else 'no'}** (LSD-GV {four['lsd_gv']:.2f}"
                         f" against {other['lsd_gv']:.2f} dB, seed means; MSD "
                         f"{'separates' if msd else 'does not separate'})")
    ganvc = cells.get("ganvc", {})
    mse = ganvc.get("squared error (same G)")
    # GAN-VC as the sheet's [design] has it (similarity + GAN), and with a data-space
    # squared error added (speech.md §6: unconfirmed whether the paper had one).
    for name in ("GAN-VC", "GAN-VC + squared error"):
        vc = ganvc.get(name)
        if not (vc and mse):
            continue
        msd = conversion_report.beats(vc["msd"], mse["msd"], True)
        gv = _gv_better(vc["gv_ratio"], mse["gv_ratio"])
        mcd = vc["mcd"][1] <= mse["mcd"][2]
        lines.append(f"- {name}: MSD and GV closer to natural than the squared-error "
                     f"converter at an MCD within its interval or better: "
                     f"**{'yes' if msd and gv and mcd else 'no'}** (MSD "
                     f"{'yes' if msd else 'no'}, GV {'yes' if gv else 'no'}, MCD "
                     f"{vc['mcd'][0]:.2f} against {mse['mcd'][0]:.2f} dB)")
    return lines


TITLES = {"ganpf": "GAN-PF on mel-cepstra (re-analysed waveforms)",
          "stft": "GAN-PF on STFT spectrograms",
          "ganvc": "GAN-VC (converted speech, speech_evaluation)"}


#: Where ``bench_postfilter_listening.py`` writes, beside the table: the folder, the page and
#: a group's GV / modulation-spectrum plot.
LISTENING_DIR, LISTENING_PAGE = "postfilter", "listening.html"


def plot_file(group: str) -> str:
    return f"gv_ms_{group}.png"


def listening_section(results: str) -> list[str]:
    """Links to what ``bench_postfilter_listening.py`` wrote beside the table, if it ran."""
    folder = os.path.join(results, LISTENING_DIR)
    plots = {group: plot_file(group) for group in ("ganpf", "stft")
             if os.path.isfile(os.path.join(folder, plot_file(group)))}
    if not plots and not os.path.isfile(os.path.join(folder, LISTENING_PAGE)):
        return []
    lines = ["## Listening, GV and modulation spectra", "",
             "Written by `python tools/bench_postfilter_listening.py` from each row's seed-0 "
             f"run: [the listening page]({LISTENING_DIR}/{LISTENING_PAGE}) (one hidden test "
             "sentence per row, inline audio) and, averaged over every hidden test sentence, "
             "each dimension's GV and the modulation spectrum:", ""]
    lines += [f"![GV and modulation spectrum: {TITLES[group]}]({LISTENING_DIR}/{name})"
              for group, name in plots.items()]
    return lines + [""]


def render(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        saved = json.load(stream)
    meta = saved["meta"]
    lines = ["# GAN postfilters and GAN-VC against over-smoothing (issue #41)", "",
             "Generated by `tools/bench_postfilter_report.py` from `postfilter.json`; the "
             "method is `tools/bench_postfilter.py`'s docstring.", "",
             f"- Commands: {'; '.join(f'`{c}`' for c in meta.get('commands', []))}",
             f"- Revision {meta.get('git_revision')}, {meta.get('date')}, machine: "
             f"{meta.get('machine')}",
             f"- Budget: {meta.get('minutes')} CPU minutes (one core) per trained run; "
             "intervals: 95 % bootstrap over test utterances of all seeds."]
    lines += [f"- {note}" for note in meta.get("notes", [])] + [""]
    pre = saved.get("precondition")
    if pre:
        lines += ["## Precondition: the squared-error converter's outputs (test)", "",
                  "| features | dims | GV ratio | MSD | natural floor MSD |",
                  "|---|---|---|---|---|"]
        for features, value in pre.items():
            lines.append(f"| {features} | {value['dims']} | {value['gv_ratio']:.3f} | "
                         f"{value['msd']:.3f} | {value['msd_floor']:.3f} |")
        lines.append("")
    cells = {}
    for group, rows in _by_row(saved).items():
        table, cells[group] = group_table(group, rows)
        lines += [f"## {TITLES.get(group, group)}", ""] + table + [""]
    verdict_lines = verdicts(saved, cells)
    if verdict_lines:
        lines += ["## Must show", ""] + verdict_lines + [""]
    lines += listening_section(os.path.dirname(path))
    with open(path[:-len(".json")] + ".md", "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines))


if __name__ == "__main__":
    render(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "results",
                                                              "postfilter.json"))

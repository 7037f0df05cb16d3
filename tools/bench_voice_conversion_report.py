"""Renders ``docs/results/voice_conversion.md`` from its json (``bench_voice_conversion.py``):
one table per setting, each row pooled over its seeds, and the issue's must-show verdicts.

Pooling: a row's test conversions of every seed form one sample (95 % bootstrap intervals,
``metrics.intervals.bootstrap_ci``); GV ratio and MSD are per direction, pooled over
directions × seeds. "Beats" means the intervals do not overlap.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfgan_suite.metrics import intervals  # noqa: E402

#: (column, key, percent, lower is better)
COLUMNS = (("MCD-fixed dB", "mcd", False, True), ("MCD-DTW dB", "mcd_dtw", False, True),
           ("MSD", "msd", False, True), ("GV ratio", "gv_ratio", False, None),
           ("TAR linear %", "tar_linear", True, False), ("TAR CNN %", "tar_cnn", True, False),
           ("SRR linear %", "srr_linear", True, True), ("content %", "content_hit", True, False))


def pooled(rows: list[dict]) -> dict:
    """Column → (mean, low, high) over the seeds' conversions (see the module docstring)."""
    conversions = [c for r in rows for c in r["rows"]]
    directions = [d for r in rows for d in r["directions"]]
    values = {"mcd": [c["mcd"] for c in conversions],
              "mcd_dtw": [c["mcd_dtw"] for c in conversions],
              "content_hit": [float(c["content_hit"]) for c in conversions],
              "msd": [d["msd"] for d in directions],
              "gv_ratio": [d["gv_ratio"] for d in directions]}
    for judge in ("linear", "cnn"):
        values[f"tar_{judge}"] = [float(c[f"judge_{judge}"] == c["target"]) for c in conversions]
        values[f"srr_{judge}"] = [float(c[f"judge_{judge}"] == c["source"]) for c in conversions]
    return {key: intervals.bootstrap_ci(np.asarray(v, np.float64), seed=0)
            for key, v in values.items() if v}


def _cell(value, percent: bool) -> str:
    scale = 100.0 if percent else 1.0
    digits = 1 if percent else 2
    mean, low, high = (scale * v for v in value)
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def beats(a: tuple, b: tuple, lower_is_better: bool) -> bool:
    """Whether interval ``a`` is better than ``b`` with no overlap."""
    return a[2] < b[1] if lower_is_better else a[1] > b[2]


def _gv_closer(a: tuple, b: tuple) -> bool:
    return abs(1.0 - a[0]) < abs(1.0 - b[0])


def verdicts(table: dict) -> list[str]:
    """The issue's must-show lines for the settings measured."""
    lines = []
    for (group, setting), rows in sorted(table.items()):
        def get(name, rows=rows):
            return rows.get(name)
        if group == "pairs":
            vc, vc2 = get("CycleGAN-VC"), get("CycleGAN-VC2")
            b0, b1, b2 = get("B0 F0 only"), get("B1 mean-variance"), get("B2 parallel MSE")
            if vc and b0 and b1:
                checks = [beats(vc["mcd"], b["mcd"], True) for b in (b0, b1)]
                checks += [beats(vc[f"tar_{j}"], b[f"tar_{j}"], False)
                           for b in (b0, b1) for j in ("linear", "cnn")]
                checks.append(vc["content_hit"][2] >= b1["content_hit"][1])
                lines.append(f"- {setting}: CycleGAN-VC beats B0 and B1 on MCD-fixed and "
                             f"both judges' TAR, content not below B1's: "
                             f"**{'yes' if all(checks) else 'no'}** "
                             f"({sum(checks)}/{len(checks)} comparisons hold)")
            if vc and b2:
                ok = vc["msd"][0] < b2["msd"][0] and _gv_closer(vc["gv_ratio"], b2["gv_ratio"])
                lines.append(f"- {setting}: CycleGAN-VC's MSD and GV closer to natural than "
                             f"B2's: **{'yes' if ok else 'no'}** (MSD {vc['msd'][0]:.2f} vs "
                             f"{b2['msd'][0]:.2f}, GV ratio {vc['gv_ratio'][0]:.2f} vs "
                             f"{b2['gv_ratio'][0]:.2f})")
            if vc and vc2:
                ok = beats(vc2["mcd"], vc["mcd"], True) and vc2["msd"][0] < vc["msd"][0]
                lines.append(f"- {setting}: CycleGAN-VC2 beats CycleGAN-VC on MCD (intervals "
                             f"apart) and MSD: **{'yes' if ok else 'no'}**")
        if group == "many":
            v1, v2 = get("StarGAN-VC"), get("StarGAN-VC2")
            if v1 and v2:
                checks = [beats(v2["mcd"], v1["mcd"], True), v2["msd"][0] < v1["msd"][0],
                          beats(v2["tar_linear"], v1["tar_linear"], False),
                          beats(v2["tar_cnn"], v1["tar_cnn"], False)]
                lines.append(f"- {setting}: StarGAN-VC2 beats StarGAN-VC on MCD, MSD and "
                             f"target acceptance (both judges): "
                             f"**{'yes' if all(checks) else 'no'}** "
                             f"({sum(checks)}/{len(checks)} hold)")
    return lines


def render(path: str) -> str:
    with open(path, encoding="utf-8") as stream:
        saved = json.load(stream)
    meta, rows = saved["meta"], saved["rows"]
    groups: dict = {}
    for row in rows:
        groups.setdefault((row["group"], row["setting"]), {}).setdefault(
            row["name"], []).append(row)
    table = {key: {name: pooled(runs) for name, runs in by_name.items()}
             for key, by_name in groups.items()}
    lines = ["# Voice conversion without parallel data (issue #40)", "",
             "Generated by `tools/bench_voice_conversion.py` (commands below); the method is "
             "in that script's docstring. Each model run trains the steps that "
             f"**{meta.get('minutes', 15):g} CPU minutes on one core** give its "
             "configuration (calibrated, table at the end); intervals are 95 % bootstrap "
             "intervals over the test conversions of all seeds pooled (GV ratio and MSD: "
             "over directions × seeds). Lower is better for MCD, MSD and source retention "
             "(SRR); a GV ratio of 1 is natural. CPU min: the training process's CPU "
             "time (per seed), which the calibration aims at the budget.", "",
             f"- Machine: {meta.get('machine')}",
             f"- Revision: {meta.get('git_revision')}, date {meta.get('date')}",
             "- Commands: " + "; ".join(f"`{c}`" for c in meta.get("commands", []))]
    lines += [f"- Note: {meta['notes']}"] if meta.get("notes") else []
    lines += [""]
    lines += ["## Must show", ""] + (verdicts(table) or ["- nothing measured yet"]) + [""]
    for (group, setting), by_name in sorted(groups.items()):
        lines += [f"## {setting}", "",
                  "| row | seeds | steps | CPU min | " + " | ".join(c[0] for c in COLUMNS)
                  + " |", "|---|---|---|---|" + "---|" * len(COLUMNS)]
        for name, runs in by_name.items():
            stats = table[(group, setting)][name]
            steps = sorted({sum(p["steps"] for p in r.get("parts", [])) for r in runs})
            cells = [_cell(stats[key], percent) if key in stats else "n/a"
                     for _, key, percent, _ in COLUMNS]
            minutes = sorted({round(sum(p["cpu_seconds"] for p in r.get("parts", [])) / 60, 1)
                              for r in runs})
            lines.append(f"| {name} | {len(runs)} | "
                         f"{', '.join(map(str, steps)) if steps[0] else '—'} | "
                         f"{', '.join(map(str, minutes)) if steps[0] else '—'} | "
                         + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Calibration (CPU seconds per step, one core, one TensorFlow thread)", "",
              "| configuration | CPU s/step | wall s/step |", "|---|---|---|"]
    for key, value in sorted(saved.get("calibration", {}).items()):
        lines.append(f"| `{key}` | {value['cpu_seconds_per_step']:.4f} | "
                     f"{value['wall_seconds_per_step']:.4f} |")
    markdown = os.path.splitext(path)[0] + ".md"
    with open(markdown, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")
    return markdown




def listening_page(path: str, out: str, seconds: float = 2.5) -> str:
    """A self-contained page (inline WAVs, spectrogram PNGs, no script) of one hidden test
    sentence per setting: the natural source and target, and every row's conversion (its
    seed-0 run, re-analysed as measured), each clip its first ``seconds`` (the page stays a
    few MB: a few listening samples, not a corpus). Run after the campaign:
    ``python tools/bench_voice_conversion_report.py --listening``."""
    import html

    from tfgan_suite import conversion, report, runs
    from tfgan_suite.audio import io as audio_io
    from tfgan_suite.data.voices import corpus as voice_corpus
    from tfgan_suite.data.voices import features as voice_features
    from tfgan_suite.report import speech

    with open(path, encoding="utf-8") as stream:
        saved = json.load(stream)
    settings: dict = {}
    for row in saved["rows"]:
        if row["seed"] == 0:
            settings.setdefault(row["setting"], []).append(row)
    body = []
    for setting, rows in settings.items():
        corpus = voice_corpus.load_corpus("mix4" if setting.startswith("mix4") else "esp4")
        source, target = rows[0]["directions"][0]["source"], rows[0]["directions"][0]["target"]
        pair = corpus.pairs("test", source, target)[0]
        natural = voice_features.analysed(pair[0].path)
        clips = [(f"{source} (natural source)", audio_io.read_wav(pair[0].path), natural),
                 (f"{target} (natural target)", audio_io.read_wav(pair[1].path),
                  voice_features.analysed(pair[1].path))]
        for row in rows:
            run = os.path.join(ROOT, row["run"])
            if row["name"].startswith("pairwise"):
                parts = sorted(os.path.join(run, p) for p in os.listdir(run)
                               if p.startswith("part"))
                converter = next(c for c, _ in map(runs.speech_converter, parts)
                                 if (source, target) in conversion.directions_of(c))
            else:
                converter, _ = runs.speech_converter(run)
            wave = conversion.synthesise(converter, natural, source, target)
            clips.append((f"{row['name']}", wave,
                          conversion.reanalysed(wave, natural.sample_rate, natural)))
        body.append(f"<h2>{html.escape(setting)}: {html.escape(pair[0].text)}</h2>")
        for caption, wave, _ in clips:
            clip = wave[:int(seconds * audio_io.SAMPLE_RATE)]
            body.append(f'<figure><audio controls preload="metadata" '
                        f'src="{speech.audio_uri(clip)}"></audio>'
                        f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        figure = speech.spectrogram_figure([(c, a) for c, _, a in clips])
        body.append(f'<img alt="spectrograms, {html.escape(setting)}" '
                    f'src="{report.figure_uri(figure)}">')
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Voice conversion: "
            "listening</title></head><body><h1>Voice conversion: hidden test sentences</h1>"
            "<p>Generated by <code>python tools/bench_voice_conversion_report.py "
            "--listening</code> from the seed-0 runs of docs/results/voice_conversion.md. "
            "Each model's clip is its conversion of the natural source; the spectrograms "
            "are of the re-analysed audio, as measured.</p>" + "".join(body)
            + "</body></html>")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as stream:
        stream.write(page)
    return out


if __name__ == "__main__":
    results = os.path.join(ROOT, "docs", "results", "voice_conversion.json")
    if sys.argv[1:] == ["--listening"]:
        print(listening_page(results, os.path.join(ROOT, "docs", "results",
                                                   "voice_conversion", "listening.html")))
    else:
        print(render(sys.argv[1] if len(sys.argv) > 1 else results))

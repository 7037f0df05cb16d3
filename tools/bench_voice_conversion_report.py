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


def machines(saved: dict) -> list[str]:
    """The machines the rows were measured on, and what makes rows of different machines
    comparable: a run's budget is a step count, fixed by its configuration's calibration."""
    counts: dict = {}
    for row in saved["rows"]:
        counts[row["machine"]] = counts.get(row["machine"], 0) + 1
    calibrated = sorted({c.get("machine", "?") for c in saved.get("calibration", {}).values()})
    lines = ["- Machines: " + "; ".join(f"{m} ({n} runs)" for m, n in counts.items())]
    if len(counts) > 1:
        lines.append(
            "- Rows mix machines (the campaign spans sittings, each on the machine it was "
            "given). A run's budget is the step count of its configuration's calibration, "
            f"measured once on {', '.join(calibrated)}, so a configuration trains the same "
            "steps on every machine and the quality columns compare equal training; only the "
            "CPU-minute column depends on the machine.")
        # B0 and B1 do not depend on the seed: their runs on two machines measure the
        # pipeline (analysis, synthesis, re-analysis, judges) on both.
        gaps = {}
        for row in saved["rows"]:
            if row["name"].startswith(("B0", "B1")):
                gaps.setdefault((row["setting"], row["name"]), {})[row["machine"]] = (
                    row["summary"]["mcd"][0])
        gaps = {key: max(v.values()) - min(v.values()) for key, v in gaps.items() if len(v) > 1}
        if gaps:
            lines.append(
                f"- The seed-free baselines B0 and B1, measured on two machines "
                f"({len(gaps)} rows): MCD-fixed differs by at most "
                f"{max(gaps.values()):.3f} dB between them.")
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
             *machines(saved),
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




#: Each row's listening clip (one sentence, 2.5 s, 16-bit) is kept beside the table
#: (``clip_path``): run directories stay on the machine that trained them.
CLIP_SECONDS = 2.5


def clip_path(results: str, setting: str, name: str) -> str:
    """Where the row ``name`` of ``setting`` keeps its clip, under the results directory."""
    text = "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_"
                   for c in f"{setting}_{name}")
    return os.path.join(results, "voice_conversion", "clips", text + ".wav")


def listening_sentence(setting: str, source: str, target: str):
    """The hidden test sentence a setting is listened to on: its first test pair."""
    from tfgan_suite.data.voices import corpus as voice_corpus

    corpus = voice_corpus.load_corpus("mix4" if setting.startswith("mix4") else "esp4")
    return corpus.pairs("test", source, target)[0]


def write_clip(converter, path: str, setting: str, source: str, target: str) -> str:
    """Converts the setting's listening sentence with ``converter`` and keeps its first
    ``CLIP_SECONDS`` as the row's clip (inside a benchmark job, after its measurement)."""
    from tfgan_suite import conversion
    from tfgan_suite.audio import io as audio_io
    from tfgan_suite.data.voices import features as voice_features

    pair = listening_sentence(setting, source, target)
    wave = conversion.synthesise(converter, voice_features.analysed(pair[0].path), source,
                                 target)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    audio_io.write_wav(path + ".tmp.wav", wave[:int(CLIP_SECONDS * audio_io.SAMPLE_RATE)])
    os.replace(path + ".tmp.wav", path)
    return path


def listening_page(path: str, out: str) -> str:
    """A self-contained page (inline WAVs, spectrogram PNGs, no script) of one hidden test
    sentence per setting: the natural source and target, and every row's conversion — the
    clip its first finished run kept (``write_clip``), re-analysed for the spectrogram as
    measured — each clip its first ``CLIP_SECONDS`` (the page stays a few MB: a few
    listening samples, not a corpus). ``python tools/bench_voice_conversion_report.py
    --listening``."""
    import html

    from tfgan_suite import conversion, report
    from tfgan_suite.audio import io as audio_io
    from tfgan_suite.data.voices import features as voice_features
    from tfgan_suite.report import speech

    with open(path, encoding="utf-8") as stream:
        saved = json.load(stream)
    settings: dict = {}
    for row in saved["rows"]:
        settings.setdefault(row["setting"], {}).setdefault(row["name"], row)
    body, samples = [], int(CLIP_SECONDS * audio_io.SAMPLE_RATE)
    for setting, rows in settings.items():
        first = next(iter(rows.values()))
        source, target = first["directions"][0]["source"], first["directions"][0]["target"]
        pair = listening_sentence(setting, source, target)
        clips = []
        for caption, wav in ((f"{source} (natural source)", pair[0].path),
                             (f"{target} (natural target)", pair[1].path)):
            clips.append((caption, audio_io.read_wav(wav)[:samples]))
        missing = []
        for name in rows:
            clip = clip_path(os.path.dirname(path), setting, name)
            if os.path.isfile(clip):
                clips.append((name, audio_io.read_wav(clip)))
            else:
                missing.append(name)
        body.append(f"<h2>{html.escape(setting)}: {html.escape(pair[0].text)}</h2>")
        if missing:
            body.append(f"<p>No clip kept for: {html.escape(', '.join(missing))} (measured "
                        "before clips were kept).</p>")
        for caption, wave in clips:
            body.append(f'<figure><audio controls preload="metadata" '
                        f'src="{speech.audio_uri(wave)}"></audio>'
                        f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        natural = voice_features.analysed(pair[0].path)
        figure = speech.spectrogram_figure(
            [(caption, conversion.reanalysed(wave, audio_io.SAMPLE_RATE, natural))
             for caption, wave in clips])
        body.append(f'<img alt="spectrograms, {html.escape(setting)}" '
                    f'src="{report.figure_uri(figure)}">')
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Voice conversion: "
            "listening</title></head><body><h1>Voice conversion: hidden test sentences</h1>"
            "<p>Generated by <code>python tools/bench_voice_conversion_report.py "
            "--listening</code> from the clips the runs of docs/results/voice_conversion.md "
            "kept (each row's first finished run). Each model's clip is its conversion of the "
            "natural source; the spectrograms are of the re-analysed audio, as measured.</p>"
            + "".join(body) + "</body></html>")
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

"""The listening page and the GV / modulation-spectrum plots of the postfilter benchmark:
``python tools/bench_postfilter_listening.py`` after ``bench_postfilter.py`` has run →
``docs/results/postfilter/listening.html`` (self-contained: inline WAVs and PNGs, no
script; one hidden test sentence, the first ``--seconds`` of each clip) and
``docs/results/postfilter/gv_ms_<group>.png``.

Each row is its seed-0 run (or the fixed row itself): GAN-PF rows synthesised with kal's
natural F0 and aperiodicity (as measured), STFT rows overlap-added with the natural kal
wave's phase (listening only: the measures are on the spectrograms), GAN-VC rows converted
from the natural rms utterance. The plots average every hidden test sentence: per-dimension
GV (log scale) and the modulation spectrum over c10..c24 (every bin for the STFT).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import bench_postfilter as bench  # noqa: E402
import bench_postfilter_report as report_tables  # noqa: E402

OUT = os.path.join(ROOT, "docs", "results", report_tables.LISTENING_DIR)


def row_outputs(entry: dict) -> dict:
    """Sentence → the row's output features (natural units; None: natural copy synthesis)
    on every hidden test sentence."""
    from tfgan_suite import postfiltering, runs

    row = next(r for r in bench.plan(bench.GROUPS) if r["group"] == entry["group"]
               and r["name"] == entry["name"])
    if row["kind"] != "model":
        return bench.fixed_outputs(row["group"], row["kind"])
    postfilter = runs.load_postfilter(os.path.join(ROOT, entry["run"]))
    test = postfiltering.test_pairs(postfilter.record)
    return {s: postfilter(x) for s, x in zip(test.sentences, test.natural_units(test.inputs),
                                             strict=True)}


def gv_ms_figure(group: str, outputs: dict, natural: dict):
    """GV per dimension (log) and the mean modulation spectrum of each row and of the natural
    targets."""
    from tfgan_suite.metrics import speech as speech_metrics
    from tfgan_suite.viz import grids

    first = bench.RECIPES[group][0] == "mcep"
    plt = grids.pyplot()
    figure, (gv_axis, ms_axis) = plt.subplots(1, 2, figsize=(11, 3.6))
    series = {"natural": list(natural.values())} | {
        name: [v for v in values.values() if v is not None] for name, values in outputs.items()}
    for name, sequences in series.items():
        if not sequences:
            continue
        low = 1 if first else 0
        gv = np.mean([speech_metrics.global_variance(x)[low:] for x in sequences], axis=0)
        gv_axis.semilogy(np.arange(low, low + len(gv)), gv, label=name,
                         linewidth=2.5 if name == "natural" else 1.2)
        upper = 10 if first else 0
        spectrum = speech_metrics.modulation_spectrum([np.asarray(x)[:, upper:]
                                                       for x in sequences]).mean(axis=0)
        ms_axis.plot(np.arange(len(spectrum)) * 200.0 / 128, spectrum, label=name,
                     linewidth=2.5 if name == "natural" else 1.2)
    gv_axis.set_xlabel("mel-cepstral order" if first else "STFT bin")
    gv_axis.set_ylabel("global variance")
    ms_axis.set_xlabel("modulation frequency (Hz)")
    ms_axis.set_ylabel("log10 power, mean over " + ("c10..c24" if first else "bins"))
    ms_axis.legend(fontsize=7)
    figure.tight_layout()
    return figure


def _spectrogram_figure(panels):
    """Log-amplitude panels (title, ``[frames, bins]`` natural-log magnitudes)."""
    from tfgan_suite.viz import grids

    plt = grids.pyplot()
    figure, axes = plt.subplots(len(panels), 1, figsize=(7, 1.6 * len(panels)), squeeze=False)
    for axis, (title, log_magnitude) in zip(axes[:, 0], panels, strict=True):
        axis.imshow(20.0 / np.log(10.0) * np.asarray(log_magnitude).T, origin="lower",
                    aspect="auto", cmap="magma", vmin=-100,
                    extent=[0, len(log_magnitude) * 0.005, 0, 8.0])
        axis.set_title(title, fontsize=9)
        axis.set_ylabel("kHz")
    axes[-1, 0].set_xlabel("seconds")
    figure.tight_layout()
    return figure


def _clip(wave, caption: str, seconds: float) -> str:
    from tfgan_suite.report import speech

    clip = np.asarray(wave)[:int(seconds * 16000)]
    return (f'<figure><audio controls preload="metadata" src="{speech.audio_uri(clip)}">'
            f"</audio><figcaption>{html.escape(caption)}</figcaption></figure>")


def listening(path: str, out: str = OUT, seconds: float = 3.0) -> str:
    from tfgan_suite import conversion, report, runs
    from tfgan_suite.audio import analysis as speech_analysis
    from tfgan_suite.audio import io as audio_io
    from tfgan_suite.audio import stft as audio_stft
    from tfgan_suite.data.voices import features as voice_features
    from tfgan_suite.report import speech

    with open(path, encoding="utf-8") as stream:
        saved = json.load(stream)
    corpus = bench._corpus()
    source_utterance, target_utterance = corpus.pairs("test", bench.SOURCE, bench.TARGET,
                                                      consumer="evaluation")[0]
    sentence = target_utterance.sentence_id
    target_wave = audio_io.read_wav(target_utterance.path)
    target_analysis = voice_features.analysed(target_utterance.path)
    os.makedirs(out, exist_ok=True)
    body = [f"<p>The sentence: <em>{html.escape(target_utterance.text)}</em></p>",
            _clip(audio_io.read_wav(source_utterance.path), f"{bench.SOURCE} (natural source)",
                  seconds), _clip(target_wave, f"{bench.TARGET} (natural target)", seconds)]
    for group in bench.GROUPS:
        entries = [e for e in saved["rows"] if e["group"] == group and e["seed"] == 0]
        if not entries:
            continue
        body.append(f"<h2>{html.escape(report_tables.TITLES.get(group, group))}</h2>")
        if group == "ganvc":
            natural_source = voice_features.analysed(source_utterance.path)
            for entry in entries:
                converter, _ = runs.speech_converter(os.path.join(ROOT, entry["run"]))
                wave = conversion.synthesise(converter, natural_source, bench.SOURCE,
                                             bench.TARGET)
                body.append(_clip(wave, entry["name"], seconds))
            continue
        outputs = {e["name"]: row_outputs(e) for e in entries}
        features = bench.RECIPES[group][0]
        test = bench._pairs(features, "test")
        natural = dict(zip(test.sentences, test.natural_units(test.targets), strict=True))
        panels = []
        for name, values in outputs.items():
            produced = values[sentence]
            if features == "mcep":
                analysis = (voice_features.copy_synthesised(target_utterance.path)
                            if produced is None else None)
                frames = len(target_analysis.mcep) if produced is None else min(
                    len(produced), len(target_analysis.mcep))
                mcep = target_analysis.mcep if produced is None else produced[:frames]
                wave = speech_analysis.synthesise(target_analysis.f0[:frames], mcep,
                                                  target_analysis.ap[:frames])
                panels.append((name, analysis or speech_analysis.analyse(wave)))
            else:
                wave = audio_stft.with_phase_of(produced, target_wave)
                panels.append((name, produced))
            body.append(_clip(wave, name, seconds))
        figure = (speech.spectrogram_figure(panels) if features == "mcep"
                  else _spectrogram_figure(panels))
        body.append(f'<img alt="spectrograms" src="{report.figure_uri(figure)}">')
        plot = gv_ms_figure(group, outputs, natural)
        plot_path = os.path.join(out, report_tables.plot_file(group))
        plot.savefig(plot_path, dpi=90, bbox_inches="tight")
        body.append(f'<img alt="GV and modulation spectrum" src="{report.figure_uri(plot)}">')
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Postfilters: listening"
            "</title></head><body><h1>GAN postfilters and GAN-VC: a hidden test sentence</h1>"
            "<p>Generated by <code>python tools/bench_postfilter_listening.py</code> from the "
            "seed-0 runs of docs/results/postfilter.md (module docstring).</p>"
            + "".join(body) + "</body></html>")
    target = os.path.join(out, report_tables.LISTENING_PAGE)
    with open(target, "w", encoding="utf-8") as stream:
        stream.write(page)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=os.path.join(ROOT, "docs", "results",
                                                          "postfilter.json"))
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(listening(args.results, args.out, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The report page of a speech conversion run (a directory ``conversion.save_converter``
wrote, or a conversion model's run: ``runs.speech_converter``): what the converter is,
what ``tfgan eval`` measured of it, and conversions of hidden test sentences to listen to
and look at.

Sections, in order:

- **Run**: the converter, its corpus and voices, each speaker's F0 statistics.
- **Metrics**: the run's stored ``tfgan eval`` result (``metrics.json``, key
  ``speech_evaluation``): MCD, F0 errors, GV, MSD, the judges' acceptance rates, with
  their 95 % intervals; or one line saying how to measure it.
- **Listening**: for the first directions, hidden-test sentences as the natural source,
  the conversion and the natural target, each an inline ``<audio>`` element (a base64
  16-bit WAV: the page stays one file with no script and no network) with the three
  log spectrograms (from the mel-cepstra of the one analysis every system is measured
  with) beside them.
"""

from __future__ import annotations

import base64
import html
import json
import os
from typing import Sequence

import numpy as np

from tfgan_suite import conversion, speech_evaluation
from tfgan_suite.audio import io as audio_io
from tfgan_suite.audio import sptk
from tfgan_suite.data.voices import corpus as voice_corpus
from tfgan_suite.data.voices import features as voice_features
from tfgan_suite.viz import grids

#: Section titles of a speech run's page, in order (the browser test looks for each).
SECTIONS = ("Run", "Metrics", "Listening")
#: The ``metrics.json`` key ``tfgan eval`` writes a speech run's result under.
METRICS_KEY = "speech_evaluation"
#: (summary key, column title, digits, percent) of the metrics table.
COLUMNS = (("mcd", "MCD-fixed (dB)", 2, False), ("mcd_dtw", "MCD-DTW (dB)", 2, False),
           ("log_f0_rmse", "log-F0 RMSE", 3, False), ("vuv_error", "V/UV error (%)", 1, True),
           ("gv_ratio", "GV ratio", 2, False), ("msd", "MSD", 2, False),
           ("tar_linear", "TAR linear (%)", 1, True), ("srr_linear", "SRR linear (%)", 1, True),
           ("tar_cnn", "TAR CNN (%)", 1, True), ("srr_cnn", "SRR CNN (%)", 1, True),
           ("content_hit", "content (%)", 1, True))


def audio_uri(wave: np.ndarray, sample_rate: int = audio_io.SAMPLE_RATE) -> str:
    """A ``data:audio/wav`` URI of a waveform (16-bit PCM)."""
    return "data:audio/wav;base64," + base64.b64encode(
        audio_io.wav_bytes(wave, sample_rate)).decode("ascii")


def _audio(wave: np.ndarray, caption: str) -> str:
    return (f'<figure><audio controls preload="metadata" src="{audio_uri(wave)}" '
            f'title="{html.escape(caption)}"></audio><figcaption>{html.escape(caption)}'
            f"</figcaption></figure>")


def spectrogram_figure(panels: Sequence[tuple[str, object]]):
    """A matplotlib figure of log power spectrograms (dB, 0–8 kHz), one row per
    (title, ``Analysis``) panel."""
    plt = grids.pyplot()
    figure, axes = plt.subplots(len(panels), 1, figsize=(7, 1.7 * len(panels)), squeeze=False)
    for axis, (title, analysis) in zip(axes[:, 0], panels, strict=True):
        power = sptk.mc2sp(analysis.mcep, analysis.alpha, 1024)
        axis.imshow(10 * np.log10(np.maximum(power, 1e-10)).T, origin="lower", aspect="auto",
                    cmap="magma", extent=[0, len(power) * analysis.frame_period / 1000.0, 0,
                                          analysis.sample_rate / 2000.0])
        axis.set_title(title, fontsize=9)
        axis.set_ylabel("kHz")
    axes[-1, 0].set_xlabel("seconds")
    figure.tight_layout()
    return figure


class SpeechRunReport:
    """The sections of one speech conversion run (``n`` test sentences per direction for
    listening, over at most ``directions`` directions)."""

    section_names = SECTIONS

    def __init__(self, run: str, n: int = 2, directions: int = 2, checkpoint: str = "auto"):
        from tfgan_suite import report, runs

        self.run = run
        self.name = os.path.basename(os.path.normpath(run))
        self.converter, self.record = runs.speech_converter(run, checkpoint=checkpoint)
        self._report = report
        self.sections = {"Run": self._run_section(), "Metrics": self._metrics_section(),
                         "Listening": self._listening_section(n, directions)}

    def _run_section(self) -> str:
        record = self.record
        rows = [("converter", self.converter.name), ("corpus", record.get("corpus") or "—"),
                ("subset", record.get("subset", "full")),
                ("directions", ", ".join(f"{s}→{t}" for s, t in
                                         conversion.directions_of(self.converter)))]
        speakers = [(name, f"{np.exp(stats.log_f0_mean):.0f}", f"{stats.log_f0_std:.3f}",
                     stats.mcep.dims) for name, stats in sorted(self.converter.statistics.items())]
        return (self._report._table(("field", "value"), rows)
                + self._report._table(("speaker", "mean F0 (Hz)", "log-F0 std",
                                       "mel-cepstrum dims"), speakers))

    def stored_metrics(self) -> dict:
        """The ``tfgan eval`` summary in ``metrics.json`` (empty when never measured)."""
        path = os.path.join(self.run, "metrics.json")
        if not os.path.isfile(path):
            return {}
        with open(path, encoding="utf-8") as stream:
            return json.load(stream).get(METRICS_KEY, {})

    def _metrics_section(self) -> str:
        stored = self.stored_metrics()
        if not stored:
            return self._report._note(f"not measured yet: tfgan eval --run {self.run}")
        summary = stored["summary"]
        rows = [(title, speech_evaluation.format_interval(summary[key], digits, percent))
                for key, title, digits, percent in COLUMNS if key in summary]
        return (self._report._table(("measure", "mean [95 % interval]"), rows)
                + self._report._note(f"{stored['utterances']} hidden-test conversions of "
                                     f"{stored['corpus']}, measured on re-analysed "
                                     f"waveforms against the natural target"))

    def _listening_section(self, n: int, directions: int) -> str:
        corpus_name = self.record.get("corpus")
        if not corpus_name:
            return self._report._note("the run names no corpus: nothing to listen to")
        corpus = voice_corpus.load_corpus(corpus_name, subset=self.record.get("subset",
                                                                               "full"))
        parts = []
        for source, target in conversion.directions_of(self.converter)[:directions]:
            for source_utterance, target_utterance in corpus.pairs("test", source, target)[:n]:
                natural = voice_features.analysed(source_utterance.path)
                converted = conversion.synthesise(self.converter, natural, source, target)
                heard = conversion.reanalysed(converted, natural.sample_rate, natural)
                waves = [(f"{source} (source)", audio_io.read_wav(source_utterance.path)),
                         (f"{source}→{target} ({self.converter.name})", converted),
                         (f"{target} (target)", audio_io.read_wav(target_utterance.path))]
                figure = spectrogram_figure([
                    (waves[0][0], natural), (waves[1][0], heard),
                    (waves[2][0], voice_features.analysed(target_utterance.path))])
                text = source_utterance.text or source_utterance.sentence_id
                parts.append(f"<h4>{html.escape(text)}</h4>"
                             + "".join(_audio(w, c) for c, w in waves)
                             + self._report._img(self._report.figure_uri(figure),
                                                 f"spectrograms {source} to {target}"))
        if not parts:
            return self._report._note("the corpus has no test pairs for the run's directions")
        return "".join(parts)


def comparison(reports: Sequence[SpeechRunReport]) -> str:
    """The stored metrics of several speech runs side by side."""
    from tfgan_suite import report

    header = ["run"] + [title for _, title, _, _ in COLUMNS]
    rows = []
    for run_report in reports:
        summary = run_report.stored_metrics().get("summary", {})
        rows.append([run_report.name] + [
            speech_evaluation.format_interval(summary[key], digits, percent)
            if key in summary else "—" for key, _, digits, percent in COLUMNS])
    return report._table(header, rows)


__all__ = ["COLUMNS", "METRICS_KEY", "SECTIONS", "SpeechRunReport", "audio_uri",
           "comparison", "spectrogram_figure"]

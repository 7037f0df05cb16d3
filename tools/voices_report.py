"""The voices corpora as built on this machine, their judges, and the baselines every
voice-conversion model must beat, measured on the hidden test pairs.

    python tools/voices_report.py [--sets esp4,mix4] [--subset full] [--b2-steps 1500]

For each set: per-voice statistics; the speaker judges (linear on utterance statistics,
and a small CNN; both on c1..c24 only) trained on WORLD copy-synthesised NP-train and
P-train audio, with their accuracy and confusion matrix on copy-synthesised hidden-test
audio; then every ordered voice pair's 30 test sentences converted by B0 (F0 only), B1
(mean-variance) and B2 (parallel MSE CNN, trained on P-train), each output re-analysed and
measured against the natural target (``tfgan_suite.speech_evaluation``), beside the
copy-synthesis floor (the natural target through WORLD). Intervals: 95 % bootstrap over
test utterances (over directions for GV and MSD).

Results: ``docs/results/voices.md`` / ``.json``, pictures under ``docs/results/voices/``;
the baseline converters under ``runs/voices/<set>/<baseline>`` (``tfgan convert``).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfgan_suite import conversion, provenance, speech_evaluation  # noqa: E402
from tfgan_suite.audio import analysis as speech_analysis  # noqa: E402
from tfgan_suite.data.voices import corpus as voice_corpus  # noqa: E402
from tfgan_suite.data.voices import features as voice_features  # noqa: E402

RESULTS = os.path.join(ROOT, "docs", "results")
PICTURES = os.path.join(RESULTS, "voices")
JUDGES = ("linear", "cnn")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def voice_statistics(corpus, voice: str) -> dict:
    training = corpus.utterances("np-train", voice, consumer="parallel") + \
        corpus.utterances("p-train", voice, consumer="parallel")
    test = corpus.utterances("test", voice, consumer="evaluation")
    analyses = [voice_features.analysed(u.path) for u in training + test]
    f0 = np.concatenate([a.f0 for a in analyses])
    seconds = sum(len(a.f0) for a in analyses) * 0.005
    voiced = f0[f0 > 0]
    return {"training_utterances": len(training), "test_utterances": len(test),
            "minutes": seconds / 60.0, "mean_f0_hz": float(np.exp(np.log(voiced).mean())),
            "voiced_fraction": float((f0 > 0).mean())}


def judge_table(corpus, judges: dict) -> dict:
    test = corpus.utterances("test", consumer="evaluation")
    result = {}
    for kind, analyse in (("copy_synthesis", voice_features.copy_synthesised),
                          ("natural", voice_features.analysed)):
        analyses = [analyse(u.path) for u in test]
        for name, judge in judges.items():
            accuracy, confusion = speech_evaluation.judge_accuracy(
                judge, analyses, [u.voice for u in test])
            result[f"{name}_{kind}"] = {"accuracy": accuracy,
                                        "confusion": confusion.tolist(),
                                        "speakers": list(judge.speakers)}
    return result


def fit_baselines(corpus, b2_steps: int, seed: int) -> dict:
    return {"B0": conversion.fit_baseline("f0_only", corpus),
            "B1": conversion.fit_baseline("mean_variance", corpus),
            "B2": conversion.fit_baseline("parallel_mse", corpus, steps=b2_steps, seed=seed,
                                          log=lambda m: log(f"{corpus.name}: {m}"))}


def measure_systems(corpus, judges: dict, baselines: dict) -> dict:
    directions = list(itertools.permutations(corpus.voices, 2))
    pairs = speech_evaluation.hidden_test_pairs(corpus, directions)
    everything = [p for group in pairs.values() for p in group]
    references = speech_evaluation.content_references(corpus)
    systems = {"copy synthesis (floor)": (speech_evaluation.copy_synthesis_system, "target")}
    for key, converter in baselines.items():
        systems[f"{key} {converter.name.split(' ', 1)[1]}"] = (
            speech_evaluation.converter_system(converter), "source")
    result = {}
    for name, (system, timing) in systems.items():
        started = time.time()
        rows, per_direction = speech_evaluation.measure(system, everything, judges,
                                                        references, timing=timing)
        summary = speech_evaluation.summarise(rows, per_direction, judges=list(judges))
        log(f"{corpus.name}: {name}: MCD {summary['mcd'][0]:.2f} dB, "
            f"TAR(linear) {summary['tar_linear'][0]:.2f} in {time.time() - started:.0f} s")
        result[name] = {"summary": summary, "rows": rows, "directions": per_direction}
    return result


def spectrogram_picture(corpus, baselines: dict, path: str) -> None:
    from tfgan_suite.report import speech as speech_report

    source, target = corpus.voices[0], corpus.voices[-1]
    natural_source, natural_target = [voice_features.analysed(u.path)
                                      for u in corpus.pairs("test", source, target)[0]]
    panels = [(f"{source} (source)", natural_source)]
    for name in ("B1", "B2"):
        wave = conversion.synthesise(baselines[name], natural_source, source, target)
        panels.append((f"{name}: {source} -> {target}",
                       speech_analysis.analyse(wave, natural_source.sample_rate)))
    panels.append((f"{target} (target, same sentence)", natural_target))
    figure = speech_report.spectrogram_figure(panels)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    figure.savefig(path, dpi=80)
    from tfgan_suite.viz import grids

    grids.pyplot().close(figure)


def render_markdown(results: dict, meta: dict) -> str:
    f = speech_evaluation.format_interval
    lines = ["# The voices corpora, their judges and the conversion baselines", "",
             f"Command: `{meta['command']}`  ",
             f"Revision {meta['revision']}, {meta['date']}, {meta['machine']}.", "",
             "Everything below is measured on the hidden test split (sentences every "
             "voice speaks; no training or selection saw them). Every system's output is "
             "re-analysed the one way (WORLD DIO + StoneMask, CheapTrick, SPTK "
             "mel-cepstrum c0..c24, α 0.41) and compared with the natural target "
             "utterance of the same sentence. Intervals are 95 % percentile-bootstrap "
             "intervals over test utterances (over the directions for GV and MSD).", ""]
    for name, result in results.items():
        lines += [f"## {name}", "", "| voice | engine | training utts | test utts | "
                  "minutes | mean F0 (Hz) | voiced |", "|---|---|---|---|---|---|---|"]
        for voice, stats in result["voices"].items():
            lines.append(f"| {voice} | {stats['engine']} | {stats['training_utterances']} | "
                         f"{stats['test_utterances']} | {stats['minutes']:.1f} | "
                         f"{stats['mean_f0_hz']:.0f} | {stats['voiced_fraction']:.2f} |")
        lines += ["", "**Speaker judges** (c1..c24 only: no c0, no F0), trained on "
                  "copy-synthesised NP-train + P-train audio; accuracy on the hidden test:", "",
                  "| judge | copy-synthesised test | natural test |", "|---|---|---|"]
        for judge in JUDGES:
            lines.append(f"| {judge} | "
                         f"{f(result['judges'][f'{judge}_copy_synthesis']['accuracy'], 1, True)}"
                         f" % | {f(result['judges'][f'{judge}_natural']['accuracy'], 1, True)}"
                         " % |")
        for judge in JUDGES:
            entry = result["judges"][f"{judge}_copy_synthesis"]
            lines += ["", f"Confusion of the {judge} judge (rows: true voice; copy-synthesised "
                      "test):", "", "| | " + " | ".join(entry["speakers"]) + " |",
                      "|---" * (len(entry["speakers"]) + 1) + "|"]
            for speaker, row in zip(entry["speakers"], entry["confusion"], strict=True):
                lines.append(f"| {speaker} | " + " | ".join(str(v) for v in row) + " |")
        conversions = len(next(iter(result["systems"].values()))["rows"])
        directions = len(next(iter(result["systems"].values()))["directions"])
        lines += ["", f"**Baselines on the hidden test pairs** (all {directions} directions: "
                  f"{conversions} conversions each; TAR: the judge hears the target; "
                  "SRR: it still hears the source; content: the nearest natural target "
                  "test utterance is the same sentence):", "",
                  "| system | MCD-fixed (dB) | MCD-DTW (dB) | log-F0 RMSE | GV ratio | MSD | "
                  "TAR linear (%) | SRR linear (%) | TAR CNN (%) | SRR CNN (%) | "
                  "content (%) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for system, measured in result["systems"].items():
            s = measured["summary"]
            lines.append(
                f"| {system} | {f(s['mcd'])} | {f(s['mcd_dtw'])} | {f(s['log_f0_rmse'], 3)} | "
                f"{f(s['gv_ratio'])} | {f(s['msd'])} | {f(s['tar_linear'], 1, True)} | "
                f"{f(s['srr_linear'], 1, True)} | {f(s['tar_cnn'], 1, True)} | "
                f"{f(s['srr_cnn'], 1, True)} | {f(s['content_hit'], 1, True)} |")
        lines += ["", f"![spectrograms](voices/{name}_spectrograms.png)", ""]
    lines += ["Reading it: the copy-synthesis floor is what WORLD itself costs (its MCD is "
              "not zero: synthesis and re-analysis differ from the natural analysis). B0 "
              "keeps the source's spectrum, so the judges must still hear the source "
              "(SRR), which shows they do not listen to F0. B2 had parallel data, which "
              "the non-parallel models of the next issues will not.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="esp4,mix4")
    parser.add_argument("--subset", default="full", choices=voice_corpus.SUBSETS)
    parser.add_argument("--b2-steps", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(RESULTS, "voices"),
                        help="results stem (.md / .json)")
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs", "voices"),
                        help="where the baseline converters are saved")
    args = parser.parse_args(argv)
    started = time.time()
    revision = provenance.git_revision(ROOT)  # the code that runs, not the code at the end
    results = {}
    for name in args.sets.split(","):
        corpus = voice_corpus.load_corpus(name, subset=args.subset, seed=args.seed)
        log(f"{name}: rendering")
        corpus.render_all()
        result = {"voices": {}}
        for voice in corpus.voices:
            result["voices"][voice] = {"engine": corpus.renderers[voice].engine,
                                       **voice_statistics(corpus, voice)}
        log(f"{name}: analysed")
        judges = speech_evaluation.trained_judges(corpus, args.seed, log=log)
        result["judges"] = judge_table(corpus, judges)
        baselines = fit_baselines(corpus, args.b2_steps, args.seed)
        for key, converter in baselines.items():
            conversion.save_converter(converter, os.path.join(args.runs, name, key),
                                      corpus=name, subset=args.subset)
        result["systems"] = measure_systems(corpus, judges, baselines)
        for key, converter in baselines.items():  # what tfgan eval would write, for the report
            measured = next(v for k, v in result["systems"].items() if k.startswith(key + " "))
            path = os.path.join(args.runs, name, key, "metrics.json")
            with open(path, "w", encoding="utf-8") as stream:
                json.dump({"speech_evaluation": {
                    "corpus": name, "subset": args.subset, "converter": converter.name,
                    "utterances": len(measured["rows"]), **measured}}, stream, default=float)
        spectrogram_picture(corpus, baselines,
                            os.path.join(PICTURES, f"{name}_spectrograms.png"))
        results[name] = result
    meta = {"command": "python tools/voices_report.py " + " ".join(argv or sys.argv[1:]),
            "revision": revision,
            "date": datetime.date.today().isoformat(),
            "machine": provenance.machine_description(),
            "minutes": (time.time() - started) / 60.0}
    with open(args.out + ".json", "w", encoding="utf-8") as stream:
        json.dump({"meta": meta, "results": results}, stream, indent=1, default=float)
    with open(args.out + ".md", "w", encoding="utf-8") as stream:
        stream.write(render_markdown(results, meta))
    log(f"written {args.out}.md in {meta['minutes']:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())

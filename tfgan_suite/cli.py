"""The ``tfgan`` command (also ``python -m tfgan_suite``).

    tfgan train  --config CONFIG --out RUN [--set key=value ...] [--resume]
    tfgan sample --run RUN --n N --out FILE(.npy|.png) [--seed S] [--labels ...] [--truncation T]
                 [--code NAME=VALUE] [--interpolate z|CODE [--steps K]] [--mix C]
    tfgan eval   --run RUN [--out FILE] [--n N]
    tfgan translate --run RUN --in DIR|IMAGE --out DIR [--direction a2b|b2a]
    tfgan export --run RUN --format saved_model|tflite [--quantize MODE] [--direction D]
                 [--max-batch N] --out PATH
    tfgan report --run RUN [--run RUN2 ...] --out REPORT.html [--n N] [--spaces S]
    tfgan baseline --voices CORPUS --kind f0_only|mean_variance|parallel_mse --out RUN
    tfgan convert --run RUN --in WAV|DIR --out DIR [--source S --target T]
    tfgan postfilter --run RUN --in WAV|NPY|DIR --out DIR [--seed S]
    tfgan demo   [--out RUN] [--minutes M]

Bad input exits with status 2 and one line on stderr naming the field and the accepted
values. TensorFlow's own log lines stay out of the output unless a command is given
--verbose (tfgan_suite/quiet.py).

On an x86 CPU with AVX2 where TensorFlow leaves oneDNN off (no VNNI, AVX512_BF16 or AMX:
e.g. AMD EPYC before Zen 4), the command turns it on (TF_ENABLE_ONEDNN_OPTS=1), which was
faster there (docs/results/train_speed.md); set TF_ENABLE_ONEDNN_OPTS=0 to keep it off.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from tfgan_suite import quiet

EXIT_BAD_INPUT = 2
#: The demo's recipe: the best of the 5-minute recipe search (docs/results/recipe_search.md).
DEMO_RECIPE = "dcgan_g64_lr4_fashion_mnist.yaml"


def _repo_configs() -> str:
    """``configs/`` of the source tree (the package is installed editable by ``make``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(os.getcwd(), "configs"),
                      os.path.join(os.path.dirname(here), "configs")):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError("configs/ not found next to the package or in the current directory")


def _parse_labels(text: Optional[str], n: int):
    if text is None:
        return None
    import numpy as np

    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--labels: expected one integer or {n} comma-separated integers, "
                         f"got {text!r}") from None
    if len(values) == 1:
        return np.full([n], values[0], np.int32)
    if len(values) != n:
        raise ValueError(f"--labels: got {len(values)} labels for --n {n}; pass one integer "
                         f"or exactly {n}")
    return np.asarray(values, np.int32)


def _stopped(train):
    """``train`` (a ``runs.train`` call), turning its ways of stopping early into one line
    and an exit status: a signal (``TrainingInterrupted``: 143 / 130, where to resume), a
    checkpoint that could not be written (status 1, the previous one whole) and a lost
    worker of a multi_worker job (status 1, restart every worker with --resume)."""
    from tfgan_suite import callbacks, checkpoints, runs

    try:
        return train(), 0
    except callbacks.TrainingInterrupted as stop:
        print(f"tfgan: {stop}", file=sys.stderr, flush=True)
        return None, stop.code
    except (checkpoints.CheckpointWriteError, runs.WorkerLost) as error:
        print(f"tfgan: training stopped: {error}", file=sys.stderr, flush=True)
        return None, 1


def _train(args) -> int:
    from tfgan_suite import runs

    run, status = _stopped(lambda: runs.train(args.config, args.out, overrides=args.set,
                                              resume=args.resume))
    if run is None:
        return status
    print(f"run directory: {os.path.abspath(run.directory)}")
    if run.sample_grid is not None:
        print(f"sample grid:   {run.sample_grid}")
    print(f"metrics:       {os.path.join(run.directory, 'metrics.json')}")
    return 0


def _refuse_speech(model, run: str, command: str) -> None:
    """A voice conversion run converts WAV files: ``tfgan convert``, not images."""
    if getattr(model, "modality", "image") == "speech":
        raise ValueError(f"--run: {run} holds a voice conversion model "
                         f"({type(model).__name__}); tfgan {command} works on image runs, use "
                         f"tfgan convert --run {run} --in WAV --out DIR")


def _sample(args) -> int:
    from tfgan_suite import runs

    if args.n < 1:
        raise ValueError(f"--n: must be a positive integer, got {args.n}")
    model = runs.load_run(args.run, checkpoint=args.checkpoint)
    _refuse_speech(model, args.run, "sample")
    codes, sweep = runs.parse_codes(model, args.code)
    labels = _parse_labels(args.labels, args.n)
    if args.text is not None:
        if not hasattr(model, "condition_of"):
            raise ValueError(f"--text: model {type(model).__name__} has no text conditions; "
                             "accepted with model stackgan")
        if labels is not None:
            raise ValueError("--text: give --labels or --text, not both")
        labels = model.condition_of(args.text)
    path = runs.sample_to_file(model, args.n, args.out, seed=args.seed, labels=labels,
                               truncation=args.truncation, with_noise=args.with_noise,
                               codes=codes, sweep=sweep, interpolate=args.interpolate,
                               steps=args.steps, mix=args.mix)
    print(f"wrote {args.n} samples to {path}")
    return 0


def _eval(args) -> int:
    from tfgan_suite import runs

    if runs.is_postfilter_run(args.run):
        from tfgan_suite import postfiltering

        result = runs.evaluate_postfilter_run(args.run, out=args.out,
                                              checkpoint=args.checkpoint)
        print(f"wrote evaluation to {runs.evaluation_path(args.run, args.out)} (key "
              "\"postfilter_evaluation\")")
        print(postfiltering.summary_line(result))
        return 0
    if runs.is_speech_run(args.run):
        from tfgan_suite import speech_evaluation

        converter, record = runs.speech_converter(args.run, checkpoint=args.checkpoint)
        result = speech_evaluation.evaluate_converter(converter, record, args.run, log=print)
        print(f"wrote evaluation to {os.path.join(args.run, 'metrics.json')} "
              f"(key \"speech_evaluation\")")
        print(speech_evaluation.summary_line(result))
        return 0

    if args.n < 2:
        raise ValueError(f"--n: must be an integer >= 2, got {args.n}")
    groups = None if not args.metrics else [g.strip() for g in args.metrics.split(",")]
    result = runs.evaluate_run(args.run, n=args.n, out=args.out, groups=groups,
                               checkpoint=args.checkpoint)
    print(f"wrote evaluation to {runs.evaluation_path(args.run, args.out)} "
          f"(key \"evaluation\")")
    print(runs.summary_line(result))
    return 0


def _translate(args) -> int:
    from tfgan_suite import runs

    model = runs.load_run(args.run, checkpoint=args.checkpoint)
    _refuse_speech(model, args.run, "translate")
    if not getattr(model, "translates", False):
        raise ValueError(f"--run: {args.run} holds a {type(model).__name__}, which samples "
                         "rather than translates; accepted: a cyclegan or pix2pix run")
    written = runs.translate_files(model, args.direction, args.input, args.out)
    print(f"wrote {len(written)} translation(s) ({args.direction}) to "
          f"{os.path.abspath(args.out)}")
    return 0


def _baseline(args) -> int:
    from tfgan_suite import conversion
    from tfgan_suite.data.voices import corpus as voice_corpus

    corpus = voice_corpus.load_corpus(args.voices, subset=args.subset)
    converter = conversion.fit_baseline(args.kind, corpus, steps=args.steps, seed=args.seed,
                                        log=print)
    path = conversion.save_converter(converter, args.out, corpus=args.voices,
                                       subset=args.subset)
    print(f"{converter.name} of {args.voices} ({', '.join(corpus.voices)}) written to "
          f"{os.path.abspath(os.path.dirname(path))}")
    return 0


def _convert(args) -> int:
    from tfgan_suite import conversion, runs

    if not runs.is_speech_run(args.run):
        raise ValueError(f"--run: {args.run} is not a speech conversion run (no "
                         f"{conversion.CONVERTER_FILE} of a baseline, no speakers.json of a "
                         "conversion model)")
    converter, _ = runs.speech_converter(args.run)
    written = conversion.convert_files(converter, args.input, args.out, args.source,
                                       args.target)
    print(f"wrote {len(written)} converted file(s) to {os.path.abspath(args.out)}")
    return 0


def _postfilter(args) -> int:
    from tfgan_suite import postfiltering, runs

    postfilter = runs.load_postfilter(args.run, checkpoint=args.checkpoint, seed=args.seed)
    written = postfiltering.postfilter_files(postfilter, args.input, args.out)
    print(f"wrote {len(written)} postfiltered file(s) to {os.path.abspath(args.out)}")
    return 0


def _export(args) -> int:
    import tempfile

    from tfgan_suite import export, runs

    if args.format == "saved_model" and args.quantize != "none":
        raise ValueError(f"--quantize: applies to --format tflite only, got {args.quantize!r} "
                         f"with --format saved_model")
    if args.format == "tflite" and args.max_batch != export.limits.DEFAULT_MAX_BATCH:
        raise ValueError(f"--max-batch: applies to --format saved_model only, got "
                         f"{args.max_batch} with --format tflite (a TFLite model's runner takes "
                         "max_batch=: TFLiteGenerator, TFLiteTranslator)")
    model = runs.load_run(args.run, checkpoint=args.checkpoint)
    if getattr(model, "modality", "image") == "speech":
        return _export_speech(args, model)
    translates = getattr(model, "translates", False)
    if args.direction is not None and not (translates and args.format == "tflite"):
        raise ValueError("--direction: applies to translation runs (cyclegan, pix2pix) with "
                         "--format tflite only (a SavedModel holds every direction)")
    if args.format == "saved_model":
        # A new version directory each time: a running TF Serving swaps to it.
        path = export.export_saved_model(model, args.out, version=None,
                                         max_batch=args.max_batch)
        print(f"wrote SavedModel {os.path.abspath(path)}")
        print(f"TF Serving base_path: {os.path.abspath(os.path.dirname(path))}")
        return 0
    if translates:
        direction = args.direction or "a2b"
        model.translator(direction)  # a direction the model has, or a one-line error
        with tempfile.TemporaryDirectory() as scratch:
            saved_model = export.export_saved_model(model, scratch, warmup_batch=0)
            path = export.export_tflite(
                saved_model, args.out, quantize=args.quantize,
                signature_key=f"translate_{direction}",
                representative_images=(runs.calibration_images(model, direction)
                                       if args.quantize == "int8" else None))
        print(f"wrote TFLite translator {os.path.abspath(path)} ({direction}, "
              f"{args.quantize}, {os.path.getsize(path) / 1e6:.2f} MB)")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        saved_model = export.export_saved_model(model, scratch, warmup_batch=0)
        # Calibration latents for int8: the distribution the generator is sampled from.
        path = export.export_tflite(
            saved_model, args.out, quantize=args.quantize,
            representative_z=model.latent(100, seed=0),
            num_classes=getattr(model, "num_classes", None),
            representative_codes=(model.code_block(100, seed=0)
                                  if getattr(model, "code_width", 0) else None))
    print(f"wrote TFLite model {os.path.abspath(path)} ({args.quantize}, "
          f"{os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


def _export_speech(args, model) -> int:
    """``tfgan export`` of a voice conversion run (``export/speech.py``)."""
    import tempfile

    from tfgan_suite import export
    from tfgan_suite.data.voices import training as voice_training

    if not callable(getattr(model, "converter", None)):
        return _export_postfilter(args, model)
    statistics, _ = voice_training.read_statistics(args.run)
    if args.format == "saved_model":
        if args.direction is not None:
            raise ValueError("--direction: applies with --format tflite only (a SavedModel "
                             "holds every direction)")
        path = export.export_saved_model(model, args.out, version=None, statistics=statistics,
                                         max_batch=args.max_batch)
        names = [export.speech.signature_name(s, t) for s, t in model.speaker_directions()]
        print(f"wrote SavedModel {os.path.abspath(path)} (signatures {', '.join(names)})")
        print(f"TF Serving base_path: {os.path.abspath(os.path.dirname(path))}")
        return 0
    if args.quantize == "int8":
        raise ValueError("--quantize: a voice conversion model converts to none, dynamic or "
                         "float16 (int8 would need calibration features); got int8")
    directions = model.speaker_directions()
    if args.direction is None and len(directions) > 2:
        raise ValueError(f"--direction: name the direction SOURCE:TARGET to convert, one of "
                         f"{', '.join(f'{s}:{t}' for s, t in directions)}")
    source, target = (directions[0] if args.direction is None
                      else (args.direction.split(":") + [""])[:2])
    model.check_direction(source, target)
    with tempfile.TemporaryDirectory() as scratch:
        saved_model = export.export_saved_model(model, scratch, warmup_batch=0,
                                                statistics=statistics)
        path = export.export_tflite(saved_model, args.out, quantize=args.quantize,
                                    signature_key=export.speech.signature_name(source, target))
    print(f"wrote TFLite converter {os.path.abspath(path)} ({source} -> {target}, "
          f"{args.quantize}, {os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


def _export_postfilter(args, model) -> int:
    """``tfgan export`` of a postfilter run (``ganpf``, ``ganpf_stft``)."""
    import tempfile

    from tfgan_suite import export
    from tfgan_suite.data.voices import training as voice_training

    if args.direction is not None:
        raise ValueError("--direction: a postfilter has one signature (postfilter); leave it "
                         "out")
    statistics = voice_training.read_pair_statistics(args.run)["target_statistics"]
    if args.format == "saved_model":
        path = export.export_saved_model(model, args.out, version=None, statistics=statistics,
                                         max_batch=args.max_batch)
        print(f"wrote SavedModel {os.path.abspath(path)} (signature "
              f"{export.speech.POSTFILTER_SIGNATURE})")
        print(f"TF Serving base_path: {os.path.abspath(os.path.dirname(path))}")
        return 0
    if args.quantize == "int8":
        raise ValueError("--quantize: a postfilter converts to none, dynamic or float16 (int8 "
                         "would need calibration features); got int8")
    with tempfile.TemporaryDirectory() as scratch:
        saved_model = export.export_saved_model(model, scratch, warmup_batch=0,
                                                statistics=statistics)
        path = export.export_tflite(saved_model, args.out, quantize=args.quantize,
                                    signature_key=export.speech.POSTFILTER_SIGNATURE)
    print(f"wrote TFLite postfilter {os.path.abspath(path)} ({args.quantize}, "
          f"{os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


def _report(args) -> int:
    from tfgan_suite import report

    spaces = None if not args.spaces else [s.strip() for s in args.spaces.split(",")]
    path = report.write_report(args.run, args.out, n=args.n, checkpoint=args.checkpoint,
                               spaces=spaces)
    print(f"wrote report {os.path.abspath(path)}")
    return 0


def _demo(args) -> int:
    from tfgan_suite import data, runs

    overrides = [f"train.max_minutes={args.minutes}"]
    try:
        data.load_arrays("fashion_mnist", split="train")
    except data.DatasetNotFoundError as error:
        print(f"Fashion-MNIST is not available ({error}); falling back to scikit-learn's 8x8 "
              f"digits, resized to 28x28.")
        overrides += ["data.name=digits", "data.image_size=28"]
    recipe = os.path.join(_repo_configs(), DEMO_RECIPE)
    print(f"demo: training {recipe} for at most {args.minutes} minutes into {args.out}")
    resume = os.path.isfile(os.path.join(args.out, "config.yaml"))
    if resume:
        print(f"demo: {args.out} exists; resuming it")
    run, status = _stopped(lambda: runs.train(None if resume else recipe, args.out,
                                              overrides=overrides, resume=resume))
    if run is None:
        return status
    print(f"demo: {run.metrics['steps']} steps in {run.metrics['elapsed_seconds']:.0f} s")
    print(f"demo: sample grid written to {os.path.abspath(run.sample_grid)}")
    print(f"demo: checkpoints in {os.path.abspath(os.path.join(run.directory, 'checkpoints'))}")
    print(f"demo: TensorBoard logs in {os.path.abspath(os.path.join(run.directory, 'logs'))}")
    from tfgan_suite import evaluation, report

    space = evaluation.feature_space(run.config["data"]["name"])
    print(f"demo: writing the run's report (metrics in the {space} feature space; its "
          "classifier trains once on first use, about 2 minutes)")
    path = report.write_report([run.directory], os.path.join(run.directory, "report.html"),
                               spaces=[space])
    print(f"demo: report written to {os.path.abspath(path)}")
    return 0


def _checkpoint_option(command) -> None:
    command.add_argument("--checkpoint", default="auto", choices=["auto", "best", "latest"],
                         help="which checkpoint to load: auto (default) = the kept best when "
                              "the run sets eval.keep_best, else the latest")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfgan", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a GAN from a config")
    train.add_argument("--config", help="recipe YAML (optional with --resume)")
    train.add_argument("--out", required=True, help="run directory")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config field, e.g. objective.name=hinge")
    train.add_argument("--resume", action="store_true", help="continue the run in --out")
    train.set_defaults(handler=_train)
    sample = commands.add_parser("sample", help="draw samples from a trained run")
    sample.add_argument("--run", required=True)
    sample.add_argument("--n", type=int, required=True)
    sample.add_argument("--out", required=True, help="FILE.npy or FILE.png")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--labels", help="conditional models: one class or n comma-separated")
    sample.add_argument("--text", help="stackgan: a condition's description (e.g. 'a dress'); "
                        "every sample gets that condition")
    sample.add_argument("--truncation", type=float,
                        help="truncation trick: redraw z coordinates outside [-T, T] "
                             "(BigGAN); style models (stylegan, stylegan2): psi in [0, 1] of "
                             "truncation in W")
    sample.add_argument("--mix", type=int, metavar="C",
                        help="style models: an N x N style-mixing grid; image (i, j) takes "
                             "the style slots before C from row i, the rest from column j")
    sample.add_argument("--with-noise", action="store_true",
                        help="models with a noise generator (nrgan): the clean sample, its "
                             "noise and their sum side by side")
    sample.add_argument("--code", action="append", metavar="NAME=VALUE",
                        help="models with latent codes (infogan): fix a code, e.g. c1=3, "
                             "c2=0.5,-1; one number may sweep LO:HI:K, e.g. c2=-1:1:8,0 "
                             "(one grid row per value, the same z in every row)")
    sample.add_argument("--interpolate", metavar="z|w|CODE",
                        help="interpolation strips, one row per sample: z (slerp from the "
                             "draw of --seed to that of --seed+1, codes fixed), w (style "
                             "models: lerp of the styles between the same ends) or a "
                             "continuous code (lerp, z fixed)")
    sample.add_argument("--steps", type=int, default=8,
                        help="--interpolate: images per strip (default 8)")
    _checkpoint_option(sample)
    sample.set_defaults(handler=_sample)
    evaluate = commands.add_parser("eval", help="measure a trained run (FD_fmnist, KID, "
                                   "PRDC; mode coverage for toy data; speech conversion runs: "
                                   "MCD, F0, GV, MSD, speaker and content judges on the "
                                   "hidden test pairs)")
    evaluate.add_argument("--run", required=True)
    evaluate.add_argument("--out", help="JSON file to merge into (default RUN/metrics.json)")
    evaluate.add_argument("--n", type=int, default=10000, help="generated samples")
    evaluate.add_argument("--metrics", help="comma-separated metric groups (default: all but "
                          "gan_train): fd, kid, precision_recall, density_coverage, "
                          "conditional, gan_train")
    _checkpoint_option(evaluate)
    evaluate.set_defaults(handler=_eval)
    translate = commands.add_parser("translate", help="translation runs (cyclegan, "
                                    "pix2pix): translate image files")
    translate.add_argument("--run", required=True)
    translate.add_argument("--in", dest="input", required=True,
                           help="an image file or a directory of them (the run's size and "
                                "channels)")
    translate.add_argument("--out", required=True, help="directory for the translated PNGs")
    translate.add_argument("--direction", default="a2b", choices=["a2b", "b2a"],
                           help="a2b: domain A (data.domains[0]) into B; b2a: back "
                                "(cyclegan only)")
    _checkpoint_option(translate)
    translate.set_defaults(handler=_translate)
    baseline = commands.add_parser("baseline", help="fit a voice-conversion baseline on a "
                                   "speech corpus (B0 f0_only, B1 mean_variance, B2 "
                                   "parallel_mse) into a run directory")
    baseline.add_argument("--voices", required=True,
                          help="esp4, mix4 (rendered) or folder:<path> (one sub-folder of "
                               "WAV files per speaker)")
    baseline.add_argument("--kind", required=True,
                          choices=["f0_only", "mean_variance", "parallel_mse"])
    baseline.add_argument("--out", required=True, help="run directory")
    baseline.add_argument("--subset", default="full", choices=["full", "tiny"],
                          help="rendered corpora: tiny = 2 voices, 24 sentences")
    baseline.add_argument("--steps", type=int, default=1500,
                          help="parallel_mse: training steps per direction")
    baseline.add_argument("--seed", type=int, default=0)
    baseline.set_defaults(handler=_baseline)
    convert = commands.add_parser("convert", help="speech conversion runs: convert WAV files "
                                  "(analysis, the run's converter, WORLD synthesis)")
    convert.add_argument("--run", required=True)
    convert.add_argument("--in", dest="input", required=True,
                         help="a WAV file or a directory of them (mono; other rates are "
                              "resampled to 16 kHz)")
    convert.add_argument("--out", required=True, help="directory for the converted WAVs")
    convert.add_argument("--source", help="the source speaker (optional when the run has one "
                         "direction)")
    convert.add_argument("--target", help="the target speaker")
    convert.set_defaults(handler=_convert)
    postfilter = commands.add_parser("postfilter", help="postfilter runs (ganpf, "
                                     "ganpf_stft): postfilter WAV files or feature arrays")
    postfilter.add_argument("--run", required=True)
    postfilter.add_argument("--in", dest="input", required=True,
                            help="a .wav file (re-analysed, postfiltered, resynthesised) or a "
                                 ".npy array [frames, dims] of the run's features in natural "
                                 "units (mel-cepstrum c0..c24, or natural-log STFT "
                                 "magnitudes), or a directory of them")
    postfilter.add_argument("--out", required=True, help="directory for the outputs (same "
                            "file names)")
    postfilter.add_argument("--seed", type=int, default=0, help="seed of the noise z")
    _checkpoint_option(postfilter)
    postfilter.set_defaults(handler=_postfilter)
    export = commands.add_parser("export", help="export the sampling generator for serving")
    export.add_argument("--run", required=True)
    export.add_argument("--format", required=True, choices=["saved_model", "tflite"])
    export.add_argument("--quantize", default="none",
                        choices=["none", "float16", "dynamic", "int8"],
                        help="TFLite only: weight / activation quantisation")
    export.add_argument("--out", required=True,
                        help="saved_model: models directory (writes OUT/generator/<next "
                             "version>); "
                             "tflite: FILE.tflite")
    export.add_argument("--direction",
                        help="with --format tflite, the direction to convert (one file "
                             "each): a2b or b2a for translation runs (default a2b), "
                             "SOURCE:TARGET for voice conversion runs (default: the first)")
    # 1024: export.limits.DEFAULT_MAX_BATCH (building the parser imports no TensorFlow)
    export.add_argument("--max-batch", type=int, default=1024, metavar="N",
                        help="saved_model: the most rows (seeds, z, images, utterances) one "
                             "request may carry; the server refuses larger ones (default "
                             "1024)")
    _checkpoint_option(export)
    export.set_defaults(handler=_export)
    report = commands.add_parser("report", help="one self-contained HTML page of a run, or a "
                                 "comparison of several (tfgan_suite/report/)")
    report.add_argument("--run", required=True, action="append",
                        help="run directory; repeat to compare runs")
    report.add_argument("--out", required=True, help="the .html file to write")
    report.add_argument("--n", type=int, default=2000,
                        help="samples (and test images) for the metrics, the real-data "
                             "floors and the memorisation check (default 2000)")
    report.add_argument("--spaces", help="image runs: comma-separated feature spaces "
                        "(default: every space of the dataset, e.g. fmnist,vgg)")
    _checkpoint_option(report)
    report.set_defaults(handler=_report)
    demo = commands.add_parser("demo", help="the README's demo: DCGAN on Fashion-MNIST "
                               f"(configs/{DEMO_RECIPE})")
    demo.add_argument("--out", default="runs/demo")
    demo.add_argument("--minutes", type=float, default=4.0)
    demo.set_defaults(handler=_demo)
    for command in commands.choices.values():
        # Read from sys.argv by quiet.command_start, before TensorFlow loads; here so that
        # argparse accepts it and --help lists it.
        command.add_argument(quiet.VERBOSE_FLAG, action="store_true",
                             help="keep TensorFlow's own log lines (C++ notices such as "
                                  "cudart_stub, cuInit, oneDNN) on stderr")
    return parser


def _enable_onednn_where_it_pays() -> None:
    """Sets TF_ENABLE_ONEDNN_OPTS=1 where ``hardware.onednn_worth_enabling`` says so.

    TensorFlow reads the variable once, when it loads, and ``import tfgan_suite`` has
    loaded it by the time this runs; the command then starts again with the variable set
    (one more start-up, a few seconds, against ~15 % of every training step)."""
    from tfgan_suite import hardware

    if not hardware.onednn_worth_enabling():
        return
    # Silently: a line on every command of such a host would read as noise (a test's
    # judge calls it so); each run's provenance records it (machine.onednn).
    os.environ[hardware.ONEDNN_ENV] = "1"
    if "tensorflow" in sys.modules:
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", "tfgan_suite", *sys.argv[1:]])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input, 1 training failure).

    From the command line (``argv`` None) it first turns oneDNN on where that pays."""
    if argv is None:
        _enable_onednn_where_it_pays()
    parser = build_parser()
    args = parser.parse_args(argv)
    from tfgan_suite.arguments import cli_words

    try:
        with cli_words():  # errors name --flags, not Python arguments
            return args.handler(args)
    except (ValueError, TypeError, FileNotFoundError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"tfgan: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FloatingPointError as error:
        print(f"tfgan: training failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

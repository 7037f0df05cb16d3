"""Sampling speed, size and fidelity of an exported generator (issue #6, "Ship generators").

For one generator, measures images/s at batch 1 and 64 for: Keras ``predict``, a direct
eager call ``generator(z, training=False)``, the exported SavedModel's
``serving_default``, and the TFLite model per quantisation mode (LiteRT interpreter);
the size of each artifact; and each TFLite mode's error against the SavedModel on the
same z. Results: ``docs/results/export.md`` and ``.json``.

    python tools/bench_sample.py                          # DCGAN 32 px, base_filters 64
    python tools/bench_sample.py --run runs/demo --name export_demo   # a trained run

Everything runs on one thread (TF intra/inter-op and LiteRT ``num_threads``), so the
numbers compare the runtimes rather than their threading, and the benchmark stays light
on a shared machine. Speed is the median over repeated calls (robust to other load).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_suite import provenance  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCHES = (1, 64)
#: The random generator's output convolution is scaled by this factor so its tanh output
#: covers [−1, 1] like a trained generator's (at initialisation it stays within ±0.1,
#: which would flatter the quantisation error).
OUTPUT_SCALE = 30.0


def machine() -> dict:
    info = provenance.machine()
    return {"cpu": info["cpu"], "cores": info["cores"], "python": info["python"],
            "tensorflow": tf.__version__, "load_average_at_start": info["load_average"]}


def git_revision() -> str:
    return provenance.git_revision(ROOT)


def directory_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(folder, name))
               for folder, _, names in os.walk(path) for name in names)


def call_seconds(call, min_seconds: float, min_calls: int = 5) -> list[float]:
    """Wall times of repeated ``call()`` (≥ min_calls, ≥ min_seconds) after two warm-ups."""
    call()
    call()
    times = []
    started = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - started < min_seconds:
        begin = time.perf_counter()
        call()
        times.append(time.perf_counter() - begin)
    return times


def measure_speed(runners: dict, latent_dim: int, rounds: int, min_seconds: float,
                  rng: np.random.Generator) -> dict:
    """images/s per runner and batch: median over ``rounds`` interleaved rounds of the
    per-round median call time (interleaving spreads the other jobs' load evenly)."""
    inputs = {batch: rng.standard_normal([batch, latent_dim]).astype(np.float32)
              for batch in BATCHES}
    medians = {(name, batch): [] for name in runners for batch in BATCHES}
    fastest = dict.fromkeys(medians, float("inf"))
    for round_index in range(rounds):
        for name, run in runners.items():
            for batch in BATCHES:
                times = call_seconds(lambda run=run, z=inputs[batch]: run(z), min_seconds)
                medians[name, batch].append(float(np.median(times)))
                fastest[name, batch] = min(fastest[name, batch], min(times))
        print(f"round {round_index + 1}/{rounds} done", flush=True)
    speed = {}
    for (name, batch), values in medians.items():
        seconds = float(np.median(values))
        speed.setdefault(name, {})[str(batch)] = {
            "median_ms_per_call": round(seconds * 1e3, 3),
            "images_per_second": round(batch / seconds, 1),
            "images_per_second_fastest_call": round(batch / fastest[name, batch], 1),
            "round_medians_ms": [round(v * 1e3, 3) for v in values]}
        print(f"{name:34s} batch {batch:3d}: {batch / seconds:9.1f} images/s", flush=True)
    return speed


def build_generator(args):
    """(generator, latent_dim, description) from ``--run`` or a seeded random DCGAN."""
    import keras

    if args.run:
        from tfgan_suite import runs

        model = runs.load_run(args.run)
        generator = model.sampling_generator
        config = model.run_config
        options = {k: v for k, v in generator.get_config().items() if k != "name"}
        description = (f"TRAINED run `{args.run}`: {config['generator']['name']} generator "
                       f"{options}, {generator.count_params():,} parameters, trained "
                       f"{int(model.step_counter.numpy())} steps on {config['data']['name']}; "
                       f"the sampling generator (EMA copy when enabled)")
        return generator, model.latent_dim, description
    from tfgan_suite.networks.dcgan import DCGANGenerator

    keras.utils.set_random_seed(args.seed)
    generator = DCGANGenerator(latent_dim=args.latent_dim, image_size=32, channels=3,
                               base_filters=args.base_filters)
    kernel = generator.get_layer("to_image").kernel
    kernel.assign(kernel * OUTPUT_SCALE)
    description = (f"DCGAN generator, 32x32x3, latent_dim {args.latent_dim}, base_filters "
                   f"{args.base_filters}, {generator.count_params():,} parameters; RANDOM "
                   f"weights (seed {args.seed}, glorot init, BatchNorm at its initial "
                   f"statistics) with the output convolution scaled x{OUTPUT_SCALE:g} so "
                   f"images span [-1, 1]; not trained")
    return generator, args.latent_dim, description


def measure(args) -> dict:
    from tfgan_suite.export import QUANTIZE_MODES, export_saved_model, export_tflite
    from tfgan_suite.export.tflite import TFLiteGenerator

    generator, latent_dim, description = build_generator(args)
    workdir = tempfile.mkdtemp(prefix="bench_sample_")
    saved_model_dir = export_saved_model(generator, workdir, warmup_batch=0)
    signature = tf.saved_model.load(saved_model_dir).signatures["serving_default"]
    rng = np.random.default_rng(args.seed)
    calibration = rng.standard_normal([100, latent_dim]).astype(np.float32)
    z_eval = rng.standard_normal([args.eval_n, latent_dim]).astype(np.float32)
    keras_path = os.path.join(workdir, "generator.keras")
    generator.save(keras_path)
    sizes = {"keras (.keras)": os.path.getsize(keras_path),
             "SavedModel (dir)": directory_size(saved_model_dir)}
    runners = {
        "Keras predict": lambda z: generator.predict(z, batch_size=len(z), verbose=0),
        "Keras direct call": lambda z: generator(z, training=False).numpy(),
        "SavedModel serving_default": lambda z: signature(z=tf.constant(z))["images"].numpy(),
    }
    reference = signature(z=tf.constant(z_eval))
    errors = {}
    for mode in QUANTIZE_MODES:
        path = export_tflite(saved_model_dir, os.path.join(workdir, f"{mode}.tflite"),
                             quantize=mode, representative_z=calibration)
        sizes[f"TFLite {mode}"] = os.path.getsize(path)
        model = TFLiteGenerator(path, num_threads=1)
        runners[f"TFLite {mode}"] = model.generate
        outputs = model(z_eval)
        error = np.abs(outputs["images"] - reference["images"].numpy())
        levels = np.abs(outputs["images_uint8"].astype(np.int32)
                        - reference["images_uint8"].numpy().astype(np.int32))
        errors[mode] = {"max_abs": float(error.max()), "mean_abs": float(error.mean()),
                        "uint8_max_levels": int(levels.max()),
                        "uint8_mean_levels": float(levels.mean())}
    # The same modes converted with the batch fixed at the measured size (one file each).
    for mode in QUANTIZE_MODES:
        fixed = {batch: TFLiteGenerator(export_tflite(
            saved_model_dir, os.path.join(workdir, f"{mode}_b{batch}.tflite"), quantize=mode,
            representative_z=calibration, batch_size=batch), num_threads=1).generate
            for batch in BATCHES}
        runners[f"TFLite {mode}, fixed batch"] = lambda z, fixed=fixed: fixed[len(z)](z)
    speed = measure_speed(runners, latent_dim, args.rounds, args.min_seconds, rng)
    return {"generator": description, "latent_dim": latent_dim,
            "eval_images": args.eval_n, "calibration_draws": len(calibration),
            "threads": 1, "speed": speed, "sizes_bytes": sizes, "tflite_error": errors}


def write_markdown(result: dict, path: str) -> None:
    lines = [f"# Exported generator: speed, size, fidelity ({result['name']})", "",
             f"- command: `{result['command']}`",
             f"- git revision: `{result['git_revision']}`, date: {result['date']}",
             f"- machine: {result['machine']['cpu']}, {result['machine']['cores']} cores "
             f"(load average at start {result['machine']['load_average_at_start']}; another "
             f"benchmark may share the machine), TensorFlow {result['machine']['tensorflow']}",
             f"- generator: {result['generator']}",
             "- one thread everywhere (TF intra/inter-op = 1, LiteRT num_threads = 1); "
             "speed = batch / median call time (median over interleaved rounds); "
             "\"best\" = batch / fastest call",
             "", "## Images per second", "",
             "| runtime | batch 1 | batch 64 | ms / call at 1 | ms / call at 64 | best at 1 | "
             "best at 64 |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, by_batch in result["speed"].items():
        one, many = by_batch["1"], by_batch["64"]
        lines.append(f"| {name} | {one['images_per_second']:,.1f} | "
                     f"{many['images_per_second']:,.1f} | {one['median_ms_per_call']:.2f} | "
                     f"{many['median_ms_per_call']:.2f} | "
                     f"{one['images_per_second_fastest_call']:,.1f} | "
                     f"{many['images_per_second_fastest_call']:,.1f} |")
    float_size = result["sizes_bytes"]["TFLite none"]
    lines += ["", "## Sizes", "", "| artifact | bytes | TFLite float32 / this |", "|---|---:|---:|"]
    for name, size in result["sizes_bytes"].items():
        lines.append(f"| {name} | {size:,} | {float_size / size:.2f}x |"
                     if name.startswith("TFLite") else f"| {name} | {size:,} | |")
    lines += ["", f"## TFLite error vs the SavedModel ({result['eval_images']} images, "
                  f"same z; int8 calibrated on {result['calibration_draws']} draws of z)", "",
              "| mode | max abs (images, [-1, 1]) | mean abs | uint8 max levels | "
              "uint8 mean levels |", "|---|---:|---:|---:|---:|"]
    for mode, error in result["tflite_error"].items():
        lines.append(f"| {mode} | {error['max_abs']:.2e} | {error['mean_abs']:.2e} | "
                     f"{error['uint8_max_levels']} | {error['uint8_mean_levels']:.3f} |")
    lines += ["", "Sizes and errors are those of the dynamic-batch TFLite files (the fixed-batch "
              "files hold the same weights).",
              "int8 keeps float32 input and output (quantise on entry, dequantise on exit);",
              "ops without an int8 kernel stay float. All TFLite models use built-in ops only.",
              "\"fixed batch\" = `export_tflite(..., batch_size=B)`, one file per B: static "
              "shapes let XNNPACK",
              "take the whole graph; with a dynamic batch Conv2DTranspose's runtime output "
              "shape keeps it on",
              "the built-in kernels. Speed is noisy when another job shares the 2 cores.", ""]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="benchmark this run's sampling generator instead")
    parser.add_argument("--base-filters", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-n", type=int, default=256, help="images for the error")
    parser.add_argument("--min-seconds", type=float, default=1.0,
                        help="time per (runtime, batch) measurement in each round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    parser.add_argument("--name", default="export", help="docs/results/<name>.md/.json")
    args = parser.parse_args(argv)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    result = {"name": args.name,
              "command": " ".join(["python tools/bench_sample.py",
                                   *(sys.argv[1:] if argv is None else argv)]),
              "git_revision": git_revision(),
              "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": machine()}
    result |= measure(args)
    out = os.path.join(ROOT, "docs", "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{args.name}.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    write_markdown(result, os.path.join(out, f"{args.name}.md"))
    print(f"wrote {os.path.join(out, args.name)}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Training speed: the keras-io WGAN-GP step written naively vs our fast path (benchmarks.md §3).

Both paths train the same networks (``kerasio_wgan_gp``) at batch 512 with 3 critic updates
per generator update on Fashion-MNIST, in one process, alternating rounds so that machine
load affects both alike. The naive path is the keras-io example's ``train_step`` (float32,
no XLA, separate discriminator calls for real, fake and interpolated images, numpy input to
``fit``); the fast path is ``AdversarialModel`` with bf16 mixed precision, XLA, one fused
critic pass, ``steps_per_execution`` and a prefetching tf.data pipeline. A second table
times every recipe in ``configs/``. Results: ``docs/results/train_speed.md`` / ``.json``.

    python tools/bench_train.py --rounds 3 --steps 10
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfgan_suite import config as config_lib  # noqa: E402
from tfgan_suite import data as data_lib  # noqa: E402
from tfgan_suite import factory, networks, provenance  # noqa: E402
from tfgan_suite.evaluation import Evaluator  # noqa: E402
from tfgan_suite.runs import precision_policy  # noqa: E402

BATCH, LATENT, D_STEPS, GP_WEIGHT = 512, 128, 3, 10.0


class NaiveWGANGP(keras.Model):
    """The keras-io example's model: its train_step, step for step (our code)."""

    def __init__(self, discriminator, generator):
        super().__init__()
        self.discriminator, self.generator = discriminator, generator
        self.built = True

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def gradient_penalty(self, batch_size, real_images, fake_images):
        # keras-io draws alpha from a normal distribution (its bug); kept for fidelity.
        alpha = tf.random.normal([batch_size, 1, 1, 1], 0.0, 1.0)
        interpolated = real_images + alpha * (fake_images - real_images)
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            pred = self.discriminator(interpolated, training=True)
        grads = gp_tape.gradient(pred, [interpolated])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
        return tf.reduce_mean((norm - 1.0) ** 2)

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = tf.shape(real_images)[0]
        for _ in range(D_STEPS):
            random_latent_vectors = tf.random.normal(shape=(batch_size, LATENT))
            with tf.GradientTape() as tape:
                fake_images = self.generator(random_latent_vectors, training=True)
                fake_logits = self.discriminator(fake_images, training=True)
                real_logits = self.discriminator(real_images, training=True)
                d_cost = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                gp = self.gradient_penalty(batch_size, real_images, fake_images)
                d_loss = d_cost + gp * GP_WEIGHT
            d_gradient = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(zip(d_gradient,
                                                 self.discriminator.trainable_variables,
                                                 strict=True))
        random_latent_vectors = tf.random.normal(shape=(batch_size, LATENT))
        with tf.GradientTape() as tape:
            generated_images = self.generator(random_latent_vectors, training=True)
            gen_img_logits = self.discriminator(generated_images, training=True)
            g_loss = -tf.reduce_mean(gen_img_logits)
        gen_gradient = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(gen_gradient, self.generator.trainable_variables,
                                             strict=True))
        return {"d_loss": d_loss, "g_loss": g_loss}


def adam():
    return keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)


class TimeSteps(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())

    def on_train_begin(self, logs=None):
        self.times = [time.perf_counter()]


def timed_fit(model, data, steps: int, steps_per_execution: int = 1) -> float:
    """Seconds per generator step over ``steps`` steps (after the first execution)."""
    timer = TimeSteps()
    if isinstance(data, np.ndarray):
        model.fit(data[:BATCH * steps], batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                  callbacks=[timer])
    else:
        model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[timer])
    times = np.array(timer.times)
    # Drop the first execution (it may include tracing / XLA compilation).
    per_execution = np.diff(times[1:])
    return float(np.median(per_execution)) / steps_per_execution


def critic_flops_per_image() -> float:
    """Forward FLOPs of the critic for one 28×28 image (2·MACs of its convolutions/dense)."""
    flops, size, channels = 0.0, 32, 1
    for filters in (64, 128, 256, 512):
        size //= 2
        flops += 2.0 * size * size * 5 * 5 * channels * filters
        channels = filters
    return flops + 2.0 * size * size * channels


def generator_flops_per_image() -> float:
    flops = 2.0 * LATENT * 4 * 4 * 256
    size, channels = 4, 256
    for filters in (128, 64, 1):
        size *= 2
        flops += 2.0 * size * size * 3 * 3 * channels * filters
        channels = filters
    return flops


def step_flops() -> float:
    """Approximate FLOPs of one step (3 critic updates + 1 generator update), batch 512.

    Backward ≈ 2× forward; the GP's gradient-of-gradient ≈ 4× a critic forward on x̂.
    """
    d, g = critic_flops_per_image(), generator_flops_per_image()
    critic_update = g + 3 * d * 2 + (1 + 4) * d
    generator_update = 3 * g + 3 * d
    return BATCH * (D_STEPS * critic_update + generator_update)


def matmul_peak(dtype, size=2048, repeats=10) -> float:
    a = tf.random.normal([size, size], dtype=tf.float32)
    a = tf.cast(a, dtype)
    matmul = tf.function(lambda x: tf.matmul(x, x))
    matmul(a).numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        result = matmul(a)
    result.numpy()
    return 2.0 * size**3 * repeats / (time.perf_counter() - start) / 1e9


def build_fast(recipe: str, overrides=()):
    config = config_lib.load(os.path.join(ROOT, "configs", recipe), list(overrides))
    with precision_policy(config["precision"]):
        model = factory.build_gan(config)
        factory.compile_gan(model, config)
    return model, config


def speed_table(args) -> dict:
    images, _ = data_lib.load_arrays("fashion_mnist", "train")
    images = np.ascontiguousarray(images[: BATCH * (args.steps + 2)])
    keras.utils.set_random_seed(0)
    naive = NaiveWGANGP(networks.KerasIOWGANCritic(), networks.KerasIOWGANGenerator())
    naive.compile(d_optimizer=adam(), g_optimizer=adam())
    fast, config = build_fast("kerasio_wgan_gp_fast_fashion_mnist.yaml")
    spe = config["train"]["steps_per_execution"]
    fast_data = factory.dataset(config)
    rounds = {"naive": [], "fast": []}
    for round_index in range(args.rounds + 1):  # round 0 warms up (tracing, XLA)
        naive_seconds = timed_fit(naive, images, args.steps)
        with precision_policy(config["precision"]):
            fast_seconds = timed_fit(fast, fast_data, max(2 * spe, args.steps // spe * spe), spe)
        if round_index:
            rounds["naive"].append(naive_seconds)
            rounds["fast"].append(fast_seconds)
        print(f"round {round_index}: naive {naive_seconds:.3f} s/step, "
              f"fast {fast_seconds:.3f} s/step", flush=True)
    naive_s, fast_s = np.median(rounds["naive"]), np.median(rounds["fast"])
    train = config["train"]
    settings = [config["precision"], "XLA" if train["jit_compile"] else "no XLA"]
    if config["discriminator"].get("last_conv_as_matmul"):
        settings.append("last critic conv as a patch matmul")
    if train["fuse_discriminator_passes"]:
        settings.append("one critic pass over real + fake")
    settings += [f"steps_per_execution {train['steps_per_execution']}", "tf.data prefetch"]
    flops = step_flops()
    return {"fast_settings": ", ".join(settings),
            "naive_seconds_per_step": naive_s, "fast_seconds_per_step": fast_s,
            "naive_images_per_second": BATCH / naive_s, "fast_images_per_second": BATCH / fast_s,
            "speedup": naive_s / fast_s, "rounds": rounds, "step_gflop": flops / 1e9,
            "naive_gflops": flops / naive_s / 1e9, "fast_gflops": flops / fast_s / 1e9}


class NaiveSampler:
    """``sample(n, seed)`` for the naive model: the same z as ``AdversarialModel.sample``."""

    def __init__(self, generator, z_source):
        self.generator, self.z_source = generator, z_source
        self.predict = tf.function(lambda z: generator(z, training=False))

    def sample(self, n: int, seed: int = 0, labels=None) -> np.ndarray:
        z = self.z_source.latent(n, seed)
        return np.concatenate([self.predict(tf.constant(z[i:i + 256])).numpy()
                               for i in range(0, n, 256)]).astype(np.float32)


def quality_table(steps: int, seeds: int, n_eval: int = 10000) -> dict:
    """FD_fmnist / KID of both paths after the same number of generator steps, per seed.

    Each seed trains the naive model and the fast model from scratch (networks initialised
    from that seed) for ``steps`` generator updates on the same 512-image batches budget,
    then samples ``n_eval`` images from the same z and measures them against the test split
    in the domain classifier's feature space (``tfgan_suite.evaluation``).
    """
    images, _ = data_lib.load_arrays("fashion_mnist", "train")
    runs = []
    evaluator = None
    for seed in range(seeds):
        for path in ("naive", "fast"):
            keras.utils.set_random_seed(seed)
            fast, config = build_fast("kerasio_wgan_gp_fast_fashion_mnist.yaml",
                                      [f"seed={seed}", f"train.steps={steps}",
                                       f"data.batch_size={BATCH}"])
            if evaluator is None:
                evaluator = Evaluator(config, n=n_eval, seed=0)
            started = time.monotonic()
            if path == "naive":
                keras.utils.set_random_seed(seed)
                model = NaiveWGANGP(networks.KerasIOWGANCritic(),
                                    networks.KerasIOWGANGenerator())
                model.compile(d_optimizer=adam(), g_optimizer=adam())
                order = np.random.default_rng(seed).permutation(len(images))
                order = np.resize(order, BATCH * steps)  # wraps around past one epoch
                model.fit(images[order], batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
                sampler = NaiveSampler(model.generator, fast)
            else:
                spe = config["train"]["steps_per_execution"]
                with precision_policy(config["precision"]):
                    fast.fit(factory.dataset(config), steps_per_epoch=-(-steps // spe) * spe,
                             epochs=1, verbose=0)
                sampler = fast
            seconds = time.monotonic() - started
            scores = evaluator.evaluate(sampler, groups=("fd", "kid"))
            runs.append({"path": path, "seed": seed, "steps": steps,
                         "train_seconds": round(seconds, 1),
                         "fd_fmnist": float(scores["fd_fmnist"]),
                         "kid_fmnist": float(scores["kid_fmnist_mean"])})
            print(runs[-1], flush=True)
    summary = {}
    for path in ("naive", "fast"):
        values = np.array([r["fd_fmnist"] for r in runs if r["path"] == path])
        summary[path] = {"fd_mean": float(values.mean()),
                         "fd_se": float(values.std(ddof=1) / np.sqrt(len(values)))
                         if len(values) > 1 else float("nan")}
    noise = 2.0 * float(np.hypot(summary["naive"]["fd_se"], summary["fast"]["fd_se"]))
    return {"steps": steps, "seeds": seeds, "n_eval": n_eval, "batch": BATCH, "runs": runs,
            "summary": summary, "two_se": noise,
            "fast_no_worse": bool(summary["fast"]["fd_mean"]
                                  <= summary["naive"]["fd_mean"] + noise)}


def quality_lines(quality: dict | None) -> list[str]:
    if not quality:
        return ["Not measured yet: FD_fmnist of the two paths after the same number of steps.",
                ""]
    q, s = quality, quality["summary"]
    lines = [f"## Quality after the same number of steps ({q['steps']} generator steps, "
             f"{q['seeds']} seeds)", "",
             f"Each seed trains both paths from scratch for {q['steps']} generator steps "
             f"(× 3 critic updates, batch {q.get('batch', 512)}), then samples "
             f"{q['n_eval']:,} images from the "
             "same z; FD / KID against the test split in the domain classifier's feature space "
             "(docs/results/metrics_floor.md: the real-data floor is FD 0.18). The naive path "
             "keeps keras-io's N(0, 1) interpolation weight; ours draws U(0, 1) as in the paper.",
             ""]
    if "command" in q:
        lines += [f"Command: `{q['command']}` at {q['git_revision']} (wall clock "
                  f"{q['wall_clock_seconds'] / 60:.0f} min).", ""]
    lines += ["| path | seed | FD_fmnist | KID_fmnist | training wall s |",
              "|---|---|---|---|---|"]
    for run in q["runs"]:
        lines.append(f"| {run['path']} | {run['seed']} | {run['fd_fmnist']:.2f} | "
                     f"{run['kid_fmnist']:.3f} | {run['train_seconds']:.0f} |")
    verdict = "no worse" if q["fast_no_worse"] else "**worse**"
    lines += ["", f"Mean FD: naive {s['naive']['fd_mean']:.2f} ± {s['naive']['fd_se']:.2f}, "
              f"ours {s['fast']['fd_mean']:.2f} ± {s['fast']['fd_se']:.2f} (± standard error "
              f"over seeds): ours is {verdict} than the naive step within seed noise (2 combined "
              f"standard errors = {q['two_se']:.2f}).", ""]
    return lines


def recipe_table(steps: int) -> list[dict]:
    rows = []
    for recipe in sorted(os.listdir(os.path.join(ROOT, "configs"))):
        model, config = build_fast(recipe)
        spe = config["train"]["steps_per_execution"]
        # ~steps generator updates, fewer for the batch-512 recipes (seconds per step).
        budget = steps if config["data"]["batch_size"] < 512 else max(2, steps // 10)
        executions = max(3, budget // spe)
        with precision_policy(config["precision"]):
            data = factory.dataset(config, with_labels=getattr(model, "conditional", False))
            seconds = timed_fit(model, data, executions * spe, spe)
        batch = config["data"]["batch_size"]
        rows.append({"recipe": recipe, "batch_size": batch,
                     "n_critic": config["train"]["n_critic"],
                     "precision": config["precision"], "xla": config["train"]["jit_compile"],
                     "steps_per_second": 1.0 / seconds, "images_per_second": batch / seconds})
        print(rows[-1], flush=True)
    return rows


def write(result: dict, recipes: list[dict], peaks: dict, args, wall: float,
          meta: dict | None = None, quality: dict | None = None) -> None:
    revision = provenance.git_revision(ROOT) if meta is None else meta["git_revision"]
    meta = meta or {"command": "python tools/bench_train.py " + " ".join(sys.argv[1:]),
            "git_revision": revision, "machine": provenance.machine_description(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "wall_clock_seconds": round(wall, 1), "rounds": args.rounds, "steps": args.steps,
            "load_average_at_start": list(os.getloadavg())}
    with open(os.path.join(ROOT, "docs", "results", "train_speed.json"), "w") as handle:
        json.dump({"meta": meta, "keras_io_wgan_gp": result, "recipes": recipes,
                   "matmul_peak_gflops": peaks, "quality": quality}, handle, indent=2,
                  default=float)
    r = result
    lines = [
        "# Training speed", "",
        f"- command: `{meta['command']}`", f"- git revision: {revision}; date: {meta['date']}",
        f"- machine: {meta['machine']}; TensorFlow {meta['tensorflow']}, Keras {meta['keras']};"
        f" load average at start {meta['load_average_at_start']} (other jobs shared the "
        "machine when it is above 2; the alternating rounds expose both paths to it alike)",
        f"- measured matmul peak (2048², this run): fp32 {peaks['float32']:.0f} GFLOP/s, "
        f"bf16 {peaks['bfloat16']:.0f} GFLOP/s",
        f"- {args.rounds} timed rounds of {args.steps} steps per path after a warm-up round, "
        "alternating naive / fast; median seconds per step (first execution of each round "
        "dropped).", "",
        "## keras-io WGAN-GP networks, batch 512, 3 critic updates per generator update", "",
        "| path | s / step | images / s | ≈ GFLOP/s | speed-up |", "|---|---|---|---|---|",
        f"| naive (keras-io `train_step`, fp32, no XLA, 3 critic calls) | "
        f"{r['naive_seconds_per_step']:.3f} | {r['naive_images_per_second']:.1f} | "
        f"{r['naive_gflops']:.0f} | 1.00× |",
        f"| ours ({r['fast_settings']}) | "
        f"{r['fast_seconds_per_step']:.3f} | {r['fast_images_per_second']:.1f} | "
        f"{r['fast_gflops']:.0f} | **{r['speedup']:.2f}×** |", "",
        f"GFLOP/s use an analytical estimate of {r['step_gflop']:.1f} GFLOP per step (backward "
        "≈ 2× forward, the GP's gradient of a gradient ≈ 4× a critic forward); the reference "
        "machine in benchmarks.md ran the naive step at 0.10 steps/s ≈ 52 images/s.", "",
        "Where the time goes (bf16, batch 512, `ONEDNN_VERBOSE` timings of one GP step): the "
        "critic's last convolution (4×4×256 → 2×2×512, 5×5 kernel) took 70 % of it in "
        "oneDNN's AMX kernels at ≈ 45 GFLOP/s; as one matmul over its patches "
        "(`PatchConv2D`, same weights) a GP step fell from 2.29 s to 1.30 s (fp32: 3.17 s → "
        "2.40 s). XLA is no help on this CPU: an XLA-compiled critic forward pass took 37 s "
        "against 0.8 s.", "",
        *quality_lines(quality),
        "## Every recipe (its own config, fast settings as written in the recipe)", "",
        "| recipe | batch | n_critic | precision | XLA | steps / s | images / s |",
        "|---|---|---|---|---|---|---|"]
    for row in recipes:
        lines.append(f"| {row['recipe']} | {row['batch_size']} | {row['n_critic']} | "
                     f"{row['precision']} | {row['xla']} | {row['steps_per_second']:.2f} | "
                     f"{row['images_per_second']:.0f} |")
    with open(os.path.join(ROOT, "docs", "results", "train_speed.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")


def rerender(path: str) -> None:
    """Rewrites train_speed.md from a train_speed.json (keeps the run's own metadata)."""
    with open(path, encoding="utf-8") as handle:
        saved = json.load(handle)
    meta = saved["meta"]
    args = argparse.Namespace(rounds=meta["rounds"], steps=meta["steps"])
    write(saved["keras_io_wgan_gp"], saved["recipes"], saved["matmul_peak_gflops"], args,
          meta["wall_clock_seconds"], meta=meta, quality=saved.get("quality"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--recipe-steps", type=int, default=20)
    parser.add_argument("--quality-steps", type=int, default=60,
                        help="generator steps per path for the FD comparison (0: skip it)")
    parser.add_argument("--quality-seeds", type=int, default=2)
    parser.add_argument("--quality-n", type=int, default=10000, help="samples for FD / KID")
    parser.add_argument("--quality-only", metavar="JSON",
                        help="only measure quality; merge it into this train_speed.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.quality_only:
        with open(args.quality_only, encoding="utf-8") as handle:
            saved = json.load(handle)
        saved["quality"] = quality_table(args.quality_steps, args.quality_seeds, args.quality_n)
        saved["quality"]["command"] = "python tools/bench_train.py " + " ".join(sys.argv[1:])
        saved["quality"]["git_revision"] = provenance.git_revision(ROOT)
        saved["quality"]["wall_clock_seconds"] = round(time.monotonic() - started, 1)
        with open(args.quality_only, "w", encoding="utf-8") as handle:
            json.dump(saved, handle, indent=2, default=float)
        rerender(args.quality_only)
        print(open(os.path.join(ROOT, "docs", "results", "train_speed.md")).read())
        return 0
    peaks = {"float32": matmul_peak(tf.float32), "bfloat16": matmul_peak(tf.bfloat16)}
    print("matmul peaks", peaks, flush=True)
    result = speed_table(args)
    recipes = recipe_table(args.recipe_steps)
    quality = (quality_table(args.quality_steps, args.quality_seeds, args.quality_n)
               if args.quality_steps > 0 else None)
    write(result, recipes, peaks, args, time.monotonic() - started, quality=quality)
    print(open(os.path.join(ROOT, "docs", "results", "train_speed.md")).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Training speed: the keras-io WGAN-GP step written naively vs our fast path (benchmarks.md §3).

Both paths train the same networks (``kerasio_wgan_gp``) at batch 512 with 3 critic updates
per generator update on Fashion-MNIST, in one process, alternating rounds so that machine
load affects both alike. The naive path is the keras-io example's ``train_step`` (float32,
no XLA, separate discriminator calls for real, fake and interpolated images, numpy input to
``fit``); the fast path is ``AdversarialModel`` with one fused critic pass, the last critic
conv as a matmul, ``steps_per_execution`` and a prefetching tf.data pipeline, timed in
float32 and, where the host runs bf16 natively (AMX / AVX512_BF16), in mixed bfloat16.
A second table times every recipe in ``configs/``; a third times whole processes (start-up
included) of a short run. Results go to ``docs/results/train_speed.md`` / ``.json``, one
section per kind of host (``tfgan_suite.hardware.host_kind``; ``ONEDNN_MAX_CPU_ISA`` and
oneDNN off make separate, labelled sections): a run replaces only its own host's section.

    python tools/bench_train.py --rounds 3 --steps 10
    ONEDNN_MAX_CPU_ISA=AVX2 python tools/bench_train.py ...   # AVX2 kernels, emulated
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

from train_speed_report import (  # noqa: E402
    FAST_RECIPE,
    RESULTS,
    features_line,
    host_section_key,
    host_section_title,
    load_results,
    write,
)

from tfgan_suite import config as config_lib  # noqa: E402
from tfgan_suite import data as data_lib  # noqa: E402
from tfgan_suite import factory, hardware, networks, provenance  # noqa: E402
from tfgan_suite.evaluation import Evaluator  # noqa: E402
from tfgan_suite.runs import precision_policy, resolved_precision  # noqa: E402

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


FAST_PRECISIONS = ("float32", "mixed_bfloat16")
def build_fast(recipe: str, overrides=()):
    config = config_lib.load(os.path.join(ROOT, "configs", recipe), list(overrides))
    with precision_policy(config["precision"]):
        model = factory.build_gan(config)
        factory.compile_gan(model, config)
    return model, config


def fast_variants(requested: str) -> list[str]:
    """The fast path's precisions to time: ``auto`` = float32, plus mixed_bfloat16 where the
    host runs bf16 natively; else a comma-separated list of FAST_PRECISIONS."""
    if requested == "auto":
        return ["float32"] + (["mixed_bfloat16"]
                              if resolved_precision("auto") == "mixed_bfloat16" else [])
    names = requested.split(",")
    unknown = [name for name in names if name not in FAST_PRECISIONS]
    if unknown:
        raise ValueError(f"--variants: unknown precision {unknown[0]!r}; accepted: auto or a "
                         f"comma-separated list of {', '.join(FAST_PRECISIONS)}")
    return names


def fast_settings(config: dict) -> str:
    train = config["train"]
    settings = [resolved_precision(config["precision"]),
                "XLA" if train["jit_compile"] else "no XLA"]
    if config["discriminator"].get("last_conv_as_matmul"):
        settings.append("last critic conv as a patch matmul")
    if train["fuse_discriminator_passes"]:
        settings.append("one critic pass over real + fake")
    return ", ".join(settings + [f"steps_per_execution {train['steps_per_execution']}",
                                 "tf.data prefetch"])


def peak_of(precision: str, peaks: dict) -> float:
    return peaks["bfloat16" if "bfloat16" in precision else "float32"]


def speed_table(args, peaks: dict) -> dict:
    """Alternating rounds: the naive step, then each fast-path precision, ``rounds`` times
    after a warm-up round; medians per path and the per-round ratios."""
    images, _ = data_lib.load_arrays("fashion_mnist", "train")
    images = np.ascontiguousarray(images[: BATCH * (args.steps + 2)])
    keras.utils.set_random_seed(0)
    naive = NaiveWGANGP(networks.KerasIOWGANCritic(), networks.KerasIOWGANGenerator())
    naive.compile(d_optimizer=adam(), g_optimizer=adam())
    fast = {}
    for precision in fast_variants(args.variants):
        keras.utils.set_random_seed(0)
        model, config = build_fast(FAST_RECIPE, [f"precision={precision}"])
        fast[precision] = (model, config, factory.dataset(config))
    rounds = {"naive": []} | {precision: [] for precision in fast}
    for round_index in range(args.rounds + 1):  # round 0 warms up (tracing, XLA)
        seconds = {"naive": timed_fit(naive, images, args.steps)}
        for precision, (model, config, data) in fast.items():
            spe = config["train"]["steps_per_execution"]
            with precision_policy(precision):
                seconds[precision] = timed_fit(model, data,
                                               max(2 * spe, args.steps // spe * spe), spe)
        if round_index:
            for path, value in seconds.items():
                rounds[path].append(value)
        print(f"round {round_index}: " + ", ".join(f"{path} {value:.3f} s/step"
                                                   for path, value in seconds.items()),
              flush=True)
    flops = step_flops()
    naive_s = float(np.median(rounds["naive"]))
    variants = []
    for precision, (_, config, _) in fast.items():
        fast_s = float(np.median(rounds[precision]))
        ratios = np.array(rounds["naive"]) / np.array(rounds[precision])
        variants.append({"precision": precision, "settings": fast_settings(config),
                         "seconds_per_step": fast_s, "images_per_second": BATCH / fast_s,
                         "gflops": flops / fast_s / 1e9,
                         "peak_fraction": flops / fast_s / 1e9 / peak_of(precision, peaks),
                         "speedup": naive_s / fast_s, "min_round_speedup": float(ratios.min())})
    return {"naive_seconds_per_step": naive_s, "naive_images_per_second": BATCH / naive_s,
            "naive_gflops": flops / naive_s / 1e9,
            "naive_peak_fraction": flops / naive_s / 1e9 / peaks["float32"],
            "auto_precision": resolved_precision("auto"), "fast_variants": variants,
            "rounds": rounds, "step_gflop": flops / 1e9}


def naive_process(steps: int) -> None:
    """The naive keras-io script as a user runs it: load, build, ``fit`` for ``steps``."""
    images, _ = data_lib.load_arrays("fashion_mnist", "train")
    keras.utils.set_random_seed(0)
    model = NaiveWGANGP(networks.KerasIOWGANCritic(), networks.KerasIOWGANGenerator())
    model.compile(d_optimizer=adam(), g_optimizer=adam())
    model.fit(images[:BATCH * steps], batch_size=BATCH, epochs=1, shuffle=False, verbose=0)


ONEDNN_SETTINGS = {  # setting name -> environment of one probe process
    "ONEDNN_MAX_CPU_ISA=AVX2, TF_ENABLE_ONEDNN_OPTS=1 (an AVX2-only host with oneDNN on)":
        {"TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "TF_ENABLE_ONEDNN_OPTS=0 (an AVX2-only host's TensorFlow default: Eigen kernels, built "
    "for AVX)": {"TF_ENABLE_ONEDNN_OPTS": "0"}}


def onednn_probe() -> dict:
    """One process's numbers for the oneDNN comparison: fp32 matmul peak, the fast path in
    float32 (10 steps, the first execution of 5 dropped) and the keras-io step (3 steps)."""
    fast, config = build_fast(FAST_RECIPE, ["precision=float32"])
    with precision_policy("float32"):
        fast_seconds = timed_fit(fast, factory.dataset(config), 10, 5)
    images, _ = data_lib.load_arrays("fashion_mnist", "train")
    keras.utils.set_random_seed(0)
    naive = NaiveWGANGP(networks.KerasIOWGANCritic(), networks.KerasIOWGANGenerator())
    naive.compile(d_optimizer=adam(), g_optimizer=adam())
    return {"onednn": hardware.onednn_enabled(), "load": list(os.getloadavg()),
            "fp32_peak": matmul_peak(tf.float32), "fast_f32": fast_seconds,
            "naive": timed_fit(naive, np.ascontiguousarray(images[:BATCH * 3]), 3)}


def onednn_table() -> list[dict]:
    """``onednn_probe`` in one process per ONEDNN_SETTINGS entry, one after the other."""
    rows = []
    for setting, env in ONEDNN_SETTINGS.items():
        done = subprocess.run([sys.executable, "tools/bench_train.py", "--onednn-probe"],
                              cwd=ROOT, env=os.environ | env, capture_output=True, text=True,
                              check=True)
        rows.append({"setting": setting} | json.loads(done.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    return rows


def process_table(steps: int) -> list[dict]:
    """Whole-process wall seconds of a ``steps``-step run: start-up, data, tracing, training
    and (for ``tfgan train``) checkpoint, sample grid and saved generator, as a user sees."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_train_") as scratch:
        commands = {
            "naive (keras-io train_step, fp32)":
                ["tools/bench_train.py", "--naive-process", str(steps)],
            f"ours (tfgan train, configs/{FAST_RECIPE})":
                ["-m", "tfgan_suite", "train", "--config", f"configs/{FAST_RECIPE}",
                 "--out", os.path.join(scratch, "fast"), "--set", f"train.steps={steps}",
                 "--set", f"train.steps_per_epoch={steps}"]}
        for path, command in commands.items():
            started = time.perf_counter()
            done = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True,
                                  text=True)
            rows.append({"path": path, "steps": steps,
                         "command": "python " + " ".join(command).replace(scratch, "$TMP"),
                         "seconds": time.perf_counter() - started})
            if done.returncode:  # the time still counts; the table says how it ended
                last = (done.stderr.strip().splitlines() or ["(no stderr)"])[-1]
                rows[-1]["failed"] = f"exit status {done.returncode}: {last[:160]}"
            print(rows[-1], flush=True)
    return rows


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


def recipe_table(steps: int, patterns: list[str], on_row=None) -> list[dict]:
    """Steps/s of the recipes in configs/ matching ``patterns``, in the patterns' order (the
    first pattern's recipes first); a recipe that fails to build or train gets a row naming
    its error. ``on_row(rows)`` is called after each recipe (to save partial results)."""
    recipes = sorted(os.listdir(os.path.join(ROOT, "configs")))
    ordered = [recipe for pattern in patterns for recipe in recipes
               if fnmatch.fnmatch(recipe, pattern)]
    rows = []
    for recipe in dict.fromkeys(ordered):
        try:
            rows.append(time_recipe(recipe, steps))
        except Exception as error:  # noqa: BLE001 — reported in the table, not hidden
            rows.append({"recipe": recipe, "error": f"{type(error).__name__}: "
                                                    f"{str(error).splitlines()[0][:120]}"})
        print(rows[-1], flush=True)
        if on_row is not None:
            on_row(rows)
    return sorted(rows, key=lambda row: row["recipe"])


def time_recipe(recipe: str, steps: int) -> dict:
    model, config = build_fast(recipe)
    spe = config["train"]["steps_per_execution"]
    # ~steps generator updates, fewer for the batch-512 recipes (seconds per step).
    budget = steps if config["data"]["batch_size"] < 512 else max(2, steps // 10)
    executions = max(3, budget // spe)
    with precision_policy(config["precision"]):
        data = factory.dataset(config, with_labels=getattr(model, "conditional", False))
        seconds = timed_fit(model, data, executions * spe, spe)
    batch = config["data"]["batch_size"]
    return {"recipe": recipe, "batch_size": batch, "n_critic": config["train"]["n_critic"],
            "precision": config["precision"],
            "resolved_precision": resolved_precision(config["precision"]),
            "xla": config["train"]["jit_compile"],
            "steps_per_second": 1.0 / seconds, "images_per_second": batch / seconds}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--variants", default="auto",
                        help="fast-path precisions: auto (float32, plus mixed_bfloat16 where "
                             "the host runs bf16 natively) or e.g. float32,mixed_bfloat16")
    parser.add_argument("--recipe-steps", type=int, default=20)
    parser.add_argument("--recipes", default="kerasio_wgan_gp*,*",
                        help="comma-separated globs of configs/ to time, in this order "
                             "(default: the keras-io pair first, then every other one)")
    parser.add_argument("--process-steps", type=int, default=5,
                        help="steps of the whole-process comparison (0: skip it)")
    parser.add_argument("--quality-steps", type=int, default=60,
                        help="generator steps per path for the FD comparison (0: skip it)")
    parser.add_argument("--quality-seeds", type=int, default=2)
    parser.add_argument("--quality-n", type=int, default=10000, help="samples for FD / KID")
    parser.add_argument("--quality-only", action="store_true",
                        help="only measure quality; merge it into this host's section")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite train_speed.md from train_speed.json")
    parser.add_argument("--onednn", action="store_true",
                        help="only the oneDNN on / off probe (one process per setting)")
    parser.add_argument("--naive-process", type=int, metavar="STEPS",
                        help=argparse.SUPPRESS)  # process_table's naive child
    parser.add_argument("--onednn-probe", action="store_true",
                        help=argparse.SUPPRESS)  # onednn_table's child
    args = parser.parse_args(argv)
    if args.naive_process:
        naive_process(args.naive_process)
        return 0
    if args.onednn_probe:
        print(json.dumps(onednn_probe()), flush=True)
        return 0
    results = load_results()
    if args.render:
        write(results)
        return 0
    if args.onednn:
        started_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
        rows = onednn_table()
        results = load_results()
        previous = results.get("onednn") or {}
        results["onednn"] = {
            "command": "python tools/bench_train.py --onednn",
            "git_revision": provenance.git_revision(ROOT),
            "date": started_at + datetime.datetime.now(datetime.timezone.utc).strftime(
                "–%H:%M UTC"),
            "summary": previous.get("summary", ""), "processes": rows,
            "earlier": previous.get("earlier", []) + ([
                {key: value for key, value in previous.items() if key != "earlier"}]
                if previous else [])}
        write(results)
        return 0
    started = time.monotonic()
    features = hardware.host_features()
    key = host_section_key(features)
    command = "python tools/bench_train.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.quality_only:
        section = results["hosts"][key]
        section["quality"] = quality_table(args.quality_steps, args.quality_seeds,
                                           args.quality_n)
        section["quality"] |= {"command": command,
                               "git_revision": provenance.git_revision(ROOT),
                               "wall_clock_seconds": round(time.monotonic() - started, 1)}
        write(results)
        return 0
    print(features_line(features), flush=True)
    meta = {"command": command, "git_revision": provenance.git_revision(ROOT),
            "machine": provenance.machine_description(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "tensorflow": tf.__version__, "keras": keras.__version__,
            "rounds": args.rounds, "steps": args.steps,
            "load_average_at_start": list(os.getloadavg())}
    # oneDNN capped below AVX-512 has no bf16 matmul and aborts the process on one.
    isa = (features["ONEDNN_MAX_CPU_ISA"] or "ALL").upper()
    bf16_runs = not features["onednn"] or isa.startswith(("ALL", "AVX512", "AVX10"))
    peaks = {"float32": matmul_peak(tf.float32),
             "bfloat16": matmul_peak(tf.bfloat16) if bf16_runs else None}
    print("matmul peaks", peaks, flush=True)
    section = {"host": {"key": key, "kind": features["kind"],
                        "title": host_section_title(features), "features": features},
               "matmul_peak_gflops": peaks, "recipes": [], "quality": None}

    def save(**parts) -> None:
        """Writes this host's section as measured so far (a long run can be stopped)."""
        section.update(parts, meta=meta | {
            "wall_clock_seconds": round(time.monotonic() - started, 1)})
        results = load_results()  # another host kind may have written meanwhile
        results["hosts"][key] = section
        write(results)

    save(keras_io_wgan_gp=speed_table(args, peaks))
    save(processes=process_table(args.process_steps) if args.process_steps else None)
    save(recipes=recipe_table(args.recipe_steps, args.recipes.split(","),
                              on_row=lambda rows: save(recipes=rows)))
    if args.quality_steps > 0:
        save(quality=quality_table(args.quality_steps, args.quality_seeds, args.quality_n))
    print(open(RESULTS + ".md", encoding="utf-8").read())
    return 0


if __name__ == "__main__":
    sys.exit(main())

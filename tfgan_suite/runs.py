"""``train`` and ``load_run``: a config in, a run directory out, and back.

A run directory holds ``config.yaml`` (resolved), ``provenance.json`` (revision, machine,
date and library versions of each training session), ``checkpoints/`` (models, optimizers,
step counter), ``logs/`` (TensorBoard: scalars, learning rates, the config as text and as
hparams, sample images), ``samples/`` (PNG grids), ``metrics.json``, ``generator/`` (the
sampling generator as ``.keras``) and, with ``eval.every_epochs`` / ``every_minutes``,
``best/`` (the best evaluated checkpoint and ``best.json``).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import json
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any, Optional, Union

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import callbacks as callbacks_lib
from tfgan_suite import checkpoints as checkpoints_lib
from tfgan_suite import config as config_lib
from tfgan_suite import conversion, distribute, factory, hardware, postfiltering, provenance
from tfgan_suite.arguments import argument, setting
from tfgan_suite.data.voices import training as voice_training
from tfgan_suite.evaluation import EvaluationCallback, make_evaluator, read_kept_best


class RunError(ValueError):
    """The run directory cannot be used as asked (exists, missing, or incomplete)."""


class WorkerLost(RuntimeError):
    """A worker of a ``multi_worker`` job stopped (killed, preempted, its machine lost): the
    others' collective ops fail once it misses its heartbeats. Every worker must restart
    with ``--resume``; they continue from the chief's newest checkpoint."""

    def __init__(self, out: str, error: Exception):
        latest = tf.train.latest_checkpoint(os.path.join(out, "checkpoints"))
        cause = (getattr(error, "message", None) or str(error)).strip().splitlines()
        unhealthy = next((line.strip() for line in cause if line.strip().startswith("/job:")),
                         cause[0] if cause else type(error).__name__)
        super().__init__(
            f"a worker of the multi_worker job stopped ({unhealthy}); the newest checkpoint "
            f"is {'step ' + str(checkpoints_lib.step_of(latest)) if latest else 'none'}; "
            f"restart every worker with: tfgan train --out {out} --resume")


@dataclasses.dataclass
class Run:
    """What ``train`` returns: where it wrote, the trained model and the summary."""

    directory: str
    model: Any
    config: dict
    metrics: dict
    sample_grid: Optional[str]


_checkpoint = checkpoints_lib.checkpoint_of


def _prepare_directory(out: str, config, overrides, resume: bool) -> dict:
    saved = os.path.join(out, "config.yaml")
    if resume:
        if not os.path.isfile(saved):
            raise RunError(f"{argument('resume')}: {out} has no config.yaml; nothing to resume")
        return config_lib.load(config_lib.read_yaml(saved), overrides)
    if os.path.isdir(os.path.join(out, "checkpoints")) and os.listdir(
            os.path.join(out, "checkpoints")):
        raise RunError(f"{argument('out')}: {out} already holds a run; pass "
                       f"{setting('resume', 'True')} to continue it or choose another directory")
    if config is None:
        raise RunError(f"{argument('config')}: a config file is required to start a new run")
    return config_lib.load(config, overrides)


def _toy_metrics(model, config: dict) -> dict:
    from tfgan_suite import metrics

    mix = factory.mixture(config)
    samples = model.sample(config["sample"]["toy_points"], seed=config["sample"]["seed"] + 1)
    coverage = metrics.mode_coverage(samples, mix.centers, mix.std)
    return {key: coverage[key] for key in ("modes", "hq_fraction", "reverse_kl")} | {
        "n_modes": int(mix.n_modes)}


@functools.cache
def _auto_precision() -> str:
    """``precision: auto`` on this host, decided (and logged in one line) once per process."""
    policy, reason = hardware.precision_choice()
    print(f"tfgan: precision auto: {policy} ({reason})", flush=True)
    return policy


def resolved_precision(name: str) -> str:
    """The Keras dtype policy a config's ``precision`` means on this host."""
    return _auto_precision() if name == "auto" else hardware.resolve_precision(name)


@contextlib.contextmanager
def precision_policy(name: str):
    """Set Keras's global dtype policy for building networks (``auto`` resolved for this
    host); restore it afterwards."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(resolved_precision(name))
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _record_session(out: str, start_step: int, precision: str) -> None:
    """Appends this session's provenance to ``<run>/provenance.json`` (a list, one per start
    or resume), which ``tfgan report`` shows; ``precision`` is the config's value, recorded
    with what it resolved to on this host."""
    path = os.path.join(out, "provenance.json")
    sessions = []
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            sessions = json.load(handle)
    sessions.append(provenance.session_record(
        start_step, precision={"requested": precision,
                               "resolved": resolved_precision(precision)}))
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(sessions, handle, indent=2)
    os.replace(path + ".tmp", path)  # atomic: a kill never leaves half a file


#: The environment variables that size TensorFlow's thread pools when its runtime starts.
THREAD_ENV = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def _one_thread_each() -> None:
    """``deterministic: true``: TensorFlow's runtime with one intra-op and one inter-op
    thread. With op determinism alone, 2 of 20 reruns of the toy recipe (two processes at a
    time, a loaded machine) ended with other weights than the rest (up to 1.5e-2); with one
    thread each, 40 of 40 were bit-identical (``docs/results/determinism.md``). Which
    thread-scheduling effect is the source was not isolated: either pool at one thread
    alone did not remove it. The pools are fixed when the runtime starts: when it has
    already started in this process with more threads, one line says so."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # the runtime has started (ops ran before this run)
        if (tf.config.threading.get_intra_op_parallelism_threads() == 1
                and tf.config.threading.get_inter_op_parallelism_threads() == 1) or all(
                os.environ.get(name) == "1" for name in THREAD_ENV):
            return
        print("tfgan: deterministic: TensorFlow started before this run with its default "
              "threads, so reruns may differ at float round-off; start Python with "
              "TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 for bit-identical ones",
              file=sys.stderr, flush=True)


def _record_session_end(out: str, step: int, how: str) -> None:
    """Completes the last session of ``<run>/provenance.json`` with the step it ended at and
    how: ``end`` (the planned steps, a time limit or a non-finite stop) or the signal."""
    path = os.path.join(out, "provenance.json")
    with open(path, encoding="utf-8") as handle:
        sessions = json.load(handle)
    sessions[-1] |= {"end_step": step, "ended_by": how}
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(sessions, handle, indent=2)
    os.replace(path + ".tmp", path)


def _build(config: dict, strategy, facts: factory.RunFacts):
    """The compiled GAN of ``config``; ``model.run_facts`` keeps ``facts`` for the pipeline
    and the sample grids of each ``_fit``."""
    with strategy.scope():
        model = factory.build_gan(config, facts, load_run=load_run)
        factory.compile_gan(model, config)
    model.run_facts = facts
    return model


def _scaled_learning_rates(config: dict, factor: float) -> dict:
    config = copy.deepcopy(config)
    config["train"]["d_learning_rate"] *= factor
    config["train"]["g_learning_rate"] *= factor
    return config


def train(config: Union[str, dict, None], out: str,
          overrides: Union[dict, list, None] = None, resume: bool = False,
          verbose: Union[str, int] = "auto") -> Run:
    """Train the GAN a config describes, writing the run directory ``out``.

    Only the chief writes ``out``; other workers of a multi-worker job write their
    (required) checkpoint copies to a scratch directory.

    Args:
        config: recipe path or dict (optional with ``resume``: the run's own config).
        out: run directory.
        overrides: ``{"objective.name": "hinge"}`` or ``["objective.name=hinge"]``.
        resume: continue from the latest checkpoint in ``out``.
        verbose: the progress bar: 0 none, 1 or ``"auto"`` ``callbacks.StepProgress``,
            2 one line per epoch (as Keras's ``verbose``).
    """
    config = _prepare_directory(out, config, overrides, resume)
    if config["deterministic"]:
        _one_thread_each()  # before the strategy starts TensorFlow's runtime
    strategy = distribute.make_strategy(config["distribute"])
    chief = distribute.is_chief()
    directory = out if chief else tempfile.mkdtemp(prefix=f"tfgan_{distribute.task_id()}_")
    for sub in ("checkpoints", "logs", "samples", "generator"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    if chief:
        config_lib.dump(config, os.path.join(out, "config.yaml"))
    facts = factory.run_facts(config)  # resolved once: every later step receives it
    if chief and facts.info["kind"] == "speech":
        voice_training.write_statistics(config["data"], facts.info["many_domains"], out)
        if facts.info.get("pair_data"):
            voice_training.write_pair_statistics(config["data"], facts.info["pair_data"], out)
    record = factory.corruption_record(config, facts) if chief else None
    if record is not None:
        with open(os.path.join(out, "corruption.json"), "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2)
    keras.utils.set_random_seed(config["seed"])
    if config["deterministic"]:
        tf.config.experimental.enable_op_determinism()
    with precision_policy(config["precision"]):
        model = _build(config, strategy, facts)
        checkpoints = os.path.join(directory, "checkpoints")
        if resume:
            try:  # the newest whole checkpoint; damaged ones are set aside (by the chief)
                checkpoints_lib.restore_newest_valid(
                    _checkpoint(model), os.path.join(out, "checkpoints"), model,
                    set_aside_damaged=chief)
            except checkpoints_lib.NoValidCheckpoint as error:
                raise RunError(f"{argument('resume')}: {error}") from None
        start_step = int(model.step_counter.numpy())
        if chief:
            _record_session(out, start_step, config["precision"])
        started = time.monotonic()
        rollbacks = 0
        training_seconds = evaluating = 0.0
        while True:
            try:
                session = _fit(model, config, directory, chief, verbose,
                               resume_command=f"tfgan train --out {out} --resume")
            except (tf.errors.UnavailableError, tf.errors.AbortedError,
                    tf.errors.DeadlineExceededError, tf.errors.CancelledError) as error:
                if config["distribute"]["strategy"] != "multi_worker":
                    raise
                raise WorkerLost(out, error) from error
            training_seconds += session["stop"].clock.elapsed()
            evaluating += session["stop"].clock.paused_seconds
            if not session["guard"].tripped or session["interrupted"] is not None:
                break
            train_cfg = config["train"]
            latest = tf.train.latest_checkpoint(checkpoints)
            if (train_cfg["on_nonfinite"] != "rollback" or rollbacks >= train_cfg["max_rollbacks"]
                    or latest is None):
                raise FloatingPointError(session["guard"].message)
            rollbacks += 1
            config = _scaled_learning_rates(config, train_cfg["rollback_lr_factor"])
            print(f"tfgan: {session['guard'].message}; rolling back to {latest} with learning "
                  f"rates x{train_cfg['rollback_lr_factor']} (rollback {rollbacks})")
            model = _build(config, strategy, facts)
            _checkpoint(model).restore(latest).assert_existing_objects_matched()
            factory.reset_learning_rates(model, config)  # the checkpoint held the old ones
    elapsed = time.monotonic() - started
    steps_done = int(model.step_counter.numpy())
    summary = {
        "steps": steps_done, "steps_this_session": steps_done - start_step,
        "elapsed_seconds": round(elapsed, 2),
        "training_seconds": round(training_seconds, 2),
        "evaluation_seconds": round(evaluating, 2),
        "steps_per_second": round((steps_done - start_step) / max(training_seconds, 1e-9), 3),
        "stopped_by_time": session["stop"].stopped_by_time, "rollbacks": rollbacks,
        "losses": {name: float(value) for name, value in model.get_metrics_result().items()},
    }
    if session["evaluation"] is not None and session["evaluation"].every_seconds:
        summary["curve"] = session["evaluation"].history
    interrupted = session["interrupted"]
    if interrupted is not None:
        summary["stopped_by_signal"] = signal.Signals(interrupted.signum).name
    grid = session["grid"]
    if chief:
        _record_session_end(out, steps_done, summary.get("stopped_by_signal", "end"))
        if interrupted is None and factory.mixture(config) is not None:
            summary["mode_coverage"] = _toy_metrics(model, config)
        with open(os.path.join(out, "metrics.json"), "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2)
    if interrupted is not None:  # quick: a preempted machine has seconds left
        raise interrupted
    if chief:
        model.refresh_standing_statistics()
        model.sampling_generator.save(os.path.join(out, "generator", "generator.keras"))
        if grid is not None and grid.last_path is None:  # nothing trained this session
            grid.set_model(model)
            grid.write(steps_done)
    return Run(out, model, config, summary, None if grid is None else grid.last_path)


def _fit(model, config: dict, directory: str, chief: bool, verbose,
         resume_command: Optional[str] = None) -> dict:
    """One ``model.fit`` from the model's current step to ``train.steps`` (or a stop; a
    signal's ``TrainingInterrupted`` is returned as ``interrupted``, its checkpoint
    written)."""
    train_cfg = config["train"]
    steps_per_epoch = train_cfg["steps_per_epoch"]
    start_step = int(model.step_counter.numpy())
    manager = tf.train.CheckpointManager(_checkpoint(model),
                                         os.path.join(directory, "checkpoints"),
                                         max_to_keep=train_cfg["checkpoints_to_keep"])
    guard = callbacks_lib.NonFiniteGuard()
    # Under multi_worker every worker saves at the same steps (a save reads variables that
    # are reduced across workers): a wall-clock bound would fire at different steps on
    # each, so there only checkpoint_every_steps and the epoch ends apply.
    # For the same reason a signal to one worker cannot be a graceful stop there (its lone
    # save would wait on the others): it ends that worker, and the others stop as for a
    # dead worker (WorkerLost); all restart from the newest checkpoint.
    multi_worker = config["distribute"]["strategy"] == "multi_worker"
    writer = callbacks_lib.Checkpoints(
        manager, guard, every_steps=train_cfg["checkpoint_every_steps"],
        every_minutes=None if multi_worker else train_cfg["checkpoint_every_minutes"])
    graceful = [] if multi_worker else [
        callbacks_lib.GracefulStop(writer, resume=resume_command, announce=False)]
    stop = callbacks_lib.StopAt(train_cfg["steps"], train_cfg["max_minutes"])
    evaluation = None
    mix = factory.mixture(config)
    # Speech has no picture of samples: the report plays converted utterances instead.
    grid = None if model.run_facts.info["kind"] == "speech" else callbacks_lib.SampleGrid(
        os.path.join(directory, "samples"),
        n=config["sample"]["toy_points"] if mix is not None else config["sample"]["grid_size"],
        seed=config["sample"]["seed"], centers=None if mix is None else mix.centers,
        log_dir=os.path.join(directory, "logs", "samples"),
        labels=factory.grid_labels(config, config["sample"]["grid_size"], model.run_facts),
        sources=factory.grid_sources(config, config["sample"]["grid_size"], model.run_facts))
    callbacks = [*model.training_callbacks(), guard, stop, writer, *graceful]
    if chief:
        callbacks += [grid] if grid is not None else []
        callbacks += [keras.callbacks.TensorBoard(os.path.join(directory, "logs"),
                                                  write_graph=False)]
        eval_cfg = config["eval"]
        if eval_cfg["every_epochs"] or eval_cfg["every_minutes"]:
            evaluation = EvaluationCallback(
                config, log_dir=os.path.join(directory, "logs", "eval"),
                best_dir=os.path.join(directory, "best"),
                every_epochs=eval_cfg["every_epochs"] or 1,
                every_minutes=eval_cfg["every_minutes"], clock=stop.clock,
                n=eval_cfg["n"], metrics=eval_cfg["metrics"],
                monitor=eval_cfg["keep_best"] or eval_cfg["monitor"], facts=model.run_facts)
            callbacks.append(evaluation)
        callbacks.append(callbacks_lib.RunSummaries(
            os.path.join(directory, "logs"), config,
            trial_id=os.path.basename(os.path.abspath(directory)), evaluation=evaluation))
    if start_step < train_cfg["steps"]:
        facts = model.run_facts
        # Skip the batches already trained on, so a resumed run sees the same data
        # sequence as an uninterrupted one.
        batches = factory.dataset(config, with_labels=facts.num_classes is not None
                                  and model.trains_on_labels, facts=facts).skip(start_step)
        # Our bar instead of Keras's (which times the first execution's compilation into
        # every step; callbacks.StepProgress), first so that it ends its line before other
        # callbacks print at an epoch's end. shuffle=False: the pipeline shuffles (seeded);
        # Keras cannot shuffle a tf.data.Dataset and warns that it ignores shuffle=True.
        progress = ([callbacks_lib.StepProgress(interactive=False if verbose == 2 else None)]
                    if chief and verbose else [])
        try:
            model.fit(batches, epochs=math.ceil(train_cfg["steps"] / steps_per_epoch),
                      initial_epoch=start_step // steps_per_epoch,
                      steps_per_epoch=steps_per_epoch, callbacks=progress + callbacks,
                      verbose=0, shuffle=False)
        except callbacks_lib.TrainingInterrupted as interrupted:
            return {"guard": guard, "stop": stop, "grid": grid, "evaluation": evaluation,
                    "interrupted": interrupted}
    return {"guard": guard, "stop": stop, "grid": grid, "evaluation": evaluation,
            "interrupted": None}


#: ``load_run``'s checkpoint choices.
CHECKPOINTS = ("auto", "best", "latest")


def best_checkpoint(run: str) -> Optional[dict]:
    """``<run>/best/best.json`` (monitor, value, step, …) plus its ``path``; None if none kept."""
    return read_kept_best(os.path.join(run, "best"))


def load_run(run: str, checkpoint: str = "auto"):
    """The trained model of run directory ``run``, ready to ``sample``.

    ``checkpoint``: ``"latest"`` (the last of ``checkpoints/``), ``"best"`` (``<run>/best``,
    kept by evaluations during training) or ``"auto"``: the best when the run's config sets
    ``eval.keep_best`` and one was kept, else the latest. ``model.loaded_checkpoint`` says
    which was loaded (``kind``, ``path``, ``step``, and the best's ``monitor`` / ``value``).
    """
    if checkpoint not in CHECKPOINTS:
        raise ValueError(f"{argument('checkpoint')}: expected one of {', '.join(CHECKPOINTS)}, got "
                         f"{checkpoint!r}")
    saved = os.path.join(run, "config.yaml")
    if not os.path.isfile(saved):
        raise RunError(f"{argument('run')}: {run} is not a run directory (no config.yaml)")
    config = config_lib.load(config_lib.read_yaml(saved))
    config["distribute"] = dict(config["distribute"], strategy="default", logical_cpus=None)
    best = best_checkpoint(run)
    if checkpoint == "best" and best is None:
        raise RunError(f"{argument('checkpoint')}: {run} kept no best checkpoint (<run>/best; set "
                       "eval.keep_best with eval.every_epochs or eval.every_minutes)")
    use_best = checkpoint == "best" or (checkpoint == "auto" and best is not None
                                        and config["eval"]["keep_best"] is not None)
    facts = factory.run_facts(config)
    with precision_policy(config["precision"]):
        model = factory.build_gan(config, facts, load_run=load_run)
        factory.compile_gan(model, config)
    if use_best:
        path = best["path"]
        tf.train.Checkpoint(model=model).restore(path).expect_partial()
    else:
        path = tf.train.latest_checkpoint(os.path.join(run, "checkpoints"))
        if path is None:
            raise RunError(f"{argument('run')}: {run} has no checkpoint yet")
        _checkpoint(model).restore(path).expect_partial()
    model.refresh_standing_statistics()  # no-op unless train.ema_statistics is standing
    model.run_config = config
    model.run_facts = facts
    model.loaded_checkpoint = {"kind": "best" if use_best else "latest", "path": path,
                               "step": int(model.step_counter.numpy())} | (
        {"monitor": best["monitor"], "value": best["value"]} if use_best else {})
    return model


def parse_codes(model, specs) -> tuple[dict, Optional[tuple[str, list]]]:
    """``tfgan sample --code`` items (``NAME=VALUE``) as (fixed codes, sweep or None).

    A value is comma-separated numbers: a class id, d continuous values, or a tree path.
    One number in one code may be a sweep ``LO:HI:K`` (K evenly spaced values from LO to
    HI; whole numbers for categories and paths): the sweep is ``(name, values)``, each
    value the code's full value at one step.
    """
    if not specs:
        return {}, None
    codes = {code.name: code for code in getattr(getattr(model, "codes", None), "codes", ())}
    if not codes:
        raise ValueError("--code: this run's model has no latent codes (accepted with model "
                         "infogan, cfgan, dtlcgan)")
    fixed, sweep = {}, None
    for spec in specs:
        name, _, text = spec.partition("=")
        if name not in codes or not text:
            raise ValueError(f"--code: expected NAME=VALUE with NAME one of "
                             f"{', '.join(codes)}, got {spec!r}")
        code = codes[name]
        items = text.split(",")
        swept = [i for i, item in enumerate(items) if item.count(":") == 2]
        if len(swept) > 1 or (swept and sweep is not None):
            raise ValueError("--code: at most one LO:HI:K sweep in all codes")

        def number(item, integral=code.kind != "continuous", name=name):
            value = float(item)
            if integral and value != int(value):
                raise ValueError(f"--code: {name} takes whole numbers, got {item!r}")
            return int(value) if integral else value

        def value_of(numbers, kind=code.kind):
            return numbers[0] if kind == "categorical" else numbers

        try:
            if swept:
                lo, hi, k = items[swept[0]].split(":")
                steps = np.linspace(float(lo), float(hi), int(k))
                values = []
                for step in steps:
                    numbers = [number(str(step)) if i == swept[0] else number(item)
                               for i, item in enumerate(items)]
                    values.append(value_of(numbers))
                sweep = (name, values)
            else:
                fixed[name] = value_of([number(item) for item in items])
        except ValueError as error:
            if str(error).startswith("--code"):
                raise
            raise ValueError(f"--code: {spec!r} is not NAME=NUMBERS (comma-separated, one "
                             "may be LO:HI:K)") from error
    return fixed, sweep


def sample_to_file(model, n: int, out: str, seed: int = 0,
                   labels: Optional[np.ndarray] = None,
                   truncation: Optional[float] = None, with_noise: bool = False,
                   codes: Optional[dict] = None,
                   sweep: Optional[tuple[str, list]] = None,
                   interpolate: Optional[str] = None, steps: int = 8,
                   mix: Optional[int] = None) -> str:
    """``tfgan sample``: ``.npy`` holds the samples; ``.png`` a grid or a scatter plot.

    ``codes`` (models with latent codes): fixed code values by name; ``sweep`` =
    ``(name, values)``: one row per value of that code, the same ``n`` z in every row (a
    control grid; ``.npy`` holds [len(values), n, …]).

    ``with_noise`` (models with a noise generator, e.g. NR-GAN): ``.npy`` holds
    [3, n, …] = (clean samples, their noise, the clipped noisy samples); ``.png`` shows the
    three side by side for each sample (noise 0 = mid grey).

    ``interpolate`` = ``"z"`` or a continuous code's name: ``model.interpolate`` strips,
    one row of ``steps`` images per sample (``.npy`` holds [n, steps, …]); ``codes`` and
    ``labels`` stay fixed along each strip.

    ``mix`` = C (style models): a style-mixing grid of ``n`` × ``n`` images, image (i, j)
    with the slots before C from row i's z and the rest from column j's (``.npy`` holds
    [n, n, …]).
    """
    from tfgan_suite.viz import grids

    if not out.endswith((".npy", ".png")):
        raise ValueError(f"{argument('out')}: unsupported extension in {out!r}; accepted: "
                         ".npy, .png")
    if mix is not None:
        return _style_mix_to_file(model, n, out, seed, mix, labels=labels,
                                  truncation=truncation, with_noise=with_noise, codes=codes,
                                  sweep=sweep, interpolate=interpolate)
    if interpolate is not None:
        return _interpolation_to_file(model, n, out, seed, labels, truncation, codes, sweep,
                                      with_noise, interpolate, steps)
    if with_noise:
        if not hasattr(model, "sample_with_noise"):
            raise ValueError("--with-noise: this run's model has no noise generator "
                             "(accepted with model nrgan)")
        if labels is not None or truncation is not None:
            raise ValueError("--with-noise: cannot be combined with --labels or --truncation")
        parts = np.stack(model.sample_with_noise(n, seed=seed))
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        if out.endswith(".npy"):
            np.save(out, parts)
        else:
            triples = np.swapaxes(parts, 0, 1).reshape(-1, *parts.shape[2:])
            per_row = int(np.ceil(np.sqrt(n)))
            grids.save_image_grid(triples, out, columns=3 * per_row)
        return out
    if codes or sweep:
        rows = [model.sample(n, seed=seed, labels=labels, truncation=truncation,
                             codes=dict(codes or {}, **({sweep[0]: value} if sweep else {})))
                for value in (sweep[1] if sweep else [None])]
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        if out.endswith(".npy"):
            np.save(out, np.stack(rows) if sweep else rows[0])
        else:
            grids.save_image_grid(np.concatenate(rows), out, columns=n if sweep else None)
        return out
    samples = model.sample(n, seed=seed, labels=labels, truncation=truncation)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if out.endswith(".npy"):
        np.save(out, samples)
    elif out.endswith(".png"):
        if samples.ndim == 2:
            mix = factory.mixture(model.run_config)
            grids.save_scatter(samples, out, centers=None if mix is None else mix.centers)
        else:
            grids.save_image_grid(samples, out, columns=grids.class_row_columns(labels))
    else:
        raise ValueError(f"{argument('out')}: unsupported extension in {out!r}; accepted: "
                         ".npy, .png")
    return out


def _style_mix_to_file(model, n, out, seed, crossover, **others) -> str:
    """``sample_to_file``'s style-mixing grid."""
    from tfgan_suite.viz import grids

    if not hasattr(model, "style_mix"):
        raise ValueError("--mix: this run's model has no style slots (accepted with model "
                         "stylegan, stylegan2)")
    given = sorted(name for name, value in others.items()
                   if value is not None and value is not False
                   and not (isinstance(value, dict) and not value))
    if given:
        raise ValueError(f"--mix: cannot be combined with {', '.join(given)}")
    grid = model.style_mix(n, n, crossover, seed=seed)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if out.endswith(".npy"):
        np.save(out, grid)
    else:
        grids.save_image_grid(grid.reshape(-1, *grid.shape[2:]), out, columns=n)
    return out


def _interpolation_to_file(model, n, out, seed, labels, truncation, codes, sweep,
                           with_noise, along, steps) -> str:
    """``sample_to_file``'s interpolation strips."""
    from tfgan_suite.viz import grids

    if sweep is not None or with_noise:
        raise ValueError("--interpolate: cannot be combined with a --code sweep or "
                         "--with-noise")
    if along == "z":
        options = {} if not codes else {"codes": codes}
    elif along == "w" and hasattr(model, "style_mix"):
        options = {"along": "w"}
    elif not getattr(model, "code_width", 0):
        accepted = "z, w" if hasattr(model, "style_mix") else "z"
        raise ValueError(f"--interpolate: this run's model has no latent codes; accepted: "
                         f"{accepted}, got {along!r}")
    else:
        options = {"codes": codes, "along": along}
    strips = model.interpolate(n, steps, seed=seed, labels=labels, truncation=truncation,
                               **options)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if out.endswith(".npy"):
        np.save(out, strips)
    elif strips.ndim != 5:
        raise ValueError("--interpolate: strips are drawn for image models; write .npy for "
                         "2-D samples")
    else:
        grids.save_image_grid(strips.reshape(-1, *strips.shape[2:]), out, columns=steps)
    return out


def read_images(source: str, shape=None, what: str = "", field: str = "--in"
                ) -> tuple[list[str], np.ndarray]:
    """Every image file ``source`` names (a file, or a directory's image files in sorted
    order) as float32 [N, H, W, C] in [−1, 1], with their paths. With ``shape`` (H, W, C;
    grayscale: one channel, RGB: three) each must have exactly that shape (``what`` names
    the consumer in the error, e.g. "this run's a2b translator"); without, all one shape."""
    from PIL import Image

    from tfgan_suite.data.sources import _IMAGE_EXTENSIONS as image_files

    if os.path.isdir(source):
        paths = [os.path.join(source, name) for name in sorted(os.listdir(source))
                 if name.lower().endswith(image_files) and not name.startswith(".")]
        if not paths:
            raise ValueError(f"{field}: {source} holds no image files "
                             f"({', '.join(image_files)})")
    elif os.path.isfile(source):
        paths = [source]
    else:
        raise FileNotFoundError(f"{field}: {source} is neither an image file nor a directory")
    images = []
    expected = None if shape is None else tuple(int(d) for d in shape)
    for path in paths:
        with Image.open(path) as image:
            grey = image.mode in ("1", "L", "LA", "I", "I;16")
            array = np.asarray(image.convert("L" if grey else "RGB"), np.float32)
        array = array[..., None] if array.ndim == 2 else array
        expected = expected or array.shape  # without a shape: the first file's
        if array.shape != expected:
            wanted = (f"{expected[0]}x{expected[1]} images with {expected[2]} channel(s) "
                      f"({'grayscale' if expected[2] == 1 else 'RGB'})")
            rule = (f"{what} takes {wanted}" if shape is not None else
                    f"one request takes images of one shape, and "
                    f"{os.path.basename(paths[0])} makes it {wanted}")
            raise ValueError(f"{field}: {os.path.basename(path)} is {array.shape[0]}x"
                             f"{array.shape[1]} with {array.shape[2]} channel(s); {rule}")
        images.append(array / 127.5 - 1.0)
    return paths, np.stack(images)


def calibration_images(model, direction: str, n: int = 100) -> np.ndarray:
    """The first ``n`` training images of ``direction``'s source domain, at the run's
    image size: int8 calibration of a TFLite translator."""
    model.translator(direction)  # a direction the model has, or a one-line error
    a, b = factory.domain_images(model.run_config, "train", n)
    return a if direction == "a2b" else b


def translate_files(model, direction: str, source: str, out: str) -> list[str]:
    """``tfgan translate``: every image file ``source`` names (a file, or a directory's
    image files in sorted order) translated by ``model`` in ``direction``, written as PNGs
    of the same names into the directory ``out``. Inputs must have the translator's exact
    size and channel count (grayscale: one channel; RGB: three)."""
    from PIL import Image

    network = model.translator(direction)
    shape = tuple(int(d) for d in network.inputs[0].shape[1:])
    channels = shape[-1]
    paths, images = read_images(source, shape, f"this run's {direction} translator")
    outputs = model.translate(images, direction)
    os.makedirs(out, exist_ok=True)
    written = []
    for path, output in zip(paths, outputs, strict=True):
        pixels = np.clip(np.rint((output + 1.0) * 127.5), 0, 255).astype(np.uint8)
        target = os.path.join(out, os.path.splitext(os.path.basename(path))[0] + ".png")
        Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(target)
        written.append(target)
    return written


def evaluation_path(run_dir: str, out: Optional[str] = None) -> str:
    """Where ``evaluate_run`` writes: ``out`` or ``<run>/metrics.json``."""
    return out or os.path.join(run_dir, "metrics.json")


def _merge_into_json(path: str, key: str, value: dict) -> None:
    """Sets ``key`` of the JSON object in ``path`` (created if missing), keeping the rest."""
    existing: dict = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            existing = json.load(handle)
        if not isinstance(existing, dict):
            raise ValueError(f"{argument('out')}: {path} holds JSON that is not an object; "
                             f"choose another file")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(existing | {key: value}, handle, indent=2, default=_json_default)
    os.replace(temporary, path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def evaluate_run(run_dir: str, n: int = 10000, out: Optional[str] = None, seed: int = 0,
                 classifier=None, groups: Optional[Sequence[str]] = None,
                 checkpoint: str = "auto") -> dict:
    """Evaluates a checkpoint of ``run_dir`` (``tfgan eval``): the latest, or the kept best
    when the run sets ``eval.keep_best`` (``checkpoint``: ``load_run``'s choices).

    Args:
        run_dir: a run directory written by ``train``.
        n: generated samples (image runs: and real test images, both ``min(n, test size)``).
        out: JSON file to merge the result into under ``"evaluation"``; default
            ``<run>/metrics.json`` (its training summary is kept).
        seed: sampling seed.
        classifier: image runs: a ``DomainClassifier`` to use instead of the cached one.
        groups: metric groups (``evaluation.Evaluator.groups``; default all but ``gan_train``).
        checkpoint: ``"auto"``, ``"best"`` or ``"latest"`` (``load_run``).

    Returns:
        dict with ``metrics`` (flat names, see the module docstring), the reference
        (``kind``, ``dataset``, sample counts, ``feature_extractor``), ``step`` and
        ``seconds``.
    """
    started = time.monotonic()
    model = load_run(run_dir, checkpoint=checkpoint)
    evaluator = make_evaluator(model.run_config, n=n, seed=seed, classifier=classifier,
                               facts=model.run_facts)
    metrics = evaluator.evaluate(model, groups)
    result = evaluator.describe() | {
        "run": os.path.abspath(run_dir), "step": int(model.step_counter.numpy()),
        "checkpoint": model.loaded_checkpoint["kind"],
        "metrics": metrics, "seconds": round(time.monotonic() - started, 2)}
    _merge_into_json(evaluation_path(run_dir, out), "evaluation", result)
    return result


def is_speech_run(run: str) -> bool:
    """Whether ``run`` converts speech: a baseline converter (``converter.json``) or a
    trained conversion model's run (``speakers.json``)."""
    return conversion.is_converter_run(run) or os.path.isfile(
        os.path.join(run, voice_training.STATISTICS_FILE))


def speech_converter(run: str, checkpoint: str = "auto") -> tuple:
    """(converter, record) of a speech run: a baseline's saved converter, or the run's
    trained model with its speakers' statistics (``conversion.ModelConverter``); the record
    names the ``corpus`` and ``subset`` (and, for a model, the ``step``)."""
    if conversion.is_converter_run(run):
        return conversion.load_converter(run)
    statistics, record = voice_training.read_statistics(run)
    model = load_run(run, checkpoint=checkpoint)
    if not callable(getattr(model, "converter", None)):
        raise ValueError(f"--run: {run} holds a postfilter ({model.run_config['model']}), "
                         "which converts no speaker; use tfgan postfilter --run RUN")
    converter = conversion.ModelConverter(model, statistics,
                                          name=f"{model.run_config['model']} step "
                                               f"{int(model.step_counter.numpy())}")
    return converter, record | {"step": int(model.step_counter.numpy()),
                                "checkpoint": model.loaded_checkpoint["kind"]}


def is_postfilter_run(run: str) -> bool:
    """Whether ``run`` holds a postfilter (``ganpf``, ``ganpf_stft``): a paired model's data
    record (``pairs.json``) and a model that converts no speaker."""
    if not os.path.isfile(os.path.join(run, voice_training.PAIRS_FILE)):
        return False
    model_cls = factory.GANS.get(config_lib.load(os.path.join(run, "config.yaml"), [])["model"])
    return not callable(getattr(model_cls, "converter", None))


def load_postfilter(run: str, checkpoint: str = "auto",
                    seed: int = 0) -> postfiltering.Postfilter:
    """The ``postfiltering.Postfilter`` of a postfilter run (its model and data record)."""
    if not is_postfilter_run(run):
        raise ValueError(f"--run: {run} is not a postfilter run (ganpf, ganpf_stft: no "
                         f"{voice_training.PAIRS_FILE}, or a model that converts speakers)")
    return postfiltering.Postfilter(load_run(run, checkpoint=checkpoint),
                                    voice_training.read_pair_statistics(run), seed=seed)


def evaluate_postfilter_run(run: str, out: Optional[str] = None,
                            checkpoint: str = "auto") -> dict:
    """``postfiltering.evaluate`` of a postfilter run on its hidden test pairs, merged into
    ``metrics.json`` (or ``out``) under ``postfilter_evaluation``."""
    result = postfiltering.evaluate(load_postfilter(run, checkpoint=checkpoint))
    _merge_into_json(evaluation_path(run, out), "postfilter_evaluation", result)
    return result


def summary_line(result: dict) -> str:
    """One line for the terminal: the headline metrics of an ``evaluate_run`` result."""
    shown = [(k, v) for k, v in result["metrics"].items() if isinstance(v, (int, float))]
    text = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown)
    extractors = result.get("feature_extractors") or (
        {"": result["feature_extractor"]} if result.get("feature_extractor") else {})
    if extractors:
        text += " [features: " + "; ".join(
            f"{e['name']}, test accuracy {e['test_accuracy']:.4f}"
            for e in extractors.values()) + "]"
    return f"{result['dataset']} step {result['step']}: {text}"

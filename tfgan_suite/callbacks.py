"""Training callbacks: sample grids, checkpoints, step/time limits, a non-finite guard and
the progress bar; ``for_optimizer``, which narrows a Keras callback to one of a GAN's two
optimizers.

Order matters when they are combined (``runs.train`` does it): the guard runs first so a
checkpoint is never written from NaN weights.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.checkpoints import (  # noqa: F401 - part of this module's API
    Checkpoints,
    GracefulStop,
    TrainingInterrupted,
)
from tfgan_suite.gans import keras_view
from tfgan_suite.viz import grids


def _step(model) -> int:
    return int(model.step_counter.numpy())


class NonFiniteGuard(keras.callbacks.Callback):
    """Stops training as soon as a logged loss is NaN/Inf; ``message`` names step and loss."""

    def __init__(self):
        super().__init__()
        self.message: Optional[str] = None

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            if not np.all(np.isfinite(np.asarray(value, dtype=np.float64))):
                self.message = (f"non-finite {name}={float(np.asarray(value))!r} at step "
                                f"{_step(self.model)}; training stopped, the last checkpoint "
                                f"holds the last finite weights")
                self.model.stop_training = True
                return

    def trip(self, message: str) -> None:
        self.message = message
        self.model.stop_training = True

    @property
    def tripped(self) -> bool:
        return self.message is not None


class TrainingClock:
    """Wall clock of training that can be paused: evaluations run during training (quality
    curves) are not training time, so they do not eat into ``train.max_minutes``."""

    def __init__(self):
        self._start: Optional[float] = None
        self._pause_began: Optional[float] = None
        self.paused_seconds = 0.0

    def start(self) -> None:
        self._start = time.monotonic()
        self.paused_seconds = 0.0

    def elapsed(self) -> float:
        """Seconds since ``start`` minus the seconds spent ``paused`` (0 before start);
        constant while paused."""
        if self._start is None:
            return 0.0
        now = time.monotonic() if self._pause_began is None else self._pause_began
        return now - self._start - self.paused_seconds

    @contextlib.contextmanager
    def paused(self):
        if self._pause_began is not None:  # nested: the outer pause already counts
            yield
            return
        self._pause_began = time.monotonic()
        try:
            yield
        finally:
            self.paused_seconds += time.monotonic() - self._pause_began
            self._pause_began = None


class StopAt(keras.callbacks.Callback):
    """Stops after ``steps`` generator updates in total, or ``max_minutes`` of training time
    (wall clock from the start of ``fit``, less the time ``clock`` was paused)."""

    def __init__(self, steps: int, max_minutes: Optional[float] = None,
                 clock: Optional[TrainingClock] = None):
        super().__init__()
        self.steps = steps
        self.max_seconds = None if max_minutes is None else 60.0 * max_minutes
        self.clock = clock or TrainingClock()
        self.stopped_by_time = False

    def on_train_begin(self, logs=None):
        self.clock.start()

    def on_train_batch_end(self, batch, logs=None):
        if _step(self.model) >= self.steps:
            self.model.stop_training = True
        elif self.max_seconds is not None and self.clock.elapsed() > self.max_seconds:
            self.stopped_by_time = True
            self.model.stop_training = True


class StepProgress(keras.callbacks.Callback):
    """The progress bar of ``runs.train``: per epoch, the generator steps done (read from
    ``model.step_counter``), a bar, the epoch's time and the time per step, and the logs.

    Keras's own bar (``ProgbarLogger``) shows the index ``fit`` hands its callbacks and
    leaves step 1 out of its time per step, a step it never sees when
    ``steps_per_execution`` > 1: the first execution's tracing and XLA compilation then
    weigh on every step's time (several times the real one). This bar counts the model's
    own steps, and times them from the end of the fit's first execution (in its first
    epoch) or from the epoch's start (later epochs).

    Args:
        stream: where the bar goes (default ``sys.stdout``).
        interactive: redraw one line in place (at most every ``refresh_seconds``) and end it
            at the epoch's end; False writes one line per epoch, for log files. Default:
            whether ``stream`` is a terminal.
        clock: seconds, monotonic (tests pass a fake).
    """

    BAR_WIDTH = 30

    def __init__(self, stream=None, interactive: Optional[bool] = None,
                 refresh_seconds: float = 0.1, clock=time.monotonic):
        super().__init__()
        self.stream = stream
        self.interactive = interactive
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self._fit_timed_from: Optional[tuple[float, int]] = None  # end of 1st execution
        self._epoch: Optional[dict] = None

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_train_begin(self, logs=None):
        if self.interactive is None:
            self.interactive = bool(getattr(self._out(), "isatty", lambda: False)())
        self._fit_timed_from = None

    def on_epoch_begin(self, epoch, logs=None):
        now, step = self.clock(), _step(self.model)
        self._epoch = {"index": epoch, "start": now, "first_step": step, "step": step,
                       "timed_from": (now, step) if self._fit_timed_from else None,
                       "drawn": None, "width": 0, "logs": {}}

    def on_train_batch_end(self, batch, logs=None):
        now, step = self.clock(), _step(self.model)
        epoch = self._epoch
        epoch["step"], epoch["logs"] = step, dict(logs or {})
        if self._fit_timed_from is None:  # the fit's first execution traced and compiled
            self._fit_timed_from = epoch["timed_from"] = (now, step)
        if self.interactive and (epoch["drawn"] is None
                                 or now - epoch["drawn"] >= self.refresh_seconds):
            self._draw(now, end="")
            epoch["drawn"] = now

    def on_epoch_end(self, epoch, logs=None):
        if self._epoch is not None:
            self._draw(self.clock(), end="\n")
            self._epoch = None

    def on_train_end(self, logs=None):
        self.on_epoch_end(None)  # an epoch a stop or an error left open

    def line(self, now: float) -> str:
        """The bar's current text, e.g. ``Epoch 2/40 500/500 [====…] 41s 82ms/step - d_loss:
        1.2345 - g_loss: 0.6789``."""
        epoch = self._epoch
        target = self.params.get("steps")
        done = epoch["step"] - epoch["first_step"]
        text = f"Epoch {epoch['index'] + 1}/{self.params.get('epochs')} "
        if target:
            filled = min(self.BAR_WIDTH, self.BAR_WIDTH * done // target)
            text += f"{done}/{target} [{'=' * filled}{'.' * (self.BAR_WIDTH - filled)}]"
        else:
            text += f"{done} steps"
        text += f" {now - epoch['start']:.0f}s"
        if epoch["timed_from"] is not None and epoch["step"] > epoch["timed_from"][1]:
            since, from_step = epoch["timed_from"]
            text += f" {1000.0 * (now - since) / (epoch['step'] - from_step):.0f}ms/step"
        for name, value in epoch["logs"].items():
            text += f" - {name}: {float(np.mean(np.asarray(value, np.float64))):.4f}"
        return text

    def _draw(self, now: float, end: str) -> None:
        text = self.line(now)
        out = self._out()
        if self.interactive:
            # Back to the line's start; blanks clear what a longer previous text left.
            out.write("\r" + text + " " * max(0, self._epoch["width"] - len(text)) + end)
            self._epoch["width"] = len(text)
        elif end:
            out.write(text + end)
        out.flush()


class SampleGrid(keras.callbacks.Callback):
    """Writes ``samples/step_XXXXXXX.png`` (image grid or toy scatter) from a fixed seed at
    each epoch end and logs it to TensorBoard as an image.

    Args:
        directory: where PNGs go.
        n: number of samples (images: a square number gives a square grid).
        seed: the fixed sampling seed, so grids show the same z over training.
        centers: toy mixtures' mode centres (draws a scatter plot instead of a grid).
        log_dir: TensorBoard directory for the image summaries (None disables them).
        labels: for conditional models, the labels of the grid's samples (then ``n`` is
            their number; a grid row per class when they are sorted by class).
        sources: for translation models, the (a, b) images whose translations the grid
            shows (``model.translation_rows``: one row each of sources and translations).
    """

    def __init__(self, directory: str, n: int = 64, seed: int = 0,
                 centers: Optional[np.ndarray] = None, log_dir: Optional[str] = None,
                 labels: Optional[np.ndarray] = None, sources: Optional[tuple] = None):
        super().__init__()
        self.directory = directory
        self.n = n if labels is None else len(labels)
        self.seed = seed
        self.centers = centers
        self.labels = labels
        self.sources = sources
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None
        self.last_path: Optional[str] = None

    def write(self, step: int) -> str:
        path = os.path.join(self.directory, f"step_{step:07d}.png")
        if self.sources is not None:
            rows = self.model.translation_rows(*self.sources)
            grids.save_image_grid(np.concatenate(rows), path, columns=len(rows[0]))
        else:
            samples = self.model.sample(self.n, seed=self.seed, labels=self.labels)
            if samples.ndim == 2:
                grids.save_scatter(samples, path, centers=self.centers, title=f"step {step}")
            else:
                grids.save_image_grid(samples, path,
                                      columns=grids.class_row_columns(self.labels))
        if self.writer is not None:
            with self.writer.as_default():
                tf.summary.image("samples", grids.figure_to_array(path)[None], step=step)
            self.writer.flush()
        self.last_path = path
        return path

    def on_epoch_end(self, epoch, logs=None):
        self.write(_step(self.model))

    def on_train_end(self, logs=None):
        # Keras skips on_epoch_end when training stops mid-epoch; always end with a grid.
        step = _step(self.model)
        if self.last_path is None or not self.last_path.endswith(f"step_{step:07d}.png"):
            self.write(step)


def hparams_of(config: dict) -> dict:
    """The config flattened to ``{"section.field": value}`` with TensorBoard's hparam types
    (bool, int, float, str): lists and mappings become their compact YAML-ish text, None
    becomes ``"null"``."""
    flat = {}

    def walk(node, prefix):
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict) and value:
                walk(value, name + ".")
            elif value is None:
                flat[name] = "null"
            elif isinstance(value, (bool, int, float, str)):
                flat[name] = value
            else:
                flat[name] = str(value)

    walk(config, "")
    return flat


class RunSummaries(keras.callbacks.Callback):
    """TensorBoard summaries that describe the run, in ``log_dir`` (the run's ``logs/``).

    - at the start: the resolved config as a text summary (``config``, YAML) and the
      hparams plugin's session (``hparams_of(config)``; the trial id is the run's name);
    - at each epoch end: ``lr/d`` and ``lr/g``, the optimizers' current learning rates;
    - at the end: ``final/<metric>`` for each metric of the last epoch's logs, and the hparams
      plugin's experiment (every hparam and those final metrics, plus ``eval/<metric>``
      of the ``eval`` group when ``evaluation``, the run's ``EvaluationCallback``, has
      evaluated; place this callback after it).

    Image grids per epoch are ``SampleGrid``'s (``logs/samples``).
    """

    def __init__(self, log_dir: str, config: dict, trial_id: str = "run", evaluation=None):
        super().__init__()
        self.log_dir = log_dir
        self.config = config
        self.trial_id = trial_id
        self.evaluation = evaluation
        self.writer = tf.summary.create_file_writer(log_dir)

    def on_train_begin(self, logs=None):
        import yaml
        from tensorboard.plugins.hparams import api as hp

        step = _step(self.model)
        text = yaml.safe_dump(self.config, sort_keys=False)
        with self.writer.as_default():
            tf.summary.text("config", "```\n" + text + "```", step=step)
            hp.hparams(hparams_of(self.config), trial_id=self.trial_id)
        self.writer.flush()

    def _learning_rates(self) -> dict:
        rates = {}
        for name in ("d", "g"):
            optimizer = getattr(self.model, f"{name}_optimizer", None)
            if optimizer is not None:
                rates[name] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        return rates

    def on_epoch_end(self, epoch, logs=None):
        step = _step(self.model)
        with self.writer.as_default():
            for name, rate in self._learning_rates().items():
                tf.summary.scalar(f"lr/{name}", rate, step=step)
        self.writer.flush()

    def _eval_names(self) -> list:
        history = getattr(self.evaluation, "history", None)
        if not history:
            return []
        return [name for name in history[-1]
                if name not in ("step", "epoch", "train_seconds")]

    def on_train_end(self, logs=None):
        from tensorboard.plugins.hparams import api as hp

        step = _step(self.model)
        # From Keras's logs, not ``metric.result()``: under a multi-worker strategy reading a
        # metric is a collective that every worker must join, and only the chief runs this.
        finals = {f"final/{name}": float(value) for name, value in (logs or {}).items()
                  if np.ndim(value) == 0}
        flat = hparams_of(self.config)
        with self.writer.as_default():
            for tag, value in finals.items():
                if np.isfinite(value):
                    tf.summary.scalar(tag, value, step=step)
            hp.hparams_config(
                hparams=[hp.HParam(name) for name in flat],
                metrics=[hp.Metric(tag) for tag in finals]
                + [hp.Metric(f"eval/{name}", group="eval") for name in self._eval_names()])
        self.writer.flush()


class _OneOptimizerModel:
    """A model as one callback sees it: ``optimizer`` is one of the pair; everything else
    (``stop_training``, ``metrics``, weights) is the model's."""

    def __init__(self, model: keras.Model, name: str):
        object.__setattr__(self, "_model", model)
        object.__setattr__(self, "_name", name)

    @property
    def optimizer(self) -> keras_view.NamedOptimizer:
        pair = self._model.optimizer
        if not isinstance(pair, keras_view.OptimizerPair):
            raise ValueError("for_optimizer: the callback's model is not a compiled "
                             "AdversarialModel (model.optimizer is not an optimizer pair)")
        return pair.get(self._name)

    def __getattr__(self, attribute):
        return getattr(self._model, attribute)

    def __setattr__(self, attribute, value) -> None:
        setattr(self._model, attribute, value)


class _ForOptimizer(keras.callbacks.Callback):
    """Runs ``callback`` with ``model.optimizer`` narrowed to one optimizer of the pair."""

    def __init__(self, name: str, callback: keras.callbacks.Callback):
        super().__init__()
        if name not in keras_view.OPTIMIZER_NAMES:
            raise ValueError(f"for_optimizer: unknown optimizer {name!r}; accepted: "
                             f"{', '.join(keras_view.OPTIMIZER_NAMES)}")
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(f"for_optimizer: expected a keras.callbacks.Callback, got "
                            f"{type(callback).__name__}")
        self.name = name
        self.callback = callback

    def set_model(self, model) -> None:
        super().set_model(model)
        self.callback.set_model(_OneOptimizerModel(model, self.name))

    def set_params(self, params) -> None:
        super().set_params(params)
        self.callback.set_params(params)

    def __getattribute__(self, attribute):
        # Forward every ``on_*`` hook (Keras calls them by name) to the wrapped callback.
        if attribute.startswith("on_") or attribute.startswith("_implements_"):
            return getattr(object.__getattribute__(self, "callback"), attribute)
        return object.__getattribute__(self, attribute)


def for_optimizer(name: str, callback: keras.callbacks.Callback) -> keras.callbacks.Callback:
    """``callback`` acting on one optimizer of an ``AdversarialModel``.

    Built-in learning-rate callbacks act on both optimizers (each in turn); wrap one to act
    on ``"discriminator"`` or ``"generator"`` only::

        model.fit(data, epochs=10, callbacks=[
            for_optimizer("generator", keras.callbacks.LearningRateScheduler(
                lambda epoch, rate: rate * 0.9))])
    """
    return _ForOptimizer(name, callback)

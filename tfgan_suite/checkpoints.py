"""A GAN's checkpoints: what one holds, writing one without losing the last, finding the
newest one that is whole, and the callbacks of ``fit`` that write them (``Checkpoints``) and
stop on a signal with one written (``GracefulStop``; both also in ``callbacks``).

A checkpoint holds the model's variables (both networks, the EMA copy, the step counter,
any state a family keeps in variables such as CycleGAN's image pools) and both optimizers
(``checkpoint_of``). A ``tf.train.CheckpointManager`` keeps them as ``ckpt-<step>.index``
and ``ckpt-<step>.data-*`` beside the ``checkpoint`` index file: every checkpoint is named
by the step it was taken at.

Writing (``save``): the manager writes the data files first and replaces the index last
(atomically), so a crash, a second signal or a full disk during a write leaves the previous
checkpoint the latest one. A write that fails raises ``CheckpointWriteError`` naming the
step, the cause and the checkpoint that is still whole; nothing is deleted.

Reading (``restore_newest_valid``): the checkpoints in the directory, newest first. One is
valid when every tensor in it reads back (the bundle format checks each tensor's CRC32C),
it restores onto the model with every variable matched, and the step counter it restores
equals the step in its name. A damaged one is set aside — its files moved into
``damaged/`` beside the others, never deleted — with one line on stderr, and the next
older one is tried; when none is valid, ``NoValidCheckpoint`` says so.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import sys
import threading
import time
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite.arguments import argument

#: Where damaged checkpoints are moved, inside the checkpoint directory.
DAMAGED = "damaged"
_NAME = re.compile(r"ckpt-(\d+)$")


class CheckpointWriteError(OSError):
    """A checkpoint could not be written (a full disk, a storage error); the previous one
    is intact and still the latest."""


class NoValidCheckpoint(ValueError):
    """The run's checkpoints are all damaged (each was set aside)."""


def checkpoint_of(model) -> tf.train.Checkpoint:
    """The ``tf.train.Checkpoint`` of a compiled GAN: the model and both optimizers."""
    return tf.train.Checkpoint(model=model, d_optimizer=model.d_optimizer,
                               g_optimizer=model.g_optimizer)


def step_of(path: str) -> Optional[int]:
    """The step in a checkpoint prefix's name (``…/ckpt-1200`` → 1200), else None."""
    match = _NAME.search(path)
    return None if match is None else int(match.group(1))


def save(manager: tf.train.CheckpointManager, step: int) -> str:
    """Writes the checkpoint of ``step`` through ``manager``; its prefix.

    Raises:
        CheckpointWriteError: the write failed; the message names the step, the cause and
            the checkpoint still in place.
    """
    try:
        return manager.save(checkpoint_number=step)
    except (OSError, tf.errors.OpError) as error:
        previous = manager.latest_checkpoint
        cause = getattr(error, "message", None) or getattr(error, "strerror", None) or error
        kept = (f"{os.path.basename(previous)} (step {step_of(previous)}) is intact"
                if previous else "no earlier checkpoint exists")
        raise CheckpointWriteError(
            f"could not write the checkpoint of step {step} in {manager.directory}: "
            f"{str(cause).splitlines()[0]}; {kept}") from error


def candidates(directory: str) -> list[str]:
    """Checkpoint prefixes in ``directory``, newest step first: those the index lists and
    those whose ``.index`` file is there (an index file that cannot be read is skipped)."""
    prefixes = {p[:-len(".index")] for p in glob.glob(os.path.join(directory, "ckpt-*.index"))}
    try:
        state = tf.train.get_checkpoint_state(directory)
    except (tf.errors.OpError, ValueError):  # a damaged index file: the globbed ones remain
        state = None
    if state is not None:
        for path in state.all_model_checkpoint_paths:
            prefixes.add(path if os.path.isabs(path) else os.path.join(directory, path))
    return sorted((p for p in prefixes if step_of(p) is not None), key=step_of, reverse=True)


def _first_line(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text.strip().splitlines()[0]


def _why_invalid(checkpoint: tf.train.Checkpoint, prefix: str, model) -> Optional[str]:
    """None when ``prefix`` restores whole onto ``checkpoint`` (see the module docstring),
    else why it is damaged, in one line.

    Raises:
        ValueError: its files are whole but it does not fit the model (another network or
            size than the run was trained with): not damage, so nothing is set aside.
    """
    try:
        reader = tf.train.load_checkpoint(prefix)
        for key in reader.get_variable_to_dtype_map():
            reader.get_tensor(key)  # reads every tensor: truncation and CRC errors show here
    except Exception as error:  # noqa: BLE001 - the reader raises several kinds (IndexError…)
        return _first_line(error)
    try:
        checkpoint.restore(prefix).assert_existing_objects_matched()
    except (tf.errors.OpError, AssertionError, ValueError) as error:
        raise ValueError(f"checkpoint {prefix} is whole but does not fit the model built "
                         f"from the run's config ({_first_line(error)}); resume without "
                         f"overrides that change the networks") from None
    restored = int(model.step_counter.numpy())
    if restored != step_of(prefix):
        return f"its step counter is {restored}, not the {step_of(prefix)} of its name"
    return None


def set_aside(prefix: str) -> str:
    """Moves a checkpoint's files into ``damaged/`` beside it (never deletes); the folder."""
    target = os.path.join(os.path.dirname(prefix), DAMAGED)
    os.makedirs(target, exist_ok=True)
    for path in glob.glob(glob.escape(prefix) + ".*"):
        destination = os.path.join(target, os.path.basename(path))
        suffix = 1
        while os.path.exists(destination):  # an earlier damaged file of the same name
            destination = os.path.join(target, f"{os.path.basename(path)}.{suffix}")
            suffix += 1
        shutil.move(path, destination)
    return target


def _write_index(directory: str, prefixes: list[str]) -> None:
    """Rewrites the ``checkpoint`` index (a ``CheckpointState`` text proto) to list
    ``prefixes``, oldest first, the last one the latest; atomically."""
    names = [os.path.basename(p) for p in prefixes]
    text = f'model_checkpoint_path: "{names[-1]}"\n' + "".join(
        f'all_model_checkpoint_paths: "{name}"\n' for name in names)
    path = os.path.join(directory, "checkpoint")
    with open(path + ".tmp", "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(path + ".tmp", path)


def restore_newest_valid(checkpoint: tf.train.Checkpoint, directory: str, model,
                         set_aside_damaged: bool = True, stream=None) -> Optional[str]:
    """Restores the newest valid checkpoint of ``directory`` onto ``checkpoint`` (whose
    ``model`` has a ``step_counter``); its prefix, or None when the directory has none.

    Damaged ones (module docstring) are set aside with one line each on ``stream``
    (stderr), and the index rewritten to list the valid ones, when ``set_aside_damaged``
    (the chief; other workers of a multi-worker job only skip them).

    Raises:
        NoValidCheckpoint: checkpoints exist and none is valid.
    """
    stream = stream or sys.stderr
    found = candidates(directory)
    damaged = []
    for position, prefix in enumerate(found):
        reason = _why_invalid(checkpoint, prefix, model)
        if reason is None:
            if damaged and set_aside_damaged:
                _write_index(directory, list(reversed(found[position:])))
            return prefix
        damaged.append(prefix)
        where = set_aside(prefix) if set_aside_damaged else None
        print(f"tfgan: checkpoint {os.path.basename(prefix)} is damaged ({reason}); "
              + (f"set aside in {where}; " if where else "skipped; ")
              + "trying the previous one", file=stream, flush=True)
    if damaged:
        raise NoValidCheckpoint(
            f"no valid checkpoint in {directory}: all {len(damaged)} are damaged"
            + (f" (set aside in {os.path.join(directory, DAMAGED)})" if set_aside_damaged
               else "") + "; start a new run in another directory")
    return None


class Checkpoints(keras.callbacks.Callback):
    """Checkpoints the GAN ``fit`` trains (``checkpoint_of``: both networks, both
    optimizers, the step counter) at each epoch end, at the end of training, and — to bound
    what a kill costs — every ``every_steps`` steps and/or ``every_minutes`` minutes of wall
    clock (checked after each execution of ``steps_per_execution`` steps).

    ``directory`` is a folder (a ``tf.train.CheckpointManager`` keeping ``max_to_keep``
    checkpoints is made there) or a manager. A checkpoint is named by its step and written
    as ``save`` does: a failed write raises ``CheckpointWriteError`` with the previous
    checkpoint intact. With ``guard`` (``callbacks.NonFiniteGuard``), nothing is saved once
    it tripped; non-finite weights are never saved (the guard is tripped instead). Resume with
    ``restore_newest_valid``.
    """

    def __init__(self, directory: str | tf.train.CheckpointManager,
                 guard=None, every_steps: Optional[int] = None,
                 every_minutes: Optional[float] = None, max_to_keep: int = 3):
        super().__init__()
        for name, value in (("every_steps", every_steps), ("every_minutes", every_minutes),
                            ("max_to_keep", max_to_keep)):
            if value is not None and not value > 0:
                raise ValueError(f"{argument(name)}: must be > 0 (or None), got {value!r}")
        self.manager = directory if isinstance(directory, tf.train.CheckpointManager) else None
        self.directory = self.manager.directory if self.manager else directory
        self.guard = guard
        self.every_steps = every_steps
        self.every_seconds = None if every_minutes is None else 60.0 * every_minutes
        self.max_to_keep = max_to_keep
        self._last_saved: Optional[int] = None
        self._saved_at = time.monotonic()

    def set_model(self, model) -> None:
        super().set_model(model)
        if self.manager is None:
            self.manager = tf.train.CheckpointManager(checkpoint_of(model),
                                                      self.directory, self.max_to_keep)

    @property
    def last_saved_step(self) -> Optional[int]:
        """The step of the last checkpoint this callback wrote (None before the first)."""
        return self._last_saved

    def save(self) -> Optional[str]:
        """Writes the current step's checkpoint unless written already; its prefix, or None
        when nothing was written (the guard tripped, non-finite weights, already saved)."""
        if self.guard is not None and self.guard.tripped:
            return None
        step = int(self.model.step_counter.numpy())
        if not all(np.all(np.isfinite(w)) for w in self.model.get_weights()):
            if self.guard is not None:
                self.guard.trip(f"non-finite weights at step {step}; not checkpointed")
            return None
        if step == self._last_saved:
            return None
        refresh = getattr(self.model, "refresh_standing_statistics", None)
        if refresh is not None:  # checkpoints hold current standing statistics
            refresh()
        path = save(self.manager, step)
        self._last_saved, self._saved_at = step, time.monotonic()
        return path

    def on_train_begin(self, logs=None):
        self._saved_at = time.monotonic()
        if self._last_saved is None:  # a resumed run's restored step counts as saved
            self._last_saved = int(self.model.step_counter.numpy())

    def on_train_batch_end(self, batch, logs=None):
        # After every execution: read the step only when a steps bound asks for it.
        if (self.every_seconds is not None
                and time.monotonic() - self._saved_at >= self.every_seconds) or (
                self.every_steps is not None and self._last_saved is not None
                and int(self.model.step_counter.numpy()) - self._last_saved
                >= self.every_steps):
            self.save()

    def on_epoch_end(self, epoch, logs=None):
        self.save()

    def on_train_end(self, logs=None):
        self.save()


class TrainingInterrupted(SystemExit):
    """Training stopped on a signal after writing its checkpoint (``GracefulStop``).

    A ``SystemExit`` whose exit status is the shell's for a process the signal ended,
    128 + its number (143 for SIGTERM, 130 for SIGINT): uncaught, the script exits with it
    (and no traceback); ``str()`` is the one line that says where to resume."""

    def __init__(self, signum: int, step: int, checkpoint: Optional[str],
                 resume: Optional[str] = None):
        super().__init__(128 + signum)
        self.signum, self.step, self.checkpoint = signum, step, checkpoint
        name = signal.Signals(signum).name
        where = (f"resume with: {resume}" if resume
                 else f"the checkpoint {checkpoint} holds it" if checkpoint
                 else "no checkpoint was written (no Checkpoints callback in this fit)")
        self.message = f"stopped by {name} at step {step}; {where}"

    def __str__(self) -> str:
        return self.message


class GracefulStop(keras.callbacks.Callback):
    """Turns SIGTERM and SIGINT (a preemptible VM, a scheduler, Ctrl-C) during ``fit`` into
    a clean stop: the current execution finishes, ``fit`` ends (its ``Checkpoints``
    callback writes the current step), and ``AdversarialModel.fit`` then raises
    ``TrainingInterrupted`` (one line on stderr when ``announce``; exit status 143 / 130).

    After the first signal, both go back to the system's default action, so a second one
    ends the process at once: the checkpoint being written then is incomplete, and the
    index still names the previous one (module docstring). The handlers are installed
    for the ``fit`` only, and only from the main thread (Python delivers signals there);
    elsewhere this callback does nothing.

    ``checkpoints``: the ``Checkpoints`` callback that writes the stop's checkpoint (found
    among ``fit``'s callbacks when not given); ``resume``: the command the line names.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, checkpoints: Optional[Checkpoints] = None,
                 resume: Optional[str] = None, announce: bool = True):
        super().__init__()
        self.checkpoints = checkpoints
        self.resume = resume
        self.announce = announce
        self.signum: Optional[int] = None
        self.step: Optional[int] = None
        self._previous: dict = {}

    def _handle(self, signum, frame) -> None:  # noqa: ARG002 - the signal module's signature
        self.signum = signum
        for each in self.SIGNALS:
            signal.signal(each, signal.SIG_DFL)

    def install(self) -> None:
        """Installs the handlers (``fit`` does it; idempotent)."""
        if self._previous or threading.current_thread() is not threading.main_thread():
            return
        self.signum = self.step = None
        for each in self.SIGNALS:
            self._previous[each] = signal.signal(each, self._handle)

    def uninstall(self) -> None:
        """Puts back the handlers found at ``install``."""
        for each, handler in self._previous.items():
            signal.signal(each, handler)
        self._previous = {}

    def on_train_begin(self, logs=None):
        self.install()

    def on_train_batch_end(self, batch, logs=None):
        if self.signum is not None:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.signum is not None:
            self.step = int(self.model.step_counter.numpy())
            if self.checkpoints is not None:
                self.checkpoints.save()  # idempotent: already written if it ran first
        self.uninstall()

    def interruption(self) -> Optional[TrainingInterrupted]:
        """The ``TrainingInterrupted`` of the last ``fit``, or None when no signal came."""
        if self.signum is None:
            return None
        saved = None
        if self.checkpoints is not None and self.checkpoints.manager is not None:
            saved = self.checkpoints.manager.latest_checkpoint
        return TrainingInterrupted(self.signum, self.step, saved, self.resume)


__all__ = ["CheckpointWriteError", "Checkpoints", "GracefulStop", "NoValidCheckpoint",
           "TrainingInterrupted", "candidates", "checkpoint_of", "restore_newest_valid", "save",
           "set_aside", "step_of"]

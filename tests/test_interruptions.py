"""A long job's faults (issue #43): a signal stops training after the current execution
with its checkpoint written, checkpoints come every N steps or minutes, a damaged newest
checkpoint is set aside and the previous one resumed, and a full disk leaves the previous
checkpoint whole."""

import contextlib
import glob
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import types
from unittest import mock

import keras
import numpy as np
import tensorflow as tf

import tfgan_suite as tg
from tfgan_suite import callbacks as callbacks_lib
from tfgan_suite import checkpoints, cli, load_run, runs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOY = os.path.join(ROOT, "configs", "toy2d.yaml")
SMALL = ["generator.hidden_units=[16]", "discriminator.hidden_units=[16]",
         "train.jit_compile=false", "data.batch_size=32", "sample.toy_points=100",
         "train.lr_schedule=constant", "train.d_learning_rate=1e-4",
         "train.g_learning_rate=1e-4"]


@contextlib.contextmanager
def signal_at(step: int, signum: int = signal.SIGTERM):
    """Sends ``signum`` to this process once training has reached ``step`` (from the end of
    the execution that reached it, as a scheduler's signal arriving mid-step would land)."""
    original = callbacks_lib.StopAt.on_train_batch_end
    sent = []

    def on_train_batch_end(self, batch, logs=None):
        original(self, batch, logs)
        if not sent and int(self.model.step_counter.numpy()) >= step:
            sent.append(step)
            os.kill(os.getpid(), signum)

    with mock.patch.object(callbacks_lib.StopAt, "on_train_batch_end", on_train_batch_end):
        yield sent


def tiny_gan() -> tg.AdversarialModel:
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    gan = tg.AdversarialModel(generator=generator, discriminator=discriminator)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def ring(batch: int = 16):
    return tf.data.Dataset.from_tensors(tf.ones([batch, 2])).repeat()


class GracefulStopFitTest(tf.test.TestCase):
    """``model.fit`` with the package's callbacks, as a Keras user writes it."""

    def test_signal_stops_after_its_step_with_a_checkpoint_and_exit_status(self):
        directory = tempfile.mkdtemp()
        gan = tiny_gan()
        before = signal.getsignal(signal.SIGTERM)
        seen_during = []

        class Watch(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if int(self.model.step_counter.numpy()) == 7:
                    os.kill(os.getpid(), signal.SIGTERM)
                    seen_during.append(signal.getsignal(signal.SIGTERM))

        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            with self.assertRaises(callbacks_lib.TrainingInterrupted) as caught:
                gan.fit(ring(), epochs=3, steps_per_epoch=20, verbose=0, callbacks=[
                    Watch(), callbacks_lib.Checkpoints(directory), callbacks_lib.GracefulStop()])
        stop = caught.exception
        self.assertEqual(stop.code, 128 + signal.SIGTERM)  # 143, as a shell reports it
        self.assertEqual(stop.step, 7)  # the step the signal came in: nothing more, no less
        self.assertEqual(int(gan.step_counter.numpy()), 7)
        self.assertEqual(checkpoints.step_of(tf.train.latest_checkpoint(directory)), 7)
        self.assertRegex(stderr.getvalue(), r"^tfgan: stopped by SIGTERM at step 7; the "
                                            r"checkpoint .*ckpt-7 holds it\n$")
        # After the first signal a second one takes the default action (ends the process).
        self.assertEqual(seen_during, [signal.SIG_DFL])
        self.assertIs(signal.getsignal(signal.SIGTERM), before)  # put back after fit

    def test_sigint_status_and_handlers_only_during_fit(self):
        gan = tiny_gan()
        before = signal.getsignal(signal.SIGINT)  # pytest-xdist's workers ignore SIGINT
        stop = callbacks_lib.GracefulStop(announce=False)
        gan.fit(ring(), epochs=1, steps_per_epoch=3, verbose=0, callbacks=[stop])
        self.assertIsNone(stop.interruption())  # no signal: fit returns as usual
        self.assertIs(signal.getsignal(signal.SIGINT), before)

        class Interrupt(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if batch == 1:
                    os.kill(os.getpid(), signal.SIGINT)

        with self.assertRaises(callbacks_lib.TrainingInterrupted) as caught:
            gan.fit(ring(), epochs=1, steps_per_epoch=10, verbose=0,
                    callbacks=[Interrupt(), stop])
        self.assertEqual(caught.exception.code, 130)
        self.assertIn("no checkpoint was written", str(caught.exception))
        self.assertIs(signal.getsignal(signal.SIGINT), before)


class CheckpointScheduleTest(tf.test.TestCase):
    def steps_saved(self, directory):
        return sorted(checkpoints.step_of(p) for p in checkpoints.candidates(directory))

    def test_every_steps_and_epoch_ends(self):
        directory = tempfile.mkdtemp()
        writer = callbacks_lib.Checkpoints(directory, every_steps=4, max_to_keep=100)
        tiny_gan().fit(ring(), epochs=2, steps_per_epoch=10, verbose=0, callbacks=[writer])
        self.assertEqual(self.steps_saved(directory), [4, 8, 10, 14, 18, 20])

    def test_every_minutes(self):
        directory = tempfile.mkdtemp()
        clock = iter(np.arange(0.0, 1000.0, 25.0))  # each call: 25 s later
        writer = callbacks_lib.Checkpoints(directory, every_minutes=1.0, max_to_keep=100)
        fake = types.SimpleNamespace(monotonic=lambda: float(next(clock)))
        with mock.patch.object(checkpoints, "time", fake):
            tiny_gan().fit(ring(), epochs=1, steps_per_epoch=9, verbose=0, callbacks=[writer])
        # fit begins at 0 s; each step's check reads 25 s more, a save resets the mark: the
        # checks at steps 3, 6 and 9 are the first 60 s or more after the last mark.
        self.assertEqual(self.steps_saved(directory), [3, 6, 9])

    def test_bad_bounds_are_refused_naming_the_argument(self):
        with self.assertRaisesRegex(ValueError, "every_steps.*> 0"):
            callbacks_lib.Checkpoints(tempfile.mkdtemp(), every_steps=0)

    def test_config_fields_reach_the_run(self):
        out = os.path.join(tempfile.mkdtemp(), "run")
        runs.train(TOY, out, overrides=SMALL + [
            "train.steps=12", "train.steps_per_epoch=12", "train.steps_per_execution=1",
            "train.checkpoint_every_steps=5", "train.checkpoints_to_keep=10"], verbose=0)
        self.assertEqual(self.steps_saved(os.path.join(out, "checkpoints")), [5, 10, 12])


class SignalResumeTest(tf.test.TestCase):
    """SIGTERM at an arbitrary step of ``runs.train``, then ``--resume``: the same weights as
    the uninterrupted run, and at most the signal's own execution (one step here) lost."""

    def test_sigterm_then_resume_equals_uninterrupted_run(self):
        base = tempfile.mkdtemp()
        sets = SMALL + ["train.steps=60", "train.steps_per_epoch=25",
                        "train.steps_per_execution=1"]
        straight = runs.train(TOY, os.path.join(base, "straight"), overrides=sets, verbose=0)
        out = os.path.join(base, "stopped")
        stderr = io.StringIO()
        with signal_at(37), contextlib.redirect_stderr(stderr):  # mid-epoch
            status = cli.main(["train", "--config", TOY, "--out", out,
                               *[a for s in sets for a in ("--set", s)]])
        self.assertEqual(status, 143)
        self.assertIn(f"tfgan: stopped by SIGTERM at step 37; resume with: tfgan train --out "
                      f"{out} --resume", stderr.getvalue())
        self.assertEqual(checkpoints.step_of(tf.train.latest_checkpoint(
            os.path.join(out, "checkpoints"))), 37)  # nothing lost past the signal's step
        with open(os.path.join(out, "provenance.json"), encoding="utf-8") as stream:
            session = json.load(stream)[-1]
        self.assertEqual((session["end_step"], session["ended_by"]), (37, "SIGTERM"))
        resumed = runs.train(None, out, resume=True, verbose=0)
        self.assertEqual(resumed.metrics["steps"], 60)
        for a, b in zip(straight.model.generator.get_weights() +
                        straight.model.d_optimizer.variables,
                        resumed.model.generator.get_weights() +
                        resumed.model.d_optimizer.variables, strict=True):
            self.assertAllClose(a, b, rtol=0, atol=2e-5)


class CommandLineSignalTest(tf.test.TestCase):
    def test_tfgan_train_exits_143_with_one_line_and_its_checkpoint(self):
        out = os.path.join(tempfile.mkdtemp(), "run")
        command = [sys.executable, "-m", "tfgan_suite", "train", "--config", TOY, "--out", out]
        for item in SMALL + ["train.steps=1000000", "train.steps_per_epoch=100000",
                             "train.checkpoint_every_steps=50"]:
            command += ["--set", item]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        index = os.path.join(out, "checkpoints", "checkpoint")
        try:  # once training runs (its first checkpoint is written), at an arbitrary step
            deadline = time.monotonic() + 300
            while (time.monotonic() < deadline and process.poll() is None
                   and not os.path.exists(index)):
                time.sleep(0.05)
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()
        self.assertEqual(process.returncode, 143, stderr)
        lines = [line for line in stderr.splitlines() if "stopped by" in line]
        self.assertLen(lines, 1)
        step = int(re.fullmatch(r"tfgan: stopped by SIGTERM at step (\d+); resume with: "
                                r"tfgan train --out .* --resume", lines[0]).group(1))
        self.assertEqual(int(load_run(out).step_counter.numpy()), step)


class DamagedCheckpointTest(tf.test.TestCase):
    def trained(self, steps=30):
        out = os.path.join(tempfile.mkdtemp(), "run")
        runs.train(TOY, out, overrides=SMALL + [f"train.steps={steps}", "train.steps_per_epoch=10",
                                                "train.steps_per_execution=5"], verbose=0)
        return out, os.path.join(out, "checkpoints")

    def files(self, directory, step):
        return sorted(glob.glob(os.path.join(directory, f"ckpt-{step}.*")))

    def test_truncated_and_corrupted_newest_are_set_aside_and_the_previous_resumed(self):
        out, directory = self.trained()
        (newest,) = glob.glob(os.path.join(directory, "ckpt-30.data*"))
        with open(newest, "r+b") as stream:  # a crash of the storage mid-write
            stream.truncate(os.path.getsize(newest) // 2)
        truncated = os.path.getsize(newest)
        (second,) = glob.glob(os.path.join(directory, "ckpt-20.data*"))
        content = bytearray(open(second, "rb").read())
        content[len(content) // 2] ^= 0xFF  # one flipped byte: its CRC32C no longer matches
        with open(second, "wb") as stream:
            stream.write(content)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            run = runs.train(None, out, overrides=["train.steps=40"], resume=True, verbose=0)
        self.assertEqual(run.metrics["steps_this_session"], 30)  # from ckpt-10
        lines = stderr.getvalue().splitlines()
        self.assertRegex(lines[0], r"^tfgan: checkpoint ckpt-30 is damaged \(.+\); set aside")
        self.assertRegex(lines[1], r"^tfgan: checkpoint ckpt-20 is damaged \(.*Checksum")
        damaged = os.path.join(directory, checkpoints.DAMAGED)
        self.assertLen(os.listdir(damaged), 4)  # both checkpoints' files, moved, not deleted
        self.assertEqual(os.path.getsize(os.path.join(damaged, os.path.basename(newest))),
                         truncated)

    def test_no_valid_checkpoint_is_one_line_and_status_2(self):
        out, directory = self.trained(steps=10)
        for path in glob.glob(os.path.join(directory, "ckpt-10.data*")):
            with open(path, "r+b") as stream:
                stream.truncate(3)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            status = cli.main(["train", "--out", out, "--resume"])
        self.assertEqual(status, 2)
        self.assertRegex(stderr.getvalue().splitlines()[-1],
                         r"^tfgan: error: --resume: no valid checkpoint in .*: all 1 are "
                         r"damaged \(set aside in .*damaged\); start a new run")
        self.assertLen(os.listdir(os.path.join(directory, checkpoints.DAMAGED)), 2)

    def test_a_whole_checkpoint_of_another_model_is_not_set_aside(self):
        out, directory = self.trained(steps=10)
        with self.assertRaisesRegex(ValueError, "is whole but does not fit the model"):
            runs.train(None, out, overrides=["generator.hidden_units=[8]"], resume=True,
                       verbose=0)
        self.assertFalse(os.path.exists(os.path.join(directory, checkpoints.DAMAGED)))
        self.assertLen(self.files(directory, 10), 2)


class FullDiskTest(tf.test.TestCase):
    def test_enospc_keeps_the_previous_checkpoint_and_stops_with_one_line(self):
        out = os.path.join(tempfile.mkdtemp(), "run")
        original = tf.train.CheckpointManager.save

        def save(manager, checkpoint_number=None, **options):
            if checkpoint_number < 20:
                return original(manager, checkpoint_number=checkpoint_number, **options)
            # The disk fills half-way through the data file of the new checkpoint.
            partial = os.path.join(manager.directory, f"ckpt-{checkpoint_number}.data-00000-"
                                   "of-00001.tempstate0")
            with open(partial, "wb") as stream:
                stream.write(b"\0" * 100)
            raise tf.errors.ResourceExhaustedError(None, None, f"{partial}; No space left on "
                                                              "device")

        stderr = io.StringIO()
        with mock.patch.object(tf.train.CheckpointManager, "save", save), \
                contextlib.redirect_stderr(stderr):
            status = cli.main(["train", "--config", TOY, "--out", out, *[
                a for s in SMALL + ["train.steps=30", "train.steps_per_epoch=10",
                                    "train.steps_per_execution=5"]
                for a in ("--set", s)]])
        self.assertEqual(status, 1)
        self.assertEqual(stderr.getvalue().count("\n"), 1, stderr.getvalue())
        self.assertRegex(stderr.getvalue(), r"^tfgan: training stopped: could not write the "
                                            r"checkpoint of step 20 in .*No space left on "
                                            r"device; ckpt-10 \(step 10\) is intact\n$")
        directory = os.path.join(out, "checkpoints")
        self.assertEqual(tf.train.latest_checkpoint(directory), os.path.join(directory,
                                                                             "ckpt-10"))
        run = runs.train(None, out, resume=True, verbose=0)  # the disk has room again
        self.assertEqual(run.metrics["steps_this_session"], 20)

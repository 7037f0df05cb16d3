"""A newcomer's first run reads clean (issue #44): the ``tfgan`` command prints no warning
the suite causes and none of TensorFlow's C++ log lines, and its progress bar counts steps.

``noise_lines`` is the judge: any line of a Python warning, of TensorFlow's or absl's
logging, or about CUDA probing, retracing or deprecation is noise.
"""

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import warnings
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import callbacks, cli, quiet, report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DCGAN = os.path.join(ROOT, "configs", "dcgan_fashion_mnist.yaml")
STEPS_PER_EPOCH = 10
# A tiny image run (digits, a few seconds): image runs exercise more than toy ones (feature
# spaces, Fréchet distance, saliency maps, sample grids).
TINY = ["data.name=digits", "data.image_size=28", "generator.base_filters=8",
        "discriminator.base_filters=8", "train.steps=20",
        f"train.steps_per_epoch={STEPS_PER_EPOCH}", "train.steps_per_execution=5",
        "train.jit_compile=false", "data.batch_size=32", "sample.grid_size=16"]
NOISE = re.compile(
    r"warn"  # warnings.warn's "UserWarning: …", "WARNING:tensorflow:…", "WARNING: All log…"
    r"|^[IWEF]\d{4} "  # TensorFlow's C++ (absl) log lines: I0000, W0000, E0000, F0000
    r"|cudart_stub|cuInit|cuda drivers|oneDNN|retracing|deprecated|Instructions for updating",
    re.IGNORECASE)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def noise_lines(output: str) -> list[str]:
    """The lines of ``output`` (a command's stdout and stderr) that are noise."""
    lines = ANSI_ESCAPE.sub("", output).replace("\r", "\n").splitlines()
    return [line for line in lines if NOISE.search(line)]


def tfgan(*argv, timeout=120):
    """Runs ``python -m tfgan_suite ARGV`` (the ``tfgan`` command) in a fresh process, in a
    newcomer's environment (without the TF_CPP_MIN_LOG_LEVEL of tests/conftest.py):
    (exit status, stdout + stderr)."""
    environ = {k: v for k, v in os.environ.items() if k != quiet.LOG_LEVEL_ENV}
    result = subprocess.run([sys.executable, "-m", "tfgan_suite", *argv], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


class NoiseLinesTest(tf.test.TestCase):
    """The judge catches what it must: a deliberate warning fails the clean-output test."""

    def test_a_python_warning_is_noise(self):
        result = subprocess.run(
            [sys.executable, "-c", "import warnings; warnings.warn('something is off')"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0)
        found = noise_lines(result.stdout + result.stderr)
        self.assertLen(found, 1, found)
        self.assertEndsWith(found[0], "UserWarning: something is off")

    def test_tensorflow_log_lines_are_noise(self):
        for line in [
                "WARNING: All log messages before absl::InitializeLog() is called are "
                "written to STDERR",
                "I0000 00:00:1796620763.539871   27229 cudart_stub.cc:31] Could not find "
                "cuda drivers on your machine, GPU will not be used.",
                "E0000 00:00:1796620770.280578   27229 cuda_platform.cc:52] failed call to "
                "cuInit: INTERNAL: CUDA error",
                "W0000 00:00:1796620770.280578   27229 some_op.cc:7] anything",
                "WARNING:tensorflow:5 out of the last 8 calls to <function> triggered "
                "tf.function retracing.",
                "/x/frechet.py:64: LinAlgWarning: Matrix is singular."]:
            self.assertEqual(noise_lines(line), [line])

    def test_the_commands_own_lines_are_not_noise(self):
        output = ("Epoch 1/2 10/10 [==============================] 3s 41ms/step - d_loss: "
                  "1.2457 - g_loss: 0.6847\nrun directory: /tmp/run\nwrote report "
                  "/tmp/run/r.html\nwrote 16 samples to /tmp/run/s.png\n")
        self.assertEqual(noise_lines(output), [])


class QuietStartTest(tf.test.TestCase):
    def test_the_command_is_the_console_script_or_python_dash_m(self):
        self.assertTrue(quiet.is_command(["/venv/bin/tfgan", "train"], ["python", "x"]))
        self.assertTrue(quiet.is_command(["-m", "train"],
                                         ["python", "-X", "dev", "-m", "tfgan_suite", "train"]))
        self.assertFalse(quiet.is_command(["/venv/bin/pytest"], ["python", "/venv/bin/pytest"]))
        self.assertFalse(quiet.is_command(["-m"], ["python", "-m", "pytest", "tfgan_suite"]))

    def test_tensorflow_log_lines_are_dropped_and_everything_else_kept(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), quiet.stderr_without_tensorflow_logs():
            os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called "
                        b"are written to STDERR\n"
                        b"I0000 00:00:1796620763.539871   27229 cudart_stub.cc:31] Could not "
                        b"find cuda drivers on your machine, GPU will not be used.\n"
                        b"a Python error the import raised\n")
        self.assertEqual(stderr.getvalue(), "a Python error the import raised\n")

    def test_only_verbose_keeps_tensorflow_log_lines(self):
        for argv, level in ((["/venv/bin/tfgan", "train"], "3"),
                            (["/venv/bin/tfgan", "train", "--verbose"], None)):
            environ = {k: v for k, v in os.environ.items() if k != quiet.LOG_LEVEL_ENV}
            with mock.patch.object(sys, "argv", argv), mock.patch.dict(os.environ, environ,
                                                                       clear=True):
                quiet.command_start()
                self.assertEqual(os.environ.get(quiet.LOG_LEVEL_ENV), level)

    def test_a_bad_input_prints_its_one_line_only(self):
        code, output = tfgan("sample", "--run", tempfile.mkdtemp(), "--n", "1", "--out",
                             "x.npy")
        self.assertEqual(code, 2)
        self.assertRegex(output, r"^tfgan: error: --run: .* is not a run directory[^\n]*\n$")

    def test_commands_take_verbose(self):
        parser = cli.build_parser()
        self.assertTrue(parser.parse_args(["demo", "--verbose"]).verbose)
        self.assertFalse(parser.parse_args(["demo"]).verbose)
        self.assertTrue(parser.parse_args(["sample", "--run", "r", "--n", "1", "--out", "x.npy",
                                           "--verbose"]).verbose)


class _FakeModel:
    def __init__(self):
        self.step_counter = tf.Variable(0, dtype=tf.int64)


class StepProgressTest(tf.test.TestCase):
    """The bar counts generator steps (the model's step counter, whatever index ``fit``
    passes) and times a step without the fit's first execution (tracing, compilation)."""

    def fit(self, interactive):
        model, now, stream = _FakeModel(), [0.0], io.StringIO()
        progress = callbacks.StepProgress(stream=stream, interactive=interactive,
                                          refresh_seconds=0.0, clock=lambda: now[0])
        progress.set_model(model)
        progress.set_params({"epochs": 2, "steps": 20, "verbose": 0})
        progress.on_train_begin()
        # Two epochs of two executions of 10 steps; the first execution takes 5 s
        # (tracing), every later one 0.4 s (40 ms/step).
        for epoch in range(2):
            progress.on_epoch_begin(epoch)
            for execution in range(2):
                now[0] += 5.0 if (epoch, execution) == (0, 0) else 0.4
                model.step_counter.assign_add(10)
                progress.on_train_batch_end(execution, {"d_loss": np.float32(1.5),
                                                        "g_loss": tf.constant(0.25)})
            progress.on_epoch_end(epoch)
        progress.on_train_end()
        return stream.getvalue()

    def test_one_line_per_epoch_in_steps_with_the_steps_own_time(self):
        self.assertEqual(self.fit(interactive=False).splitlines(), [
            f"Epoch 1/2 20/20 [{'=' * 30}] 5s 40ms/step - d_loss: 1.5000 - g_loss: 0.2500",
            f"Epoch 2/2 20/20 [{'=' * 30}] 1s 40ms/step - d_loss: 1.5000 - g_loss: 0.2500"])

    def test_a_terminal_sees_the_line_redrawn_at_each_execution(self):
        output = self.fit(interactive=True)
        self.assertEqual(output.count("\n"), 2)
        redraws = output.replace("\n", "").split("\r")[1:]
        self.assertEqual([line.split()[2] for line in redraws],
                         ["10/20", "20/20", "20/20", "10/20", "20/20", "20/20"])
        self.assertStartsWith(redraws[0], f"Epoch 1/2 10/20 [{'=' * 15}{'.' * 15}] 5s - d_loss")


class SuiteCausesNoWarningTest(tf.test.TestCase):
    """The fixed causes, one by one (in this process, where the command's start is not
    quiet): each used to warn."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from tfgan_suite import runs

        run = os.path.join(tempfile.mkdtemp(), "run")
        runs.train(DCGAN, run, overrides=TINY, verbose=0)
        cls.model = runs.load_run(run)

    def test_sampling_any_number_does_not_retrace(self):
        with self.assertNoLogs("tensorflow", level="WARNING"):
            for n in (300, 8, 8, 8, 32, 6, 300, 7, 9, 11):
                self.assertLen(self.model.sample(n, batch_size=256), n)

    def test_saliency_calls_its_score_model_with_the_structure_it_was_built_on(self):
        from tfgan_suite.viz import saliency

        images = self.model.sample(6)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            maps = saliency.discriminator_saliency(self.model.discriminator, images)
        self.assertEqual(maps.shape, images.shape[:3])

    def test_event_files_are_read_without_a_deprecation(self):
        log_dir = tempfile.mkdtemp()
        with tf.summary.create_file_writer(log_dir).as_default():
            for step in range(3):
                tf.summary.scalar("loss", 0.5 * step, step=step)
        with self.assertNoLogs("tensorflow", level="WARNING"):
            self.assertEqual(report.read_scalars(log_dir), {"loss": [(0, 0.0), (1, 0.5),
                                                                     (2, 1.0)]})


@pytest.mark.slow
class CommandOutputTest(tf.test.TestCase):
    def test_train_sample_report_print_no_noise_and_the_bar_counts_steps(self):
        """train → sample → report of a tiny image run (no eval: the report measures the
        run with the same metrics, and eval would add ~10 s)."""
        run = os.path.join(tempfile.mkdtemp(), "run")
        sets = [arg for item in TINY for arg in ("--set", item)]
        outputs = {}
        for command in (["train", "--config", DCGAN, "--out", run, *sets],
                        ["sample", "--run", run, "--n", "16", "--out",
                         os.path.join(run, "s.png")],
                        ["report", "--run", run, "--out", os.path.join(run, "r.html"),
                         "--n", "100", "--spaces", "digits"]):
            code, output = tfgan(*command)
            self.assertEqual(code, 0, output)
            self.assertEqual(noise_lines(output), [], output)
            outputs[command[0]] = output
        bars = [line for line in outputs["train"].splitlines() if line.startswith("Epoch ")]
        self.assertLen(bars, 2, outputs["train"])
        for bar in bars:
            self.assertIn(f" {STEPS_PER_EPOCH}/{STEPS_PER_EPOCH} [", bar)


if __name__ == "__main__":
    tf.test.main()

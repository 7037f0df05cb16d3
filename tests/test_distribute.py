"""Strategies from config, and a real two-process MultiWorkerMirroredStrategy run."""

import glob
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import distribute, load_run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StrategyConfigTest(tf.test.TestCase):
    def test_default_strategy_and_errors(self):
        self.assertIs(distribute.make_strategy({"strategy": "default"}),
                      tf.distribute.get_strategy())
        with self.assertRaisesRegex(ValueError, r"distribute\.strategy: unknown value 'x'; "
                                                r"accepted: default, mirrored, multi_worker"):
            distribute.make_strategy({"strategy": "x"})

    def test_multi_worker_requires_tf_config(self):
        previous = os.environ.pop("TF_CONFIG", None)
        try:
            with self.assertRaisesRegex(ValueError, "TF_CONFIG"):
                distribute.make_strategy({"strategy": "multi_worker"})
        finally:
            if previous is not None:
                os.environ["TF_CONFIG"] = previous

    def test_chief_is_worker_zero_without_a_chief_task(self):
        cluster = {"worker": ["localhost:1", "localhost:2"]}
        for index, expected in ((0, True), (1, False)):
            os.environ["TF_CONFIG"] = json.dumps(
                {"cluster": cluster, "task": {"type": "worker", "index": index}})
            try:
                self.assertEqual(distribute.is_chief(), expected)
            finally:
                del os.environ["TF_CONFIG"]
        self.assertTrue(distribute.is_chief())


@pytest.mark.slow
class MultiWorkerTest(tf.test.TestCase):
    """Two worker processes on loopback ports train a toy GAN synchronously, sharing one run
    directory as workers on a shared file system do. One worker dies (SIGKILL) mid-run; the
    other stops with one line; both restart with ``--resume`` and finish the run."""

    STEPS = 60

    def launch(self, base, resume):
        ports = [free_port(), free_port()]
        cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
        driver = os.path.join(os.path.dirname(__file__), "multi_worker_driver.py")
        processes = []
        for index in range(2):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_CONFIG=json.dumps(
                {"cluster": cluster, "task": {"type": "worker", "index": index}}))
            if index == 1:  # the non-chief: its own TMPDIR (and HOME, for Keras's config)
                scratch = os.path.join(base, "worker1_tmp")
                os.makedirs(scratch, exist_ok=True)
                env |= {"TMPDIR": scratch, "HOME": scratch, "AUDIT_WRITES": os.path.join(
                    base, f"worker1_writes_{'resumed' if resume else 'first'}.json")}
            processes.append(subprocess.Popen(
                [sys.executable, driver, os.path.join(base, "run"),
                 os.path.join(base, f"weights{index}.npz"),
                 os.path.join(ROOT, "configs", "toy2d.yaml"), str(self.STEPS),
                 *(["resume"] if resume else [])],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        return processes

    def finish(self, processes, timeout=400):
        deadline, outputs = time.monotonic() + timeout, []
        try:
            for process in processes:
                outputs.append(process.communicate(
                    timeout=max(1.0, deadline - time.monotonic())))
        finally:
            for process in processes:  # never leave a worker hanging
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        return outputs

    def test_a_killed_worker_then_restart_completes_and_only_the_chief_writes(self):
        base = tempfile.mkdtemp()
        index = os.path.join(base, "run", "checkpoints", "checkpoint")
        processes = self.launch(base, resume=False)
        deadline = time.monotonic() + 300
        try:  # kill the non-chief once the chief holds a checkpoint, mid-run
            while time.monotonic() < deadline and processes[0].poll() is None:
                if os.path.exists(index) and "all_model_checkpoint_paths" in open(index).read():
                    break
                time.sleep(0.05)
            self.assertIsNone(processes[1].poll(), "training ended before a worker died")
            processes[1].send_signal(signal.SIGKILL)
        finally:
            outputs = self.finish(processes, timeout=300)
        # The chief's collective ops fail once the dead worker misses its heartbeats.
        self.assertEqual(processes[0].returncode, 1, outputs[0][1][-3000:])
        self.assertRegex(outputs[0][1].strip().splitlines()[-1],
                         r"^tfgan: training stopped: a worker of the multi_worker job stopped "
                         r"\(.+\); the newest checkpoint is step \d+; restart every worker "
                         r"with: tfgan train --out .* --resume$")
        stopped_at = int(load_run(os.path.join(base, "run")).step_counter.numpy())
        self.assertLess(stopped_at, self.STEPS)

        processes = self.launch(base, resume=True)
        outputs = self.finish(processes)
        for process, (stdout, stderr) in zip(processes, outputs, strict=True):
            self.assertEqual(process.returncode, 0, stderr[-3000:])
            self.assertIn(f"steps {self.STEPS}", stdout)
        chief = np.load(os.path.join(base, "weights0.npz"))
        worker = np.load(os.path.join(base, "weights1.npz"))
        self.assertNotEmpty(chief.files)
        for key in chief.files:
            self.assertTrue(np.all(np.isfinite(chief[key])))
            self.assertAllClose(chief[key], worker[key], atol=1e-6)
        run = load_run(os.path.join(base, "run"))
        self.assertEqual(int(run.step_counter.numpy()), self.STEPS)
        self.assertTrue(os.path.isfile(os.path.join(base, "run", "metrics.json")))
        # The non-chief wrote nothing from Python outside its TMPDIR, in either session,
        # and TensorFlow's writers (its required checkpoint copies) wrote there.
        for session in ("first", "resumed"):
            with open(os.path.join(base, f"worker1_writes_{session}.json")) as stream:
                self.assertEqual(stream.read(), "", session)
        copies = glob.glob(os.path.join(base, "worker1_tmp", "tfgan_worker_1_*", "checkpoints",
                                        "ckpt-*.index"))
        self.assertNotEmpty(copies)

"""Strategies from config, and a real two-process MultiWorkerMirroredStrategy run."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest
import tensorflow as tf

from tfgan_suite import distribute

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
    """Two worker processes on loopback ports train a toy GAN synchronously."""

    def test_two_workers_end_with_identical_weights_and_only_chief_writes(self):
        base = tempfile.mkdtemp()
        ports = [free_port(), free_port()]
        cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
        driver = os.path.join(os.path.dirname(__file__), "multi_worker_driver.py")
        processes = []
        for index in range(2):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_CONFIG=json.dumps(
                {"cluster": cluster, "task": {"type": "worker", "index": index}}))
            processes.append(subprocess.Popen(
                [sys.executable, driver, os.path.join(base, f"run{index}"),
                 os.path.join(base, f"weights{index}.npz"),
                 os.path.join(ROOT, "configs", "toy2d.yaml")],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + 400
        outputs = []
        try:
            for process in processes:
                remaining = max(1.0, deadline - time.monotonic())
                outputs.append(process.communicate(timeout=remaining))
        finally:
            for process in processes:  # never leave a worker hanging
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        for process, (_, stderr) in zip(processes, outputs, strict=True):
            self.assertEqual(process.returncode, 0, stderr[-3000:])
        chief = np.load(os.path.join(base, "weights0.npz"))
        worker = np.load(os.path.join(base, "weights1.npz"))
        self.assertNotEmpty(chief.files)
        for key in chief.files:
            self.assertAllClose(chief[key], worker[key], atol=1e-6)
        self.assertTrue(os.path.isfile(os.path.join(base, "run0", "metrics.json")))
        self.assertTrue(os.listdir(os.path.join(base, "run0", "checkpoints")))
        self.assertFalse(os.path.exists(os.path.join(base, "run1")),
                         "the non-chief worker wrote its run directory")
        self.assertIn("steps 20", outputs[0][0])

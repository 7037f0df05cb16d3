"""One worker of the multi-worker tests (run as a subprocess by test_distribute.py).

Usage: multi_worker_driver.py RUN_DIR WEIGHTS_OUT.npz CONFIG [STEPS [resume]]
(TF_CONFIG set by the caller). STEPS (default 20); a checkpoint every 5 steps; ``resume``
continues the run in RUN_DIR. A stop (a lost worker) prints the command's one line and
exits with its status.

With ``AUDIT_WRITES=FILE`` in the environment, every file this process creates, writes,
renames or removes from Python outside ``TMPDIR`` (and the weights file) is listed in FILE
(a JSON list per line, written as it happens): the test's proof that a non-chief worker
writes nothing else. TensorFlow's own writers (checkpoints, summaries) are C++; the test
finds them in the worker's TMPDIR.
"""

import json
import os
import sys
import tempfile

import numpy as np

from tfgan_suite import cli, runs

OVERRIDES = ["distribute.strategy=multi_worker", "generator.hidden_units=[16]",
             "discriminator.hidden_units=[16]", "train.steps_per_epoch=10",
             "train.steps_per_execution=5", "train.jit_compile=false", "data.batch_size=32",
             "sample.toy_points=100", "train.checkpoint_every_steps=5"]
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def audit_writes(report: str, allowed: list[str]) -> None:
    """Appends to ``report`` (one JSON list per line, as it happens: a killed worker keeps
    its findings) each path this process writes outside the ``allowed`` prefixes."""
    allowed = allowed + [report]
    open(report, "w").close()

    def outside(path) -> bool:
        if not isinstance(path, (str, bytes, os.PathLike)):
            return False
        path = os.path.abspath(os.fsdecode(path))
        return "__pycache__" not in path and not any(
            path == a or path.startswith(a.rstrip(os.sep) + os.sep) for a in allowed)

    def record(*finding):
        with open(report, "a", encoding="utf-8") as stream:
            stream.write(json.dumps([os.fsdecode(f) for f in finding]) + "\n")

    def hook(event, arguments):
        if event == "open":
            path, mode, flags = arguments
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS)
            if writes and outside(path):
                record(event, path)
        elif event in ("os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.truncate",
                       "os.symlink", "os.link", "shutil.rmtree", "shutil.copyfile"):
            paths = [a for a in arguments[:2] if isinstance(a, (str, bytes, os.PathLike))]
            if any(outside(p) for p in paths):
                record(event, *paths)

    sys.addaudithook(hook)


if __name__ == "__main__":
    run_dir, weights_out, config = sys.argv[1:4]
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    resume = sys.argv[5:6] == ["resume"]
    if os.environ.get("AUDIT_WRITES"):
        audit_writes(os.environ["AUDIT_WRITES"], [tempfile.gettempdir(), weights_out, "/dev"])
    run, status = cli._stopped(lambda: runs.train(
        None if resume else config, run_dir, resume=resume, verbose=0,
        overrides=OVERRIDES + [f"train.steps={steps}"]))
    if run is None:
        sys.exit(status)
    weights = run.model.generator.get_weights() + run.model.discriminator.get_weights()
    np.savez(weights_out, *weights)
    print("steps", int(run.model.step_counter.numpy()))

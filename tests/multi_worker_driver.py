"""One worker of the multi-worker test (run as a subprocess by test_distribute.py).

Usage: multi_worker_driver.py RUN_DIR WEIGHTS_OUT.npz   (TF_CONFIG set by the caller)
"""

import sys

import numpy as np

from tfgan_suite import runs

OVERRIDES = ["distribute.strategy=multi_worker", "generator.hidden_units=[16]",
             "discriminator.hidden_units=[16]", "train.steps=20", "train.steps_per_epoch=10",
             "train.steps_per_execution=5", "train.jit_compile=false", "data.batch_size=32",
             "sample.toy_points=100"]

if __name__ == "__main__":
    run_dir, weights_out = sys.argv[1], sys.argv[2]
    run = runs.train(sys.argv[3], run_dir, overrides=OVERRIDES, verbose=0)
    weights = run.model.generator.get_weights() + run.model.discriminator.get_weights()
    np.savez(weights_out, *weights)
    print("steps", int(run.model.step_counter.numpy()))

"""tfgan_suite: Generative Adversarial Networks for TensorFlow 2 / Keras 3.

    import tfgan_suite as tg
    run = tg.train("configs/toy2d.yaml", out="runs/x", overrides={"objective.name": "hinge"})
    model = tg.load_run("runs/x")
    samples = model.sample(16, seed=0)
"""

__version__ = "0.1.0"

from tfgan_suite import data, metrics, objectives, penalties  # noqa: E402
from tfgan_suite.runs import load_run, train  # noqa: E402

__all__ = ["data", "metrics", "objectives", "penalties", "train", "load_run", "__version__"]

"""tfgan_suite: Generative Adversarial Networks for TensorFlow 2 / Keras 3.

From a recipe:

    import tfgan_suite as tg
    run = tg.train("configs/toy2d.yaml", out="runs/x", overrides={"objective.name": "hinge"})
    model = tg.load_run("runs/x")
    samples = model.sample(16, seed=0)

With your own Keras networks (docs/guides/keras.md has runnable examples):

    gan = tg.AdversarialModel(generator=my_generator, discriminator=my_discriminator)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4), g_optimizer=keras.optimizers.Adam(2e-4),
                objective="hinge", penalties={"r1": {"weight": 1.0}})
    gan.fit(dataset, epochs=10)
    tg.export.export_tflite(gan, "generator.tflite")

Modules: ``gans`` (every family; ``gans.GANS`` maps config names to classes), ``networks``,
``objectives``, ``penalties``, ``callbacks``, ``checkpoints``, ``export``, ``data``,
``metrics``; for speech ``audio`` (WAV, WORLD, SPTK mel-cepstrum, STFT) and ``conversion``
(the voice-conversion baselines and converter runs).
"""

from tfgan_suite import quiet

# The `tfgan` command loads TensorFlow without its C++ log lines (unless --verbose); the
# imports below load it.
quiet.command_start()

from tfgan_suite import (  # noqa: E402
    audio,
    callbacks,
    checkpoints,
    conversion,
    data,
    export,
    gans,
    metrics,
    networks,
    objectives,
    penalties,
)
from tfgan_suite.gans import AdversarialModel  # noqa: E402
from tfgan_suite.provenance import VERSION as __version__  # noqa: E402
from tfgan_suite.runs import load_run, train  # noqa: E402

__all__ = ["AdversarialModel", "audio", "callbacks", "checkpoints", "conversion", "data",
           "export", "gans", "metrics", "networks", "objectives", "penalties", "train", "load_run",
           "__version__"]

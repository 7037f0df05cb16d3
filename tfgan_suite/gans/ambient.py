"""AmbientGAN: a clean generator learned from lossy measurements (Bora, Price & Dimakis,
"AmbientGAN: Generative Models from Lossy Measurements", ICLR 2018; reference code
AshishBora/ambient-gan ``src/commons/measure.py``, ``arch.py``).

Only measured images y = f_θ(x) are observed, with θ ~ p_θ known and f_θ differentiable in
x. The discriminator compares measured reals with *measured fakes*:

    min_G max_D  E_y[q(D(y))] + E_{z, θ'}[q(1 − D(f_θ'(G(z))))],

θ' drawn independently of the reals' θ at every step. When the measurement keeps the
distribution identifiable (block-pixels with p < 1, convolve+noise with a non-vanishing
kernel spectrum), matching the measured distributions matches the clean ones, so G learns
clean images it never saw. The measurement is the one ``data.corruption`` applies to the
training set (one source of truth): ``measurement`` {block_pixels, block_patch, keep_patch,
convolve_noise}, or an NR-GAN ``image_noise`` — AmbientGAN† of the NR-GAN paper, told the
true noise, whose Poisson noise the fake path replaces by its Gaussian approximation.

Any objective and penalty apply; sampling, evaluation and export use G alone.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import tensorflow as tf

from tfgan_suite.data import image_corruptions
from tfgan_suite.gans.base import AdversarialModel


@keras.saving.register_keras_serializable(package="tfgan_suite")
class AmbientGAN(AdversarialModel):
    """An unconditional GAN whose discriminator sees measured fakes f_θ'(G(z)).

    Args:
        generator, discriminator: as ``AdversarialModel``.
        corruption: the measurement, as ``ImageCorruption`` fields (``noise``,
            ``measurement``, ``parameter``, ``seed``; e.g. from
            ``image_corruptions.resolve(config["data"]["corruption"]).describe()``).
        **kwargs: as ``AdversarialModel``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 corruption: Optional[dict] = None, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.corruption = image_corruptions.ImageCorruption(**(corruption or {}))
        if not self.corruption.active:
            raise ValueError("data.corruption: model ambientgan needs the measurement of the "
                             "data; set data.corruption.measurement.kind or image_noise")

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config["data"].get("corruption") or {}
        return {"corruption": image_corruptions.resolve(section).describe()}

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), corruption=self.corruption.describe())

    def measure_fakes(self, fake: tf.Tensor, step, stream_id: int) -> tf.Tensor:
        """f_θ'(G(z)): θ' drawn for the global batch from this step's own stream."""
        start, total = self._replica_rows(tf.shape(fake)[0])
        return self.corruption.corrupt(fake, self._stream_seed(step, stream_id),
                                       differentiable=True, rows=(start, total))

"""LAPGAN: a Laplacian pyramid of conditional GANs, sampled coarse to fine (Denton, Chintala,
Szlam & Fergus, "Deep Generative Image Models using a Laplacian Pyramid of Adversarial
Networks", NIPS 2015, arXiv:1506.05751; reference facebookarchive/eyescream; constants in
../shared/families.md §9). Networks: ``generator.name: lapgan`` / ``discriminator.name:
lapgan`` (``networks/lapgan.py``); the pyramid: ``layers/laplacian.py``.

Each level k is a GAN of its own: real pairs (I_k, l_k) come from the data's pyramid
(l_k = u(I_{k+1}) of the **real** image), fake pairs are (l_k + G_k(l_k, n_k), l_k), and
the coarsest level is an unconditional GAN on I_K. Levels are trained **independently**:
every fake is built from real low-passes, so no gradient crosses levels.

How the levels are trained — one model, one step, all levels at once. The levels travel
as one packed tensor (``lapgan.pack``), the discriminator returns one logit per level and
the objective averages them, so one step updates every level with its own loss. The
levels' parameters are disjoint, hence the gradient each receives is its own level's loss
(scaled by 1/levels, which Adam's normalisation removes) — the same updates as stepping
the levels in turn with an optimizer each, while the suite's step, stateless draws,
global-batch scaling, EMA, finite checks, checkpointing and distribution are reused as
they are. Stepping the levels in turn would add nothing but K + 1 times the Python and
checkpoint machinery.

Deviations from eyescream, stated: Adam (the suite's recipes) rather than SGD with
momentum 0.5; N(0, 1) noise planes rather than U(−1, 1); levels 7 → 14 → 28 on
Fashion-MNIST (its §12) and 16 → 32 → 64 on the glyphs.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfgan_suite.gans.base import MEASUREMENT_STREAM, AdversarialModel
from tfgan_suite.gans.conditional import ConditionalGAN
from tfgan_suite.layers import laplacian
from tfgan_suite.networks import lapgan as lap


class _Laplacian:
    """What both LAPGAN models add to their base: the packed real levels and the fakes
    generated from the real low-passes."""

    def _check_lapgan_networks(self, generator, discriminator, conditional: bool) -> None:
        name = "lapgan_cond" if conditional else "lapgan"
        if not isinstance(generator, lap.LAPGANGenerator):
            raise ValueError(f"generator.name: model {name} needs the Laplacian generator; "
                             f"accepted: lapgan, got {generator.name}")
        if not isinstance(discriminator, lap.LAPGANDiscriminator):
            raise ValueError(f"discriminator.name: model {name} needs the Laplacian "
                             f"discriminator; accepted: lapgan, got {discriminator.name}")
        g_config, d_config = generator.get_config(), discriminator.get_config()
        for key in ("levels", "conditional"):
            if g_config[key] != d_config[key]:
                raise ValueError(f"generator.{key} / discriminator.{key}: must agree, got "
                                 f"{g_config[key]!r} and {d_config[key]!r}")
        if bool(g_config["conditional"]) != conditional:
            other = "lapgan_cond" if g_config["conditional"] else "lapgan"
            raise ValueError(f"generator.conditional: model {name} needs conditional: "
                             f"{str(conditional).lower()} (or use model {other})")

    @property
    def num_levels(self) -> int:
        return self.generator.num_levels

    @property
    def image_channels(self) -> int:
        return int(self.generator.get_config()["channels"])

    def real_levels(self, images: tf.Tensor) -> tuple[list[tf.Tensor], list[tf.Tensor]]:
        """([I₀, …, I_K], [l₀, …, l_{K−1}]) of real images: the Gaussian pyramid and the
        up-sampled coarser level of each finer one."""
        gaussian = laplacian.gaussian_pyramid(images, self.num_levels)
        return gaussian, [laplacian.upsample(coarse) for coarse in gaussian[1:]]

    def prepare_reals(self, real: tf.Tensor, step) -> tf.Tensor:
        """The reals' levels, packed."""
        return lap.pack(*self.real_levels(real))

    def fake_conditions(self, real: tf.Tensor, labels, step, stream_id: int):
        """G is conditioned on the packed real batch (its low-passes) and the labels."""
        g_condition, d_condition = super().fake_conditions(real, labels, step, stream_id)
        return (real, g_condition), d_condition

    def fakes_for_discriminator(self, z, g_condition, step, update_stream: int,
                                training: bool = True):
        real, labels = g_condition
        _, lows = lap.unpack(real, self.image_channels, self.num_levels)
        fakes = self.generator.levels(z, lows, labels, training=training)
        return self.measure_fakes(lap.pack(fakes, lows), step,
                                  update_stream + MEASUREMENT_STREAM), {}

    def extra_d_losses(self, real_aux, fake_aux, labels, fake_condition):
        return super().extra_d_losses(real_aux, fake_aux, labels, fake_condition[1])

    def extra_g_losses(self, fake_aux, fake_condition):
        return super().extra_g_losses(fake_aux, fake_condition[1])


@keras.saving.register_keras_serializable(package="tfgan_suite")
class LAPGAN(_Laplacian, AdversarialModel):
    """Unconditional LAPGAN (``model: lapgan``): a ``lapgan`` generator and discriminator
    with ``conditional: false``; no options of its own (the levels are the networks')."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, **kwargs):
        self._check_lapgan_networks(generator, discriminator, conditional=False)
        super().__init__(generator, discriminator, **kwargs)


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ConditionalLAPGAN(_Laplacian, ConditionalGAN):
    """Class-conditional LAPGAN (``model: lapgan_cond``): every level's G_k and D_k also
    see the class; ``lapgan`` networks with ``conditional: true``."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, **kwargs):
        self._check_lapgan_networks(generator, discriminator, conditional=True)
        super().__init__(generator, discriminator, **kwargs)

    @classmethod
    def _kind(cls) -> str:
        return "lapgan_cond"

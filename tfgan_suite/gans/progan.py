"""ProGAN: progressive growing inside ``model.fit``.

Karras et al., "Progressive Growing of GANs for Improved Quality, Stability, and
Variation", ICLR 2018 (tkarras/progressive_growing_of_gans ``train.py``, ``loss.py``,
``networks.py``; constants in ../shared/families.md §14). The networks (``networks/progan``)
are built once at the final resolution and staged; the schedule (``gans/growth.py``) says,
from the real images shown (step × batch), which resolution they have and how far the
newest block is faded in. Per step, α is computed in the graph from the step counter, and
the reals are faded like the fakes: pooled to the stage's resolution R and, during a fade,
lerp(nearest-up(pool₂(x_R)), x_R, α), then nearest-upsampled to the final size (the
reference's ``process_reals``). At a phase boundary the growth callback moves the networks
to the new stage, has ``fit`` trace the step again (the graph changes with the resolution)
and, as the reference does, resets both Adam states (``progan.reset_optimizer``).

Only the active blocks' variables are trained; the optimizers hold every variable from the
start, so a checkpoint has the whole state at any phase, and a run killed mid-phase resumes
at the same phase, α and step: the stage is a function of the restored step.

Loss (the reference's): WGAN-GP, λ = 10, plus drift 0.001·D(x)² — ``objective: wasserstein``
with ``penalties: {gp: {weight: 10}, drift: {weight: 0.001}}`` in
``configs/progan_fashion_mnist.yaml``; Adam(0.001, β = (0, 0.99)).
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import tensorflow as tf

from tfgan_suite.gans.base import AdversarialModel
from tfgan_suite.gans.growth import GrowthSchedule, Stage
from tfgan_suite.networks import progan as staged


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ProGAN(AdversarialModel):
    """Progressive growing of staged networks (``generator.name: progan``,
    ``discriminator.name: progan``) by ``GrowthSchedule``; its own section ``progan``.

    Args:
        generator, discriminator: staged ProGAN networks of one final resolution.
        start_resolution: the first stage's resolution (4 in the paper).
        stabilise_images, fade_images: real images per stabilise and per fade phase; each
            phase must last a whole number of ``fit`` executions (batch ×
            steps_per_execution), checked when training starts.
        batch_size: the global batch (real images per step).
        reset_optimizer: reset both Adam states at every phase start (the reference).
        **kwargs: ``AdversarialModel``'s.
    """

    section = "progan"

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 start_resolution: int = 4, stabilise_images: int = 20_000,
                 fade_images: int = 20_000, batch_size: int = 32,
                 reset_optimizer: bool = True, **kwargs):
        for field, network in (("generator", generator), ("discriminator", discriminator)):
            if not staged.staged_layers(network):
                raise ValueError(f"{field}.name: model progan grows staged networks; "
                                 f"accepted: progan, got {network.name}")
        super().__init__(generator, discriminator, **kwargs)
        final = int(generator.outputs[0].shape[1])
        self.schedule = GrowthSchedule(start=int(start_resolution), final=final,
                                       stabilise_images=int(stabilise_images),
                                       fade_images=int(fade_images))
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"data.batch_size: a positive integer, got {batch_size!r}")
        self.batch_size = batch_size
        self.reset_optimizer = bool(reset_optimizer)
        self.stage: Optional[Stage] = None
        self.sync_stage()

    # --- configuration ---------------------------------------------------------------------

    @classmethod
    def options_from_config(cls, config: dict, facts) -> dict[str, Any]:
        section = config.get(cls.section) or {}
        options = {key: section[key] for key in ("start_resolution", "stabilise_images",
                                                  "fade_images", "reset_optimizer")
                   if key in section}
        options["batch_size"] = int(config["data"]["batch_size"])
        return options

    def get_config(self) -> dict[str, Any]:
        return dict(super().get_config(), start_resolution=self.schedule.start,
                    stabilise_images=self.schedule.stabilise_images,
                    fade_images=self.schedule.fade_images, batch_size=self.batch_size,
                    reset_optimizer=self.reset_optimizer)

    # --- the stage ---------------------------------------------------------------------------

    def _networks(self) -> list[keras.Model]:
        return [n for n in (self.generator, self.ema_generator, self.discriminator) if n]

    def stage_at(self, step: int) -> Stage:
        return self.schedule.at(int(step) * self.batch_size)

    def sync_stage(self) -> bool:
        """Bring every network to the stage of the current step (α included); True when the
        resolution or fading changed, i.e. traced functions are stale."""
        stage = self.stage_at(int(self.step_counter.numpy()))
        changed = (self.stage is None or (stage.resolution, stage.fading)
                   != (self.stage.resolution, self.stage.fading))
        if changed:
            for network in self._networks():
                staged.set_stage(network, stage.resolution, stage.fading)
            self._sample_fn = None
        for network in self._networks():
            staged.set_alpha(network, stage.alpha)
        self.stage = stage
        return changed

    def refresh_standing_statistics(self, force: bool = False) -> bool:
        """Sampling and the training callbacks call this first: ProGAN also brings the
        networks to the step's stage (e.g. after a checkpoint was restored)."""
        self.sync_stage()
        return super().refresh_standing_statistics(force)

    def _alpha_at(self, step) -> tf.Tensor:
        """α of the traced stage at ``step``, in the graph (1 unless fading)."""
        if not self.stage.fading:
            return tf.constant(1.0)
        fade_start = self.schedule.phase_starts()[self.stage.phase]
        images = tf.cast(step, tf.float32) * float(self.batch_size)
        return tf.clip_by_value((images - fade_start) / float(self.schedule.fade_images),
                                0.0, 1.0)

    # --- the step's hooks --------------------------------------------------------------------

    def prepare_reals(self, real: tf.Tensor, step) -> tf.Tensor:
        """Sets α for this step and fades the reals as the generator's output is faded."""
        alpha = self._alpha_at(step)
        for network in self._networks():
            staged.set_alpha(network, alpha)
        resolution, final = self.stage.resolution, self.schedule.final
        x = staged.pool(real, final // resolution)
        if self.stage.fading:
            low = staged.nearest(staged.pool(x, 2), 2)
            x = (1.0 - alpha) * low + alpha * x
        return staged.nearest(x, final // resolution)

    def _generator_variables(self) -> list:
        return staged.active_variables(self.generator)

    def _discriminator_variables(self) -> list:
        return staged.active_variables(self.discriminator)

    def training_callbacks(self) -> list:
        return [GrowthCallback(self)]

    def reset_optimizers(self) -> None:
        """Adam as new (moments and step count 0); the learning rates are kept."""
        for optimizer in (self.d_optimizer, self.g_optimizer):
            inner = getattr(optimizer, "inner_optimizer", optimizer)
            for variable in inner.variables:
                if variable.path.endswith("learning_rate"):
                    continue
                variable.assign(tf.zeros_like(variable))


class GrowthCallback(keras.callbacks.Callback):
    """Moves a ``ProGAN`` through its phases inside ``fit``: before each execution, if the
    step's stage changed, re-stage the networks, trace the step again and (per the model)
    reset the optimizers at a new phase."""

    def __init__(self, model: ProGAN):
        super().__init__()
        self._progan = model

    def on_train_begin(self, logs=None):
        model = self._progan
        executions = model.batch_size * int(getattr(model, "steps_per_execution", 1) or 1)
        for field, value in (("stabilise_images", model.schedule.stabilise_images),
                             ("fade_images", model.schedule.fade_images)):
            if value % executions:
                raise ValueError(f"progan.{field}: a multiple of data.batch_size × "
                                 f"train.steps_per_execution ({executions}) so that phases "
                                 f"start between executions, got {value}")
        model.stage = None  # re-stage from the (possibly restored) step
        model.sync_stage()
        model.make_train_function(force=True)

    def on_train_batch_begin(self, batch, logs=None):
        model = self._progan
        phase = model.stage.phase
        if model.sync_stage():
            model.make_train_function(force=True)
        if model.stage.phase != phase and model.reset_optimizer:
            model.reset_optimizers()

"""Progressive growing's schedule: which resolution the networks have, and how far the
newest block is faded in, after a given number of real images shown to D.

Karras et al., "Progressive Growing of GANs", ICLR 2018 (tkarras/progressive_growing_of_gans
``train.py`` ``TrainingSchedule``): training alternates a *stabilise* phase at a resolution
with a *fade* phase into the next, from ``start`` up to ``final``:

    stabilise 4² │ fade 4²→8² │ stabilise 8² │ fade 8²→16² │ … │ stabilise final² (forever)

In the reference's terms the level of detail is lod = log2(final) − log2(start) − k during
stabilise phase k and falls linearly by 1 across the fade that follows it; the networks are
built for resolution final / 2^⌊lod⌋, so the resolution doubles at the *start* of a fade,
and the new block's weight is α = 1 − (lod − ⌊lod⌋) (0 at the fade's start, 1 at its end;
1 while stabilising). The reference resets Adam at the start of every phase (stabilise and
fade alike); ``Stage.phase`` numbers them so a trainer can tell when one begins.

Images, not steps, drive the schedule, so it does not depend on the batch size.
"""

from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class Stage:
    """Where training is: ``resolution`` the networks have; ``alpha`` ∈ [0, 1] the fade-in
    weight of the newest block (1: fully in); ``fading``; ``phase``: index of the current
    phase (stabilise 0, fade 1, stabilise 2, …); ``lod`` as the reference defines it."""

    resolution: int
    alpha: float
    fading: bool
    phase: int
    lod: float


@dataclasses.dataclass(frozen=True)
class GrowthSchedule:
    """Progressive growing from ``start`` to ``final`` pixels, ``stabilise_images`` real
    images per stabilise phase and ``fade_images`` per fade (0: jump without fading).

    Raises:
        ValueError: a resolution that is not a power of two ≥ 4, ``start`` > ``final``, or
            a non-positive phase length; the message names the field (``progan.<field>``).
    """

    start: int = 4
    final: int = 32
    stabilise_images: int = 20_000
    fade_images: int = 20_000
    section: str = "progan"

    def __post_init__(self):
        for field in ("start", "final"):
            value = getattr(self, field)
            if (not isinstance(value, int) or isinstance(value, bool) or value < 4
                    or value & (value - 1)):
                raise ValueError(f"{self.section}.{field}_resolution: a power of two ≥ 4, "
                                 f"got {value!r}")
        if self.start > self.final:
            raise ValueError(f"{self.section}.start_resolution: at most the final resolution "
                             f"{self.final}, got {self.start}")
        if not isinstance(self.stabilise_images, int) or self.stabilise_images < 1:
            raise ValueError(f"{self.section}.stabilise_images: a positive integer, got "
                             f"{self.stabilise_images!r}")
        if not isinstance(self.fade_images, int) or self.fade_images < 0:
            raise ValueError(f"{self.section}.fade_images: a non-negative integer, got "
                             f"{self.fade_images!r}")

    @property
    def growths(self) -> int:
        """How many times the resolution doubles."""
        return int(math.log2(self.final) - math.log2(self.start))

    @property
    def resolutions(self) -> tuple[int, ...]:
        return tuple(self.start * 2 ** k for k in range(self.growths + 1))

    @property
    def images_to_final(self) -> int:
        """Real images shown before the final stabilise phase begins."""
        return self.growths * (self.stabilise_images + self.fade_images)

    def at(self, images: int) -> Stage:
        """The stage after ``images`` real images (≥ 0)."""
        if images < 0:
            raise ValueError(f"images: must be non-negative, got {images}")
        period = self.stabilise_images + self.fade_images
        growth = min(images // period, self.growths)
        into = images - growth * period
        fading = growth < self.growths and into >= self.stabilise_images
        if not fading:
            lod = float(self.growths - growth)
            return Stage(self.start * 2 ** growth, 1.0, False, 2 * growth, lod)
        alpha = (into - self.stabilise_images) / self.fade_images
        lod = self.growths - growth - alpha
        return Stage(self.start * 2 ** (growth + 1), alpha, True, 2 * growth + 1, lod)

    def phase_starts(self) -> list[int]:
        """The image counts at which each phase begins (where the reference resets Adam)."""
        starts = []
        for growth in range(self.growths):
            base = growth * (self.stabilise_images + self.fade_images)
            starts.append(base)
            if self.fade_images:
                starts.append(base + self.stabilise_images)
        starts.append(self.images_to_final)
        return starts

    def check_data(self, image_size: int) -> None:
        """A schedule must end at the data's resolution (``data.image_size``)."""
        if image_size != self.final:
            raise ValueError(f"{self.section}.final_resolution: must equal data.image_size "
                             f"({image_size}), got {self.final}; accepted: the data's side")

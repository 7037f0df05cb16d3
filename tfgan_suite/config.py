"""The config schema — every default lives here — and the YAML loader with ``--set`` overrides.

A recipe (``configs/*.yaml``) overrides this schema; ``--set a.b=value`` overrides the
recipe. Unknown keys and bad values raise ``ConfigError`` (a ``ValueError``) whose one-line
message names the field and lists what is accepted. Two sections are *open*: the network
sections (``generator``, ``discriminator``) take the options of the network class their
``name`` selects, and ``penalties`` maps penalty names to their options; those are checked
against the network and penalty registries when the model is built (``factory.py``).

Run ``tfgan_suite.config.describe()`` (or read ``SCHEMA`` below) for the documented list.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from typing import Any, Callable, Optional, Sequence, Union

import yaml


class ConfigError(ValueError):
    """A config field has an unknown key or a bad value."""


@dataclasses.dataclass(frozen=True)
class Field:
    """One leaf of the schema: default, documentation and accepted values."""

    default: Any
    doc: str
    types: tuple = ()
    choices: Optional[Sequence[Any]] = None
    check: Optional[Callable[[Any], Optional[str]]] = None  # returns an error or None
    nullable: bool = False

    def validate(self, path: str, value: Any) -> Any:
        if value is None and (self.nullable or self.default is None):
            return None
        types = self.types or (type(self.default),)
        if float in types and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = "/".join(t.__name__ for t in types)
            raise ConfigError(f"{path}: expected {names}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ConfigError(f"{path}: unknown value {value!r}; accepted: "
                              f"{', '.join(map(str, self.choices))}")
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ConfigError(f"{path}: {problem}, got {value!r}")
        return value


def _positive(value) -> Optional[str]:
    return None if value > 0 else "must be positive"


def _non_negative(value) -> Optional[str]:
    return None if value >= 0 else "must be non-negative"


def _unit_interval(value) -> Optional[str]:
    return None if 0.0 <= value < 1.0 else "must be in [0, 1)"


def _unit_closed(value) -> Optional[str]:
    return None if 0.0 <= value <= 1.0 else "must be in [0, 1]"


def _rotation_fields(model: str) -> dict[str, Field]:
    """The rotation self-supervision options of ``model`` (SS-GAN, Chen et al. 2019)."""
    return {
        "rotation_d_weight": Field(1.0, f"{model}: weight of the rotation loss on real images "
                                   "in the discriminator's loss (β).", (float,),
                                   check=_non_negative),
        "rotation_g_weight": Field(0.2, f"{model}: weight of the rotation loss on generated "
                                   "images in the generator's loss (α).", (float,),
                                   check=_non_negative),
        "rotated_batch_fraction": Field(2, f"{model}: 1/fraction of the batch gets rotated "
                                        "copies (every 4·fraction-th image at 0, 90, 180 "
                                        "and 270 degrees).", (int,), check=_positive),
    }


def _cyclegan_fields(model: str, pool_size: int, identity_steps: Optional[int] = None,
                     two_step: bool = False) -> dict[str, Field]:
    """The options of the CycleGAN step (gans/cyclegan.py) under ``model``'s defaults."""
    return {
        "cycle_weight": Field(10.0, f"{model}: λ of the cycle loss, each direction (Zhu et al. "
                              "2017, Kaneko & Kameoka 2018: 10).", (float,),
                              check=_non_negative),
        "identity_fraction": Field(0.5, f"{model}: weight of the identity loss relative to "
                                   "cycle_weight (0.5: 0.5·λ = 5; 0 disables it).",
                                   (float,), check=_non_negative),
        "identity_steps": Field(identity_steps, f"{model}: the identity loss is used for the "
                                "first identity_steps steps only, then its weight is 0 "
                                "(CycleGAN-VC: 10⁴); null = throughout.", (int,),
                                check=_non_negative, nullable=True),
        "two_step": Field(two_step, f"{model}: CycleGAN-VC2's two-step adversarial loss: two "
                          "more discriminators (the same architecture, their own weights) "
                          "judge the cycle-reconstructed features against real ones, and "
                          "their generator loss reaches both generators.", (bool,)),
        "pool_size": Field(pool_size, f"{model}: generated samples kept in each "
                           "discriminator's history pool (0: D sees only the current "
                           "fakes).", (int,), check=_non_negative),
    }


def _sequence_gan_fields(model: str, similarity_weight: float = 0.0,
                         feature_layer: Optional[str] = None) -> dict[str, Field]:
    """The options of the postfilters and GAN-VC (gans/postfilter.py) under ``model``'s
    defaults."""
    return {
        "adversarial": Field(True, f"{model}: train against the discriminator; false = the "
                             "same generator trained by its squared error only (mse_weight "
                             "> 0), D never run (the baselines).", (bool,)),
        "mse_weight": Field(0.0, f"{model}: λ of a data-space squared error between the "
                            "output and the natural target, relative to the adversarial "
                            "term (0: none).", (float,), check=_non_negative),
        "similarity_weight": Field(similarity_weight, f"{model}: λ_sim of the similarity "
                                   "½·mean‖D_l(y) − D_l(G(x))‖² measured in the "
                                   "discriminator's layer feature_layer (GAN-VC).", (float,),
                                   check=_non_negative),
        "feature_layer": Field(feature_layer, f"{model}: the discriminator's hidden layer l "
                               "of the similarity (null: none).", (str,), nullable=True),
    }


def _stargan_fields(model: str, adversarial: str, classifier_weight: float
                    ) -> dict[str, Field]:
    """The options of the StarGAN-VC step (gans/stargan_vc.py) under ``model``'s defaults."""
    return {
        "adversarial": Field(adversarial, f"{model}: target = D(y, c') judges a sample with "
                             "its target code only (StarGAN-VC); source_target = D(y, c, c') "
                             "with both codes, reals scored at (random c, c_y) "
                             "(StarGAN-VC2).", (str,), choices=("target", "source_target")),
        "classifier_weight": Field(classifier_weight, f"{model}: λ_cls of the domain "
                                   "classifier's loss (StarGAN-VC; 0: no classifier, as "
                                   "StarGAN-VC2's reimplementations).", (float,),
                                   check=_non_negative),
        "cycle_weight": Field(10.0, f"{model}: λ_cyc of the cycle loss.", (float,),
                              check=_non_negative),
        "identity_weight": Field(5.0, f"{model}: λ_id of the identity loss G(x, c, c) ≈ x.",
                                 (float,), check=_non_negative),
        "identity_steps": Field(10000, f"{model}: the identity loss is used for the first "
                                "identity_steps steps only (StarGAN-VC2: 10⁴); null = "
                                "throughout.", (int,), check=_non_negative, nullable=True),
        "classifier": Field(None, f"{model}: options of the domain classifier network "
                            "(stargan_vc_classifier), e.g. {classifier_dims: 8}; used when "
                            "classifier_weight > 0.", (dict,), nullable=True),
    }


def _codes_problem(value) -> Optional[str]:
    """The first problem of a list of latent codes (gans/latent.py), or None."""
    from tfgan_suite.gans import latent

    try:
        latent.parse(value)
    except ValueError as error:
        return str(error)
    return None


#: Open sections: any key, checked later against a registry.
OPEN = object()

SCHEMA: dict[str, Any] = {
    "seed": Field(0, "Seed of initial weights, data order and every training draw.", (int,)),
    "deterministic": Field(False, "TensorFlow's deterministic kernels and one intra-op and "
                           "one inter-op thread (slower on large networks): reruns reproduce "
                           "the weights bit for bit (docs/concepts/randomness.md).", (bool,)),
    "model": Field("gan", "GAN family (gans registry): gan = unconditional adversarial model; "
                   "cgan = class-conditional G(z, y) and D(x, y) (concat or projection "
                   "discriminator); acgan = G(z, y) and D(x) with an auxiliary classifier; "
                   "racgan / rcgan = label-noise-robust AC-GAN / cGAN (section rgan); cpgan = "
                   "classifier's posterior GAN for overlapping classes (section cpgan); "
                   "s3gan = projection GAN with rotation self-supervision and a label "
                   "predictor for few labels (section s3gan); ssgan = unconditional GAN "
                   "with rotation self-supervision (section ssgan); ambientgan = GAN from "
                   "lossy measurements (data.corruption); progan = progressive growing "
                   "(section progan); stylegan / stylegan2 = style-based generators with "
                   "mixing, w̄ and truncation in W (sections stylegan, stylegan2; "
                   "generator.name stylegan / stylegan2); msggan = multi-scale gradients "
                   "(generator and discriminator name msggan); lapgan / lapgan_cond = Laplacian "
                   "pyramid of GANs, unconditional / class-conditional (generator and "
                   "discriminator name lapgan); stackgan = one StackGAN stage with conditioning "
                   "augmentation and a matching-aware discriminator (section stackgan; "
                   "generator.name stackgan1, or stackgan2 with generator.stage1_run); "
                   "cyclegan = unpaired image-to-image translation, two translators and two "
                   "PatchGANs with cycle and identity losses (section cyclegan); pix2pix = "
                   "paired translation, a conditional PatchGAN plus L1 (section pix2pix); "
                   "both read two-domain data (data.domains). Speech conversion (data.name "
                   "voices:<corpus>): cyclegan_vc / cyclegan_vc2 = one-to-one CycleGAN-VC "
                   "and CycleGAN-VC2 (two-step adversarial loss); stargan_vc / stargan_vc2 = "
                   "many-to-many StarGAN-VC (target-conditional D plus a domain classifier) "
                   "and StarGAN-VC2 (source-and-target conditional D); against "
                   "over-smoothing, on aligned pairs (data.inputs, data.features): ganpf / "
                   "ganpf_stft = GAN postfilters of mel-cepstra / banded STFT spectrograms, "
                   "ganvc = a parallel converter with a similarity learned by its "
                   "discriminator; sections of the same names.", (str,)),
    "conditional": {
        "aux_weight": Field(1.0, "acgan (and racgan, cpgan): weight of the auxiliary "
                            "classifier's loss terms in the discriminator's loss (and in the "
                            "generator's unless g_aux_weight is set).", (float,),
                            check=_non_negative),
        "g_aux_weight": Field(None, "acgan: weight of the classifier term in the generator's "
                              "loss; null = aux_weight. rGAN's reference code uses 0.1.",
                              (float,), check=_non_negative, nullable=True),
        "fake_class_loss": Field(True, "acgan: the discriminator's classifier also learns the "
                                 "generated images' classes (TF-GAN's AC-GAN); false = real "
                                 "images only (rGAN's and CP-GAN's AC-GAN).", (bool,)),
    },
    "rgan": {
        "transition": Field("known", "racgan / rcgan: the label-noise transition matrix T "
                            "(T_ij = p(noisy j | clean i)): known = the one "
                            "data.corruption.label_noise applied; estimated = Patrini et "
                            "al.'s anchor points of a classifier trained on the noisy labels.",
                            (str,), choices=("known", "estimated")),
        "label_sampling": Field("forward", "racgan / rcgan: how a fake's (clean, noisy) label "
                                "pair is drawn: forward = clean uniform, noisy from row T[y] "
                                "(the paper); posterior = noisy from the real batch, clean "
                                "from column T[:, noisy] normalised (the reference code).",
                                (str,), choices=("forward", "posterior")),
        "anchor_percentile": Field(97.0, "transition=estimated: percentile of p(noisy=i|x) "
                                   "whose example is class i's anchor (100 = argmax).",
                                   (float,), check=lambda v: None if 0.0 < v <= 100.0
                                   else "must be in (0, 100]"),
    },
    "stackgan": {
        "kl_weight": Field(2.0, "stackgan: weight of the conditioning augmentation's "
                           "KL(N(mu, sigma^2) || N(0, I)), averaged over dimensions, in the "
                           "generator's loss (the reference's 2.0; the paper's lambda = 1).",
                           (float,), check=_non_negative),
        "matching_aware": Field(True, "stackgan: the discriminator also counts real images "
                                "with a mismatched condition as fake (L_D = real + (wrong + "
                                "fake) / 2).", (bool,)),
    },
    "cpgan": {
        "kl_weight": Field(0.4, "cpgan: weight of the generator's KL(s || C(G(z, s))) term "
                           "(Kaneko et al. 2019).", (float,), check=_non_negative),
    },
    "nrgan": {
        "variant": Field("si1", "nrgan: how the noise generator is constrained (Kaneko & "
                         "Harada 2020): si1 = n = G_n(z_n)·ε (signal-independent, distribution); "
                         "si2 = a random rotation / channel permutation / sign flip of G_n(z_n) "
                         "(signal-independent, transformation); sd1 = known dependence "
                         "(nrgan.signal_dependence); sd2 = G_n(z_x, z_n)·ε; sd3 = a sign flip "
                         "of G_n(z_x, z_n).", (str,), choices=("si1", "si2", "sd1", "sd2", "sd3")),
        "signal_dependence": Field("multiplicative", "nrgan variant sd1: the noise's known "
                                   "dependence on the image: multiplicative (n ∝ x) or poisson "
                                   "(n ∝ √x).", (str,),
                                   choices=("multiplicative", "poisson")),
        "noise_latent_dim": Field(None, "nrgan: size of the noise generator's own z_n (null: "
                                  "the generator's latent_dim).", (int,), check=_positive),
        "diversity_weight": Field(0.02, "nrgan: weight λ_ds of the diversity-sensitive term "
                                  "on the generated noise (0 disables it).", (float,),
                                  check=_non_negative),
    },
    "cyclegan": _cyclegan_fields("cyclegan", pool_size=50),
    # The speech CycleGANs (gans/voice_conversion.py): the image step with its options.
    "cyclegan_vc": _cyclegan_fields("cyclegan_vc", pool_size=0, identity_steps=10000),
    "cyclegan_vc2": _cyclegan_fields("cyclegan_vc2", pool_size=0, identity_steps=10000,
                                     two_step=True),
    "stargan_vc": _stargan_fields("stargan_vc", adversarial="target", classifier_weight=1.0),
    "stargan_vc2": _stargan_fields("stargan_vc2", adversarial="source_target",
                                   classifier_weight=0.0),
    # The postfilters and the parallel converter (gans/postfilter.py).
    "ganpf": _sequence_gan_fields("ganpf"),
    "ganpf_stft": _sequence_gan_fields("ganpf_stft"),
    "ganvc": _sequence_gan_fields("ganvc", similarity_weight=1.0, feature_layer="d3_glu"),
    "pix2pix": {
        "l1_weight": Field(100.0, "pix2pix: λ of the L1 distance between G(a) and its pair b "
                           "(Isola et al. 2017: 100).", (float,), check=_non_negative),
    },
    "progan": {
        "start_resolution": Field(4, "progan: the first stage's resolution (Karras et al. "
                                  "2018: 4); a power of two, at most data.image_size.",
                                  (int,), check=_positive),
        "stabilise_images": Field(20000, "progan: real images shown per stabilise phase "
                                  "(paper 800k; 2-core adaptation 20k); a multiple of "
                                  "data.batch_size × train.steps_per_execution.", (int,),
                                  check=_positive),
        "fade_images": Field(20000, "progan: real images per fade-in phase (0: grow without "
                             "fading); a multiple of data.batch_size × "
                             "train.steps_per_execution.", (int,), check=_non_negative),
        "reset_optimizer": Field(True, "progan: reset both Adam states at every phase start, "
                                 "as the reference does.", (bool,)),
    },
    "stylegan": {
        "mixing_probability": Field(0.9, "stylegan: probability of style mixing per update "
                                    "(Karras et al. 2019: 0.9; 0 disables it).", (float,),
                                    check=_unit_closed),
        "w_avg_decay": Field(0.995, "stylegan: β of the tracked average w̄ ← β·w̄ + (1 − β)·"
                             "mean(w), the centre of truncation in W.", (float,),
                             check=_unit_interval),
        "truncation_cutoff": Field(None, "stylegan: style slots truncated by tfgan sample "
                                   "--truncation ψ (null: all; at most the generator's "
                                   "slots, 2·log2(image_size) − 2).", (int,), check=_positive,
                                   nullable=True),
    },
    "stylegan2": {
        "mixing_probability": Field(0.9, "stylegan2: as stylegan.mixing_probability.",
                                    (float,), check=_unit_closed),
        "w_avg_decay": Field(0.995, "stylegan2: as stylegan.w_avg_decay.", (float,),
                             check=_unit_interval),
        "truncation_cutoff": Field(None, "stylegan2: as stylegan.truncation_cutoff (the "
                                   "reference truncates every slot).", (int,),
                                   check=_positive, nullable=True),
        "pl_weight": Field(2.0, "stylegan2: weight of the path-length penalty (0 disables "
                           "it).", (float,), check=_non_negative),
        "pl_interval": Field(4, "stylegan2: generator updates between path-length terms "
                             "(lazy regularisation; the term is multiplied by it).", (int,),
                             check=_positive),
        "pl_decay": Field(0.01, "stylegan2: rate of the running mean of path lengths.",
                          (float,), check=_unit_closed),
        "pl_batch_shrink": Field(2, "stylegan2: the path-length batch is data.batch_size "
                                 "divided by this.", (int,), check=_positive),
    },
    "infogan": {
        "codes": Field([{"name": "c1", "kind": "categorical", "size": 10, "weight": 1.0},
                        {"name": "c2", "kind": "continuous", "size": 2, "weight": 1.0}],
                       "infogan: the latent codes (gans/latent.py), a list of {name, kind: "
                       "categorical | continuous | tree, size (categories or dimensions), "
                       "weight (λ of its mutual-information term), branching / "
                       "layer_weights / layer_starts (tree)}. Default: Chen et al.'s MNIST "
                       "codes, one 10-way categorical and two continuous U(-1, 1).",
                       (list,), check=_codes_problem),
    },
    "cfgan": {
        "codes": Field([{"name": "tops", "kind": "categorical", "size": 5, "attribute": 0,
                         "weight": 1.0},
                        {"name": "footwear", "kind": "categorical", "size": 3, "attribute": 2,
                         "weight": 1.0}],
                       "cfgan: latent codes as infogan.codes, each tied to an observed "
                       "attribute id by 'attribute' (live only when it is on). Default: "
                       "Fashion-MNIST's garment groups (data.label_view: garment_group) — a "
                       "5-way code for the tops (group 0), a 3-way code for the footwear "
                       "(group 2).", (list,), check=_codes_problem),
    },
    "dtlcgan": {
        "codes": Field([{"name": "tree", "kind": "tree", "branching": [4, 5],
                         "layer_weights": [1.0, 1.0], "layer_starts": [0, 2000]}],
                       "dtlcgan: latent codes as infogan.codes; a decision tree (kind: tree) "
                       "gives one code per layer, the children of unselected parents zero. "
                       "Default: 4 nodes (one per Fashion-MNIST garment group, hoped for), "
                       "each with 5 children; layer 2's MI term from step 2000 (curriculum).",
                       (list,), check=_codes_problem),
        "supervised": Field(False, "dtlcgan: weakly supervised — the tree's first layer is "
                            "the observed label (one node per class of the data, e.g. "
                            "data.label_view: garment_group), and D also learns it on real "
                            "images.", (bool,)),
    },
    "ssgan": _rotation_fields("ssgan"),
    "s3gan": {
        **_rotation_fields("s3gan"),
        "classifier_weight": Field(1.0, "s3gan: weight of the label predictor's "
                                   "cross-entropy on the labelled real images.", (float,),
                                   check=_non_negative),
    },
    "data": {
        "name": Field("ring", "Dataset: ring | grid (toy 2-D), fashion_mnist, digits, glyphs, "
                      "tfds:<name>, folder:<path>; two-domain (translation models): "
                      "fashion_edges, folder:<path> (a sub-folder per domain), "
                      "tfds:cycle_gan/<pair>; speech (conversion models): voices:esp4, "
                      "voices:mix4, voices:folder:<path> (data/voices/training.py).", (str,)),
        "split": Field("train", "Split to train on.", (str,), choices=("train", "test")),
        "label_view": Field("class", "What a model sees of each image's class (data/views.py): "
                            "class, garment_group (Fashion-MNIST's tops / bottoms / "
                            "footwear / bags; the class itself hidden, evaluation still "
                            "judges it) or glyph_description (glyphs: one id per character, "
                            "weight and slant, StackGAN's descriptions).", (str,),
                            choices=("class", "garment_group", "glyph_description")),
        "domains": Field(None, "Translation models (cyclegan, pix2pix): the two domains, A "
                         "first (a2b translates A into B), e.g. [edges, garments] of "
                         "fashion_edges, two sub-folders of folder:<path>, [A, B] of "
                         "tfds:cycle_gan/<pair>; null = the source's two in order "
                         "(data/domains.py). Speech: the speakers, source first for "
                         "cyclegan_vc (e.g. [m3, f2]); two or more for stargan_vc, null = "
                         "every voice.", (list,), nullable=True),
        "subset": Field("full", "Speech corpora (voices:<corpus>): full, or tiny (2 voices × "
                        "24 sentences, for tests).", (str,), choices=("full", "tiny")),
        "inputs": Field(None, "Speech pairs (ganpf, ganpf_stft, ganvc; data/voices/pairs.py): "
                        "parallel = the source re-timed onto the target's frames, "
                        "oversmoothed = a squared-error converter's output of it "
                        "(cross-fitted on P-train); null = the model's own.", (str,),
                        choices=("parallel", "oversmoothed"), nullable=True),
        "features": Field(None, "Speech pairs: mcep (c0..c24) or stft (log-STFT magnitude, "
                          "257 bins); null = the model's own.", (str,),
                          choices=("mcep", "stft"), nullable=True),
        "converter_steps": Field(1500, "Speech pairs, inputs oversmoothed: training steps of "
                                 "each squared-error converter that makes them.", (int,),
                                 check=_positive),
        "segment_frames": Field(64, "Speech: frames (5 ms each) of a training crop; a "
                                "multiple of 4.", (int,), check=_positive),
        "paired": Field(False, "Translation: train on pairs (row i of both domains shows the "
                        "same thing; pix2pix needs it); false = two unrelated collections.",
                        (bool,)),
        "batch_size": Field(256, "Global batch size (split across replicas).", (int,),
                            check=_positive),
        "image_size": Field(None, "Resize/pad images to this size; null keeps native size.",
                            (int,), check=_positive, nullable=True),
        "n_modes": Field(8, "ring: number of modes.", (int,), check=_positive),
        "radius": Field(1.0, "ring: radius.", (float,), check=_positive),
        "side": Field(5, "grid: modes per side.", (int,), check=_positive),
        "spacing": Field(2.0, "grid: distance between neighbouring modes.", (float,),
                         check=_positive),
        "std": Field(None, "toy: std of each mode; null = ring 0.01, grid 0.05.", (float,),
                     check=_positive, nullable=True),
        "corruption": {  # data/corruptions.py; applied once to the training labels
            "label_noise": {
                "kind": Field("none", "Label noise of the training labels: none, symmetric "
                              "(T = (1-rate) I + rate/c 11^T) or asymmetric (Fashion-MNIST "
                              "confusable classes, data/corruptions.py).", (str,),
                              choices=("none", "symmetric", "asymmetric")),
                "rate": Field(0.0, "Label noise rate μ, in [0, 1).", (float,),
                              check=_unit_interval),
            },
            "class_overlap": Field("none", "Overlapping classes: none, or 10to5 (CP-GAN: class "
                                   "c is observed as c//2 or (c//2 + c%2) % 5, 5 classes).",
                                   (str,), choices=("none", "10to5")),
            "label_fraction": Field(1.0, "Fraction of the training labels kept; the rest are "
                                    "unlabelled (label -1).", (float,),
                                    check=lambda v: None if 0.0 < v <= 1.0
                                    else "must be in (0, 1]"),
            "label_selection": Field("random", "Which labels label_fraction keeps: random "
                                     "(one seeded permutation of all examples) or per_class "
                                     "(the fraction of each class: 1 % of Fashion-MNIST = "
                                     "60 per class).", (str,),
                                     choices=("random", "per_class")),
            "unlabelled": Field("keep", "Examples without a label: keep (models that use "
                                "them, e.g. s3gan) or drop (train on the labelled ones only).",
                                (str,), choices=("keep", "drop")),
            "image_noise": Field("none", "Noise of the training images (NR-GAN's table, "
                                 "data/image_corruptions.py): none or A-P, e.g. A = "
                                 "Gaussian σ 25/255, G = brown, I = multiplicative, M = "
                                 "Poisson λ 30.", (str,),
                                 choices=("none",) + tuple("ABCDEFGHIJKLMNOP")),
            "measurement": {
                "kind": Field("none", "Lossy measurement of the training images "
                              "(AmbientGAN): none, block_pixels (p), block_patch / "
                              "keep_patch (patch), convolve_noise (sigma).", (str,),
                              choices=("none", "block_pixels", "block_patch", "keep_patch",
                                       "convolve_noise")),
                "p": Field(0.5, "block_pixels: probability that a pixel is blocked, in "
                           "[0, 1).", (float,), check=_unit_interval),
                "patch": Field(14, "block_patch / keep_patch: side of the square patch.",
                               (int,), check=_positive),
                "sigma": Field(0.1, "convolve_noise: std of the added Gaussian noise (on the "
                               "[-1, 1] scale).", (float,), check=_non_negative),
            },
            "restore": Field("none", "Restore-then-GAN: restore the corrupted training "
                             "images with a classical scikit-image method before training "
                             "(data/restoration.py): none, auto (fits the corruption), "
                             "nl_means, tv_chambolle, inpaint_biharmonic, wiener.", (str,),
                             choices=("none", "auto", "nl_means", "tv_chambolle",
                                      "inpaint_biharmonic", "wiener")),
            "seed": Field(12345, "Seed of the corruption (fixed per example, independent of "
                          "the run's seed; rGAN's reference code uses 12345).", (int,)),
        },
    },
    "generator": OPEN,       # {name: <generators registry>, **options of that class}
    "discriminator": OPEN,   # {name: <discriminators registry>, **options}
    "objective": {
        "name": Field("non_saturating", "Adversarial objective (objectives.names()).", (str,)),
        "label_smoothing": Field(0.0, "One-sided label smoothing (minimax/non_saturating).",
                                 (float,), check=_unit_interval),
    },
    "penalties": OPEN,       # {gp|r1|r2|dragan|drift|clip: {weight, interval, ...}}
    "train": {
        "steps": Field(2000, "Generator updates in total.", (int,), check=_positive),
        "steps_per_epoch": Field(500, "Steps between sample grids / logs / checkpoints "
                                 "(see also checkpoint_every_*).",
                                 (int,), check=_positive),
        "max_minutes": Field(None, "Stop after this much wall-clock time (checked between "
                             "executions).", (float,), check=_positive, nullable=True),
        "n_critic": Field(1, "Discriminator updates per generator update.", (int,),
                          check=_positive),
        "d_learning_rate": Field(2e-4, "Adam learning rate of the discriminator.", (float,),
                                 check=_positive),
        "g_learning_rate": Field(2e-4, "Adam learning rate of the generator.", (float,),
                                 check=_positive),
        "lr_schedule": Field("constant", "Learning-rate schedule over train.steps: constant, "
                             "cosine / linear decay to zero, or constant_then_linear (constant "
                             "for the first half, then linearly to zero: CycleGAN's 100 + 100 "
                             "epochs).", (str,),
                             choices=("constant", "cosine", "linear", "constant_then_linear")),
        "beta_1": Field(0.5, "Adam β₁ (both networks).", (float,), check=_unit_interval),
        "beta_2": Field(0.999, "Adam β₂ (both networks).", (float,), check=_unit_interval),
        "ema_decay": Field(None, "Generator EMA decay; null disables the averaged copy.",
                           (float,), check=_unit_interval, nullable=True),
        "ema_start": Field(0, "Steps during which the EMA copies the generator.", (int,),
                           check=_non_negative),
        "ema_statistics": Field("copy", "BatchNorm moving statistics of the EMA generator: "
                                "copy (from the trained generator, every step) or standing "
                                "(recomputed from the averaged weights over "
                                "train.standing_batches batches before sampling and "
                                "checkpoints; BigGAN's standing statistics).", (str,),
                                choices=("copy", "standing")),
        "standing_batches": Field(16, "ema_statistics=standing: batches of data.batch_size "
                                  "fixed latents whose statistics are averaged.", (int,),
                                  check=_positive),
        "jit_compile": Field(False, "Compile the step with XLA.", (bool,)),
        "steps_per_execution": Field(1, "Steps run inside one tf.function call.", (int,),
                                     check=_positive),
        "fuse_discriminator_passes": Field(False, "One discriminator pass over real, fake "
                                           "(and GP-interpolated) examples; needs a "
                                           "discriminator without BatchNorm.", (bool,)),
        "on_nonfinite": Field("stop", "When a loss or weight turns NaN/Inf: stop (with the "
                              "step and the loss), or rollback to the last checkpoint with "
                              "lower learning rates.", (str,), choices=("stop", "rollback")),
        "rollback_lr_factor": Field(0.5, "rollback: learning rates are multiplied by this.",
                                    (float,), check=_unit_interval),
        "max_rollbacks": Field(3, "rollback: give up (stop) after this many.", (int,),
                               check=_non_negative),
        "checkpoints_to_keep": Field(3, "Checkpoints kept in checkpoints/.", (int,),
                                     check=_positive),
        "checkpoint_every_steps": Field(None, "Also checkpoint after this many steps since "
                                        "the last checkpoint (checked after each execution); "
                                        "null: epoch ends and the minutes bound only.", (int,),
                                        check=_positive, nullable=True),
        "checkpoint_every_minutes": Field(5.0, "Also checkpoint after this many minutes of "
                                          "wall clock since the last checkpoint, so a kill -9 "
                                          "loses at most about this much work (not under "
                                          "multi_worker, whose workers must save at the same "
                                          "steps: use checkpoint_every_steps there); null: "
                                          "epoch ends and the steps bound only.", (float,),
                                          check=_positive, nullable=True),
    },
    "sample": {
        "grid_size": Field(64, "Images in each sample grid (a square number is best).",
                           (int,), check=_positive),
        "seed": Field(0, "Seed of the fixed z used for the grids.", (int,)),
        "toy_points": Field(2500, "Points drawn for toy scatter plots.", (int,),
                            check=_positive),
    },
    "eval": {
        "every_epochs": Field(0, "Evaluate during training every N epochs (0 = never); logs "
                              "eval/<metric> to TensorBoard and keeps <run>/best.", (int,),
                              check=_non_negative),
        "every_minutes": Field(None, "Evaluate every N minutes of training time instead (and "
                               "once at the end): a quality-versus-time curve, written to "
                               "metrics.json under 'curve'. The evaluations' own time is not "
                               "counted against train.max_minutes. A resumed run's curve "
                               "starts again at 0 minutes (it covers that session).", (float,),
                               check=_positive, nullable=True),
        "n": Field(2000, "Samples per evaluation during training.", (int,), check=_positive),
        "metrics": Field(None, "Metric groups (evaluation.Evaluator); null = fd for images, "
                         "mode_coverage for toy data.", (list,), nullable=True),
        "monitor": Field(None, "Metric that selects the best checkpoint; null = fd_<space> "
                         "for images, modes for toy data.", (str,), nullable=True),
        "keep_best": Field(None, "Keep the checkpoint with the best value of this metric (e.g. "
                           "fd_fmnist) in <run>/best and make it the one that sample, eval, "
                           "export and report load by default (--checkpoint latest for the "
                           "last one); needs every_epochs or every_minutes. null = the best "
                           "is still kept (by monitor) but the latest checkpoint is loaded.",
                           (str,), nullable=True),
    },
    "distribute": {
        "strategy": Field("default", "tf.distribute strategy (distribute.py).", (str,),
                          choices=("default", "mirrored", "multi_worker", "tpu")),
        "logical_cpus": Field(None, "mirrored on a CPU-only machine: split the CPU into N "
                              "logical devices.", (int,), check=_positive, nullable=True),
        "devices": Field(None, "mirrored: explicit device names; null = all GPUs (or CPU).",
                         (list,), nullable=True),
        "tpu": Field(None, "tpu: TPU name or address; null = the local TPU.", (str,),
                     nullable=True),
    },
    "precision": Field("float32", "Compute precision (Keras dtype policy); variables stay "
                       "float32, generator outputs and logits are float32. auto = "
                       "mixed_bfloat16 where the hardware runs bf16 natively (a CPU with AMX "
                       "or AVX512_BF16, a GPU of compute capability >= 8.0, a TPU), float32 "
                       "elsewhere (emulated bf16 is slower than float32; hardware.py).", (str,),
                       choices=("auto", "float32", "mixed_bfloat16", "mixed_float16")),
}


def defaults() -> dict[str, Any]:
    """The schema's defaults as a plain nested dict."""

    def walk(node):
        if node is OPEN:
            return {}
        if isinstance(node, Field):
            return copy.deepcopy(node.default)
        return {key: walk(child) for key, child in node.items()}

    return walk(SCHEMA)


def describe() -> str:
    """Human-readable documentation of every field and its default."""
    lines = []

    def walk(node, prefix):
        for key, child in node.items():
            path = f"{prefix}{key}"
            if child is OPEN:
                lines.append(f"{path}: (open section, options of the selected class)")
            elif isinstance(child, Field):
                lines.append(f"{path} = {child.default!r}: {child.doc}")
            else:
                walk(child, path + ".")

    walk(SCHEMA, "")
    return "\n".join(lines)


def _merge(base: dict, update: dict, schema: Any, path: str) -> dict:
    for key, value in update.items():
        field_path = f"{path}{key}"
        if schema is OPEN:
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                base[key] = _merge(base[key], value, OPEN, field_path + ".")
            else:
                base[key] = copy.deepcopy(value)
            continue
        if key not in schema:
            level = path.rstrip(".") or "top level"
            raise ConfigError(f"{field_path}: unknown key; accepted at {level}: "
                              f"{', '.join(sorted(schema))}")
        child = schema[key]
        if isinstance(child, Field):
            base[key] = child.validate(field_path, value)
        elif child is OPEN:
            if not isinstance(value, dict):
                raise ConfigError(f"{field_path}: expected a mapping, got {value!r}")
            base[key] = _merge(base.get(key) or {}, value, OPEN, field_path + ".")
        else:
            if not isinstance(value, dict):
                raise ConfigError(f"{field_path}: expected a mapping of "
                                  f"{', '.join(sorted(child))}, got {value!r}")
            base[key] = _merge(base[key], value, child, field_path + ".")
    return base


def parse_override(item: str) -> tuple[str, Any]:
    """``"objective.name=hinge"`` → ``("objective.name", "hinge")``; values are YAML scalars."""
    if "=" not in item:
        raise ConfigError(f"--set: expected key=value, got {item!r}")
    key, raw = item.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set: malformed key {key!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as error:
        raise ConfigError(f"--set {key}: value {raw!r} is not valid YAML ({error})") from None
    if isinstance(value, str):
        try:  # YAML 1.1 reads "1e-3" as a string; users mean a number
            value = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            pass
    return key, value


def _nest(key: str, value: Any) -> dict:
    node: Any = value
    for part in reversed(key.split(".")):
        node = {part: node}
    return node


def read_yaml(path: Union[str, os.PathLike]) -> dict:
    """Parse a YAML config file (``safe_load``); errors name the file and the line."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ConfigError(f"config: file not found: {path}")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"config: malformed YAML in {path}{where}: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"config: {path} must hold a mapping at the top level, "
                          f"got {type(loaded).__name__}")
    return loaded


def load(config: Union[str, os.PathLike, dict, None] = None,
         overrides: Union[dict, Sequence[str], None] = None) -> dict[str, Any]:
    """Schema defaults ← recipe (a path or a dict) ← overrides → a validated config dict.

    Args:
        config: a YAML path, a dict, or None for the defaults.
        overrides: ``{"objective.name": "hinge"}`` or ``["objective.name=hinge", ...]``.
    """
    resolved = defaults()
    recipe = read_yaml(config) if isinstance(config, (str, os.PathLike)) else (config or {})
    resolved = _merge(resolved, recipe, SCHEMA, "")
    if overrides:
        items = (overrides.items() if isinstance(overrides, dict)
                 else (parse_override(item) for item in overrides))
        for key, value in items:
            resolved = _merge(resolved, _nest(key, value), SCHEMA, "")
    _check_eval(resolved["eval"])
    return resolved


def _check_eval(evaluation: dict) -> None:
    keep = evaluation["keep_best"]
    if keep is None:
        return
    if not (evaluation["every_epochs"] or evaluation["every_minutes"]):
        raise ConfigError(f"eval.keep_best: {keep!r} needs evaluations during training; set "
                          "eval.every_epochs or eval.every_minutes")
    if evaluation["monitor"] not in (None, keep):
        raise ConfigError(f"eval.keep_best: {keep!r} differs from eval.monitor "
                          f"{evaluation['monitor']!r}; set one of them (keep_best is the "
                          "monitor)")


def dump(config: dict, path: Union[str, os.PathLike]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)

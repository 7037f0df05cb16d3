"""Config → objects: the dataset, the networks, the GAN and its optimizers.

This is where the open config sections (``generator``, ``discriminator``, ``penalties``)
meet their registries, so a bad option fails before training with a message listing the
accepted ones.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import cache, networks, objectives, penalties
from tfgan_suite import data as data_lib
from tfgan_suite.data import corruptions, domains, image_corruptions, restoration, views
from tfgan_suite.data.voices import training as voice_training
from tfgan_suite.gans import GANS, translation

TOY_OPTIONS = {"ring": ("n_modes", "radius", "std"), "grid": ("side", "spacing", "std")}

#: Networks used when a recipe leaves a section's ``name`` unset.
DEFAULT_NETWORKS = {"toy": "mlp", "image": "dcgan"}


def toy_kwargs(data_cfg: dict) -> dict[str, Any]:
    """The ``toy2d`` arguments of the ``data`` section (ring or grid)."""
    return {key: data_cfg[key] for key in TOY_OPTIONS[data_cfg["name"]]
            if data_cfg.get(key) is not None}


def mixture(config: dict):
    """The toy mixture a toy config trains on (None for image data)."""
    name = config["data"]["name"]
    if name not in TOY_OPTIONS:
        return None
    return data_lib.toy2d(name, **toy_kwargs(config["data"]))


def corruption(config: dict, info: Optional[dict] = None) -> Optional[corruptions.Corruption]:
    """The training labels' corruption (``data.corruption``), or None when they are clean.
    ``info``: the dataset's ``dataset_info`` when the caller has it already."""
    data_cfg = config["data"]
    section = data_cfg.get("corruption")
    if not section or translates(config):  # translation: _check_domains refuses them
        return None
    info = info or data_lib.dataset_info(data_cfg["name"], image_size=data_cfg["image_size"])
    if info["num_classes"] is None:
        if corruptions.resolve(section, 2).active:
            raise ValueError(f"data.corruption: dataset {data_cfg['name']!r} has no labels "
                             "to corrupt; corruptions apply to labelled datasets")
        return None
    spec = corruptions.resolve(section, int(info["num_classes"]))
    return spec if spec.active else None


def image_corruption(config: dict) -> Optional[image_corruptions.ImageCorruption]:
    """The training images' corruption (``data.corruption`` image_noise / measurement), or
    None when they are clean."""
    data_cfg = config["data"]
    section = data_cfg.get("corruption")
    if translates(config):
        _check_domains(config)  # refuses corruptions
        return None
    spec = image_corruptions.resolve(section) if section else None
    if section and section.get("restore", "none") != "none":
        restoration.method_for(section["restore"], spec)  # raises on a mismatch
    if spec is None or not spec.active:
        return None
    if data_cfg["name"] in TOY_OPTIONS or data_cfg["name"].startswith("tfds:"):
        raise ValueError(f"data.corruption: image corruptions need an in-memory image "
                         f"dataset (fashion_mnist, digits, folder:<path>), got "
                         f"{data_cfg['name']!r}")
    return spec


@dataclasses.dataclass(frozen=True)
class RunFacts:
    """What a run's config says about its data, resolved and checked once per run by
    ``run_facts`` (``runs.train`` and ``runs.load_run`` call it): the pipeline, the networks,
    the model's options and the sample grids receive this value instead of re-reading the
    raw ``data`` section.

    Attributes:
        info: the data's ``dataset_info``: ``image_shape``, ``kind`` (toy / image),
            ``num_classes`` (the *observed* classes: 5 under 10to5, the groups of a label
            view; None without labels) with ``clean_num_classes`` when they differ from the
            dataset's; translation data adds ``domains`` (A, B) and ``paired``.
        corruption: the training labels' corruption, or None when they are clean.
        image_corruption: the training images' corruption, or None when they are clean.
        label_view: ``data.label_view`` (``class``: the dataset's own labels).
        translates: whether the model translates between two domains.
        training_arrays: loads the training images and the labels training sees
            (``training_arrays``), for a family that needs the data itself (rGAN's estimated
            label-noise transition).
    """

    info: dict[str, Any]
    corruption: Optional[corruptions.Corruption]
    image_corruption: Optional[image_corruptions.ImageCorruption]
    label_view: str
    translates: bool
    training_arrays: Callable[[], tuple[np.ndarray, np.ndarray]] = dataclasses.field(
        repr=False, compare=False)

    @property
    def num_classes(self) -> Optional[int]:
        """The observed classes training sees (None: unlabelled data)."""
        return self.info.get("num_classes")


def run_facts(config: dict) -> RunFacts:
    """The ``RunFacts`` of ``config``; raises the one-line error of the first bad ``data``
    field (two-domain data with the wrong model, a label view with label corruptions, an
    image corruption on a dataset that cannot take one, ...)."""
    data_cfg = config["data"]
    _check_domains(config)

    def load() -> tuple[np.ndarray, np.ndarray]:
        return training_arrays(config, facts)  # the facts returned below

    if speech(config):
        model_cls = GANS.get(config["model"])
        info = voice_training.info(data_cfg, bool(model_cls.many_domains),
                                   getattr(model_cls, "pair_data", None))
        return RunFacts(info, None, None, "class", True, load)
    if translates(config):
        facts = RunFacts(domains.info(data_cfg), None, None, "class", True, load)
        return facts
    info = data_lib.dataset_info(data_cfg["name"], image_size=data_cfg["image_size"])
    spec = corruption(config, info)
    if spec is not None:
        info = info | {"num_classes": spec.observed_classes,
                       "clean_num_classes": info["num_classes"]}
    view = _label_view(config, info, spec)
    if view != "class":
        info = info | {"num_classes": views.observed_classes(view, info["num_classes"]),
                       "clean_num_classes": info["num_classes"]}
    facts = RunFacts(info, spec, image_corruption(config), view, False, load)
    return facts


def translates(config: dict) -> bool:
    """Whether the run's model translates between two domains (reads ``data.domains``)."""
    return bool(getattr(GANS.get(config.get("model", "gan")), "translates", False))


def speech(config: dict) -> bool:
    """Whether the run's model converts speech (reads a ``voices:`` corpus)."""
    return getattr(GANS.get(config.get("model", "gan")), "modality", "image") == "speech"


def _check_speech(config: dict) -> None:
    """Speech corpora go with the conversion models only, and they need one (one line)."""
    data_cfg = config["data"]
    converters = ", ".join(n for n in GANS.names()
                           if getattr(GANS.get(n), "modality", "image") == "speech")
    if speech(config):
        voice_training.corpus_name(data_cfg)  # a voices: corpus, or the one-line error
        section = data_cfg.get("corruption")
        corrupted = section and (corruptions.resolve(section, 2).active or (
            image_corruptions.resolve(section).active))
        if corrupted or data_cfg.get("label_view", "class") != "class" or data_cfg.get(
                "paired"):
            raise ValueError(f"data.corruption: model {config['model']!r} converts clean, "
                             "non-parallel speech; corruptions, label views and "
                             "data.paired are not supported")
    elif voice_training.is_speech(data_cfg["name"]):
        raise ValueError(f"data.name: a speech corpus is read by the conversion models "
                         f"only; accepted models: {converters} (model {config['model']!r} "
                         "reads images)")


def _check_domains(config: dict) -> None:
    """Two-domain data goes with translation models only, and they need it (one line)."""
    _check_speech(config)
    if speech(config):
        return
    data_cfg = config["data"]
    translators = ", ".join(n for n in GANS.names() if getattr(GANS.get(n), "translates", False)
                            and getattr(GANS.get(n), "modality", "image") == "image")
    if translates(config):
        section = data_cfg.get("corruption")
        image_spec = image_corruptions.resolve(section) if section else None
        corrupted = section and (corruptions.resolve(section, 2).active
                                 or (image_spec is not None and image_spec.active))
        if corrupted or data_cfg.get("label_view", "class") != "class":
            raise ValueError(f"data.corruption: model {config['model']!r} translates clean "
                             "two-domain data; corruptions and label views are not supported")
        return
    for field, used in (("name", domains.is_two_domain(data_cfg["name"])),
                        ("domains", data_cfg.get("domains") is not None),
                        ("paired", bool(data_cfg.get("paired")))):
        if used:
            raise ValueError(f"data.{field}: two-domain data is read by the translation "
                             f"models only; accepted models: {translators} (model "
                             f"{config['model']!r} reads one image collection)")


def _label_view(config: dict, info: dict, spec: Optional[corruptions.Corruption]) -> str:
    """``data.label_view``, checked against the dataset and the label corruption ``spec``."""
    data_cfg = config["data"]
    view = data_cfg.get("label_view", "class")
    if view == "class":
        return view
    views.check(view, info["num_classes"], data_cfg["name"])
    if spec is not None:
        raise ValueError("data.label_view: a label view cannot be combined with label "
                         "corruptions (data.corruption label_noise / class_overlap / "
                         "label_fraction); accepted: class")
    return view


def training_arrays(config: dict, facts: Optional[RunFacts] = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The training images (native size) and the labels training sees: the observed ones
    when ``data.corruption`` is set (``UNLABELLED`` = −1 where removed), restricted to the
    labelled examples with ``unlabelled: drop``. Under an image corruption the images are
    corrupted once, at the training size (so padding is corrupted like a generated image's
    border). The clean labels and images never leave this function under a corruption:
    evaluation reads the clean test split itself. ``facts``: the run's ``run_facts``
    (resolved here when not given)."""
    facts = facts or run_facts(config)
    data_cfg = config["data"]
    images, labels = data_lib.load_arrays(data_cfg["name"], data_cfg["split"])
    image_spec = facts.image_corruption
    if image_spec is not None:
        images = data_lib.fit_image_size(tf.constant(images), data_cfg["image_size"]).numpy()
        images = image_spec.apply(images)
        method = data_cfg["corruption"].get("restore", "none")
        if method != "none":
            key = {"dataset": data_cfg["name"], "split": data_cfg["split"],
                   "image_size": data_cfg["image_size"]}
            images = restoration.cached_restore(images, method, image_spec, key,
                                                cache.cache_dir())
    spec = facts.corruption
    if spec is None:
        return images, views.apply(facts.label_view, labels, data_cfg["split"])
    observed = spec.apply(labels)
    keep = spec.keep_mask(observed)
    return images[keep], observed[keep]


def corruption_record(config: dict, facts: Optional[RunFacts] = None
                      ) -> Optional[dict[str, Any]]:
    """What ``data.corruption`` did to the training labels (spec, realised change rate,
    labelled count, T) for the run directory; None when the labels are clean."""
    facts = facts or run_facts(config)
    spec, image_spec = facts.corruption, facts.image_corruption
    if spec is None and image_spec is None:
        return None
    record = {} if image_spec is None else {"images": image_spec.describe()}
    if image_spec is not None:
        record["images"]["restore"] = restoration.method_for(
            config["data"]["corruption"].get("restore", "none"), image_spec)
    if spec is not None:
        data_cfg = config["data"]
        _, clean = data_lib.load_arrays(data_cfg["name"], data_cfg["split"])
        record |= spec.describe(clean, spec.apply(clean))
    return record


def dataset(config: dict, with_labels: bool = False,
            facts: Optional[RunFacts] = None) -> tf.data.Dataset:
    """The infinite, seeded, batched training pipeline of ``config`` (corrupted labels when
    ``data.corruption`` is set)."""
    facts = facts or run_facts(config)
    data_cfg = config["data"]
    if facts.info["kind"] == "speech":
        return voice_training.dataset(data_cfg, facts.info["many_domains"],
                                      seed=config["seed"],
                                      pair_data=facts.info.get("pair_data"))
    if facts.translates:
        return domains.dataset(data_cfg, seed=config["seed"])
    extra = toy_kwargs(data_cfg) if data_cfg["name"] in TOY_OPTIONS else {}
    if (facts.corruption is None and facts.image_corruption is None
            and facts.label_view == "class"):
        return data_lib.load(data_cfg["name"], split=data_cfg["split"],
                             batch_size=data_cfg["batch_size"],
                             image_size=data_cfg["image_size"], with_labels=with_labels,
                             seed=config["seed"], repeat=True, **extra)
    if data_cfg["name"].startswith("tfds:"):
        raise ValueError(f"data.corruption: needs an in-memory dataset (fashion_mnist, digits, "
                         f"folder:<path>), got {data_cfg['name']!r}")
    images, labels = training_arrays(config, facts)
    sized = facts.image_corruption is not None  # corrupted at the training size already
    return data_lib.from_arrays(images, labels, batch_size=data_cfg["batch_size"],
                                image_size=None if sized else data_cfg["image_size"],
                                with_labels=with_labels, seed=config["seed"], repeat=True)


def check_corruption(config: dict, model_cls, facts: RunFacts) -> None:
    """A corruption needs a conditional model, and unlabelled examples a model that uses
    them; one-line errors naming the field otherwise."""
    spec = facts.corruption
    if spec is None:
        return
    if not getattr(model_cls, "conditional", False):
        conditional = [n for n in GANS.names() if getattr(GANS.get(n), "conditional", False)]
        raise ValueError(f"data.corruption: model {config['model']!r} is unconditional and "
                         "never sees labels; accepted: a conditional model "
                         f"({', '.join(conditional)})")
    if (spec.label_fraction < 1.0 and spec.unlabelled == "keep"
            and not getattr(model_cls, "accepts_unlabelled", False)):
        users = [n for n in GANS.names() if getattr(GANS.get(n), "accepts_unlabelled", False)]
        raise ValueError(f"data.corruption.unlabelled: model {config['model']!r} cannot train "
                         "on unlabelled examples; accepted: drop (train on the labelled "
                         f"fraction only), or keep with model {' / '.join(users)}")


def _network_defaults(info: dict[str, Any]) -> dict[str, Any]:
    shape = info["image_shape"]
    if info["kind"] == "speech":
        return {"dims": info["dims"], "frames": info["frames"],
                "num_domains": info["num_domains"]}
    if info["kind"] == "toy":
        return {"output_dim": shape[0], "input_dim": shape[0]}
    return {"image_size": shape[0], "channels": shape[-1],
            "num_classes": info.get("num_classes")}


def build_networks(config: dict, facts: Optional[RunFacts] = None,
                   load_run: Optional[Callable[[str], Any]] = None
                   ) -> tuple[keras.Model, keras.Model]:
    """Generator and discriminator of ``config`` (shapes filled in from the dataset).

    ``load_run``: loads a run directory the networks name (StackGAN's ``stage1_run``);
    ``runs`` hands down its ``load_run``, which this module sits below."""
    facts = facts or run_facts(config)
    info = facts.info
    defaults = _network_defaults(info) | {"load_run": load_run}
    generator_spec = dict(config.get("generator") or {})
    discriminator_spec = dict(config.get("discriminator") or {})
    model_cls = GANS.get(config["model"])
    default_g, default_d = getattr(model_cls, "default_networks", None) or (
        DEFAULT_NETWORKS[info["kind"]],) * 2
    generator_spec.setdefault("name", default_g)
    discriminator_spec.setdefault("name", default_d)
    generator_spec, discriminator_spec = model_cls.network_options(
        config, facts, generator_spec, discriminator_spec)
    generator = networks.build_generator(generator_spec, **defaults)
    discriminator = networks.build_discriminator(discriminator_spec, **defaults)
    # A discriminator whose input packs more than the image (MSG-GAN's scales) declares
    # the image it judges.
    judged = tuple(getattr(discriminator, "image_shape", discriminator.inputs[0].shape[1:]))
    produced = tuple(generator.outputs[0].shape[1:])
    if info["kind"] == "speech":  # generators of any length: compare the coefficients
        produced, judged = produced[1:], judged[1:]
    if produced != judged:
        raise ValueError(
            f"generator/discriminator: generator output shape {generator.outputs[0].shape[1:]} "
            f"does not match discriminator input {judged}")
    return generator, discriminator


def penalty_spec(config: dict) -> dict[str, dict]:
    """``penalties`` section without disabled entries (``gp: false``), validated."""
    spec = {name: (options or {}) for name, options in (config.get("penalties") or {}).items()
            if options is not False}
    for name, options in spec.items():
        if not isinstance(options, dict):
            raise ValueError(f"penalties.{name}: expected a mapping of options, got {options!r}")
    penalties.build_all(spec)  # raises on unknown names / options
    return spec


def build_gan(config: dict, facts: Optional[RunFacts] = None,
              load_run: Optional[Callable[[str], Any]] = None):
    """The (uncompiled) GAN of ``config``; call inside the strategy's scope. ``facts``: the
    run's ``run_facts`` (resolved here when not given); ``load_run``: as ``build_networks``."""
    objectives.get(config["objective"]["name"])  # fail early on an unknown objective
    penalty_spec(config)
    facts = facts or run_facts(config)
    generator, discriminator = build_networks(config, facts, load_run)
    train_cfg = config["train"]
    model_cls = GANS.get(config["model"])
    check_corruption(config, model_cls, facts)
    kwargs = model_cls.options_from_config(config, facts)
    return model_cls(generator, discriminator, n_critic=train_cfg["n_critic"],
                     ema_decay=train_cfg["ema_decay"], ema_start=train_cfg["ema_start"],
                     ema_statistics=train_cfg["ema_statistics"],
                     standing_batches=train_cfg["standing_batches"],
                     standing_batch_size=config["data"]["batch_size"],
                     seed=config["seed"], **kwargs)


def _adam(learning_rate: float, train_cfg: dict, updates: int) -> keras.optimizers.Optimizer:
    """Adam with ``train.lr_schedule`` over ``updates`` optimizer steps."""
    schedule = train_cfg["lr_schedule"]
    if schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, updates)
    elif schedule == "linear":
        learning_rate = keras.optimizers.schedules.PolynomialDecay(learning_rate, updates, 0.0)
    elif schedule == "constant_then_linear":
        learning_rate = translation.ConstantThenLinear(learning_rate, updates // 2,
                                                       updates - updates // 2)
    return keras.optimizers.Adam(learning_rate, beta_1=train_cfg["beta_1"],
                                 beta_2=train_cfg["beta_2"])


def compile_gan(model, config: dict) -> None:
    train_cfg = config["train"]
    steps_per_execution = train_cfg["steps_per_execution"]
    if (steps_per_execution > 1 and isinstance(tf.distribute.get_strategy(),
                                               tf.distribute.MultiWorkerMirroredStrategy)):
        # Keras 3.15's multi-step while loop fails under MultiWorkerMirroredStrategy
        # ("You must feed a value for placeholder tensor ... while/cond/Placeholder").
        print("tfgan: train.steps_per_execution is set to 1 under multi_worker "
              "(Keras 3.15 cannot run multi-step executions there)")
        steps_per_execution = 1
    steps = train_cfg["steps"]
    model.compile(d_optimizer=_adam(train_cfg["d_learning_rate"], train_cfg,
                                    steps * train_cfg["n_critic"]),
                  g_optimizer=_adam(train_cfg["g_learning_rate"], train_cfg, steps),
                  objective=config["objective"]["name"],
                  label_smoothing=config["objective"]["label_smoothing"],
                  penalties=penalty_spec(config),
                  jit_compile=train_cfg["jit_compile"],
                  steps_per_execution=steps_per_execution,
                  fuse_discriminator_passes=train_cfg["fuse_discriminator_passes"])


def grid_labels(config: dict, n: int, facts: Optional[RunFacts] = None
                ) -> Optional[np.ndarray]:
    """Labels for conditional sample grids: one row per class of ``n // K`` samples (at
    least one each); None for unconditional models."""
    if not getattr(GANS.get(config["model"]), "conditional", False):
        return None
    classes = int((facts or run_facts(config)).num_classes)
    return np.repeat(np.arange(classes, dtype=np.int32), max(1, n // classes))


def grid_sources(config: dict, n: int, facts: Optional[RunFacts] = None
                 ) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """Translation models: the (a, b) images of their preview grids — the first ⌊√n⌋ of
    each domain of the test split (fashion_edges: hidden pairs, so b is a's truth; a folder
    has no splits: its images); None for other models."""
    facts = facts or run_facts(config)
    if not facts.translates or facts.info["kind"] == "speech":
        return None
    return domain_images(config, "test", max(1, int(np.sqrt(n))))


def domain_images(config: dict, split: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` images of each domain of a translation run's ``split`` (the run's
    seed picks fashion_edges' unpaired halves), at the run's image size."""
    data_cfg = config["data"]
    pair = domains.load_pair(data_cfg, split=split, seed=config["seed"])
    size = data_cfg.get("image_size")
    return tuple(data_lib.fit_image_size(tf.constant(images[:n]), size).numpy()
                 for images in (pair.a, pair.b))


def reset_learning_rates(model, config: dict) -> None:
    """Write the config's constant learning rates into the (restored) optimizers."""
    train_cfg = config["train"]
    if train_cfg["lr_schedule"] != "constant":
        return  # schedules are not checkpointed state; the rebuilt ones already apply
    for optimizer, key in ((model.d_optimizer, "d_learning_rate"),
                           (model.g_optimizer, "g_learning_rate")):
        optimizer.learning_rate.assign(train_cfg[key])

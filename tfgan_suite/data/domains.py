"""Two-domain data for image-to-image translation (issue #18): one source API for paired and
unpaired collections.

A translation run's ``data`` section names the source, the two domains (A first: ``a2b``
translates A into B) and whether training may use pairs::

    data: {name: fashion_edges, domains: [edges, garments], paired: false}

Sources:

- ``fashion_edges``: Fashion-MNIST edge maps ↔ garments (``data/translation.py``): unpaired
  = the edge maps of one half of the train split and the garments of the other half;
  paired = both of the same images; the test split is always paired (the hidden truth).
- ``folder:<path>``: one sub-folder per domain (``domains`` names two of them; null: the
  folder must hold exactly two, in sorted order), each read on its own (one size and mode
  per sub-folder). ``paired: true`` pairs files of the same name; every file then needs its
  partner. A folder has no splits.
- ``tfds:<name>`` with splits ``trainA`` / ``trainB`` / ``testA`` / ``testB`` — TFDS's
  ``cycle_gan/*`` (horse2zebra, …), already prepared (never downloaded): domains ``A`` and
  ``B``, unpaired; ``split: train`` reads trainA / trainB, ``test`` testA / testB.

Both domains must have one image shape after ``data.image_size``. Batches are ``(a, b)``
pairs of float32 NHWC images in [−1, 1]: unpaired, each domain shuffled by its own seeded
order (every epoch a fresh permutation, as ``sources.load``); paired, one order for both, so
row i of ``a`` and ``b`` is a pair.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional

import numpy as np
import tensorflow as tf

from tfgan_suite.data import sources, translation

#: Built-in two-domain datasets and their domains (A, B).
BUILT_IN = {"fashion_edges": translation.DOMAINS}
_TFDS_DOMAINS = ("A", "B")
#: The second domain's shuffling seed is the run's seed plus this (independent orders).
_B_SEED_OFFSET = 0x5EED


@dataclasses.dataclass(frozen=True)
class DomainPair:
    """The two domains of a split: images [N, H, W, C] in [−1, 1] (read-only) and labels
    (−1 where the source has none). ``paired``: row i of ``a`` and ``b`` show the same
    thing (then both have the same length)."""

    names: tuple[str, str]
    a: np.ndarray
    b: np.ndarray
    a_labels: np.ndarray
    b_labels: np.ndarray
    paired: bool


def is_two_domain(name: str) -> bool:
    """Whether ``name`` is a source that only exists as two domains (``BUILT_IN``)."""
    return name in BUILT_IN


def _folder(name: str) -> Optional[str]:
    return os.path.abspath(name[len("folder:"):]) if name.startswith("folder:") else None


def available(name: str, data_dir: Optional[str] = None) -> tuple[str, ...]:
    """The domains a source offers, in their default (A, B) order when there are two."""
    if name in BUILT_IN:
        return tuple(BUILT_IN[name])
    folder = _folder(name)
    if folder is not None:
        return tuple(entry for entry, _ in sources._folder_listing(folder))
    if name.startswith("tfds:"):
        splits = sources._tfds_builder(name[len("tfds:"):], data_dir).info.splits
        if not {"trainA", "trainB"} <= set(splits):
            raise ValueError(f"data.name: TFDS dataset {name[5:]!r} has no trainA / trainB "
                             f"splits (found {sorted(splits)}); two-domain TFDS data is "
                             "cycle_gan/<pair>")
        return _TFDS_DOMAINS
    raise ValueError(f"data.name: {name!r} has no two domains; accepted: "
                     f"{', '.join(BUILT_IN)}, folder:<path> with one sub-folder per domain, "
                     "tfds:cycle_gan/<pair>")


def resolve(data_cfg: dict) -> tuple[tuple[str, str], bool]:
    """``(domains (A, B), paired)`` of a data section, checked against the source."""
    name = data_cfg["name"]
    offered = available(name)
    domains = data_cfg.get("domains")
    if domains is None:
        if len(offered) != 2:
            raise ValueError(f"data.domains: {name!r} offers {len(offered)} domains "
                             f"({', '.join(offered)}); name the two to translate between")
        domains = offered
    if (not isinstance(domains, (list, tuple)) or len(domains) != 2
            or len(set(domains)) != 2 or any(d not in offered for d in domains)):
        raise ValueError(f"data.domains: expected two different domains of {name!r} "
                         f"({', '.join(offered)}), got {domains!r}")
    paired = bool(data_cfg.get("paired", False))
    if paired and name.startswith("tfds:"):
        raise ValueError(f"data.paired: {name!r} is unpaired (TFDS trainA / trainB hold "
                         "different images); accepted: false")
    return (str(domains[0]), str(domains[1])), paired


def _fashion_edges(split: str, domains, paired: bool, seed: int) -> DomainPair:
    task = translation.fashion_edges(split, paired, seed)
    paired = paired or split == "test"
    return DomainPair(domains, task[domains[0]], task[domains[1]],
                      task[f"{domains[0]}_labels"], task[f"{domains[1]}_labels"], paired)


def _folder_pair(folder: str, domains, paired: bool) -> DomainPair:
    listing = dict(sources._folder_listing(folder))
    images, names = {}, {}
    for domain in domains:  # each sub-folder read on its own: sizes and modes may differ
        images[domain], _ = sources._read_folder(((domain, listing[domain]),))
        names[domain] = [os.path.basename(path) for path, _, _ in listing[domain]]
    a, b = images[domains[0]], images[domains[1]]
    if paired:
        a_names, b_names = names[domains[0]], names[domains[1]]
        if sorted(a_names) != sorted(b_names):
            unmatched = sorted(set(a_names) ^ set(b_names))[:3]
            raise ValueError(f"data.paired: true needs a file of the same name in both "
                             f"sub-folders {domains[0]!r} and {domains[1]!r}; unmatched: "
                             f"{', '.join(unmatched)}")
        row_of = {file: row for row, file in enumerate(b_names)}
        b = b[[row_of[file] for file in a_names]]
    return DomainPair(domains, a, b, np.full(len(a), -1, np.int32),
                      np.full(len(b), -1, np.int32), paired)


def _tfds_pair(name: str, split: str, domains) -> DomainPair:
    arrays = {}
    for domain in domains:
        images, _ = sources._read_tfds(name[len("tfds:"):], f"{split}{domain}", None)
        arrays[domain] = images
    a, b = arrays[domains[0]], arrays[domains[1]]
    return DomainPair(domains, a, b, np.full(len(a), -1, np.int32), np.full(len(b), -1, np.int32),
                      False)


def load_pair(data_cfg: dict, split: Optional[str] = None, seed: int = 0) -> DomainPair:
    """Both domains of ``split`` (default ``data.split``) at native size. ``seed``: the
    unpaired halves of ``fashion_edges`` (the run's seed)."""
    domains, paired = resolve(data_cfg)
    split = split or data_cfg.get("split", "train")
    name = data_cfg["name"]
    if name in BUILT_IN:
        return _fashion_edges(split, domains, paired, seed)
    folder = _folder(name)
    if folder is not None:
        return _folder_pair(folder, domains, paired)
    return _tfds_pair(name, split, domains)


def info(data_cfg: dict) -> dict:
    """``dataset_info`` of a two-domain section: the common image shape (after
    ``image_size``), ``num_classes`` None, ``domains`` (A, B), ``paired``."""
    domains, paired = resolve(data_cfg)
    name = data_cfg["name"]
    if name in BUILT_IN:
        shapes = [(translation.SIDE, translation.SIDE, 1)] * 2
    elif name.startswith("tfds:"):
        features = sources._tfds_builder(name[len("tfds:"):], None).info.features
        shapes = [tuple(features["image"].shape)] * 2
    else:
        pair = load_pair(data_cfg)
        shapes = [pair.a.shape[1:], pair.b.shape[1:]]
    size = data_cfg.get("image_size")
    if size is not None:
        shapes = [(size, size, shape[-1]) for shape in shapes]
    if tuple(shapes[0]) != tuple(shapes[1]):
        raise ValueError(f"data.domains: {domains[0]!r} has images {tuple(shapes[0])} and "
                         f"{domains[1]!r} {tuple(shapes[1])}; both domains need one shape "
                         "(data.image_size sets the sides, not the channels)")
    if None in shapes[0][:2]:
        raise ValueError(f"data.image_size: {name!r} has images of several sizes; set the "
                         "side both domains are resized to")
    return {"image_shape": tuple(shapes[0]), "num_classes": None, "kind": "image",
            "domains": domains, "paired": paired}


def dataset(data_cfg: dict, seed: int = 0, split: Optional[str] = None,
            repeat: bool = True) -> tf.data.Dataset:
    """The seeded, batched ``(a, b)`` pipeline of a two-domain section (module docstring)."""
    info(data_cfg)  # shapes agree
    batch_size, size = data_cfg["batch_size"], data_cfg.get("image_size")
    name = data_cfg["name"]
    if name.startswith("tfds:"):
        domains, _ = resolve(data_cfg)
        split = split or data_cfg.get("split", "train")
        streams = []
        for offset, domain in zip((0, _B_SEED_OFFSET), domains, strict=True):
            examples, _ = sources._tfds_examples(name[len("tfds:"):], f"{split}{domain}", None,
                                                 size)
            streams.append(sources._stream_pipeline(examples, batch_size, False, True,
                                                    seed + offset, repeat, True))
        return tf.data.Dataset.zip(tuple(streams))
    pair = load_pair(data_cfg, split, seed)
    if pair.paired:  # one pipeline over both domains stacked along channels: one order
        channels = pair.a.shape[-1]
        stacked = np.concatenate([sources.fit_image_size(tf.constant(images), size).numpy()
                                  for images in (pair.a, pair.b)], axis=-1)
        both = sources.from_arrays(stacked, np.zeros(len(stacked), np.int32), batch_size,
                                   seed=seed, repeat=repeat)
        return both.map(lambda x: (x[..., :channels], x[..., channels:]))
    streams = [sources.from_arrays(images, np.zeros(len(images), np.int32), batch_size, size,
                                   seed=seed + offset, repeat=repeat)
               for offset, images in ((0, pair.a), (_B_SEED_OFFSET, pair.b))]
    return tf.data.Dataset.zip(tuple(streams))

"""Label views: what a model is told of each image's class (``data.label_view``).

``garment_group`` shows a Fashion-MNIST model only the garment group of each image — tops
(T-shirt/top, pullover, dress, coat, shirt), bottoms (trouser), footwear (sandal, sneaker,
ankle boot), bags (bag) — and hides the class itself, so that a latent code's meaning
can be scored against a factor the model was never given (issue #15: CFGAN's codes within
a group, DTLC-GAN's second layer). Evaluation still judges against the clean classes.

``glyph_description`` shows a ``glyphs`` model each image's character *with* its font's
weight and slant: one id per (character, weight, slant), the ids of
``data/descriptions.py``'s ``glyph_descriptions`` ("A bold italic"), 62 × 5 × 2 = 620 of
them — StackGAN's text-like condition on the glyphs (issue #17). The character of an id is
``id // 10`` (``clean_classes``), so evaluation judges the character against the clean
truth; weight and slant have no judge in the suite and are not scored.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

LABEL_VIEWS = ("class", "garment_group", "glyph_description")
#: Fashion-MNIST's classes per garment group, in group-id order.
GARMENT_GROUPS = {"tops": (0, 2, 3, 4, 6), "bottoms": (1,), "footwear": (5, 7, 9),
                  "bags": (8,)}
_GROUP_OF = np.zeros(10, np.int32)
for _index, _members in enumerate(GARMENT_GROUPS.values()):
    _GROUP_OF[list(_members)] = _index


def check(view: str, num_classes, dataset: Optional[str] = None) -> None:
    """Refuses an unknown view, the garment groups of a dataset without 10 classes (the
    groups are Fashion-MNIST's; the embedded digits take them too, for tests), or the glyph
    descriptions of another dataset than ``glyphs``."""
    if view not in LABEL_VIEWS:
        raise ValueError(f"data.label_view: unknown value {view!r}; accepted: "
                         f"{', '.join(LABEL_VIEWS)}")
    if view == "garment_group" and num_classes != 10:
        raise ValueError(f"data.label_view: garment_group groups Fashion-MNIST's 10 classes; "
                         f"the dataset has {num_classes}")
    if view == "glyph_description" and dataset is not None and dataset != "glyphs":
        raise ValueError(f"data.label_view: glyph_description needs data.name glyphs (it "
                         f"reads the fonts' weight and slant), got {dataset!r}")


def group_of(classes) -> np.ndarray:
    """The garment group id of each Fashion-MNIST class id."""
    return _GROUP_OF[np.asarray(classes, np.int64)]


def apply(view: str, labels: np.ndarray, split: str = "train") -> np.ndarray:
    """The labels a model sees under ``view`` (``split``: the glyph split the labels are
    from, whose weights and slants ``glyph_description`` reads, in the same order)."""
    if view == "class":
        return np.asarray(labels, np.int32)
    if view == "garment_group":
        return group_of(labels)
    from tfgan_suite.data import descriptions, glyphs

    chosen = glyphs.load(split)
    if not np.array_equal(chosen.char, np.asarray(labels)):
        raise ValueError(f"data.label_view: glyph_description needs the glyphs' {split} "
                         f"split in its own order")
    return descriptions.glyph_condition_ids(chosen.char, chosen.weight, chosen.italic)


def observed_classes(view: str, clean_classes: int) -> int:
    if view == "garment_group":
        return len(GARMENT_GROUPS)
    if view == "glyph_description":
        from tfgan_suite.data import descriptions

        return clean_classes * descriptions.CONDITIONS_PER_CHARACTER
    return clean_classes


def clean_classes(view: str, observed: np.ndarray) -> np.ndarray:
    """The clean class of each observed id, for views that determine it (the class itself,
    a glyph description's character); garment groups do not."""
    if view == "class":
        return np.asarray(observed, np.int32)
    if view == "glyph_description":
        from tfgan_suite.data import descriptions

        return descriptions.glyph_character(observed)
    raise ValueError(f"data.label_view: {view} does not determine the class")

"""Label views: what a model is told of each image's class (``data.label_view``).

``garment_group`` shows a Fashion-MNIST model only the garment group of each image — tops
(T-shirt/top, pullover, dress, coat, shirt), bottoms (trouser), footwear (sandal, sneaker,
ankle boot), bags (bag) — and hides the class itself, so that a latent code's meaning
can be scored against a factor the model was never given (issue #15: CFGAN's codes within
a group, DTLC-GAN's second layer). Evaluation still judges against the clean classes.
"""

from __future__ import annotations

import numpy as np

LABEL_VIEWS = ("class", "garment_group")
#: Fashion-MNIST's classes per garment group, in group-id order.
GARMENT_GROUPS = {"tops": (0, 2, 3, 4, 6), "bottoms": (1,), "footwear": (5, 7, 9),
                  "bags": (8,)}
_GROUP_OF = np.zeros(10, np.int32)
for _index, _members in enumerate(GARMENT_GROUPS.values()):
    _GROUP_OF[list(_members)] = _index


def check(view: str, num_classes) -> None:
    """Refuses an unknown view, or the garment groups of a dataset without 10 classes
    (the groups are Fashion-MNIST's; the embedded digits take them too, for tests)."""
    if view not in LABEL_VIEWS:
        raise ValueError(f"data.label_view: unknown value {view!r}; accepted: "
                         f"{', '.join(LABEL_VIEWS)}")
    if view == "garment_group" and num_classes != 10:
        raise ValueError(f"data.label_view: garment_group groups Fashion-MNIST's 10 classes; "
                         f"the dataset has {num_classes}")


def group_of(classes) -> np.ndarray:
    """The garment group id of each Fashion-MNIST class id."""
    return _GROUP_OF[np.asarray(classes, np.int64)]


def apply(view: str, labels: np.ndarray) -> np.ndarray:
    """The labels a model sees under ``view``."""
    return np.asarray(labels, np.int32) if view == "class" else group_of(labels)


def observed_classes(view: str, clean_classes: int) -> int:
    return len(GARMENT_GROUPS) if view == "garment_group" else clean_classes

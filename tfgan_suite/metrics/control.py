"""How much a latent code means (issue #15): pure functions of integer assignments.

- ``nmi(a, b)``: normalised mutual information I(a; b) / ((H(a) + H(b)) / 2) of two labelings
  (scikit-learn's ``normalized_mutual_info_score`` with its default arithmetic mean): 0 for
  independent labelings, 1 when one determines the other up to renaming. Scored between a
  code's value and the class a judge (the domain classifier) assigns to the generated image.
- ``within_group_nmi(code, judged, group_of)``: NMI inside each group of classes (e.g. the
  tops of Fashion-MNIST), for codes that should refine a coarse attribute.
- ``toggle_accuracy(requested, judged_group)``: the fraction of samples generated with
  attribute a switched on whose judged group is a.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def nmi(a: Sequence[int], b: Sequence[int]) -> float:
    """Normalised mutual information of two labelings of the same examples (0 when either
    is constant)."""
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"nmi: two labelings of the same non-empty examples expected, got "
                         f"{a.shape} and {b.shape}")
    _, a_ids = np.unique(a, return_inverse=True)
    _, b_ids = np.unique(b, return_inverse=True)
    joint = np.zeros((a_ids.max() + 1, b_ids.max() + 1))
    np.add.at(joint, (a_ids, b_ids), 1.0)
    h_a, h_b = _entropy(joint.sum(axis=1)), _entropy(joint.sum(axis=0))
    if h_a == 0.0 or h_b == 0.0:
        return 0.0
    mutual = h_a + h_b - _entropy(joint.ravel())
    return float(max(0.0, mutual) / ((h_a + h_b) / 2.0))


def within_group_nmi(code: Sequence[int], judged: Sequence[int],
                     groups: Mapping[str, Sequence[int]]) -> dict[str, float]:
    """Per group of classes: the NMI of ``code`` and ``judged`` over the examples judged
    to be in that group (NaN for a group with fewer than two examples)."""
    code, judged = np.asarray(code), np.asarray(judged)
    result = {}
    for name, members in groups.items():
        inside = np.isin(judged, list(members))
        result[name] = nmi(code[inside], judged[inside]) if inside.sum() >= 2 else float("nan")
    return result


def toggle_accuracy(requested: Sequence[int], judged_group: Sequence[int]) -> float:
    """Fraction of examples whose judged group equals the group requested for them."""
    requested, judged_group = np.asarray(requested), np.asarray(judged_group)
    if requested.shape != judged_group.shape or requested.size == 0:
        raise ValueError("toggle_accuracy: one requested and one judged group per example")
    return float(np.mean(requested == judged_group))

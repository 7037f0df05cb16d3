"""Checkpointing of lists of sublayers and variables held by a custom layer.

Keras 3 (3.15, TensorFlow backend) wraps a layer's list attributes in ``TrackedList``; its
``_trackable_children`` hands them to TensorFlow only for SavedModel export, not for
``tf.train.Checkpoint``. A custom layer keeping ``self.convs = [...]`` therefore loses those
sublayers' weights from every checkpoint: the trainable ones still reach it through the
optimizer's slots, but the EMA copy's weights and any non-trainable weights do not — a run
restored from its checkpoint then samples from a freshly initialised EMA generator. Found
by the resolution benchmark (issue #16); ``ListTracking`` makes each Trackable element of a
tracked list a checkpoint child of its own (``<attribute>_<index>``).
"""

from __future__ import annotations

import tensorflow as tf
from keras.src.utils import tracking


class ListTracking:
    """Mixin for ``keras.layers.Layer`` subclasses: list attributes' layers and variables
    are checkpointed (put it before ``keras.layers.Layer`` in the bases)."""

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        children = super()._trackable_children(save_type, **kwargs)
        if save_type != "checkpoint":
            return children
        for name in getattr(self, "_tracked", ()):
            items = getattr(self, name, None)
            if not isinstance(items, tracking.TrackedList):
                continue
            for index, item in enumerate(items):
                if isinstance(item, tf.__internal__.tracking.Trackable):
                    children[f"{name}_{index}"] = item
        return children

"""CycleGAN's image history pool (Shrivastava et al. 2017, as used by Zhu et al. 2017;
junyanz/pytorch-CycleGAN-and-pix2pix ``util/image_pool.py``; ../shared/families.md §17.2).

The discriminator is updated on a mix of current fakes and fakes from earlier steps, which
damps oscillation. Per fake, in batch order: while fewer than ``size`` are stored, the fake
is stored and returned as is; once full, with probability ½ a uniformly chosen stored image
is returned and the fake takes its slot, otherwise the fake itself is returned. Size 0 is a
pass-through. Only D's update sees pooled fakes.

``pool_query`` is the pure function (state in, state out; the uniform draws and slots are
given, so the model draws them statelessly from its step seed); ``ImageHistoryPool`` holds
the state as non-trainable layer weights, so checkpoints carry it and a resumed run queries
the same pool. Under a distribution strategy the model queries it with the **global** batch
of fakes (all-gathered, identical on every replica), so every replica computes the same new
state and the 2-replica run equals the 1-device run.
"""

from __future__ import annotations

import keras
import tensorflow as tf

#: the reference's pool size
DEFAULT_SIZE = 50


def pool_query(pool: tf.Tensor, count: tf.Tensor, images: tf.Tensor, uniform: tf.Tensor,
               slots: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """One batch through the pool, image by image.

    Args:
        pool: [size, ...] the stored images (rows ≥ ``count`` unused); size may be 0.
        count: int32 scalar, images stored so far (≤ size).
        images: [n, ...] this step's fakes, same trailing shape as ``pool``.
        uniform: [n] draws in [0, 1); a history image is returned where > 0.5 (full pool).
        slots: [n] int32 in [0, size): the stored image returned (and replaced) then.

    Returns:
        (returned [n, ...], the new pool, the new count).
    """
    size = pool.shape[0]
    if size == 0:
        return images, pool, count
    count = tf.convert_to_tensor(count, tf.int32)
    returned = tf.TensorArray(images.dtype, size=tf.shape(images)[0],
                              element_shape=images.shape[1:])

    def body(index, pool, count, returned):
        image = images[index]
        not_full = count < size
        swap = tf.logical_and(tf.logical_not(not_full), uniform[index] > 0.5)
        slot = tf.where(not_full, count, tf.cast(slots[index], tf.int32))
        write = tf.logical_or(not_full, swap)
        stored = pool[slot]
        pool = tf.cond(write,
                       lambda: tf.tensor_scatter_nd_update(pool, [[slot]], image[None]),
                       lambda: pool)
        returned = returned.write(index, tf.where(swap, stored, image))
        return index + 1, pool, count + tf.cast(not_full, tf.int32), returned

    _, pool, count, returned = tf.while_loop(
        lambda index, *_: index < tf.shape(images)[0], body,
        (tf.constant(0), pool, count, returned))
    return returned.stack(), pool, count


@keras.saving.register_keras_serializable(package="tfgan_suite")
class ImageHistoryPool(keras.layers.Layer):
    """``pool_query`` with its state as weights (``images`` [size, H, W, C], ``count``).

    Args:
        size: images kept (50 as the reference; 0: pass-through).
        image_shape: (H, W, C) of the images it stores.
    """

    def __init__(self, size: int = DEFAULT_SIZE, image_shape=(32, 32, 1), **kwargs):
        super().__init__(trainable=False, **kwargs)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"cyclegan.pool_size: a non-negative integer, got {size!r}")
        self.size = size
        self.image_shape = tuple(int(d) for d in image_shape)
        # One value on every replica (each computes the same update from the global batch).
        self.images = self.add_weight(shape=(size, *self.image_shape), initializer="zeros",
                                      trainable=False, name="images",
                                      aggregation="only_first_replica")
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32",
                                     trainable=False, name="count",
                                     aggregation="only_first_replica")
        self.built = True  # its weights exist; fit must not try to build it by calling it

    def query(self, images: tf.Tensor, uniform: tf.Tensor, slots: tf.Tensor) -> tf.Tensor:
        """The images D sees for this batch of fakes; updates the stored state."""
        stored = tf.cast(self.images.value, images.dtype)
        returned, pool, count = pool_query(stored, self.count.value, images, uniform, slots)
        if self.size:
            self.images.assign(tf.cast(pool, self.images.dtype))
            self.count.assign(count)
        return returned

    def get_config(self):
        return {**super().get_config(), "size": self.size, "image_shape": self.image_shape}

"""CycleGAN's image history pool (gans/image_pool.py)."""

import os
import tempfile

import numpy as np
import tensorflow as tf

from tfgan_suite.gans import image_pool


def ids(n, start=0):
    """Images whose every pixel is their id, so a returned image names where it came from."""
    return tf.reshape(tf.range(start, start + n, dtype=tf.float32), [n, 1, 1, 1]) * tf.ones(
        [1, 2, 2, 1])


def draws(n, seed):
    uniform = tf.random.stateless_uniform([n], [seed, 0])
    slots = tf.random.stateless_uniform([n], [seed, 1], maxval=50, dtype=tf.int32)
    return uniform, slots


class PoolQueryTest(tf.test.TestCase):
    def test_size_zero_is_a_pass_through(self):
        images = ids(4)
        returned, pool, count = image_pool.pool_query(tf.zeros([0, 2, 2, 1]), 0, images,
                                                      *draws(4, 0))
        self.assertAllEqual(returned, images)
        self.assertEqual(pool.shape[0], 0)

    def test_first_fifty_pass_and_are_stored_then_half_come_from_history(self):
        pool, count = tf.zeros([50, 2, 2, 1]), tf.constant(0)
        returned, pool, count = image_pool.pool_query(pool, count, ids(50), *draws(50, 1))
        self.assertAllEqual(returned, ids(50))
        self.assertAllEqual(pool, ids(50))
        self.assertEqual(int(count), 50)
        history, queries, inserted = 0, 0, 50
        for step in range(500):  # 2,000 queries of 4
            batch = ids(4, start=inserted)
            uniform, slots = draws(4, 10 + step)
            before = set(pool[:, 0, 0, 0].numpy().tolist())
            returned, pool, count = image_pool.pool_query(pool, count, batch, uniform, slots)
            self.assertEqual(int(count), 50)
            self.assertEqual(pool.shape[0], 50)  # never more than 50 kept
            values = returned[:, 0, 0, 0].numpy()
            for index, value in enumerate(values):
                if uniform[index] > 0.5:
                    history += 1
                    # An image inserted earlier: already stored, or this batch's earlier one.
                    self.assertLess(value, inserted + index)
                    self.assertTrue(value in before or value >= inserted, value)
                else:
                    self.assertEqual(value, inserted + index)
            queries += 4
            inserted += 4
        share = history / queries
        # Binomial(2000, ½): 4 standard deviations are ± 0.045.
        self.assertAllClose(share, 0.5, atol=4 * np.sqrt(0.25 / queries))

    def test_a_history_return_gives_its_slot_to_the_fake(self):
        pool = ids(50)
        returned, pool, count = image_pool.pool_query(
            pool, 50, ids(2, start=100), tf.constant([0.9, 0.1]), tf.constant([7, 3]))
        self.assertAllEqual(returned[:, 0, 0, 0], [7.0, 101.0])
        self.assertEqual(float(pool[7, 0, 0, 0]), 100.0)
        self.assertEqual(float(pool[3, 0, 0, 0]), 3.0)


class ImageHistoryPoolTest(tf.test.TestCase):
    def test_state_survives_a_checkpoint_so_resume_queries_the_same_pool(self):
        layer = image_pool.ImageHistoryPool(size=5, image_shape=(2, 2, 1))
        layer.query(ids(5), *draws(5, 0))
        path = tf.train.Checkpoint(pool=layer).save(os.path.join(tempfile.mkdtemp(), "ckpt"))
        expected = layer.query(ids(3, start=5), tf.constant([0.9, 0.9, 0.9]),
                               tf.constant([1, 1, 4]))
        restored = image_pool.ImageHistoryPool(size=5, image_shape=(2, 2, 1))
        tf.train.Checkpoint(pool=restored).restore(path).assert_existing_objects_matched()
        again = restored.query(ids(3, start=5), tf.constant([0.9, 0.9, 0.9]),
                               tf.constant([1, 1, 4]))
        self.assertAllEqual(again, expected)
        self.assertAllEqual(expected[:, 0, 0, 0], [1.0, 5.0, 4.0])  # slot 1 refilled by 5
        with self.assertRaisesRegex(ValueError, "cyclegan.pool_size: a non-negative integer"):
            image_pool.ImageHistoryPool(size=-1)

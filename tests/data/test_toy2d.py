"""Specification of the 2-D Gaussian mixtures (tfgan_suite.data.toy2d)."""
import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from tfgan_suite import data


def nearest_center(points: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and distance to the nearest center for every point."""
    distances = np.linalg.norm(points[:, None, :] - centers[None, :, :], axis=-1)
    return distances.argmin(axis=1), distances.min(axis=1)


class CentersTest(tf.test.TestCase):

    def test_ring_centers_are_evenly_spaced_on_the_circle(self):
        mix = data.toy2d("ring", n_modes=8, radius=1.0, std=0.01)
        angles = 2 * np.pi * np.arange(8) / 8
        expected = np.stack([np.cos(angles), np.sin(angles)], axis=1)
        self.assertEqual(mix.centers.dtype, np.float32)
        self.assertAllClose(mix.centers, expected, atol=1e-6)
        self.assertEqual((mix.name, mix.n_modes, mix.std), ("ring", 8, 0.01))

    def test_ring_radius_scales_centers(self):
        mix = data.toy2d("ring", n_modes=5, radius=3.0)
        self.assertAllClose(np.linalg.norm(mix.centers, axis=1), np.full(5, 3.0), atol=1e-5)
        self.assertAllClose(mix.centers[1], [3 * np.cos(2 * np.pi / 5), 3 * np.sin(2 * np.pi / 5)])

    def test_grid_centers_are_the_centred_lattice(self):
        mix = data.toy2d("grid", side=5, spacing=2.0, std=0.05)
        axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
        expected = np.array([[x, y] for x in axis for y in axis])
        self.assertEqual(mix.centers.shape, (25, 2))
        self.assertAllClose(mix.centers, expected)
        self.assertEqual((mix.name, mix.n_modes, mix.std), ("grid", 25, 0.05))

    def test_even_grid_has_no_center_at_origin(self):
        mix = data.toy2d("grid", side=2, spacing=1.0)
        self.assertAllClose(sorted(map(tuple, mix.centers)),
                            [(-0.5, -0.5), (-0.5, 0.5), (0.5, -0.5), (0.5, 0.5)])

    def test_std_none_uses_the_per_dataset_default(self):
        self.assertEqual(data.toy2d("ring").std, 0.01)
        self.assertEqual(data.toy2d("grid").std, 0.05)
        self.assertEqual(data.toy2d("ring", std=None).n_modes, 8)
        self.assertEqual(data.toy2d("grid", std=0.2).std, 0.2)

    def test_centers_are_read_only(self):
        with self.assertRaises(ValueError):
            data.toy2d("ring").centers[0, 0] = 5.0


class SampleTest(tf.test.TestCase):

    def test_every_sample_lies_within_five_std_of_its_nearest_center(self):
        for mix in (data.toy2d("ring"), data.toy2d("grid")):
            points = mix.sample(10000, seed=0)
            self.assertEqual((points.shape, points.dtype), ((10000, 2), np.float32))
            _, distance = nearest_center(points, mix.centers)
            self.assertLess(distance.max(), 5 * mix.std)

    def test_noise_has_the_requested_standard_deviation(self):
        mix = data.toy2d("grid", std=0.1)
        points = mix.sample(20000, seed=1)
        index, _ = nearest_center(points, mix.centers)
        residual = points - mix.centers[index]
        self.assertAllClose(residual.mean(axis=0), [0.0, 0.0], atol=0.005)
        self.assertAllClose(residual.std(axis=0), [0.1, 0.1], rtol=0.03)

    def test_modes_are_chosen_uniformly(self):
        mix = data.toy2d("ring", n_modes=8)
        index, _ = nearest_center(mix.sample(16000, seed=2), mix.centers)
        counts = np.bincount(index, minlength=8)
        # Expected 2000 per mode, binomial std ≈ 42: ±10 % is a ~5-sigma band.
        self.assertAllInRange(counts, 1800, 2200)

    def test_sample_is_deterministic_in_seed(self):
        mix = data.toy2d("grid")
        self.assertAllEqual(mix.sample(100, seed=3), mix.sample(100, seed=3))
        self.assertAllEqual(mix.sample(100, seed=3), data.toy2d("grid").sample(100, seed=3))
        self.assertNotAllClose(mix.sample(100, seed=3), mix.sample(100, seed=4))

    def test_sample_does_not_depend_on_the_global_seed(self):
        mix = data.toy2d("ring")
        tf.random.set_seed(1)
        first = mix.sample(50, seed=0)
        tf.random.set_seed(2)
        self.assertAllEqual(first, mix.sample(50, seed=0))


class DatasetTest(tf.test.TestCase):

    def test_element_is_a_float32_batch_of_points(self):
        spec = data.toy2d("ring").dataset(32).element_spec
        self.assertEqual(spec, tf.TensorSpec([32, 2], tf.float32))

    def test_same_seed_gives_identical_batches_from_two_datasets(self):
        first = [batch.numpy() for batch in data.toy2d("grid").dataset(64, seed=7).take(5)]
        second = [batch.numpy() for batch in data.toy2d("grid").dataset(64, seed=7).take(5)]
        self.assertAllEqual(np.stack(first), np.stack(second))

    def test_different_seed_gives_different_batches(self):
        first = next(iter(data.toy2d("grid").dataset(64, seed=7)))
        second = next(iter(data.toy2d("grid").dataset(64, seed=8)))
        self.assertNotAllClose(first, second)

    def test_successive_batches_differ(self):
        first, second = data.toy2d("ring").dataset(64).take(2)
        self.assertNotAllClose(first, second)

    def test_batches_follow_the_mixture(self):
        mix = data.toy2d("ring", std=0.02)
        points = np.concatenate([batch.numpy() for batch in mix.dataset(500, seed=0).take(4)])
        index, distance = nearest_center(points, mix.centers)
        self.assertLess(distance.max(), 5 * mix.std)
        self.assertEqual(len(np.unique(index)), 8)

    def test_dataset_is_infinite(self):
        cardinality = data.toy2d("ring").dataset(8).cardinality().numpy()
        self.assertEqual(cardinality, tf.data.INFINITE_CARDINALITY)


class ValidationTest(tf.test.TestCase, parameterized.TestCase):

    @parameterized.parameters(
        ("ring", {"n_modes": 0}, "n_modes"),
        ("ring", {"n_modes": 2.5}, "n_modes"),
        ("ring", {"radius": 0.0}, "radius"),
        ("ring", {"radius": -1.0}, "radius"),
        ("ring", {"std": 0.0}, "std"),
        ("grid", {"std": -0.1}, "std"),
        ("grid", {"side": 0}, "side"),
        ("grid", {"spacing": 0.0}, "spacing"),
    )
    def test_bad_value_names_the_field(self, name, kwargs, field):
        with self.assertRaisesRegex(ValueError, field):
            data.toy2d(name, **kwargs)

    def test_unknown_argument_is_named_with_the_accepted_ones(self):
        with self.assertRaisesRegex(ValueError, r"n_modes.*accepted.*side"):
            data.toy2d("grid", n_modes=8)
        with self.assertRaisesRegex(ValueError, "bogus"):
            data.toy2d("ring", bogus=1)

    def test_unknown_name_lists_the_accepted_names(self):
        with self.assertRaisesRegex(ValueError, r"'ring', 'grid'.*'spiral'"):
            data.toy2d("spiral")

    def test_sample_and_dataset_reject_non_positive_sizes(self):
        mix = data.toy2d("ring")
        with self.assertRaisesRegex(ValueError, "n must be"):
            mix.sample(0)
        with self.assertRaisesRegex(ValueError, "batch_size must be"):
            mix.dataset(-1)


if __name__ == "__main__":
    tf.test.main()

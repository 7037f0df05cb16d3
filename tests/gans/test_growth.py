"""Progressive growing's schedule (gans/growth.py): flat stabilise, linear fade, the
resolution doubling at a fade's start, phases where the reference resets Adam."""

import numpy as np
import tensorflow as tf

from tfgan_suite.gans.growth import GrowthSchedule


class GrowthScheduleTest(tf.test.TestCase):
    def test_lod_is_flat_while_stabilising_and_linear_while_fading(self):
        schedule = GrowthSchedule(start=4, final=32, stabilise_images=100, fade_images=50)
        self.assertEqual(schedule.resolutions, (4, 8, 16, 32))
        self.assertEqual(schedule.images_to_final, 450)
        images = np.arange(0, 600)
        lods = np.array([schedule.at(int(i)).lod for i in images])
        self.assertEqual(lods[0], 3.0)
        self.assertTrue(np.all(lods[:100] == 3.0))                       # stabilise 4²
        self.assertAllClose(lods[100:150], 3.0 - (images[100:150] - 100) / 50)  # fade to 8²
        self.assertTrue(np.all(lods[150:250] == 2.0))
        self.assertTrue(np.all(lods[450:] == 0.0))                        # final, forever
        self.assertTrue(np.all(np.diff(lods) <= 0))

    def test_resolution_doubles_at_the_start_of_a_fade_with_alpha_rising_from_zero(self):
        schedule = GrowthSchedule(start=4, final=16, stabilise_images=10, fade_images=4)
        before, start, mid = schedule.at(9), schedule.at(10), schedule.at(12)
        self.assertEqual((before.resolution, before.alpha, before.fading), (4, 1.0, False))
        self.assertEqual((start.resolution, start.alpha, start.fading), (8, 0.0, True))
        self.assertEqual((mid.resolution, mid.alpha), (8, 0.5))
        self.assertEqual((schedule.at(14).resolution, schedule.at(14).alpha), (8, 1.0))
        self.assertFalse(schedule.at(14).fading)
        self.assertEqual(schedule.at(10 ** 6).resolution, 16)

    def test_phases_change_exactly_at_the_phase_starts(self):
        schedule = GrowthSchedule(start=4, final=32, stabilise_images=30, fade_images=20)
        starts = schedule.phase_starts()
        self.assertEqual(starts, [0, 30, 50, 80, 100, 130, 150])
        phases = [schedule.at(i).phase for i in range(200)]
        changes = [i for i in range(1, 200) if phases[i] != phases[i - 1]]
        self.assertEqual(changes, starts[1:])
        self.assertEqual(sorted(set(phases)), list(range(7)))
        jump = GrowthSchedule(start=8, final=32, stabilise_images=5, fade_images=0)
        self.assertEqual([jump.at(i).resolution for i in (4, 5, 9, 10)], [8, 16, 16, 32])
        self.assertEqual(jump.phase_starts(), [0, 5, 10])

    def test_bad_schedules_name_the_field_and_what_is_accepted(self):
        with self.assertRaisesRegex(ValueError, r"^progan\.final_resolution: a power of two "
                                                r"≥ 4, got 48$"):
            GrowthSchedule(final=48)
        with self.assertRaisesRegex(ValueError, r"^progan\.start_resolution: at most the "
                                                r"final resolution 16, got 32$"):
            GrowthSchedule(start=32, final=16)
        with self.assertRaisesRegex(ValueError, r"^progan\.final_resolution: must equal "
                                                r"data\.image_size \(64\), got 32"):
            GrowthSchedule(final=32).check_data(64)
        with self.assertRaisesRegex(ValueError, r"^stylegan\.fade_images: a non-negative"):
            GrowthSchedule(fade_images=-1, section="stylegan")

"""CFGAN: observed attributes in G and D, codes live only when their attribute is on; the
garment-group view of Fashion-MNIST it is measured on."""

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import config as config_lib
from tfgan_suite import evaluation, factory
from tfgan_suite.data import load_arrays, views
from tfgan_suite.gans import CFGAN
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator

CODES = [{"name": "tops", "kind": "categorical", "size": 5, "attribute": 0},
         {"name": "feet", "kind": "categorical", "size": 3, "attribute": 2}]
WIDTH = 8


def model():
    keras.utils.set_random_seed(0)
    return CFGAN(DCGANGenerator(latent_dim=8 + 4 + WIDTH, image_size=28, base_filters=8),
                 DCGANDiscriminator(image_size=28, base_filters=8, num_classes=4,
                                    conditioning="projection", q_width=WIDTH),
                 codes=CODES, num_classes=4)


def config(**data):
    return config_lib.load({
        "model": "cfgan", "cfgan": {"codes": CODES},
        "data": {"name": "digits", "image_size": 28, "batch_size": 8,
                 "label_view": "garment_group", **data},
        "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8},
        "discriminator": {"name": "dcgan", "base_filters": 8}})


class GarmentGroupViewTest(tf.test.TestCase):
    def test_groups_of_the_classes_and_the_labels_training_sees(self):
        self.assertAllEqual(views.group_of(np.arange(10)), [0, 1, 0, 0, 0, 2, 0, 2, 3, 2])
        images, labels = factory.training_arrays(config())
        _, classes = load_arrays("digits", "train")
        self.assertAllEqual(labels, views.group_of(classes))
        self.assertEqual(factory.run_facts(config()).num_classes, 4)
        with self.assertRaisesRegex(ValueError, r"^data\.label_view: a label view cannot be "
                                                r"combined with label corruptions"):
            factory.training_arrays(config(corruption={"label_noise": {
                "kind": "symmetric", "rate": 0.5}}))


class CFGANTest(tf.test.TestCase):
    def test_codes_of_an_attribute_that_is_off_reach_neither_g_nor_the_mi_term(self):
        gan = model()
        labels = tf.constant([0, 1, 2, 3, 0, 2, 1, 3])
        condition, d_labels = gan.fake_conditions(tf.zeros([8, 28, 28, 1]), labels,
                                                  tf.constant(0, tf.int64), 8)
        self.assertAllEqual(d_labels, labels)  # D sees the fakes' attributes
        block = condition["input"].numpy()
        self.assertAllEqual(block[:, :4], np.eye(4)[labels.numpy()])
        tops, feet = block[:, 4:9], block[:, 9:12]
        on_tops, on_feet = labels.numpy() == 0, labels.numpy() == 2
        self.assertAllEqual(tops[~on_tops], np.zeros([6, 5]))
        self.assertAllEqual(feet[~on_feet], np.zeros([6, 3]))
        self.assertAllEqual(tops[on_tops].sum(axis=1), [1.0, 1.0])
        q = tf.Variable(tf.random.stateless_normal([8, WIDTH], [1, 2]))
        with tf.GradientTape() as tape:
            losses = gan.code_losses(q, condition)
        gradient = tape.gradient(losses["mi_tops"], q).numpy()[:, :5]
        self.assertAllEqual(gradient[~on_tops], np.zeros([6, 5]))
        self.assertGreater(np.abs(gradient[on_tops]).sum(), 0.0)

    def test_from_config_it_trains_samples_by_attribute_and_refuses_bad_input(self):
        cfg = config()
        gan = factory.build_gan(cfg)
        self.assertEqual((gan.latent_dim, gan.code_width, gan.num_classes), (8, 12, 4))
        self.assertEqual(gan.discriminator.get_config()["conditioning"], "projection")
        factory.compile_gan(gan, cfg)
        history = gan.fit(factory.dataset(cfg, with_labels=True), steps_per_epoch=2,
                          epochs=1, verbose=0).history
        self.assertTrue(np.isfinite(history["mi_tops"][-1]))
        images = gan.sample(4, labels=2, codes={"feet": 1})
        self.assertEqual(images.shape, (4, 28, 28, 1))
        clone = CFGAN.from_config(gan.get_config())
        self.assertEqual((clone.num_classes, clone.codes.names), (4, ["tops", "feet"]))
        with self.assertRaisesRegex(ValueError, r"^labels: one attribute or 4, each in 0\.\.3"):
            gan.sample(4, labels=7)
        with self.assertRaisesRegex(ValueError, r"^cfgan\.codes\.x\.attribute: must index one "
                                                r"of the 4 observed attributes, got 4"):
            CFGAN(gan.generator, gan.discriminator, num_classes=4,
                  codes=[{"name": "x", "size": 2, "attribute": 4}])
        with self.assertRaisesRegex(ValueError, r"^model cfgan: the discriminator must take"):
            CFGAN(gan.generator, DCGANDiscriminator(image_size=28, base_filters=8,
                                                    q_width=WIDTH),
                  codes=CODES, num_classes=4)

    def test_evaluation_scores_toggles_and_codes_within_their_group(self):
        gan = model()
        images, classes = load_arrays("digits", "train")
        members = dict(enumerate(views.GARMENT_GROUPS.values()))

        def generate(z, block, batch_size):  # faithful: group from y, class from the code
            rng = np.random.default_rng(1)
            picked = []
            for row in block:
                group = int(np.argmax(row[:4]))
                code = {0: row[4:9], 2: row[9:12]}.get(group)
                options = list(members[group])
                cls = options[int(np.argmax(code)) % len(options)] if code is not None \
                    else options[0]
                picked.append(images[rng.choice(np.flatnonzero(classes == cls))])
            return np.stack(picked)

        object.__setattr__(gan, "_generate", generate)
        evaluator = evaluation.Evaluator(config(), n=300, spaces=["digits"])
        result = evaluator.evaluate(gan, groups=["conditional"])
        self.assertEqual(sorted(result), ["nmi_feet_digits", "nmi_tops_digits",
                                          "toggle_accuracy_digits"])
        self.assertGreater(result["toggle_accuracy_digits"], 0.85)
        self.assertGreater(result["nmi_tops_digits"], 0.7)
        self.assertGreater(result["nmi_feet_digits"], 0.7)

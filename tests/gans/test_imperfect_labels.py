"""Models for imperfect labels: rAC-GAN / rcGAN (label noise), CP-GAN (class overlap) and
S3GAN (few labels). Each test states the property that defines the model."""

import os
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from tfgan_suite import config as config_lib
from tfgan_suite import factory, objectives
from tfgan_suite.data import corruptions
from tfgan_suite.gans import ACGAN, CPGAN, RACGAN, RCGAN, S3GAN, ConditionalGAN
from tfgan_suite.gans.cpgan import posterior_kl
from tfgan_suite.gans.rgan import draw_label_pairs
from tfgan_suite.gans.self_supervised import rotation_batch
from tfgan_suite.layers import ConditionalBatchNorm
from tfgan_suite.networks import DCGANDiscriminator, DCGANGenerator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalence  # noqa: E402  (tests/gans/equivalence.py)

CLASSES = 4


def class_images(n, seed=0, classes=CLASSES):
    """28×28 images whose class k is a bright band at rows 7k..7k+6 (mod 4), plus noise."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % classes).astype(np.int32)
    images = np.full((n, 28, 28, 1), -1.0, np.float32)
    for i, label in enumerate(labels):
        images[i, 7 * (label % 4):7 * (label % 4) + 7] = 1.0
    images += 0.1 * rng.normal(size=images.shape).astype(np.float32)
    return np.clip(images, -1, 1), labels


def generator(label_input="ids", conditional_bn=False, classes=CLASSES):
    return DCGANGenerator(latent_dim=8, image_size=28, base_filters=8, num_classes=classes,
                          conditional=True, label_input=label_input,
                          conditional_bn=conditional_bn)


def discriminator(conditioning, classes=CLASSES, **options):
    return DCGANDiscriminator(image_size=28, base_filters=8, num_classes=classes,
                              conditioning=conditioning, **options)


def compiled(model, objective="non_saturating"):
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3),
                  g_optimizer=keras.optimizers.Adam(1e-3), objective=objective)
    return model


def one_step(model, images, labels):
    """Logs and weights after one train_step on one batch."""
    logs = model.train_step((tf.constant(images), tf.constant(labels)))
    return ({k: float(v) for k, v in logs.items()},
            model.generator.get_weights() + model.discriminator.get_weights())


def chi_square_joint(clean, noisy, transition):
    """p-value of the (clean, noisy) counts against π_y T_yj with uniform π."""
    classes = len(transition)
    counts = np.zeros((classes, classes))
    np.add.at(counts, (clean, noisy), 1)
    expected = transition / classes * len(clean)
    support = expected > 0
    assert counts[~support].sum() == 0, "a pair of zero probability was drawn"
    return stats.chisquare(counts[support], expected[support]).pvalue


class CorrectedLossTest(tf.test.TestCase):
    def test_corrected_loss_equals_plain_cross_entropy_at_identity(self):
        logits = tf.random.stateless_normal([64, 10], seed=[1, 2]) * 3
        labels = tf.random.stateless_uniform([64], seed=[3, 4], maxval=10, dtype=tf.int32)
        corrected = objectives.forward_corrected_xent(logits, labels, np.eye(10))
        plain = objectives.class_xent(logits, tf.one_hot(labels, 10))
        self.assertAllClose(corrected, plain, rtol=1e-6)

    def test_corrected_loss_is_log_c_with_zero_gradient_when_labels_are_pure_noise(self):
        logits = tf.Variable(tf.random.stateless_normal([32, 10], seed=[5, 6]) * 3)
        labels = tf.random.stateless_uniform([32], seed=[7, 8], maxval=10, dtype=tf.int32)
        uniform = np.full((10, 10), 0.1)
        with tf.GradientTape(persistent=True) as tape:
            corrected = objectives.forward_corrected_xent(logits, labels, uniform)
            plain = objectives.class_xent(logits, tf.one_hot(labels, 10))
        self.assertAllClose(corrected, np.log(10.0), rtol=1e-6)
        self.assertLess(float(tf.reduce_max(tf.abs(tape.gradient(corrected, logits)))), 1e-7)
        # Plain AC-GAN cross-entropy still pushes the classifier towards the noisy labels.
        self.assertGreater(float(tf.reduce_max(tf.abs(tape.gradient(plain, logits)))), 1e-3)


class LabelPairTest(tf.test.TestCase):
    """rcGAN's (clean label for G, noisy label for D) pairs follow p(y, ỹ) = π_y T_yỹ."""

    def draws(self, mode, transition, n=100_000):
        clean_batch = np.arange(n) % len(transition)
        noisy_batch = corruptions.apply_transition(clean_batch, transition, seed=3)
        uniform = tf.random.stateless_uniform([n, 2], seed=[9, 9])
        clean, noisy = draw_label_pairs(tf.constant(transition), tf.constant(noisy_batch),
                                        uniform, mode)
        return clean.numpy(), noisy.numpy(), noisy_batch

    def test_forward_and_posterior_sampling_match_the_noise_joint(self):
        for transition in (corruptions.symmetric_transition(10, 0.5),
                           corruptions.asymmetric_transition(10, 0.6)):
            for mode in ("forward", "posterior"):
                clean, noisy, _ = self.draws(mode, transition)
                self.assertGreater(chi_square_joint(clean, noisy, transition), 1e-3,
                                   (mode, transition[0]))

    def test_posterior_sampling_keeps_the_real_batch_noisy_labels(self):
        clean, noisy, batch = self.draws("posterior", corruptions.symmetric_transition(10, 0.3),
                                         n=1000)
        self.assertAllEqual(noisy, batch)

    def test_identity_transition_gives_equal_clean_and_noisy_labels(self):
        for mode in ("forward", "posterior"):
            clean, noisy, _ = self.draws(mode, np.eye(10), n=5000)
            self.assertAllEqual(clean, noisy)

    def test_a_naive_sampler_fails_the_joint_test(self):
        transition = corruptions.symmetric_transition(10, 0.5)
        clean = np.arange(100_000) % 10
        self.assertLess(chi_square_joint(clean, clean, transition), 1e-6)


class LabelNoiseModelTest(tf.test.TestCase):
    def test_racgan_with_identity_transition_is_acgan(self):
        images, labels = class_images(16)
        results = []
        for cls, extra in ((ACGAN, {}), (RACGAN, {"transition": np.eye(CLASSES),
                                                  "label_sampling": "posterior"})):
            keras.utils.set_random_seed(0)
            model = compiled(cls(generator(), discriminator("auxiliary"), num_classes=CLASSES,
                                 g_aux_weight=0.1, fake_class_loss=False, seed=3, **extra))
            results.append(one_step(model, images, labels))
        self.assertAllClose(results[0][0], results[1][0], rtol=1e-6)
        for a, b in zip(results[0][1], results[1][1], strict=True):
            self.assertAllClose(a, b, atol=1e-6)

    def test_rcgan_with_identity_transition_is_cgan(self):
        images, labels = class_images(16)
        results = []
        for cls, extra in ((ConditionalGAN, {}),
                           (RCGAN, {"transition": np.eye(CLASSES), "label_sampling": "posterior"})):
            keras.utils.set_random_seed(0)
            model = compiled(cls(generator(), discriminator("projection", spectral_norm=True),
                                 num_classes=CLASSES, seed=3, **extra), "hinge")
            results.append(one_step(model, images, labels))
        self.assertAllClose(results[0][0], results[1][0], rtol=1e-6)
        for a, b in zip(results[0][1], results[1][1], strict=True):
            self.assertAllClose(a, b, atol=1e-6)

    def test_racgan_discriminator_class_loss_is_the_corrected_loss(self):
        transition = corruptions.symmetric_transition(CLASSES, 0.5)
        model = RACGAN(generator(), discriminator("auxiliary"), num_classes=CLASSES,
                       transition=transition)
        logits = tf.random.stateless_normal([8, CLASSES], seed=[1, 1])
        labels = tf.constant(np.arange(8) % CLASSES, tf.int32)
        terms = model.extra_d_losses(logits, logits, labels, labels)
        self.assertAllClose(terms["ac_d_loss"],
                            objectives.forward_corrected_xent(logits, labels, transition)
                            + objectives.class_xent(logits, tf.one_hot(labels, CLASSES)))

    def test_rcgan_generator_gets_clean_labels_and_discriminator_noisy_ones(self):
        transition = corruptions.symmetric_transition(CLASSES, 0.7)
        model = RCGAN(generator(), discriminator("projection"), num_classes=CLASSES,
                      transition=transition, seed=5)
        real = tf.zeros([20_000, 1])
        clean, noisy = model.fake_conditions(real, None, tf.constant(0, tf.int64), 8)
        self.assertGreater(chi_square_joint(clean.numpy(), noisy.numpy(), transition), 1e-3)
        self.assertGreater(float(np.mean(clean.numpy() != noisy.numpy())), 0.4)

    def test_singular_transition_is_refused(self):
        swap = corruptions.asymmetric_transition(CLASSES, 0.5, flips={0: 1, 1: 0})
        with self.assertRaisesRegex(ValueError, r"^rgan\.transition: T is singular"):
            RACGAN(generator(), discriminator("auxiliary"), num_classes=CLASSES,
                   transition=swap)

    def test_models_round_trip_through_their_config(self):
        transition = corruptions.symmetric_transition(CLASSES, 0.3)
        for model in (RACGAN(generator(), discriminator("auxiliary"), num_classes=CLASSES,
                             transition=transition, label_sampling="posterior"),
                      RCGAN(generator(), discriminator("projection"), num_classes=CLASSES,
                            transition=transition)):
            clone = model.__class__.from_config(model.get_config())
            self.assertAllClose(clone.transition, transition)
            self.assertEqual(clone.label_sampling, model.label_sampling)


class CPGANTest(tf.test.TestCase):
    def test_conditional_batchnorm_is_linear_in_the_probability_vector(self):
        network = generator("probabilities", conditional_bn=True)
        layers = [layer for layer in network.layers if isinstance(layer, ConditionalBatchNorm)]
        self.assertLen(layers, 2)
        rng = np.random.default_rng(0)
        for layer in layers:
            for weight in layer.weights:
                if weight.trainable:
                    weight.assign(rng.normal(size=weight.shape))
            eye = np.eye(CLASSES, dtype=np.float32)
            mixture = (eye[0] + eye[2]) / 2
            for table in (layer.gain, layer.bias):
                at = {k: table(tf.constant(v[None])).numpy()
                      for k, v in (("a", eye[0]), ("b", eye[2]), ("mix", mixture))}
                self.assertAllClose(at["mix"], (at["a"] + at["b"]) / 2, atol=1e-5)

    def test_kl_term_is_zero_exactly_when_the_classifier_agrees(self):
        posterior = np.array([[0.5, 0.5, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]], np.float32)
        agreeing = np.log(np.maximum(posterior, 1e-30))
        self.assertAllClose(posterior_kl(agreeing, posterior), 0.0, atol=1e-5)
        self.assertGreater(float(posterior_kl(np.zeros_like(posterior), posterior)), 0.05)
        # An AC-GAN lookalike (CE to the argmax class) is not zero at agreement.
        one_hot = tf.one_hot(np.argmax(posterior, 1), CLASSES)
        self.assertGreater(float(objectives.class_xent(agreeing, one_hot)), 0.3)

    def test_generator_condition_is_a_gradient_free_posterior_of_the_real_batch(self):
        images, _ = class_images(8)
        model = compiled(CPGAN(generator("probabilities", True), discriminator("auxiliary"),
                               num_classes=CLASSES))
        with tf.GradientTape() as tape:
            posterior, seen_by_d = model.fake_conditions(tf.constant(images), None, 0, 8)
            total = tf.reduce_sum(posterior * tf.range(CLASSES, dtype=tf.float32))
        self.assertIsNone(seen_by_d)
        self.assertAllClose(tf.reduce_sum(posterior, axis=1), np.ones(8), atol=1e-6)
        self.assertLess(float(tf.reduce_max(posterior)), 1.0)  # not one-hot
        gradients = tape.gradient(total, model.discriminator.trainable_variables)
        self.assertTrue(all(g is None for g in gradients))
        _, class_logits = model.discriminator(images, training=False)
        self.assertAllClose(posterior, tf.nn.softmax(class_logits), atol=1e-6)

    def test_cpgan_trains_and_samples_from_ids_and_mixtures(self):
        images, labels = class_images(16)
        model = compiled(CPGAN(generator("probabilities", True), discriminator("auxiliary"),
                               num_classes=CLASSES))
        logs, _ = one_step(model, images, labels)
        self.assertEqual(set(logs), {"d_loss", "g_loss", "ac_d_loss", "cp_g_loss"})
        mixture = np.array([0.5, 0.5, 0.0, 0.0], np.float32)
        self.assertEqual(model.sample(3, labels=mixture).shape, (3, 28, 28, 1))
        by_id = model.sample(2, seed=4, labels=[1, 3])
        by_vector = model.sample(2, seed=4, labels=np.eye(CLASSES, dtype=np.float32)[[1, 3]])
        self.assertAllClose(by_id, by_vector, atol=1e-6)
        with self.assertRaisesRegex(ValueError, "sum to 1"):
            model.sample(1, labels=np.array([0.5, 0.2, 0.0, 0.0], np.float32))

    def test_cpgan_needs_a_probability_generator(self):
        with self.assertRaisesRegex(ValueError, r"^generator: model cpgan .*label_input"):
            CPGAN(generator(), discriminator("auxiliary"), num_classes=CLASSES)


class S3GANTest(tf.test.TestCase):
    def model(self, **options):
        keras.utils.set_random_seed(0)
        return compiled(S3GAN(generator(), discriminator(
            "projection", rotation_head=True, label_predictor=True), num_classes=CLASSES,
            **options), "hinge")

    def test_rotation_targets_line_up_with_the_rotated_copies(self):
        images = tf.random.stateless_uniform([16, 28, 28, 1], seed=[1, 2])
        rotated, targets = rotation_batch(images, stride=8)
        selected = images.numpy()[7::8]
        self.assertAllEqual(targets, [0, 0, 1, 1, 2, 2, 3, 3])
        for k in (1, 2, 3):
            for i, image in enumerate(selected):
                self.assertAllEqual(rotated[(k - 1) * 2 + i], np.rot90(image, k, axes=(0, 1)))

    def test_discriminate_returns_the_selected_images_rotation_logits_in_target_order(self):
        model = self.model()
        images, labels = class_images(16)
        logits, (rotation_logits, targets, class_logits) = model.discriminate(
            tf.constant(images), tf.constant(labels), training=False)
        self.assertEqual(logits.shape, (16, 1))
        self.assertEqual(class_logits.shape, (16, CLASSES))
        self.assertAllEqual(targets, [0, 0, 1, 1, 2, 2, 3, 3])
        # Row k*2+i must be the rotation head on image 7+8i rotated k quarter turns.
        for k in range(4):
            for i in range(2):
                image = np.rot90(images[7 + 8 * i], k, axes=(0, 1))[None]
                _, expected, _ = model.discriminator([image, labels[7 + 8 * i:8 + 8 * i]],
                                                     training=False)
                self.assertAllClose(rotation_logits[2 * k + i], expected[0], atol=1e-5)

    def test_unlabelled_rows_give_zero_classifier_gradient(self):
        model = self.model()
        labels = tf.constant([0, -1, 2, -1, 1, -1, 3, -1])
        class_logits = tf.Variable(tf.random.stateless_normal([8, CLASSES], seed=[4, 4]))
        rotation = (tf.zeros([4, 4]), tf.zeros([4], tf.int32))
        with tf.GradientTape() as tape:
            terms = model.extra_d_losses((*rotation, class_logits), None, labels, labels)
        gradient = tape.gradient(terms["classifier_loss"], class_logits).numpy()
        self.assertAllEqual(gradient[1::2], np.zeros([4, CLASSES]))
        self.assertGreater(np.abs(gradient[0::2]).min(), 0.0)
        # Its value is the mean CE over the labelled rows only.
        expected = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels.numpy()[0::2], logits=class_logits.numpy()[0::2])
        self.assertAllClose(terms["classifier_loss"], tf.reduce_mean(expected), rtol=1e-6)

    def test_projection_with_predicted_labels_sends_no_gradient_into_the_predictor(self):
        model = self.model()
        images, _ = class_images(8)
        predictor = model.discriminator.get_layer("predictor").kernel
        with tf.GradientTape(persistent=True) as tape:
            logits, _, class_logits = model.discriminator(
                [tf.constant(images), tf.fill([8], -1)], training=True)
            total = tf.reduce_sum(logits)
        self.assertIsNone(tape.gradient(total, predictor))
        # Unlabelled rows are projected with the predictor's argmax.
        predicted = tf.argmax(class_logits, axis=-1, output_type=tf.int32)
        explicit, _, _ = model.discriminator([tf.constant(images), predicted], training=True)
        self.assertAllClose(logits, explicit, atol=1e-5)

    def test_generator_has_the_fake_rotation_term_and_discriminator_does_not(self):
        model = self.model(rotation_g_weight=0.2)
        rotation_logits = tf.random.stateless_normal([4, 4], seed=[6, 6])
        aux = (rotation_logits, tf.constant([0, 1, 2, 3]), tf.zeros([8, CLASSES]))
        labels = tf.zeros([8], tf.int32)
        d_terms = model.extra_d_losses(aux, aux, labels, labels)
        d_terms_other_fakes = model.extra_d_losses(aux, (tf.zeros([4, 4]),) + aux[1:],
                                                   labels, labels)
        self.assertAllClose(d_terms, d_terms_other_fakes)
        g_terms = model.extra_g_losses(aux, labels)
        self.assertAllClose(g_terms["rotation_g_loss"], 0.2 * objectives.class_xent(
            rotation_logits, tf.one_hot([0, 1, 2, 3], 4)))

    def test_s3gan_trains_on_partly_unlabelled_batches(self):
        model = self.model()
        images, labels = class_images(16)
        labels[::2] = corruptions.UNLABELLED
        logs, _ = one_step(model, images, labels)
        self.assertEqual(set(logs), {"d_loss", "g_loss", "rotation_d_loss", "classifier_loss",
                                     "rotation_g_loss"})
        self.assertTrue(all(np.isfinite(v) for v in logs.values()))

    def test_with_every_label_given_the_discriminator_is_the_projection_discriminator(self):
        model = self.model()
        plain = discriminator("projection")
        for layer in plain.layers:
            if layer.weights:
                layer.set_weights(model.discriminator.get_layer(layer.name).get_weights())
        images, labels = class_images(8)
        logits, _, _ = model.discriminator([tf.constant(images), tf.constant(labels)])
        self.assertAllClose(logits, plain([tf.constant(images), tf.constant(labels)]),
                            atol=1e-6)

    def test_s3gan_refuses_a_discriminator_without_its_heads(self):
        with self.assertRaisesRegex(ValueError, r"^discriminator: model s3gan needs"):
            S3GAN(generator(), discriminator("projection"), num_classes=CLASSES)


class ConfigErrorTest(tf.test.TestCase):
    """Bad input: one line naming the field and what is accepted."""

    def config(self, model, **corruption):
        return config_lib.load({
            "model": model, "data": {"name": "digits", "batch_size": 8, "image_size": 28,
                                     "corruption": corruption},
            "generator": {"name": "dcgan", "latent_dim": 8, "base_filters": 8,
                          "conditional": model != "gan"},
            "discriminator": {"name": "dcgan", "base_filters": 8,
                              "conditioning": {"racgan": "auxiliary", "gan": "none"}.get(
                                  model, "projection")}})

    def test_unknown_noise_kind_and_rate_outside_the_unit_interval(self):
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.label_noise\.kind: "
                                                r"unknown value 'pairflip'; accepted: none"):
            self.config("rcgan", label_noise={"kind": "pairflip", "rate": 0.2})
        for rate in (1.0, -0.1):
            with self.assertRaisesRegex(ValueError, r"^data\.corruption\.label_noise\.rate: "
                                                    r"must be in \[0, 1\)"):
                self.config("rcgan", label_noise={"kind": "symmetric", "rate": rate})

    def test_label_fraction_with_an_unconditional_model(self):
        with self.assertRaisesRegex(ValueError, r"^data\.corruption: model 'gan' is "
                                                r"unconditional.*accepted: a conditional"):
            factory.build_gan(self.config("gan", label_fraction=0.1))

    def test_unlabelled_examples_with_a_model_that_cannot_use_them(self):
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.unlabelled: model 'cgan' "
                                                r"cannot train on unlabelled.*accepted: drop"):
            factory.build_gan(self.config("cgan", label_fraction=0.1))

    def test_label_noise_model_without_label_noise(self):
        with self.assertRaisesRegex(ValueError, r"^data\.corruption\.label_noise\.kind: model "
                                                r"racgan models label noise"):
            factory.build_gan(self.config("racgan"))

    def test_label_model_on_an_unlabelled_dataset(self):
        config = config_lib.load({"model": "rcgan", "data": {"name": "ring"}})
        with self.assertRaisesRegex(ValueError, r"^(generator|data): model rcgan needs"):
            factory.build_gan(config)

    def test_zero_noise_rate_gives_the_identity_transition(self):
        config = self.config("racgan", label_noise={"kind": "symmetric", "rate": 0.0})
        self.assertAllClose(factory.build_gan(config).transition, np.eye(10))


class CorruptedPipelineTest(tf.test.TestCase):
    """The clean labels never reach a training batch."""

    def test_training_batches_carry_the_observed_labels_only(self):
        config = config_lib.load({
            "model": "rcgan", "data": {"name": "digits", "batch_size": 100, "corruption": {
                "label_noise": {"kind": "symmetric", "rate": 0.7}}}})
        images, clean = factory.training_arrays(config)
        spec = factory.corruption(config)
        from tfgan_suite import data as data_lib
        _, truly_clean = data_lib.load_arrays("digits", "train")
        observed = spec.apply(truly_clean)
        self.assertAllEqual(clean, observed)  # training_arrays returns the observed labels
        self.assertGreater(float(np.mean(observed != truly_clean)), 0.5)
        lookup = {}
        for image, label in zip(images, observed, strict=True):
            lookup.setdefault(image.tobytes(), set()).add(int(label))
        seen = 0
        for batch_images, batch_labels in factory.dataset(config, with_labels=True).take(14):
            for image, label in zip(batch_images.numpy(), batch_labels.numpy(), strict=True):
                self.assertIn(int(label), lookup[image.tobytes()])
                seen += 1
        self.assertEqual(seen, 1400)

    def test_drop_keeps_only_the_labelled_fraction_and_overlap_reports_five_classes(self):
        config = config_lib.load({"model": "cgan", "data": {"name": "digits", "corruption": {
            "label_fraction": 0.1, "unlabelled": "drop"}}})
        images, labels = factory.training_arrays(config)
        self.assertLen(labels, round(0.1 * 1437))
        self.assertTrue((labels >= 0).all())
        overlap = config_lib.load({"model": "cpgan", "data": {"name": "digits", "corruption": {
            "class_overlap": "10to5"}}})
        self.assertEqual(factory.run_facts(overlap).num_classes, 5)
        self.assertEqual(factory.run_facts(overlap).info["clean_num_classes"], 10)


@pytest.mark.slow
class DistributionEquivalenceTest(tf.test.TestCase):
    """Every family's 2-replica MirroredStrategy steps equal its 1-device steps (the
    conditional models, the imperfect-label models, AmbientGAN, SS-GAN and every NR-GAN
    variant, whose noise generator must have trained too, InfoGAN with every kind of code,
    and CFGAN). Two processes of about equal length, so two test workers can share them."""

    def test_two_replica_steps_equal_single_device_steps(self):
        names = ["cgan", "acgan", "racgan", "rcgan", "cpgan", "s3gan", "ambientgan", "ssgan"]
        equivalence.assert_two_replicas_equal_one_device(self, names)

    def test_two_replica_steps_equal_single_device_steps_nrgan_and_codes(self):
        names = ["nrgan_si1", "nrgan_si2", "nrgan_sd1", "nrgan_sd2", "nrgan_sd3", "infogan",
                 "cfgan"]
        equivalence.assert_two_replicas_equal_one_device(self, names)


class EstimatedTransitionTest(tf.test.TestCase):
    def test_anchor_points_of_a_noisy_classifier_recover_the_symmetric_transition(self):
        import tempfile
        from unittest import mock

        config = config_lib.load({
            "model": "racgan", "rgan": {"transition": "estimated"},
            "data": {"name": "digits", "corruption": {
                "label_noise": {"kind": "symmetric", "rate": 0.5}}}})
        with mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": tempfile.mkdtemp()}):
            from tfgan_suite.gans.rgan import estimated_transition

            facts = factory.run_facts(config)
            estimate = estimated_transition(config, facts, percentile=97.0)
            again = estimated_transition(config, facts, percentile=97.0)  # from the cache
        truth = corruptions.symmetric_transition(10, 0.5)
        self.assertAllClose(estimate, again)
        self.assertAllClose(estimate.sum(axis=1), np.ones(10), atol=1e-6)
        print("estimated diagonal", np.round(np.diag(estimate), 2))
        # A diagonal near 0.55 (not 1: the held-out posteriors did not memorise the noise).
        self.assertLess(abs(float(np.mean(np.diag(estimate))) - 0.55), 0.15)
        self.assertLess(float(np.max(np.abs(estimate - truth))), 0.35)

    def test_the_cache_is_keyed_by_the_observed_labels_not_only_the_settings(self):
        import tempfile
        from unittest import mock

        from tfgan_suite.gans.rgan import estimated_transition

        config = config_lib.load({
            "model": "racgan", "rgan": {"transition": "estimated"},
            "data": {"name": "digits", "corruption": {
                "label_noise": {"kind": "asymmetric", "rate": 0.3}}}})
        cache = tempfile.mkdtemp()
        with mock.patch.dict(os.environ, {"TFGAN_CACHE_DIR": cache}):
            first = estimated_transition(config, factory.run_facts(config))
            # The same settings with another flip map (a constant of corruptions.py) are other
            # labels: a fresh estimate, not the stale one.
            with mock.patch.dict(corruptions.FASHION_MNIST_FLIPS, {0: 1}, clear=True):
                second = estimated_transition(config, factory.run_facts(config))
        self.assertLen(os.listdir(os.path.join(cache, "transitions")), 2)
        self.assertGreater(float(np.max(np.abs(first - second))), 0.1)

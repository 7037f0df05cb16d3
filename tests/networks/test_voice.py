"""Voice-conversion networks (networks/voice.py, networks/voice_stargan.py): generators keep
the length and the coefficients, the 1-D upsampler is a weightless pixel shuffler, the
2-1-2D bridge, what each discriminator depends on, how the codes reach G and D, the
paper-size parameter counts and the one-line errors."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfgan_suite import layers as speech_layers
from tfgan_suite import networks
from tfgan_suite.networks import voice, voice_stargan

DOMAINS = 4


def one_hot(*indices):
    return tf.one_hot(list(indices), DOMAINS)


def features(batch=2, frames=32, dims=24, seed=0):
    return tf.constant(np.random.default_rng(seed).normal(size=(batch, frames, dims)),
                       tf.float32)


def layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def inputs_for(model, x, source=(0, 1), target=(2, 3)):
    """The model's inputs for features x and a batch of (source, target) codes."""
    names = [tensor.name for tensor in model.inputs]
    values = {"features": x, "source_code": one_hot(*source), "target_code": one_hot(*target)}
    picked = [values[name] for name in names]
    return picked if len(picked) > 1 else picked[0]


def randomise(layer, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        weight.assign(weight.numpy() + scale * rng.normal(size=weight.shape).astype(np.float32))


GENERATORS = ("vc_gated_1d", "vc_gated_212d", "stargan_vc", "stargan_vc2")


class GeneratorShapeTest(tf.test.TestCase):
    def test_generators_keep_frames_and_coefficients_for_any_multiple_of_4(self):
        for name in GENERATORS:
            for dims in (24, 18):  # 18 is padded to 20 inside the 2-D networks, then cropped
                net = networks.build_generator({"name": name, "dims": dims, "blocks": 1}
                                               if name in ("vc_gated_1d", "vc_gated_212d",
                                                           "stargan_vc2")
                                               else {"name": name, "dims": dims})
                self.assertEqual(tuple(net.inputs[0].shape), (None, None, dims))
                for frames in (16, 24, 40):
                    out = net(inputs_for(net, features(frames=frames, dims=dims)))
                    self.assertEqual(out.shape, (2, frames, dims), (name, dims, frames))

    def test_1d_generator_upsamples_with_two_weightless_pixel_shufflers(self):
        net = networks.build_generator({"name": "vc_gated_1d"})
        shufflers = layers_of(net, speech_layers.PixelShuffle1D)
        self.assertLen(shufflers, 2)
        for layer in shufflers:
            self.assertEmpty(layer.weights)
        self.assertEmpty(layers_of(net, keras.layers.Conv1DTranspose))
        self.assertEmpty(layers_of(net, keras.layers.UpSampling1D))
        # Every GLU halves a conv with data and gate halves: 2 down, 3 residual, 2 up + h1.
        self.assertLen(layers_of(net, speech_layers.GatedLinearUnit), 1 + 2 + 3 + 2)

    def test_212d_generator_bridges_to_1d_residual_blocks_and_back(self):
        net = networks.build_generator({"name": "vc_gated_212d"})
        order = net.layers
        flatten = [i for i, layer in enumerate(order)
                   if isinstance(layer, speech_layers.Flatten2DTo1D)]
        unflatten = [i for i, layer in enumerate(order)
                     if isinstance(layer, speech_layers.Unflatten1DTo2D)]
        self.assertLen(flatten, 1)
        self.assertLen(unflatten, 1)
        self.assertIsInstance(order[flatten[0] + 1], keras.layers.Conv1D)
        self.assertEqual(order[flatten[0]].output.shape[1:], (None, 6 * 32))  # D'/4 · 2C
        between = order[flatten[0] + 1:unflatten[0]]
        for layer in between:  # the whole residual path is 1-D: [B, T/4, C]
            self.assertLen(layer.output.shape, 3, layer.name)
        adds = [layer for layer in between if isinstance(layer, keras.layers.Add)]
        self.assertLen(adds, 3)  # the cpu preset's residual blocks
        self.assertEqual(order[unflatten[0]].output.shape[1:], (6, None, 32))


class DiscriminatorTest(tf.test.TestCase):
    def test_full_discriminator_gives_one_logit_that_depends_on_every_frame(self):
        net = networks.build_discriminator({"name": "vc_full", "frames": 32})
        x = features(frames=32)
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = net(x)
            total = tf.reduce_sum(logits)
        self.assertEqual(logits.shape, (2, 1))
        gradient = tape.gradient(total, x).numpy()
        self.assertTrue(np.all(np.abs(gradient) > 0))  # every frame and coefficient

    def test_patchgan_map_size_follows_the_input_length(self):
        net = networks.build_discriminator({"name": "vc_patchgan", "frames": None})
        self.assertEqual(net(features(frames=32)).shape, (2, 3, 4, 1))  # ⌈24/8⌉, 32/8
        self.assertEqual(net(features(frames=64)).shape, (2, 3, 8, 1))

    def test_classifier_sees_only_the_lowest_8_coefficients(self):
        net = networks.build_discriminator({"name": "stargan_vc_classifier", "frames": 64})
        x = features(frames=64)
        logits = net(x)
        self.assertEqual(logits.shape, (2, DOMAINS))
        high = x.numpy()
        high[:, :, 8:] += np.random.default_rng(1).normal(size=high[:, :, 8:].shape)
        self.assertAllEqual(net(high), logits)
        for dim in (0, 7):
            low = x.numpy()
            low[:, :, dim] += 1.0
            self.assertGreater(float(tf.reduce_max(tf.abs(net(low) - logits))), 1e-4, dim)

    def test_stargan_vc_discriminator_scores_features_with_their_target_code(self):
        net = networks.build_discriminator({"name": "stargan_vc", "frames": None})
        x = features(frames=32)
        logits = net([x, one_hot(0, 1)])
        self.assertEqual(logits.shape, (2, 1))
        self.assertGreater(float(tf.reduce_max(tf.abs(net([x, one_hot(2, 3)]) - logits))),
                           1e-4)


class StarGANVCTest(tf.test.TestCase):
    def test_target_code_changes_the_output_but_not_the_encoder_output(self):
        for norm in ("instance", "batch"):
            net = networks.build_generator({"name": "stargan_vc", "norm": norm})
            encoder = keras.Model(net.inputs, net.get_layer("latent").output)
            x = features()
            a, b = [x, one_hot(0, 1)], [x, one_hot(2, 3)]
            self.assertEqual(encoder(a).shape, (2, 1, 8, voice_stargan.LATENT_CHANNELS))
            self.assertAllEqual(encoder(a), encoder(b))
            self.assertGreater(float(tf.reduce_max(tf.abs(net(a) - net(b)))), 1e-3, norm)
            self.assertLen(layers_of(net, voice_stargan.ConcatTiledCode), 5)  # every decoder
            # layer and the output conv

    def test_instance_norm_removes_a_tiled_code_where_the_kernel_is_not_cut(self):
        # The module docstring's caveat: a conv of [x; tiled c] adds W·c at every position,
        # which IN subtracts again; only zero padding ("same" borders) lets c through.
        x = keras.Input((None, 6))
        code = keras.Input((DOMAINS,))
        tiled = voice_stargan.ConcatTiledCode()([x, code])
        for padding, independent in (("valid", True), ("same", False)):
            y = keras.layers.Conv1D(4, 3, padding=padding)(tiled)
            model = keras.Model([x, code], speech_layers.InstanceNormalization()(y))
            sequence = features(frames=12, dims=6)
            change = tf.reduce_max(tf.abs(model([sequence, one_hot(0, 1)])
                                          - model([sequence, one_hot(2, 3)])))
            self.assertEqual(float(change) < 1e-5, independent, padding)


class StarGANVC2Test(tf.test.TestCase):
    def test_initial_cin_ignores_the_codes_then_source_and_target_both_modulate(self):
        net = networks.build_generator({"name": "stargan_vc2", "blocks": 2})
        self.assertEqual([t.name for t in net.inputs], ["features", "source_code",
                                                         "target_code"])
        x = features()
        reference = net([x, one_hot(0, 1), one_hot(2, 3)])
        self.assertAllClose(net([x, one_hot(3, 2), one_hot(1, 0)]), reference, atol=1e-6)
        cins = layers_of(net, speech_layers.ConditionalInstanceNormalization)
        self.assertLen(cins, 2)
        for seed, layer in enumerate(cins):
            randomise(layer, seed)
        moved = net([x, one_hot(0, 1), one_hot(2, 3)])
        only_source = net([x, one_hot(1, 2), one_hot(2, 3)])
        only_target = net([x, one_hot(0, 1), one_hot(3, 0)])
        self.assertGreater(float(tf.reduce_max(tf.abs(only_source - moved))), 1e-3)
        self.assertGreater(float(tf.reduce_max(tf.abs(only_target - moved))), 1e-3)

    def test_target_only_codes_take_two_inputs_in_either_cin_mode(self):
        for mode in ("concat_linear", "pair_table"):
            net = networks.build_generator({"name": "stargan_vc2", "blocks": 1,
                                            "codes": "target", "cin_mode": mode})
            self.assertEqual([t.name for t in net.inputs], ["features", "target_code"])
            cin = layers_of(net, speech_layers.ConditionalInstanceNormalization)[0]
            randomise(cin)
            x = features()
            a, b = net([x, one_hot(0, 1)]), net([x, one_hot(2, 3)])
            self.assertEqual(a.shape, (2, 32, 24))
            self.assertGreater(float(tf.reduce_max(tf.abs(a - b))), 1e-3, mode)

    def test_concat_conditioning_tiles_both_codes_into_every_block(self):
        net = networks.build_generator({"name": "stargan_vc2", "blocks": 3,
                                        "conditioning": "concat", "residual": True})
        self.assertEmpty(layers_of(net, speech_layers.ConditionalInstanceNormalization))
        tiles = layers_of(net, voice_stargan.ConcatTiledCode)
        self.assertLen(tiles, 3)
        for layer in tiles:
            self.assertEqual(layer.output.shape[-1], 64 + 2 * DOMAINS)  # [c; c'] per frame
        self.assertLen([layer for layer in layers_of(net, keras.layers.Add)
                        if layer.name.startswith("b")], 3)  # residual: a skip per block
        self.assertEqual(net(inputs_for(net, features())).shape, (2, 32, 24))


class ProjectionDiscriminatorTest(tf.test.TestCase):
    def test_zero_embedding_leaves_psi_of_phi_for_every_code_pair(self):
        net = networks.build_discriminator({"name": "stargan_vc2", "frames": 32})
        net.get_layer("embedding").kernel.assign(tf.zeros_like(net.get_layer("embedding")
                                                               .kernel))
        unconditional = keras.Model(net.inputs, net.get_layer("psi").output)
        pairs = [(c, c2) for c in range(DOMAINS) for c2 in range(DOMAINS)]
        x = tf.repeat(features(batch=1, frames=32), len(pairs), axis=0)
        codes = [one_hot(*[p[0] for p in pairs]), one_hot(*[p[1] for p in pairs])]
        logits = net([x, *codes])
        self.assertAllClose(logits, unconditional([x, *codes]), atol=1e-5)
        self.assertAllClose(logits, tf.repeat(logits[:1], len(pairs), axis=0), atol=1e-5)

    def test_nonzero_embedding_sees_the_source_and_the_target_code(self):
        net = networks.build_discriminator({"name": "stargan_vc2", "frames": 32})
        self.assertEqual(net.get_layer("embedding").kernel.shape, (2 * DOMAINS, 128))
        self.assertEmpty([w for w in net.get_layer("embedding").weights if "bias" in w.name])
        x = features()
        logits = net([x, one_hot(0, 1), one_hot(2, 3)])
        for changed in ([x, one_hot(1, 2), one_hot(2, 3)], [x, one_hot(0, 1), one_hot(3, 0)]):
            self.assertGreater(float(tf.reduce_max(tf.abs(net(changed) - logits))), 1e-4)

    def test_mean_pooling_divides_the_sums_logit_by_the_patch_count(self):
        summed = networks.build_discriminator({"name": "stargan_vc2", "frames": 32})
        mean = networks.build_discriminator({"name": "stargan_vc2", "frames": 32,
                                             "pooling": "mean"})
        mean.set_weights(summed.get_weights())
        x, codes = features(frames=32), [one_hot(0, 1), one_hot(2, 3)]
        positions = int(np.prod(summed.get_layer("phi").input.shape[1:3]))
        bias = summed.get_layer("psi").bias
        self.assertAllClose(mean([x, *codes]), (summed([x, *codes]) - bias) / positions + bias,
                            atol=1e-5)

    def test_target_only_projection(self):
        net = networks.build_discriminator({"name": "stargan_vc2", "codes": "target"})
        self.assertEqual([t.name for t in net.inputs], ["features", "target_code"])
        self.assertEqual(net.get_layer("embedding").kernel.shape, (DOMAINS, 128))
        self.assertEqual(net([features(frames=64), one_hot(0, 1)]).shape, (2, 1))


def gated_1d_parameters(dims, c, blocks):
    """CycleGAN-VC's G counted layer by layer: conv weights (2× for the GLU's gate half, 4×
    in front of a 1-D shuffler), IN's γ and β, biases only where no IN follows."""
    h1 = 15 * dims * 2 * c + 2 * c
    d1 = 5 * c * 4 * c + 2 * 4 * c
    d2 = 5 * 2 * c * 8 * c + 2 * 8 * c
    residual = (3 * 4 * c * 16 * c + 2 * 16 * c) + (3 * 8 * c * 4 * c + 2 * 4 * c)
    u1 = 5 * 4 * c * 16 * c + 2 * 8 * c
    u2 = 5 * 4 * c * 8 * c + 2 * 4 * c
    out = 15 * 2 * c * dims + dims
    return h1 + d1 + d2 + blocks * residual + u1 + u2 + out


def gated_212d_parameters(dims, c, bridge, blocks):
    h = -(-dims // 4)  # D'/4: the height at the bridge
    c1 = 5 * 15 * 1 * 2 * c + 2 * c
    ds1 = 25 * c * 4 * c + 2 * 4 * c
    ds2 = 25 * 2 * c * 4 * c + 2 * 4 * c
    into_1d = h * 2 * c * bridge + 2 * bridge
    residual = (3 * bridge * 4 * bridge + 2 * 4 * bridge) + (3 * 2 * bridge * bridge
                                                              + 2 * bridge)
    out_of_1d = bridge * h * 2 * c + 2 * h * 2 * c
    us1 = 25 * 2 * c * 16 * c + 2 * 4 * c
    us2 = 25 * 2 * c * 8 * c + 2 * 2 * c
    out = 5 * 15 * c + 1
    return c1 + ds1 + ds2 + into_1d + blocks * residual + out_of_1d + us1 + us2 + out


class SizeTest(tf.test.TestCase):
    def test_paper_size_parameter_counts(self):
        g1 = networks.build_generator({"name": "vc_gated_1d", "size": "paper"})
        self.assertEqual(g1.count_params(), gated_1d_parameters(24, 128, 6))
        self.assertEqual(g1.count_params(), 38_035_736)  # the sheet's ≈ 38.0 M (§7)
        self.assertAllClose(g1.count_params() / 38.0e6, 1.0, atol=0.01)
        g2 = networks.build_generator({"name": "vc_gated_212d", "size": "paper"})
        self.assertEqual(g2.count_params(), gated_212d_parameters(24, 128, 256, 6))
        # The cpu preset: §11.6's cpu-small-16 (0.39 M).
        self.assertEqual(networks.build_generator({"name": "vc_gated_1d"}).count_params(),
                         gated_1d_parameters(24, 16, 3))
        self.assertEqual(networks.build_generator({"name": "vc_gated_212d"}).count_params(),
                         gated_212d_parameters(24, 16, 64, 3))
        # The module docstrings' tables.
        paper = {("generator", "stargan_vc"): 1_900_961, ("generator", "stargan_vc2"):
                 12_518_497, ("discriminator", "vc_full"): 21_857_793,
                 ("discriminator", "vc_patchgan"): 22_888_961,
                 ("discriminator", "stargan_vc"): 165_537,
                 ("discriminator", "stargan_vc_classifier"): 33_572,
                 ("discriminator", "stargan_vc2"): 5_729_537}
        for (role, name), count in paper.items():
            build = networks.build_generator if role == "generator" else \
                networks.build_discriminator
            self.assertEqual(build({"name": name, "size": "paper"}).count_params(), count,
                             name)
        net = networks.build_generator({"name": "stargan_vc2", "size": "paper"})
        self.assertLen(layers_of(net, speech_layers.ConditionalInstanceNormalization), 9)
        self.assertEqual(net.get_layer("to_1d").output.shape[-1], 6 * 256)

    def test_explicit_options_override_the_size_table(self):
        net = networks.build_generator({"name": "vc_gated_1d", "size": "paper", "channels": 8,
                                        "blocks": 2})
        self.assertEqual(net.count_params(), gated_1d_parameters(24, 8, 2))
        self.assertEqual(net.get_config()["channels"], 8)

    def test_bad_options_are_refused_in_one_line(self):
        cases = [
            ("generator", {"name": "vc_gated_1d", "size": "big"},
             r"generator\.size: unknown value 'big'; accepted: paper, cpu"),
            ("generator", {"name": "vc_gated_212d", "blocks": 0},
             r"generator\.blocks: must be a positive integer, got 0"),
            ("generator", {"name": "stargan_vc2", "conditioning": "film"},
             r"generator\.conditioning: unknown value 'film'; accepted: cin, concat"),
            ("generator", {"name": "stargan_vc2", "codes": "both"},
             r"generator\.codes: unknown value 'both'; accepted: source_target, target"),
            ("generator", {"name": "stargan_vc2", "cin_mode": "film"},
             r"generator\.cin_mode: unknown value 'film'; accepted: concat_linear, "
             r"pair_table"),
            ("generator", {"name": "stargan_vc", "norm": "layer"},
             r"generator\.norm: unknown value 'layer'; accepted: instance, batch"),
            ("generator", {"name": "stargan_vc", "num_domains": 1},
             r"generator\.num_domains: must be an integer ≥ 2, got 1"),
            ("discriminator", {"name": "vc_patchgan", "frames": 30},
             r"discriminator\.frames: must be a positive multiple of 4 or null, got 30"),
            ("discriminator", {"name": "vc_full", "frames": None},
             r"discriminator\.frames: must be a positive multiple of 4, got None"),
            ("discriminator", {"name": "stargan_vc2", "pooling": "max"},
             "discriminator.pooling: unknown value 'max'; accepted: sum, mean"),
            ("discriminator", {"name": "stargan_vc2", "codes": "source"},
             r"discriminator\.codes: unknown value 'source'; accepted: source_target, target"),
            ("discriminator", {"name": "stargan_vc_classifier", "classifier_dims": 30},
             r"discriminator\.classifier_dims: at most dims = 24, got 30"),
            ("discriminator", {"name": "stargan_vc_classifier", "frames": 16},
             r"discriminator\.frames: .*needs ≥ 32, got 16"),
        ]
        for role, spec, message in cases:
            build = networks.build_generator if role == "generator" else \
                networks.build_discriminator
            with self.assertRaisesRegex(ValueError, message):
                build(spec)
            try:
                build(spec)
            except ValueError as error:
                self.assertNotIn("\n", str(error))


class RoundTripTest(tf.test.TestCase):
    def test_every_voice_network_round_trips_through_a_keras_file(self):
        specs = [("generator", {"name": "vc_gated_1d", "channels": 4, "blocks": 1}),
                 ("generator", {"name": "vc_gated_212d", "dims": 18, "channels": 4,
                                "bridge_channels": 8, "blocks": 1}),
                 ("generator", {"name": "stargan_vc", "channels": 4}),
                 ("generator", {"name": "stargan_vc2", "channels": 4, "bridge_channels": 8,
                                "blocks": 1, "codes": "target", "cin_mode": "pair_table"}),
                 ("discriminator", {"name": "vc_full", "frames": 32, "channels": 4}),
                 ("discriminator", {"name": "vc_patchgan", "frames": None, "channels": 4}),
                 ("discriminator", {"name": "stargan_vc", "frames": 32, "channels": 4}),
                 ("discriminator", {"name": "stargan_vc_classifier", "frames": 32}),
                 ("discriminator", {"name": "stargan_vc2", "frames": 32, "channels": 4})]
        folder = tempfile.mkdtemp()
        for role, spec in specs:
            build = networks.build_generator if role == "generator" else \
                networks.build_discriminator
            net = build(spec)
            for layer in layers_of(net, speech_layers.ConditionalInstanceNormalization):
                randomise(layer)
            x = inputs_for(net, features(dims=net.inputs[0].shape[-1]))
            path = os.path.join(folder, f"{role}_{spec['name']}.keras")
            net.save(path)
            restored = keras.models.load_model(path)
            self.assertIsInstance(restored, type(net))
            self.assertEqual(restored.get_config(), net.get_config())
            self.assertAllClose(restored(x), net(x), atol=1e-6, msg=spec["name"])

    def test_registered_names_and_classes(self):
        self.assertIs(networks.GENERATORS.get("vc_gated_1d"), voice.GatedCNN1DGenerator)
        self.assertIs(networks.GENERATORS.get("vc_gated_212d"), voice.GatedCNN212DGenerator)
        self.assertIs(networks.GENERATORS.get("stargan_vc"), voice_stargan.StarGANVCGenerator)
        self.assertIs(networks.GENERATORS.get("stargan_vc2"),
                      voice_stargan.StarGANVC2Generator)
        self.assertIs(networks.DISCRIMINATORS.get("vc_full"), voice.FullDiscriminator)
        self.assertIs(networks.DISCRIMINATORS.get("vc_patchgan"),
                      voice.GatedPatchGANDiscriminator)
        self.assertIs(networks.DISCRIMINATORS.get("stargan_vc"),
                      voice_stargan.StarGANVCDiscriminator)
        self.assertIs(networks.DISCRIMINATORS.get("stargan_vc2"),
                      voice_stargan.ProjectionDiscriminator)
        self.assertIs(networks.DISCRIMINATORS.get("stargan_vc_classifier"),
                      voice_stargan.DomainClassifier)

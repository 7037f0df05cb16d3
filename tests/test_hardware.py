"""``precision: auto`` and the host facts behind it (faked CPU flag lists, no timing)."""

import contextlib
import io
import json
import os
import tempfile

import keras
import tensorflow as tf

from tfgan_suite import config, hardware, runs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# /proc/cpuinfo flag lists (abridged) of the kinds of host in docs/results/train_speed.md.
AVX2_ONLY_EPYC = ["fpu", "sse4_2", "avx", "fma", "avx2", "bmi2", "sha_ni"]
AVX512_XEON_NO_BF16 = AVX2_ONLY_EPYC + ["avx512f", "avx512dq", "avx512cd", "avx512bw",
                                        "avx512vl", "avx512_vnni"]
AVX512_BF16_CPU = AVX512_XEON_NO_BF16 + ["avx512_bf16"]
AMX_XEON = AVX512_BF16_CPU + ["amx_bf16", "amx_tile", "amx_int8"]


class PrecisionAutoTest(tf.test.TestCase):
    def test_auto_picks_float32_on_an_avx2_only_cpu(self):
        self.assertEqual(hardware.resolve_precision("auto", AVX2_ONLY_EPYC, accelerators=[]),
                         "float32")

    def test_auto_picks_float32_on_avx512_without_bf16(self):
        self.assertEqual(hardware.resolve_precision("auto", AVX512_XEON_NO_BF16,
                                                    accelerators=[]), "float32")

    def test_auto_picks_bfloat16_on_an_amx_cpu(self):
        self.assertEqual(hardware.resolve_precision("auto", AMX_XEON, accelerators=[]),
                         "mixed_bfloat16")

    def test_auto_picks_bfloat16_on_avx512_bf16(self):
        self.assertEqual(hardware.resolve_precision("auto", AVX512_BF16_CPU, accelerators=[]),
                         "mixed_bfloat16")

    def test_auto_picks_bfloat16_beside_a_bf16_accelerator_whatever_the_cpu(self):
        policy, reason = hardware.precision_choice(AVX2_ONLY_EPYC,
                                                   accelerators=["/physical_device:GPU:0"])
        self.assertEqual(policy, "mixed_bfloat16")
        self.assertIn("GPU:0", reason)

    def test_explicit_precisions_pass_through_unchanged(self):
        for name in ("float32", "mixed_bfloat16", "mixed_float16"):
            self.assertEqual(hardware.resolve_precision(name, AVX2_ONLY_EPYC, []), name)

    def test_reason_names_the_missing_cpu_features_in_one_line(self):
        _, reason = hardware.precision_choice(AVX2_ONLY_EPYC, accelerators=[])
        self.assertIn("AMX / AVX512_BF16", reason)
        self.assertNotIn("\n", reason)


class HostFactsTest(tf.test.TestCase):
    def test_host_kinds_of_the_measured_hosts(self):
        self.assertEqual(hardware.host_kind(AVX2_ONLY_EPYC), "avx2")
        self.assertEqual(hardware.host_kind(AVX512_XEON_NO_BF16), "avx512")
        self.assertEqual(hardware.host_kind(AVX512_BF16_CPU), "avx512_bf16")
        self.assertEqual(hardware.host_kind(AMX_XEON), "amx")

    def test_tensorflow_leaves_onednn_off_only_without_vnni_bf16_or_amx(self):
        self.assertFalse(hardware.tensorflow_onednn_default(AVX2_ONLY_EPYC))
        self.assertTrue(hardware.tensorflow_onednn_default(AVX512_XEON_NO_BF16))
        self.assertTrue(hardware.tensorflow_onednn_default(AMX_XEON))

    def test_tfgan_turns_onednn_on_only_where_tensorflow_leaves_it_off_on_avx2(self):
        self.assertTrue(hardware.onednn_worth_enabling(AVX2_ONLY_EPYC, environ={}))
        self.assertFalse(hardware.onednn_worth_enabling(AVX512_XEON_NO_BF16, environ={}))
        self.assertFalse(hardware.onednn_worth_enabling(AMX_XEON, environ={}))
        self.assertFalse(hardware.onednn_worth_enabling(["sse4_2", "avx"], environ={}))

    def test_a_users_tf_enable_onednn_opts_wins_either_way(self):
        for value in ("0", "1"):
            self.assertFalse(hardware.onednn_worth_enabling(
                AVX2_ONLY_EPYC, environ={"TF_ENABLE_ONEDNN_OPTS": value}))

    def test_cpu_flags_reads_the_first_flags_line(self):
        path = os.path.join(tempfile.mkdtemp(), "cpuinfo")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16\n"
                         "processor\t: 1\nflags\t\t: fpu\n")
        self.assertEqual(hardware.cpu_flags(path), {"fpu", "avx2", "amx_bf16"})
        self.assertEqual(hardware.cpu_flags(path + ".missing"), frozenset())


class PrecisionConfigTest(tf.test.TestCase):
    def test_config_accepts_auto_and_documents_it(self):
        self.assertEqual(config.load(overrides=["precision=auto"])["precision"], "auto")
        self.assertIn("auto", config.SCHEMA["precision"].doc)

    def test_config_rejects_an_unknown_precision_in_one_line_listing_auto(self):
        with self.assertRaisesRegex(config.ConfigError,
                                    r"^precision: unknown value 'bf16'; accepted: auto, "
                                    r"float32, mixed_bfloat16, mixed_float16$"):
            config.load(overrides=["precision=bf16"])

    def test_speed_recipe_asks_for_auto(self):
        recipe = os.path.join(ROOT, "configs", "kerasio_wgan_gp_fast_fashion_mnist.yaml")
        self.assertEqual(config.load(recipe)["precision"], "auto")


class PrecisionProvenanceTest(tf.test.TestCase):
    def test_run_provenance_records_auto_and_what_it_resolved_to(self):
        out = tempfile.mkdtemp()
        with contextlib.redirect_stdout(io.StringIO()):
            runs._record_session(out, 0, "auto")  # what runs.train writes at each start
        expected = hardware.resolve_precision("auto")
        session = json.load(open(os.path.join(out, "provenance.json"), encoding="utf-8"))[-1]
        self.assertEqual(session["precision"], {"requested": "auto", "resolved": expected})
        self.assertEqual(session["machine"]["cpu_kind"], hardware.host_kind())
        self.assertIn(session["machine"]["onednn"], (True, False))

    def test_precision_policy_resolves_auto_and_restores_the_previous_policy(self):
        with contextlib.redirect_stdout(io.StringIO()):
            with runs.precision_policy("auto"):
                self.assertEqual(keras.mixed_precision.global_policy().name,
                                 hardware.resolve_precision("auto"))
        self.assertEqual(keras.mixed_precision.global_policy().name, "float32")

    def test_auto_is_logged_once_per_process_in_one_line(self):
        runs._auto_precision.cache_clear()
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            for _ in range(2):
                with runs.precision_policy("auto"):
                    pass
        lines = [line for line in stdout.getvalue().splitlines() if "precision auto" in line]
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r"^tfgan: precision auto: (float32|mixed_bfloat16) \(.+\)$")

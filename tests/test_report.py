"""``tfgan report`` on tiny runs: every section present, self-contained HTML (no external
URL, no script, every image decodes), real-data floors, per-class grids, the comparison of
two runs — and the page rendered in headless Chromium (screenshot not blank; every heading
and image present in the browser's DOM)."""

import base64
import html.parser
import io
import os
import re
import shutil
import sys
import tempfile

import html5lib
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_suite import cli, report, runs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_harness  # noqa: E402  (tests/browser_harness.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAST = ["train.steps_per_execution=10", "train.jit_compile=false", "data.batch_size=32"]
DIGITS = ["data.name=digits", "data.image_size=28", "generator.base_filters=8",
          "discriminator.base_filters=8", "train.steps=20", "train.steps_per_epoch=10",
          "sample.grid_size=16", *FAST]
TOY = ["generator.hidden_units=[16]", "discriminator.hidden_units=[16]", "train.steps=20",
       "train.steps_per_epoch=10", "sample.toy_points=200", *FAST]
N = 100


class Page(html.parser.HTMLParser):
    """The headings, image sources, links and scripts of an HTML page."""

    def __init__(self, text):
        super().__init__()
        self.headings, self.images, self.urls, self.scripts = [], [], [], 0
        self._heading = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h1", "h2", "h3"):
            self._heading = [tag, ""]
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "script":
            self.scripts += 1
        for name in ("src", "href", "action", "data"):
            if name in attrs:
                self.urls.append(attrs[name])

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading is not None and tag == self._heading[0]:
            self.headings.append(tuple(self._heading))
            self._heading = None


def decode_data_uri(uri):
    prefix = "data:image/png;base64,"
    if not uri.startswith(prefix):
        raise AssertionError(f"not an inlined PNG: {uri[:40]!r}")
    image = Image.open(io.BytesIO(base64.b64decode(uri[len(prefix):])))
    image.load()
    return np.asarray(image)


@pytest.mark.slow
class ReportTest(tf.test.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp(prefix="tfgan_report_")
        cls.dcgan = os.path.join(cls.workdir, "dcgan_digits")
        cls.cgan = os.path.join(cls.workdir, "cgan_digits")
        cls.toy = os.path.join(cls.workdir, "toy")
        runs.train(os.path.join(ROOT, "configs", "dcgan_fashion_mnist.yaml"), cls.dcgan,
                   overrides=DIGITS + ["eval.every_epochs=1", "eval.n=100",
                                       "eval.keep_best=fd_digits"], verbose=0)
        runs.train(os.path.join(ROOT, "configs", "cgan_fashion_mnist.yaml"), cls.cgan,
                   overrides=DIGITS, verbose=0)
        runs.train(os.path.join(ROOT, "configs", "toy2d.yaml"), cls.toy, overrides=TOY,
                   verbose=0)
        cls.single = report.write_report([cls.dcgan], os.path.join(cls.workdir, "one.html"),
                                         n=N)
        cls.pair = report.write_report([cls.dcgan, cls.cgan],
                                       os.path.join(cls.workdir, "two.html"), n=N)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)
        super().tearDownClass()

    def read(self, path):
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    def assert_self_contained(self, text):
        html5lib.HTMLParser(strict=True).parse(text)  # valid HTML5: raises on a parse error
        page = Page(text)
        self.assertEqual(page.scripts, 0)
        external = [u for u in page.urls if not u.startswith(("data:", "#"))]
        self.assertEqual(external, [])
        self.assertNotRegex(text, r"url\(|@import|https?://")
        for uri in page.images:
            pixels = decode_data_uri(uri)
            self.assertGreater(pixels.size, 0)
        return page

    def test_single_run_page_has_every_section_and_only_inlined_images(self):
        page = self.assert_self_contained(self.read(self.single))
        self.assertEqual([text for tag, text in page.headings if tag == "h2"],
                         list(report.SECTIONS))
        self.assertGreaterEqual(len(page.images), 7)

    def test_metrics_sit_beside_real_data_floors(self):
        text = self.read(self.single)
        self.assertIn(f"real-data floor (n={N})", text)
        row = re.search(r"<tr><td>fd_digits</td><td>([^<]+)</td><td>([^<]+)</td>", text)
        model_fd, floor_fd = float(row.group(1)), float(row.group(2))
        self.assertGreater(model_fd, floor_fd)  # 20 steps of training: far from real data

    def test_best_checkpoint_is_the_one_shown(self):
        text = self.read(self.single)
        self.assertRegex(text, r"best \(fd_digits = [0-9.]+ at step (10|20)\)")

    def test_floor_of_a_conditional_run_has_gan_test_accuracy_of_real_images(self):
        built = report.RunReport(self.cgan, n=N, spaces=["digits"])
        self.assertGreater(built.floor["gan_test_accuracy_digits"], 0.85)
        self.assertIn("gan_test_accuracy_digits", built.metrics)
        self.assertIn('alt="per-class grid"', built.sections["Grids"])
        memorisation = built.sections["Memorisation"]
        self.assertIn("median ratio", memorisation)
        self.assertGreater(built.metrics["memorisation_median_ratio"], 0.0)

    def test_acgan_saliency_scores_its_unconditional_discriminator(self):
        run_dir = os.path.join(self.workdir, "acgan_digits")
        runs.train(os.path.join(ROOT, "configs", "acgan_fashion_mnist.yaml"), run_dir,
                   overrides=DIGITS + ["train.steps=10"], verbose=0)
        built = report.RunReport(run_dir, n=N, spaces=["digits"])
        self.assertIn('alt="discriminator saliency"', built.sections["Discriminator saliency"])
        self.assertIn('alt="per-class grid"', built.sections["Grids"])

    def test_comparison_lists_both_runs_and_overlays_their_curves(self):
        page = self.assert_self_contained(self.read(self.pair))
        h2 = [text for tag, text in page.headings if tag == "h2"]
        self.assertEqual(h2, ["Comparison", "Run dcgan_digits", "Run cgan_digits"])
        h3 = [text for tag, text in page.headings if tag == "h3"]
        self.assertEqual(h3, list(report.SECTIONS) * 2)
        comparison = self.read(self.pair).split('<section id="comparison">')[1].split(
            "</section>")[0]
        self.assertIn("<th>run</th><th>dcgan_digits</th><th>cgan_digits</th>", comparison)
        self.assertRegex(comparison, r"<tr><td>fd_digits</td><td>[0-9.]+</td><td>[0-9.]+</td>")
        self.assertIn('alt="overlaid curves"', comparison)

    def test_toy_run_sections_say_what_does_not_apply(self):
        out = os.path.join(self.workdir, "toy.html")
        self.assertEqual(cli.main(["report", "--run", self.toy, "--out", out, "--n", "200"]), 0)
        page = self.assert_self_contained(self.read(out))
        self.assertEqual([text for tag, text in page.headings if tag == "h2"],
                         list(report.SECTIONS))
        self.assertIn("<td>modes</td>", self.read(out))
        self.assertIn("not applicable: toy 2-D data", self.read(out))

    def test_bad_arguments_are_one_line_errors(self):
        self.assertEqual(cli.main(["report", "--run", self.toy, "--out", "x.txt"]),
                         cli.EXIT_BAD_INPUT)
        self.assertEqual(cli.main(["report", "--run", os.path.join(self.workdir, "none"),
                                   "--out", "x.html"]), cli.EXIT_BAD_INPUT)

    # ------------------------------------------------------------------ headless Chromium
    def test_page_renders_in_headless_chromium(self):
        browser_harness.require_chromium(self)
        result = browser_harness.harness_result(self, self.pair, CHECK_PAGE,
                                                os.path.join(self.workdir, "served"))
        expected = ["Comparison"] + ["Run dcgan_digits", *report.SECTIONS] + [
            "Run cgan_digits", *report.SECTIONS]
        self.assertEqual(result["headings"], expected)
        self.assertGreater(result["images"], 10)
        self.assertEqual(result["broken"], [])
        screenshot = os.path.join(self.workdir, "screenshot.png")
        report.screenshot(self.pair, screenshot, 1200, 1800)
        pixels = np.asarray(Image.open(screenshot).convert("L"), np.float32)
        self.assertEqual(pixels.shape, (1800, 1200))
        self.assertGreater(pixels.std(), 20.0)  # not blank: text, tables and images
        self.assertGreater(np.mean(pixels < 128), 0.01)


CHECK_PAGE = browser_harness.harness_page("""
  var images = Array.from(doc.images);
  var broken = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                     .map(function (i) { return i.alt; });
  var headings = Array.from(doc.querySelectorAll("h2, h3")).map(function (h) {
    return h.textContent; });
  report({headings: headings, images: images.length, broken: broken});""")


@pytest.mark.slow
class DemoReportTest(tf.test.TestCase):
    """``tfgan demo`` ends by writing the run's report and printing its path (here on the
    digits fallback, as on a machine without Fashion-MNIST: a few seconds of training)."""

    def test_demo_writes_the_report_and_prints_its_path(self):
        from unittest import mock

        from tfgan_suite import data

        workdir = tempfile.mkdtemp(prefix="tfgan_demo_")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        out = os.path.join(workdir, "demo")
        load = data.load_arrays

        def without_fashion(name, *args, **kwargs):
            if name == "fashion_mnist":
                raise data.DatasetNotFoundError("not installed (test)")
            return load(name, *args, **kwargs)

        with mock.patch.object(data, "load_arrays", without_fashion), \
                mock.patch("builtins.print") as printed:
            self.assertEqual(cli.main(["demo", "--out", out, "--minutes", "0.02"]), 0)
        lines = [str(call.args[0]) for call in printed.call_args_list]
        path = os.path.abspath(os.path.join(out, "report.html"))
        self.assertEqual(lines[-1], f"demo: report written to {path}")
        with open(path, encoding="utf-8") as handle:
            page = Page(handle.read())
        self.assertEqual([text for tag, text in page.headings if tag == "h2"],
                         list(report.SECTIONS))


class EpochAxisTest(tf.test.TestCase):

    def test_epoch_scalars_move_to_the_step_where_their_epoch_ended(self):
        scalars = {"epoch_d_loss": [(0, 1.0), (1, 2.0), (2, 3.0)], "lr/d": [(10, 0.1)]}
        moved = report._epochs_as_steps(scalars, steps_per_epoch=10, last_step=25)
        self.assertEqual(moved["epoch_d_loss"], [(10, 1.0), (20, 2.0), (25, 3.0)])
        self.assertEqual(moved["lr/d"], [(10, 0.1)])
        self.assertEqual(report._epochs_as_steps(scalars, 10, None)["epoch_d_loss"][-1],
                         (30, 3.0))


@pytest.mark.slow
class TranslationReportTest(tf.test.TestCase):
    """A CycleGAN run on a paired folder of tiny images: translation metrics, the
    translation grid, and the sections a translator does not have say so."""

    def test_translation_page(self):
        from tests.data.test_domains import write_domain

        root = tempfile.mkdtemp(prefix="tfgan_report_cycle_")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        names = [f"{i}.png" for i in range(12)]
        write_domain(os.path.join(root, "data", "a"), names, side=16, ramp=True)
        write_domain(os.path.join(root, "data", "b"), names, side=16, ramp=True,
                     value=lambda i: 250 - 15 * i)
        config = {"model": "cyclegan",
                  "data": {"name": f"folder:{os.path.join(root, 'data')}", "batch_size": 4,
                           "paired": True},
                  "generator": {"name": "resnet_translator", "filters": 4, "blocks": 1},
                  "discriminator": {"name": "patchgan", "filters": 4, "strided_layers": 2},
                  "objective": {"name": "least_squares"},
                  "train": {"steps": 4, "steps_per_epoch": 2, "steps_per_execution": 1},
                  "sample": {"grid_size": 4}}
        run_dir = os.path.join(root, "cycle")
        runs.train(config, run_dir, verbose=0)
        built = report.RunReport(run_dir, n=8)
        self.assertIn("l1_a2b", built.metrics)
        self.assertIn("<td>l1_a2b</td>", built.sections["Metrics"])
        self.assertIn("not defined for translation", built.sections["Metrics"])
        self.assertIn('alt="translations"', built.sections["Grids"])
        for section in ("Latent interpolation", "Discriminator saliency", "Memorisation"):
            self.assertIn('class="note"', built.sections[section])
        html5lib.HTMLParser(strict=True).parse(report.render([built]))

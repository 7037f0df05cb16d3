"""The glyphs dataset (data/glyphs.py): font factors, the split by design group, the
centring rule and the cache, on the six fonts of fonts-dejavu-core (seconds)."""

import os
import shutil
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf

from tfgan_suite import data
from tfgan_suite.data import glyphs
from tfgan_suite.data.sources import DatasetNotFoundError


def dejavu_core() -> list[str]:
    return glyphs.package_font_files(["fonts-dejavu-core"])


def ink_rows_and_columns(image: np.ndarray, level: int = 64):
    rows = np.flatnonzero((image >= level).any(axis=1))
    columns = np.flatnonzero((image >= level).any(axis=0))
    return rows, columns


class DejaVuTestCase(tf.test.TestCase):
    """Needs fonts-dejavu-core (``make data`` installs it as root) and dpkg-query."""

    def setUp(self):
        super().setUp()
        if shutil.which("dpkg-query") is None:
            self.skipTest("no dpkg-query: the glyph fonts come from Debian packages")
        try:
            dejavu_core()
        except DatasetNotFoundError as error:  # not root, so make data could not install it
            self.skipTest(str(error))


class GlyphFactorsTest(DejaVuTestCase):
    def test_design_groups_and_the_split_follow_the_documented_rule(self):
        self.assertEqual(glyphs.design_group("TeX Gyre Heros Cn"), "Heros")
        self.assertEqual(glyphs.design_group("Accanthis ADF Std No2"), "Accanthis")
        self.assertEqual(glyphs.design_group("URW Bookman"), "Bookman")
        self.assertEqual(glyphs.design_group("Go"), "Go")
        for family in ("Accanthis ADF Std", "Accanthis ADF Std No3"):
            self.assertEqual(glyphs.split_of(family), glyphs.split_of("Accanthis ADF Std No2"))
        self.assertEqual([glyphs.weight_name(w) for w in (100, 300, 400, 500, 600, 700, 900)],
                         ["light", "light", "regular", "medium", "bold", "bold", "black"])

    def test_factors_of_the_dejavu_core_fonts(self):
        fonts = {os.path.basename(f.path): f for f in glyphs.fonts_of(dejavu_core())}
        self.assertLen(fonts, 6)
        bold = fonts["DejaVuSans-Bold.ttf"]
        self.assertEqual((bold.family, bold.style, bold.weight, bold.italic),
                         ("DejaVu Sans", "Bold", "bold", False))
        self.assertEqual(fonts["DejaVuSerif.ttf"].weight, "regular")
        oblique = glyphs.read_font("/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf")
        if oblique is not None:  # fonts-dejavu-extra installed (make data)
            self.assertTrue(oblique.italic)
        with mock.patch.object(glyphs, "EXCLUDED_FAMILIES", ("Mono",)):
            self.assertIsNone(glyphs.read_font(fonts["DejaVuSansMono.ttf"].path))

    def test_a_missing_package_is_named_with_the_command_that_installs_it(self):
        with self.assertRaisesRegex(DatasetNotFoundError,
                                    r"^glyphs: font package\(s\) not installed: "
                                    r"fonts-no-such-thing; install them \(as root\) with: "
                                    r"apt-get install fonts-no-such-thing"):
            glyphs.package_font_files(["fonts-dejavu-core", "fonts-no-such-thing"])


class GlyphRenderingTest(DejaVuTestCase):
    def test_centring_rule_keeps_a_common_baseline_and_the_case_sizes(self):
        path = next(p for p in dejavu_core() if p.endswith("DejaVuSerif.ttf"))
        images = glyphs.render_font(path)
        self.assertEqual((images.shape, images.dtype), ((62, 64, 64), np.uint8))
        index = glyphs.CHARACTERS.index
        boxes = {}
        for character in "AOoxgTl":
            rows, columns = ink_rows_and_columns(images[index(character)])
            boxes[character] = rows[0], rows[-1], columns[0], columns[-1]
            # Every glyph is centred horizontally (to within the box filter's pixel).
            self.assertAllClose((columns[0] + columns[-1]) / 2.0, 31.5, atol=1.5)
        self.assertAllClose(boxes["A"][1], boxes["x"][1], atol=1)    # one baseline
        self.assertGreater(boxes["g"][1], boxes["x"][1] + 5)          # descender below
        self.assertLess(boxes["o"][1] - boxes["o"][0], 0.8 * (boxes["O"][1] - boxes["O"][0]))
        rows = np.flatnonzero((images >= 64).any(axis=(0, 2)))
        columns = np.flatnonzero((images >= 64).any(axis=(0, 1)))
        self.assertLessEqual(rows[-1] - rows[0] + 1, 64 * glyphs.FILL + 2)
        self.assertAllClose((rows[0] + rows[-1]) / 2.0, 31.5, atol=1.5)  # union box centred
        self.assertLessEqual(columns[-1] - columns[0] + 1, 64 * glyphs.FILL + 2)

    def test_build_labels_every_image_splits_by_design_and_caches_with_font_hashes(self):
        cache = tempfile.mkdtemp()
        splits = glyphs.build(dejavu_core(), side=32, cache_dir=cache)
        stored = os.listdir(os.path.join(cache, "glyphs"))
        self.assertLen(stored, 1)
        self.assertRegex(stored[0], r"^glyphs_32px_[0-9a-f]{12}\.npz$")
        everything = [s for s in splits.values() if len(s)]
        self.assertLen(everything, 1)  # one design group (DejaVu): all on one side
        chosen = everything[0]
        self.assertEqual(chosen.images.shape, (6 * 62, 32, 32))
        self.assertAllEqual(chosen.char[:62], np.arange(62))
        self.assertEqual(chosen.families, ("DejaVu Sans", "DejaVu Sans Mono", "DejaVu Serif"))
        self.assertEqual(sorted(set(chosen.style.tolist())), list(range(6)))
        bold = np.array(["Bold" in chosen.styles[s] for s in chosen.style])
        self.assertAllEqual(chosen.weight == glyphs.WEIGHTS.index("bold"), bold)
        self.assertFalse(chosen.italic.any())
        with np.load(os.path.join(cache, "glyphs", stored[0])) as saved:
            self.assertLen(saved["font_sha256"], 6)
        with mock.patch.object(glyphs, "render") as render:  # the second build reads the cache
            again = glyphs.build(dejavu_core(), side=32, cache_dir=cache)
        render.assert_not_called()
        self.assertAllEqual(again[glyphs.split_of("DejaVu Sans")].images, chosen.images)

    def test_the_dataset_name_describes_glyphs(self):
        info = data.dataset_info("glyphs")
        self.assertEqual((info["image_shape"], info["num_classes"]), ((64, 64, 1), 62))
        self.assertEqual(data.dataset_info("glyphs", image_size=32)["image_shape"],
                         (32, 32, 1))


class GlyphDescriptionViewTest(DejaVuTestCase):
    """``data.label_view: glyph_description`` (data/views.py): StackGAN's glyph conditions."""

    def setUp(self):
        super().setUp()
        cache = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, cache, True)
        built = glyphs.build(dejavu_core(), side=16, cache_dir=cache)
        self.split = glyphs.split_of("DejaVu Sans")
        self.chosen = built[self.split]
        patcher = mock.patch.object(glyphs, "load", lambda split="train", side=16: self.chosen)
        patcher.start()
        self.addCleanup(patcher.stop)
        # data/sources.py caches the glyph arrays: never keep the six-font set there.
        from tfgan_suite.data import sources

        sources._load_glyphs.cache_clear()
        self.addCleanup(sources._load_glyphs.cache_clear)

    def test_ids_name_the_character_weight_and_slant_and_map_back_to_the_character(self):
        from tfgan_suite.data import descriptions, views

        ids = views.apply("glyph_description", self.chosen.char, self.split)
        self.assertEqual(views.observed_classes("glyph_description", 62), 620)
        self.assertAllInRange(ids, 0, 619)
        self.assertAllEqual(views.clean_classes("glyph_description", ids), self.chosen.char)
        texts = descriptions.glyph_descriptions()
        for index in range(0, len(ids), 37):
            char, weight, slant = texts[ids[index]].split()
            self.assertEqual(char, glyphs.CHARACTERS[self.chosen.char[index]])
            self.assertEqual(weight, glyphs.WEIGHTS[self.chosen.weight[index]])
            self.assertEqual(slant, "upright")  # DejaVu core has no italic face
            bold = "Bold" in self.chosen.styles[self.chosen.style[index]]
            self.assertEqual(weight == "bold", bold)
        with self.assertRaisesRegex(ValueError, "in its own order"):
            views.apply("glyph_description", self.chosen.char[::-1], self.split)
        with self.assertRaisesRegex(ValueError, "does not determine the class"):
            views.clean_classes("garment_group", [0, 1])

    def test_training_sees_description_ids_and_other_data_is_refused(self):
        from tfgan_suite import config as config_lib
        from tfgan_suite import factory

        overrides = ["data.name=glyphs", "data.image_size=16", f"data.split={self.split}",
                     "data.label_view=glyph_description"]
        config = config_lib.load(None, overrides)
        self.assertEqual(factory.run_facts(config).num_classes, 620)
        images, labels = factory.training_arrays(config)
        self.assertEqual(images.shape, (len(self.chosen), 16, 16, 1))
        self.assertAllEqual(labels // 10, self.chosen.char)
        wrong = config_lib.load(None, ["data.name=digits",
                                       "data.label_view=glyph_description"])
        with self.assertRaisesRegex(ValueError, "data.label_view: glyph_description needs "
                                                "data.name glyphs"):
            factory.run_facts(wrong)

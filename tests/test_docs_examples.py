"""Every example of README.md and docs/ runs as printed (docs_examples.py says how a page's
blocks are found and run); long ones are listed and left to ``make docs-examples``."""

import os
import re
import shlex
import sys

import pytest
import tensorflow as tf

from tfgan_suite import cli
from tfgan_suite import config as config_lib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docs_examples  # noqa: E402
from docs_examples import DEDICATED, ROOT, blocks, check_languages, pages, run_page  # noqa: E402


@pytest.mark.slow
class DocsExamplesRunTest(tf.test.TestCase):
    """One test per page that has short examples (added below the class)."""


def _page_test(page):
    def test(self):
        ran = run_page(page)
        self.assertTrue(ran, f"{page} has no short example left to run")
    return test


for _page in pages():
    if any(b.lang in docs_examples.RUN and b.name is None and not b.long and not b.manual
           for b in blocks(_page)):
        _slug = re.sub(r"\W+", "_", _page.removesuffix(".md")).strip("_").lower()
        setattr(DocsExamplesRunTest, f"test_{_slug}", _page_test(_page))


def tfgan_commands(block) -> list[list[str]]:
    """The ``tfgan ...`` command lines of a shell block (continuations joined, comments and
    environment assignments dropped), as argument lists."""
    text = block.code if block.lang == "bash" else "\n".join(
        line[2:] for line in block.code.splitlines() if line.startswith("$ "))
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]
        if words[:1] == ["tfgan"]:
            commands.append(words[1:])
    return commands


class DocsExamplesShapeTest(tf.test.TestCase):
    def test_long_and_manual_commands_parse_and_name_valid_recipes(self):
        """The examples that do not run in the tests are still checked: every ``tfgan``
        command parses, and a training command's recipe with its ``--set`` overrides passes
        the config schema."""
        parser = cli.build_parser()
        checked = 0
        for page in pages():
            for block in blocks(page):
                if block.lang not in ("bash", "console") or not (block.long or block.manual):
                    continue
                for words in tfgan_commands(block):
                    with self.subTest(where=block.where, command=" ".join(words)):
                        try:
                            args = parser.parse_args(words)
                        except SystemExit:
                            self.fail(f"{block.where}: tfgan {' '.join(words)} does not parse")
                        if words[0] == "train" and args.config:
                            config_lib.load(os.path.join(ROOT, args.config), args.set)
                        checked += 1
        self.assertGreater(checked, 20)

    def test_every_block_names_a_known_language(self):
        problems = [line for page in pages() for line in check_languages(blocks(page))]
        self.assertEqual(problems, [])

    def test_every_named_block_is_run_by_the_test_that_claims_it(self):
        named = {(b.page, b.name) for page in pages() for b in blocks(page) if b.name}
        self.assertEqual(named, set(DEDICATED))
        for (page, name), test_file in DEDICATED.items():
            with open(os.path.join(ROOT, test_file), encoding="utf-8") as handle:
                source = handle.read()
            self.assertIn(f'"{name}"', source, (page, name, test_file))

    def test_a_broken_python_example_fails_naming_its_line(self):
        page = "# A page\n\n```python\nx = 1\n```\n\nText.\n\n```python\nundefined_name + 1\n```\n"
        with self.assertRaisesRegex(AssertionError, r"broken\.md:9: .*NameError"):
            run_page("broken.md", text=page)

    def test_a_failing_shell_example_fails_with_its_output(self):
        page = "```bash\necho about to fail\nfalse\necho never\n```\n"
        with self.assertRaisesRegex(AssertionError, r"(?s)broken\.md:1: .*status 1.*about"):
            run_page("broken.md", text=page)

    def test_plain_tfgan_lines_run_in_process_and_a_failing_one_is_named(self):
        self.assertIsNone(docs_examples.plain_tfgan_commands("tfgan eval --run r | tail -1"))
        self.assertIsNone(docs_examples.plain_tfgan_commands("tfgan eval \\\n  --run r"))
        page = "```bash\ntfgan train --config missing.yaml --out runs/x   # no such recipe\n```\n"
        with self.assertRaisesRegex(AssertionError, r"broken\.md:1: tfgan train --config "
                                                    r"missing\.yaml --out runs/x exited with "
                                                    r"status 2"):
            run_page("broken.md", text=page)

    def test_console_blocks_run_the_prompted_lines_only(self):
        page = "```console\n$ test -L configs\n$ echo ok\nok\n```\n"
        self.assertEqual(len(run_page("console.md", text=page)), 1)
        with self.assertRaisesRegex(AssertionError, "status"):
            run_page("console.md", text="```console\n$ false\n```\n")

    def test_long_blocks_are_left_out_of_the_page_run_and_run_on_their_own(self):
        page = ("```python\nvalue = 2\n```\n\n<!-- example: long -->\n"
                "```python\nraise RuntimeError('a long example ran')\n```\n")
        self.assertEqual([b.line for b in run_page("long.md", text=page)], [1])
        with self.assertRaisesRegex(AssertionError, "a long example ran"):
            run_page("long.md", long=True, text=page)

    def test_manual_blocks_are_never_run(self):
        page = ("<!-- example: manual -->\n```bash\nexit 3\n```\n\n"
                "<!-- example: manual -->\n```bash\nexit 4\n```\n")
        self.assertEqual(run_page("manual.md", text=page), [])
        self.assertEqual(run_page("manual.md", long=True, text=page), [])
        self.assertTrue(all(b.manual for b in blocks("manual.md", text=page)))

    def test_an_unclosed_fence_and_an_unlabelled_fence_are_refused(self):
        with self.assertRaisesRegex(ValueError, "never closed"):
            blocks("x.md", text="```python\nx = 1\n")
        problems = check_languages(blocks("x.md", text="text\n```\nmake demo\n```\n"))
        self.assertEqual(len(problems), 1)
        self.assertIn("x.md:2: a code block needs a language", problems[0])


if __name__ == "__main__":
    tf.test.main()

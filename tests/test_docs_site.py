"""The documentation's shape: a short README whose links resolve, and an API reference that
covers every public module. (`make docs` builds the site strictly; the examples run in
test_docs_examples.py.)"""

import importlib
import os
import re
import types

import tensorflow as tf

import tfgan_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Public modules beyond those tfgan_suite exports by name.
ALSO_PUBLIC = ("tfgan_suite.layers", "tfgan_suite.viz", "tfgan_suite.speech_evaluation")


def _read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return handle.read()


def api_directives() -> set[str]:
    """Every object named by a ``::: name`` line of docs/api/*.md, with the members a
    directive lists in ``members: [...]``."""
    named = set()
    api = os.path.join(ROOT, "docs", "api")
    for page in sorted(os.listdir(api)):
        text = _read(os.path.join("docs", "api", page))
        for match in re.finditer(r"^::: ([\w.]+)\n((?:    .*\n)*)", text, re.MULTILINE):
            named.add(match[1])
            members = re.search(r"members: \[([^\]]*)\]", match[2])
            if members:
                named.update(f"{match[1]}.{m.strip()}" for m in members[1].split(","))
    return named


def public_modules() -> list[str]:
    exported = [f"tfgan_suite.{name}" for name in tfgan_suite.__all__
                if isinstance(getattr(tfgan_suite, name), types.ModuleType)]
    return sorted(exported + list(ALSO_PUBLIC))


class ReadmeTest(tf.test.TestCase):
    def test_readme_is_at_most_150_lines(self):
        self.assertLessEqual(len(_read("README.md").splitlines()), 150)

    def test_readme_links_point_at_files_that_exist(self):
        targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", _read("README.md"))
        local = [t for t in targets if not re.match(r"\w+://", t)]
        self.assertGreater(len(local), 10)
        missing = [t for t in local if not os.path.exists(os.path.join(ROOT, t))]
        self.assertEqual(missing, [])

    def test_every_guide_of_the_family_table_is_in_the_site_navigation(self):
        readme_guides = set(re.findall(r"\(docs/(guides/[\w-]+\.md)\)", _read("README.md")))
        navigation = set(re.findall(r"(guides/[\w-]+\.md)", _read("mkdocs.yml")))
        self.assertTrue(readme_guides)
        self.assertEqual(readme_guides - navigation, set())


class ApiReferenceTest(tf.test.TestCase):
    def test_every_public_module_has_a_reference_page(self):
        named = api_directives()
        self.assertEqual([m for m in public_modules() if m not in named], [])

    def test_the_package_functions_are_documented(self):
        named = api_directives()
        functions = [f"tfgan_suite.{name}" for name in tfgan_suite.__all__
                     if callable(getattr(tfgan_suite, name))
                     and not isinstance(getattr(tfgan_suite, name), type)]
        self.assertIn("tfgan_suite.train", functions)
        self.assertEqual([f for f in functions if f not in named], [])

    def test_every_exported_name_has_a_docstring(self):
        """mkdocstrings renders a module's ``__all__``; a name without a docstring would
        appear as a bare signature."""
        bare = []
        for module_name in public_modules():
            module = importlib.import_module(module_name)
            for name in getattr(module, "__all__", []):
                value = getattr(module, name)
                if isinstance(value, (type, types.FunctionType)) and not value.__doc__:
                    bare.append(f"{module_name}.{name}")
        self.assertEqual(bare, [])

    def test_the_checker_notices_a_module_without_a_page(self):
        self.assertIn("tfgan_suite.gans", api_directives())
        self.assertNotIn("tfgan_suite.not_a_module", api_directives())


if __name__ == "__main__":
    tf.test.main()

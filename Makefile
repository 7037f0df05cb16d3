# The two commands of the README: `make demo` and `make test`. Both create .venv,
# install the package into it (editable, with the [dev] extras) and run their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FASHION_DIR := /usr/share/datasets/fashion-mnist

.PHONY: demo test test-fast lint data voices browser venv clean docs docs-examples

$(STAMP): setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Fashion-MNIST comes from Debian's dataset-fashion-mnist and the glyphs dataset from the
# font packages in tfgan_suite/data/glyph_packages.txt; install the missing ones when we can.
GLYPH_PACKAGES := $(shell grep -v '^\#' tfgan_suite/data/glyph_packages.txt)
data:
	@if [ ! -d $(FASHION_DIR) ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing dataset-fashion-mnist with apt-get"; \
		(apt-get install -y dataset-fashion-mnist || \
		 (apt-get update && apt-get install -y dataset-fashion-mnist)) >/dev/null \
		 || echo "warning: could not install dataset-fashion-mnist; digits fallback will be used"; \
	fi
	@sh tools/apt_missing.sh "the glyph fonts" "the glyphs dataset" $(GLYPH_PACKAGES)

# The speech corpus is rendered from Debian's synthesisers and word lists
# (tfgan_suite/data/voice_packages.txt): install the missing ones when we can, else say what
# the speech tests and benchmarks need (they skip with that reason).
VOICE_PACKAGES := $(shell grep -v '^\#' tfgan_suite/data/voice_packages.txt)
voices:
	@sh tools/apt_missing.sh "the speech synthesisers and word lists" "the voices corpus" \
		$(VOICE_PACKAGES)

# Debian's Chromium renders a `tfgan report` page in tests/test_report.py (headless); install
# it when we can, else that one test skips and says why.
browser:
	@sh tools/apt_missing.sh "chromium" "the report's browser test" chromium

lint: $(STAMP)
	$(BIN)/ruff check tfgan_suite tests tools

# Two pytest workers (pytest-xdist): on the 2-core machine the suite took 13 min against 23 min
# serially (804 tests, a fresh clone on 2026-12-07). PYTEST_WORKERS=0 runs it serially.
# worksteal: a worker that runs dry takes queued tests from the other, so one long test at
# the end does not leave a core idle.
PYTEST_WORKERS ?= 2
# Extra pytest options, e.g. PYTEST_FLAGS=--durations=40.
PYTEST_FLAGS ?=
test: $(STAMP) data voices browser lint docs
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_FLAGS) tests

# The documentation site (MkDocs + Material, API pages by mkdocstrings) into build/site,
# strictly: a broken link, a page missing from the navigation or an unresolved reference
# fails the build. The examples in the pages run in the tests (tests/test_docs_examples.py);
# the long ones, marked <!-- example: long -->, run here.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

docs-examples: $(STAMP) data
	$(BIN)/python tools/docs_examples.py --list
	$(BIN)/python tools/docs_examples.py

# The edit-test loop: the suite without the tests marked `slow` (pyproject.toml's markers),
# i.e. without the 2-replica equivalences, the every-recipe step, the resume / kill -9 /
# multi-worker runs and the report's tiny-run setup. `make test` runs them all.
test-fast: $(STAMP) voices lint
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal -m "not slow" $(PYTEST_FLAGS) tests

demo: $(STAMP) data
	$(BIN)/tfgan demo --out runs/demo

clean:
	rm -rf $(VENV) runs build *.egg-info

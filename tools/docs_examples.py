"""Lists and runs the long examples of README.md and docs/ (``make docs-examples``).

A block marked ``<!-- example: long -->`` trains for minutes, so ``make test`` leaves it out
(tests/docs_examples.py says how blocks are found); this runs them, page by page, each page
in its own scratch directory as the page test does for the short ones. Blocks marked
``manual`` (``make`` itself, Docker, a TF Serving server) are listed, never run.

    python tools/docs_examples.py --list              # where each long block is
    python tools/docs_examples.py                     # run them all (hours on a CPU)
    python tools/docs_examples.py --page docs/guides/translation.md
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))
from docs_examples import RUN, blocks, pages, run_page  # noqa: E402


def long_blocks(only: list[str] | None = None):
    """The long and the manual blocks (listed; only the long ones run)."""
    return [b for page in (only or pages()) for b in blocks(page)
            if (b.long or b.manual) and b.lang in RUN]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="list the long blocks and stop")
    parser.add_argument("--page", action="append", help="only this page (repeatable)")
    args = parser.parse_args(argv)
    found = long_blocks(args.page)
    if args.list:
        for block in found:
            first = next((line for line in block.code.splitlines() if line.strip()), "")
            kind = "manual" if block.manual else "long"
            print(f"{block.where}\t{kind}\t{block.lang}\t{first.strip()}")
        print(f"{sum(b.long for b in found)} long examples, "
              f"{sum(b.manual for b in found)} manual ones (never run by a script)")
        return 0
    found = [b for b in found if b.long]
    failed = []
    for page in dict.fromkeys(b.page for b in found):
        start = time.monotonic()
        try:
            run_page(page, long=True)
            print(f"ok      {page} ({time.monotonic() - start:.0f} s)", flush=True)
        except AssertionError as error:
            failed.append(page)
            print(f"FAILED  {page}: {error}", flush=True)
    print(f"{len(found)} long examples on {len(dict.fromkeys(b.page for b in found))} pages, "
          f"{len(failed)} pages failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

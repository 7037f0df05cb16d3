"""``python -m tfgan_suite`` = the ``tfgan`` command."""

import sys

from tfgan_suite.cli import main

sys.exit(main())

"""``python -m sim``: see :mod:`sim.cli`."""

import sys

from .cli import entry

sys.exit(entry())

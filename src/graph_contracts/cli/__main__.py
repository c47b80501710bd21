"""``python -m graph_contracts.cli``: the same as the ``graph-contracts`` console script."""

import sys

from . import main

sys.exit(main())

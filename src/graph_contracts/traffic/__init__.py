"""Recorded traffic: read HAR files, vcrpy cassettes, Dev Proxy mocks and NDJSON; check them; keep secrets out.

The reader (:mod:`.reader`, with each format's entries read in :mod:`.formats`
into the values of :mod:`.exchange`) is the one place that knows the file
formats; everything else works on its :class:`Exchange` values.
"""

from __future__ import annotations

# The package's public names are the reader's, listed once there.
from .reader import *  # noqa: F403
from .reader import __all__ as __all__

"""Repository-level pytest configuration: hypothesis profiles for this project's own tests.

``ci`` is derandomized so a CI failure reproduces; ``dev`` explores more.
Select with HYPOTHESIS_PROFILE (default ``ci`` when CI is set, else ``dev``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

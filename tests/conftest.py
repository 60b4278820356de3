"""Shared test set-up: hypothesis profiles (``HYPOTHESIS_PROFILE=ci`` or ``thorough``)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# No deadlines in any profile: a deadline is a timed assertion (the first example of a test run
# alone loads pint, ~0.4 s); speed is measured in benchmarks/.
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# mutmut runs the suite once per mutant: few examples, always the same ones.
settings.register_profile("mutation", max_examples=10, deadline=None, derandomize=True,
                          database=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

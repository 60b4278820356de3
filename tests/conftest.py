"""Shared test set-up: hypothesis profiles (``HYPOTHESIS_PROFILE=ci`` or ``thorough``), and the
fixtures more than one subject uses."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings

from plexodose import (
    CATALOGUE,
    OralProduct,
    Patient,
    Schedule,
    cyclophosphamide_iv,
    plan,
    schedule,
)
from plexodose._core import sources as src

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


# The drug files: a test-only oral product put in place of a drug's own.

TEST_SOURCE = src.Source("label", "test product", "test strengths")


@pytest.fixture
def oral_product() -> Iterator[Callable[[str, tuple[float, ...]], None]]:
    """Put a test-only oral product in place of a drug's own; restore the catalogue after."""
    swapped = []

    def register(drug: str, strengths: tuple[float, ...]) -> None:
        default = CATALOGUE.oral(drug)
        if default is not None:
            CATALOGUE.unregister(default.name)
        test = OralProduct(drug=drug, name=f"test {drug}", form="tablet", strengths_mg=strengths,
                           source=TEST_SOURCE)
        CATALOGUE.register(test)
        swapped.append((test, default))

    yield register
    for test, default in swapped:
        CATALOGUE.unregister(test.name)
        if default is not None:
            CATALOGUE.register(default)


# The export files: two schedules, made once per module.

P = Patient.example()
START = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def full_plan() -> Schedule:
    return plan(P, start=START, ivig_product="privigen")


@pytest.fixture(scope="module")
def pulses() -> Schedule:
    # 1 g/m2 x 1.870829 m2 = 1,870.83 mg x 12 = 22.45 g: pulse 11 reaches 20 g (20.58 g)
    return schedule(cyclophosphamide_iv(P, g_per_m2=1), start=START, count=12)

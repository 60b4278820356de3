"""Shared by the drug files: a test-only oral product put in place of a drug's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from plexodose import CATALOGUE, OralProduct
from plexodose._core import sources as src

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

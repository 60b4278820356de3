"""Helpers of the hand-computed tests (tests/drugs/, tests/patient/test_body.py).

``tests/`` is on ``sys.path`` because ``tests/conftest.py`` is (pytest puts the folder of a
conftest.py that is not in a package there), so a test file imports this as ``hand_computed``.
"""

from __future__ import annotations

from typing import Any

import pytest

from plexodose._dosing.trace import step_text


def steps(result: Any) -> list[str]:
    """The derivation of ``result``, one line of text a step, as a clinician reads it."""
    return [step_text(s) for s in result.steps]


def approx(value: float, rel: float = 1e-9) -> Any:
    """``pytest.approx`` to float rounding: far tighter than its default 1e-6."""
    return pytest.approx(value, rel=rel)

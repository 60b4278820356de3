"""The review's screen of a current or restart dose and the order screen read one range."""

from __future__ import annotations

from hypothesis import given

from plexodose import Order, Patient, PlexodoseError, screen
from plexodose._monitoring.review import _azathioprine_ceiling
from plexodose.strategies import patients


@given(p=patients(tpmt=["normal", "intermediate", "possible_intermediate"],
                  nudt15=["normal", "intermediate"]))
def test_review_ceiling_and_order_screen_agree_for_azathioprine(p: Patient) -> None:
    ceiling = _azathioprine_ceiling(p, None, False)
    if not ceiling.checked:  # the range could not be worked out: the screen says so too
        s = screen(Order(drug="azathioprine", dose="50 mg", times_per_day=1), p)
        assert s.verdict in ("not_screened", "above_hard") or s.findings
        return
    assert ceiling.soft is not None and ceiling.low is not None
    top = min(ceiling.soft, 150.0)
    at_top = screen(Order(drug="azathioprine", dose=f"{top} mg", times_per_day=1), p)
    assert at_top.verdict in ("within", "below"), repr(at_top)
    over = top * 1.02 + 0.01
    if over <= 150:
        try:
            s = screen(Order(drug="azathioprine", dose=f"{over} mg", times_per_day=1), p)
        except PlexodoseError:  # pragma: no cover - an order the door refuses
            raise
        assert s.verdict == "above_soft", repr(s)

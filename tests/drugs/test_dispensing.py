"""Dispensing (_dosing/dispense): rounding to a step, composing units, the Dispensed
record."""

from __future__ import annotations

from hand_computed import approx

from plexodose._dosing import dispense as disp


def test_round_to_step_nearest_tie_and_maximum():
    """Mutation killer (docs/mutation.md): rounding goes to the nearest step (a tie down), never
    above the maximum; a maximum a float hair below a whole step still allows it."""
    assert disp.round_to_step(112.5, 25, 1e9) == (100.0, 12.5, "to the nearest")  # a tie: down
    assert disp.round_to_step(112.6, 25, 1e9) == (125.0, 12.5, "to the nearest")  # 4.504 -> 5
    assert disp.round_to_step(112.4, 25, 1e9) == (100.0, 12.5, "to the nearest")
    assert disp.round_to_step(150, 25, 150) == (150.0, 12.5, "to the nearest")  # equal: allowed
    assert disp.round_to_step(144, 25, 149.9) == (125.0, 25.0, "down, to stay within the maximum")
    # a maximum that is a float hair below a whole step still allows that step: 150 x (1 - 1e-13)
    assert disp.round_to_step(150, 25, 150 * (1 - 1e-13))[0] == 150.0
    assert disp.round_to_step(170, 25, 150 * (1 - 1e-13)) == (150.0, 25.0,
                                                              "down, to stay within the maximum")


def test_compose_fewest_units_and_impossible_amounts():
    """Mutation killer (docs/mutation.md): units are composed with the fewest units (not greedily),
    an amount no combination makes gives None, and the quantum is the gcd of the sizes."""
    assert disp.compose(8, (6.0, 4.0, 1.0)) == ((4.0, 2),)  # 4 + 4 beats greedy 6 + 1 + 1
    assert disp.compose(30, (20.0,)) is None  # 30 is not a multiple of 20
    assert disp.compose(27.5, (40.0, 20.0, 10.0, 5.0, 2.5, 1.0)) == ((20.0, 1), (5.0, 1), (2.5, 1))
    assert disp._quantum((2.5, 1.0)) == 0.5  # gcd(2500, 1000) / 1000
    assert disp._quantum(()) == 1.0


def test_dispense_result_fields_and_refusals():
    """Mutation killer (docs/mutation.md): every field of a Dispensed record, rounding down at a
    maximum, and nothing dispensed below the smallest strength or without strengths."""
    d = disp.dispense(144, product="tabs", form="tablet", unit="mg", sizes=(50.0, 25.0),
                      maximum=150)
    assert d == disp.Dispensed(product="tabs", form="tablet", unit="mg", units=((50.0, 3),),
                               amount=150.0, calculated=144,
                               rounded="to the nearest", step=25.0)
    assert d.tolerance == 12.5  # half of the 25 mg step, rounded to the nearest
    down = disp.dispense(140, product="t", form="t", unit="mg", sizes=(25.0,), maximum=140)
    assert (down.amount, down.tolerance) == (125.0, 25.0)  # 150 > 140: down a whole step
    assert d.rounding_error == 6 and d.rounding_error_fraction == approx(6 / 144)
    assert d.count == 3 and d.dose.magnitude == 150 and str(d.dose.units) == "milligram"
    # below the smallest strength: nothing dispensable
    assert disp.dispense(20, product="t", form="t", unit="mg", sizes=(25.0,), maximum=1e9) is None
    # exactly the smallest strength is dispensable
    assert disp.dispense(25, product="t", form="t", unit="mg", sizes=(25.0,), maximum=1e9).amount == 25
    assert disp.dispense(30, product="t", form="t", unit="mg", sizes=(), maximum=1e9) is None


def test_dispense_nothing_when_rounding_down_leaves_zero_and_small_units_allowed():
    """Mutation killer, third round (a non-equivalent survivor, docs/mutation.md): nothing is
    dispensed when rounding down leaves zero; a unit below 1 is still dispensable."""
    # 30 mg: nearest 25 mg is above the 20 mg maximum; down to a whole 25 mg step is 0: nothing
    assert disp.dispense(30, product="t", form="t", unit="mg", sizes=(25.0,), maximum=20) is None
    # 0.6 mg of 0.5 mg units: one unit of 0.5 mg (an amount below 1 is still dispensable)
    half = disp.dispense(0.6, product="t", form="t", unit="mg", sizes=(0.5,), maximum=1e9)
    assert half.amount == 0.5 and half.units == ((0.5, 1),)

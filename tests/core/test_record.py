"""Records, the value classes results are made of: frozen, compared by value, checked however
they are made (the fast positional path, the keyword constructor, unpickling, a copy)."""

from __future__ import annotations

import copy
import pickle
import re
import typing
from typing import Any, ClassVar

import attrs
import pytest

import plexodose as px
from plexodose._core.errors import DoseRangeError
from plexodose._core.record import Record, field
from plexodose._dosing.dispense import Dispensed
from plexodose._dosing.results import CyclophosphamidePulse, DailyDose

EX = px.Patient.example()


def test_a_result_cannot_be_changed_in_place() -> None:
    r = px.azathioprine(EX)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.daily_dose_mg = 1e6  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del r.dispensed  # type: ignore[misc]
    with pytest.raises(AttributeError):
        r.__dict__  # noqa: B018  (slotted: no instance dict to write into)
    assert r.daily_dose_mg == 144.0  # 2 mg/kg x 72 kg


def test_equal_by_value_and_type_hashable_and_steps_left_out() -> None:
    a, b = px.azathioprine(EX), px.azathioprine(EX)
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != px.azathioprine(px.Patient(weight="60 kg", age=40))
    assert a != a.dispensed and a.dispensed != (a.dispensed and tuple(a.dispensed._v))
    # the derivation is not part of equality (as with attrs' eq=False field before)
    assert a._evolve(_steps=("another wording",)) == a


def test_the_keyword_constructor_and_the_fast_path_build_the_same_record() -> None:
    r = px.mycophenolate(EX)
    again = DailyDose(**dict(zip(DailyDose._fields, r._v, strict=True)))
    assert again == r and again.steps == r.steps and again.sources == r.sources


def test_pickle_and_copy_check_the_values_again() -> None:
    r = px.cyclophosphamide_iv(EX)
    assert pickle.loads(pickle.dumps(r)) == r
    assert copy.deepcopy(r) == r and copy.copy(r) == r
    # a tampered pickle (the same reduction, a given pulse of 0 mg) is refused on load
    rebuild, (cls, values) = r.__reduce__()
    d = r._fields.index("dose_mg")  # by name: the layout gained values_used

    class Tampered:
        def __reduce__(self) -> tuple[object, ...]:
            return rebuild, (cls, (*values[:d], 0.0, *values[d + 1:]))

    with pytest.raises(DoseRangeError, match=r"cyclophosphamide pulse came out as 0\.0"):
        pickle.loads(pickle.dumps(Tampered()))

    # and an azathioprine dose edited above its 150 mg/day maximum
    aza = px.azathioprine(EX)
    m = aza._fields.index("daily_dose_mg")
    above = (*aza._v[:m], 1_000.0, *aza._v[m + 1:])

    class Edited:
        def __reduce__(self) -> tuple[object, ...]:
            return rebuild, (DailyDose, above)

    with pytest.raises(DoseRangeError, match="would pass the seed maximum of 150 mg per day"):
        pickle.loads(pickle.dumps(Edited()))
    with pytest.raises(DoseRangeError, match=r"cyclophosphamide pulse came out as 0\.0"):
        CyclophosphamidePulse._of(*r._v[:d], 0.0, *r._v[d + 1:])


def test_the_fast_path_refuses_a_wrong_number_of_values_and_evolve_an_unknown_field() -> None:
    d = px.azathioprine(EX).dispensed
    assert d is not None
    with pytest.raises(ValueError, match="Dispensed takes 8 values, got 7"):
        Dispensed._of(*d._v[:7])
    with pytest.raises(ValueError, match="Dispensed has no field amout"):
        d._evolve(amout=1.0)


def test_repr_of_a_plain_record_names_every_field() -> None:
    d = px.azathioprine(EX).dispensed
    assert repr(d) == (
        "Dispensed(product='azathioprine tablets', form='tablet', unit='mg', "
        "units=((50.0, 3),), amount=150.0, calculated=144.0, rounded='to the nearest', "
        "step=25.0)"
    )  # 144 mg -> nearest 25 mg step is 150 = 3 x 50 mg


def test_sources_are_cited_once_each_in_first_cited_order() -> None:
    r = px.azathioprine(EX)
    a, b = r.sources[:2]
    cited = r._evolve(_cited=(a, None, b, a, px.Source(a.tag, a.citation, a.rule, id=a.id), b))
    assert cited.sources == (a, b)  # None dropped, repeats (by value) once, first order kept


# Records made here, while each test runs: the class machinery (fields, defaults, readers, the
# keyword constructor) works at class creation, which for the result classes is import time,
# where neither a test nor mutation testing reaches it.
def _made_here() -> tuple[type[Record], type[Record]]:
    class _Base(Record):
        __slots__ = ()
        label: str
        note: str = field(default="none")
        hidden: tuple[str, ...] = field(default=(), eq=False)
        kind: ClassVar[str] = "base"  # not a field
        spelt: typing.ClassVar[int] = 3  # nor this

    class _Child(_Base):
        __slots__ = ()
        counted: ClassVar[int] = 0  # a class variable before a field: the fields after it count
        amount: float
        unit: str = "mg"

    return _Base, _Child


def test_fields_in_order_base_first_class_variables_left_out() -> None:
    base, child = _made_here()
    assert base._fields == ("label", "note", "hidden")
    assert child._fields == ("label", "note", "hidden", "amount", "unit")
    assert child._compared == (0, 1, 3, 4)  # "hidden" is left out of equality and hashing
    assert child.kind == "base"  # type: ignore[attr-defined]
    assert child.spelt == 3  # type: ignore[attr-defined]


def test_records_of_other_classes_or_values_differ_in_equality_and_hash() -> None:
    base, child = _made_here()
    same_values = type("_Twin", (base,), {"__slots__": ()})
    a, twin = base._of("l", "n", ()), same_values._of("l", "n", ())
    assert a != twin and twin != a and a == base._of("l", "n", ())
    assert a != ("l", "n", ())  # not a tuple either
    assert len({hash(base._of(str(i), "n", ())) for i in range(20)}) == 20
    with pytest.raises(ValueError, match=r"has no field amout, unti$"):
        child._of("l", "n", (), 1.0, "mg")._evolve(unti="g", amout=2.0)


def test_the_keyword_constructor_takes_defaults_and_refuses_positions() -> None:
    _, child = _made_here()
    made: Any = child(label="a", amount=2.5)  # type: ignore[call-arg]
    assert (made.label, made.note, made.hidden, made.amount, made.unit) == ("a", "none", (), 2.5, "mg")
    assert made == child._of("a", "none", (), 2.5, "mg")
    hidden: Any = child(label="a", amount=2.5, hidden=("x",))  # type: ignore[call-arg]
    assert hidden == made and hash(hidden) == hash(made)  # the eq=False field
    assert child(label="a", amount=2.5, unit="g") != made  # type: ignore[call-arg]
    assert child(label="a", amount=2.5, note="other") != made  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        child("a", "none", (), 2.5, "mg")  # type: ignore[call-arg]  # keywords only
    with pytest.raises(TypeError, match="amount"):
        child(label="a")  # type: ignore[call-arg]


def test_each_field_reads_its_own_value_with_its_name_and_type() -> None:
    base, child = _made_here()
    made = child._of("l", "n", ("h",), 1.5, "g")
    assert [getattr(made, name) for name in child._fields] == ["l", "n", ("h",), 1.5, "g"]
    reader = child.__dict__["amount"].fget
    assert reader.__name__ == "amount" and reader.__annotations__ == {"return": "float"}
    assert "amount" not in base.__dict__ and "label" not in child.__dict__  # read in the base
    assert repr(made) == "_Child(label='l', note='n', hidden=('h',), amount=1.5, unit='g')"


def test_a_subclass_with_fields_of_its_own_is_checked_as_its_base() -> None:
    # The guard reads its fields by name: a subclass's fields come after the base's (it read
    # them from the end, so an added field shifted them, and 1e9 mg/day could pass).
    class Annotated(DailyDose):
        __slots__ = ()
        order_id: str = ""

    aza = px.azathioprine(EX)
    assert Annotated._of(*aza._v, "order 7").daily_dose_mg == 144.0  # as the base: 2 x 72 kg
    m = aza._fields.index("daily_dose_mg")  # by name: the layout gained values_used
    too_much = (*aza._v[:m], 1e9, *aza._v[m + 1:])
    with pytest.raises(DoseRangeError, match="seed maximum of 150 mg per day"):
        Annotated._of(*too_much, "order 8")


@pytest.mark.parametrize(("change", "words"), [
    ({"days_per_week": 0}, "days_per_week must be a whole number from 1 to 7; got 0"),
    ({"days_per_week": 8}, "days_per_week must be a whole number from 1 to 7; got 8"),
    ({"doses_per_day": 0}, "doses_per_day must be a whole number 1 or more; got 0"),
    ({"doses_per_day": 1.0}, "doses_per_day must be a whole number 1 or more; got 1.0"),
    ({"doses_per_day": True}, "doses_per_day must be a whole number 1 or more; got True"),
])
def test_a_daily_dose_with_an_impossible_count_is_refused_by_name(
    change: dict[str, object], words: str
) -> None:
    with pytest.raises(DoseRangeError, match=re.escape(words)):  # it raised ZeroDivisionError
        px.azathioprine(EX)._evolve(**change)


def test_results_compare_by_the_sources_they_show() -> None:
    r = px.azathioprine(EX)
    a, b = r.sources[:2]
    repeated, once = r._evolve(_cited=(a, None, b, a)), r._evolve(_cited=(a, b))
    assert repeated == once and hash(repeated) == hash(once)
    assert r._evolve(_cited=(b, a)) != once  # another order is another list of sources


# ------------------------------------------------------------- keyword_maker: attrs hot paths


def _every_field(obj: Any) -> dict[str, Any]:
    return {a.name: getattr(obj, a.name) for a in attrs.fields(type(obj))}


def test_keyword_maker_builds_what_the_attrs_constructor_builds() -> None:
    """A screen's findings and verdicts come from the maker; each field must hold what the
    constructor would have put there (a field added to the class without the maker knowing
    would be left unset, and reading it would raise)."""
    from plexodose._core import sources as src
    from plexodose._screening.verdict import (
        OrderFinding,
        Screening,
        made_finding,
        made_screening,
    )

    given = {"dimension": "per_day", "category": "below", "text": "100 mg is below",
             "source": src.SEED_AZATHIOPRINE, "warning": True}
    made, built = made_finding(**given), OrderFinding(**given)  # type: ignore[arg-type]
    assert _every_field(made) == _every_field(built)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    order = px.Order(drug="azathioprine", dose="100 mg", times_per_day=1)
    values = {"order": order, "on": EX.on, "verdict": "below", "findings": (built,),
              "patient": EX, "allopurinol": False, "not_checked": ("x",), "notes": (),
              "reason": None, "basis": "b", "range_text": "r", "suggested": (None, ""),
              "values_used": (), "catalogue": None}
    made_s, built_s = made_screening(**values), Screening(**values)
    assert _every_field(made_s) == _every_field(built_s)
    assert made_s == built_s and pickle.loads(pickle.dumps(made_s)) == built_s


def test_keyword_maker_takes_every_field_by_name_and_refuses_checked_classes() -> None:
    from plexodose._core.record import keyword_maker

    @attrs.frozen
    class Plain:
        a: int
        _b: str = attrs.field(alias="b")

    make = keyword_maker(Plain)
    assert make(a=1, b="x") == Plain(a=1, b="x")
    with pytest.raises(TypeError):
        make(1, "x")  # keywords only
    with pytest.raises(TypeError):
        make(a=1)  # no defaults: every field is given

    @attrs.frozen
    class Checked:
        a: int = attrs.field(validator=attrs.validators.instance_of(int))

    @attrs.frozen
    class Posted:
        a: int

        def __attrs_post_init__(self) -> None:
            pass

    for cls in (Checked, Posted):
        with pytest.raises(TypeError, match="checks its values"):
            keyword_maker(cls)

"""Issue 18, class 9, in the batch audit: cells and frames that escaped as TypeError,
AttributeError or OverflowError. Each is now a PlexodoseError naming the column, or a row
status with its reason, as the audit's other bad rows are."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import InputRangeError, PlexodoseError
from plexodose.batch import READ_COLUMNS, audit

BASE: dict[str, list[Any]] = dict(drug=["azathioprine"], weight=[72], weight_unit=["kg"],
                                  dose=[150], dose_unit=["mg/day"])


def _row(**changes: Any) -> dict[str, Any]:
    frame = pd.DataFrame({**BASE, **{k: pd.Series([v], dtype=object) for k, v in changes.items()}})
    return audit(frame)[["status", "reason"]].iloc[0].to_dict()  # type: ignore[no-any-return]


def test_a_dict_in_the_weight_unit_column_is_a_wrong_unit_row() -> None:
    """pd.factorize raised TypeError: unhashable type: 'dict'."""
    assert _row(weight_unit={"a": 1}) == {
        "status": "wrong_unit",
        "reason": "weight \"72 {'a': 1}\" is not in a mass unit such as \"72 kg\""}


def test_a_list_in_the_dose_unit_column_is_a_wrong_unit_row() -> None:
    found = _row(dose_unit=["mg/day"])
    assert found["status"] == "wrong_unit"
    assert found["reason"].startswith("dose \"150 ['mg/day']\" must be a mass per day")


def test_a_dict_in_the_sex_column_is_an_implausible_input_row() -> None:
    assert _row(sex={"a": 1}) == {"status": "implausible_input",
                                  "reason": "sex {'a': 1} must be 'female' or 'male'"}


def test_a_dict_in_the_drug_column_is_refused_by_name_or_flagged() -> None:
    frame = pd.DataFrame({**BASE, "drug": pd.Series([{"a": 1}], dtype=object)})
    with pytest.raises(InputRangeError, match=r"drug \{'a': 1\} is not one the audit knows") as info:
        audit(frame)
    assert info.value.field == "drug"
    flagged = audit(frame, unknown_drugs="flag")
    assert flagged.loc[0, "status"] == "unknown_drug"


@pytest.mark.parametrize("name", ["weight_unit", "drug", "dose"])
def test_a_duplicated_column_name_is_refused_naming_the_column(name: str) -> None:
    """orders[name] was a DataFrame: AttributeError 'DataFrame' object has no attribute 'dtype'."""
    frame = pd.DataFrame(BASE)
    twice = pd.concat([frame, frame[[name]]], axis=1)
    with pytest.raises(InputRangeError, match=f"orders has 2 columns named '{name}': keep one") \
            as info:
        audit(twice)
    assert info.value.field == name


def test_a_duplicated_column_the_audit_does_not_read_is_left_alone() -> None:
    frame = pd.DataFrame(BASE)
    frame = pd.concat([frame, pd.DataFrame({"ward": ["A"]}), pd.DataFrame({"ward": ["B"]})],
                      axis=1)
    assert audit(frame).loc[0, "status"] == "ok"


def test_column_names_in_two_levels_are_refused() -> None:
    frame = pd.DataFrame(BASE)
    frame.columns = pd.MultiIndex.from_tuples([(c, "x") for c in frame.columns])
    with pytest.raises(InputRangeError, match="one level of column names") as info:
        audit(frame)
    assert info.value.field == "orders"


@pytest.mark.parametrize(("column", "reason"), [
    ("dose", "dose inf must be a finite number above 0"),
    ("weight", "weight inf kg is outside the plausible range 2-350 kg"),
    ("age", "age inf is outside the plausible range 0-120 years"),
    ("doses_per_day", "doses_per_day inf must be a whole number from 1 to 24"),
])
def test_an_int_beyond_any_float_is_flagged_as_infinity_is(column: str, reason: str) -> None:
    """pd.to_numeric raised OverflowError: int too large to convert to float (dose 10**400)."""
    assert _row(**{column: 10**400}) == {"status": "implausible_input", "reason": reason}
    assert _row(**{column: -(10**400)})["status"] == "implausible_input"


def test_an_int_beyond_float_beside_ordinary_cells_leaves_them_read() -> None:
    frame = pd.DataFrame({"drug": ["azathioprine"] * 3, "weight": [72] * 3, "weight_unit": "kg",
                          "dose": pd.Series([10**400, 150, "x"], dtype=object),
                          "dose_unit": "mg/day"})
    result = audit(frame)
    assert result["status"].tolist() == ["implausible_input", "ok", "implausible_input"]
    assert result.loc[1, "ordered_mg"] == 150.0


CELLS = st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=8),
                  st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
                  st.lists(st.integers(), max_size=2), st.just(10**400), st.complex_numbers())


@given(st.sampled_from([c for c in READ_COLUMNS if c != "drug"]), CELLS)
def test_property_any_cell_in_any_column_is_a_row_status_or_a_plexodose_error(
    column: str, cell: Any
) -> None:
    frame = pd.DataFrame({**BASE, "height": [175], "height_unit": ["cm"]})
    frame[column] = pd.Series([cell], dtype=object)
    try:
        result = audit(frame)
    except PlexodoseError as exc:
        assert exc.field is not None
    else:
        # a documented status (an off-protocol frequency such as 3 doses a day included),
        # never "unknown_drug": the drug column is not drawn
        from plexodose.batch._problems import STATUSES

        assert result.loc[0, "status"] in set(STATUSES) - {"unknown_drug"}

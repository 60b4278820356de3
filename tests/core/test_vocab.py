"""Vocabularies (_core/vocab): sex and CPIC phenotype words, one table of drug spellings,
and the choices the command line offers."""

from __future__ import annotations

import pytest

from plexodose import InputRangeError
from plexodose._core.vocab import phenotype_from_text, sex_from_text


def test_one_vocabulary_names_each_drug() -> None:
    from plexodose._core import vocab
    from plexodose._monitoring.rules import REVIEW_NAMES
    from plexodose._schedule import model

    assert set(REVIEW_NAMES) == set(vocab.REVIEWED_DRUGS)
    assert model.DRUGS == (model.IVIG, model.AZATHIOPRINE, model.CYCLOPHOSPHAMIDE,
                           model.CICLOSPORIN, model.MYCOPHENOLATE)
    spellings = {  # every spelling the library's parts took before there was one table
        "cyclophosphamide_oral": ["cyclophosphamide (oral)", "cyclophosphamide oral",
                                  "cyclophosphamide_oral", "cyclophosphamide-oral",
                                  "Cyclophosphamide (Oral)"],
        "cyclophosphamide_iv": ["cyclophosphamide iv", "cyclophosphamide_iv", "cyclophosphamide-iv",
                                "cyclophosphamide IV"],
        "ciclosporin": ["ciclosporin", "cyclosporin", "cyclosporine", "ciclosporine"],
        "mycophenolate": ["mycophenolate", "mycophenolate mofetil", "mycophenolate_mofetil"],
        "ivig": ["ivig", "IVIg"],
    }
    for key, words in spellings.items():
        for word in words:
            assert vocab.drug_key(word) == key, word
    assert [vocab.drug_key(w) for w in ("cyclophosphamide", "aspirin", 3, None)] == [None] * 4
    assert vocab.drug_name("Cyclophosphamide") == "cyclophosphamide"


def test_the_command_line_offers_the_vocabulary_s_choices() -> None:
    from plexodose import cli
    from plexodose._core import vocab
    from plexodose._dosing.products import CATALOGUE

    assert cli.PHENOTYPES is vocab.PHENOTYPES and cli.BSA_FORMULAS is vocab.BSA_FORMULA_NAMES
    assert cli.SECOND_AGENTS == ("azathioprine", "mycophenolate", "cyclophosphamide-iv",
                                 "cyclophosphamide-oral")
    for name in vocab.IVIG_PRODUCTS:  # the built-in catalogue is named from the vocabulary
        assert CATALOGUE.ivig(name).name == name


def test_sex_words():
    assert (sex_from_text("female"), sex_from_text("male")) == ("female", "male")


@pytest.mark.parametrize(("given_value", "hint"), [
    ("M", "type 'male'"), ("F", "type 'female'"), ("male ", "type 'male'"),
    ("Male", "type 'male'"), ("FEMALE", "type 'female'"), ("m", "type 'male'"),
    ("other", "leave sex unset"), ("U", "leave sex unset"), ("x", "'female' or 'male'"),
    (1, "'female' or 'male'"), (None, "'female' or 'male'"),
])
def test_sex_variants_are_refused_with_the_spelling(given_value, hint):
    with pytest.raises(InputRangeError, match=hint) as caught:
        sex_from_text(given_value, "sex")
    assert caught.value.field == "sex"


@pytest.mark.parametrize(("term", "expected"), [
    ("Normal Metabolizer", "normal"), ("normal metabolizer", "normal"),
    ("Intermediate Metabolizer", "intermediate"),
    ("Possible Intermediate Metabolizer", "possible_intermediate"),
    ("Poor Metabolizer", "poor"), ("Indeterminate", "indeterminate"),
    ("intermediate", "intermediate"), ("possible_intermediate", "possible_intermediate"),
    ("possible intermediate", "possible_intermediate"), ("  Poor   metabolizer ", "poor"),
])
def test_cpic_terms_are_accepted(term, expected):
    assert phenotype_from_text(term, "tpmt") == expected


@pytest.mark.parametrize(("term", "hint"), [
    ("IM", "type 'intermediate'"), ("PM", "type 'poor'"),
    ("Rapid Metabolizer", "not a CPIC phenotype of TPMT or NUDT15"),
    ("Ultrarapid Metabolizer", "not a CPIC phenotype"), ("slow", "must be one of"),
    (3, "must be one of"), ("Intermediate Metabolizer x", "must be one of"),
])
def test_other_phenotype_words_are_refused(term, hint):
    with pytest.raises(InputRangeError, match=hint):
        phenotype_from_text(term, "nudt15")

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from audit.identifiers import (
    bsn_is_valid,
    validate_agb,
    validate_bsn,
    validate_ura,
    validate_uzi_number,
    validate_uzi_role_code,
)


@pytest.mark.parametrize("bsn", ["999911120", "999911132", "123456782", "111222333"])
def test_bsn_is_valid_accepts_numbers_passing_the_11_test(bsn):
    assert bsn_is_valid(bsn)


@pytest.mark.parametrize(
    "bsn",
    ["123456789", "999911121", "12345678", "1234567890", "12345678a", "", "000000000"]
    # other scripts' digits (Arabic-Indic, full-width) and a trailing newline
    + ["١١١٢٢٢٣٣٣", "１１１２２２３３３", "111222333\n"],
)
def test_bsn_is_valid_rejects_wrong_numbers(bsn):
    assert not bsn_is_valid(bsn)


def test_validate_bsn_names_the_value():
    with pytest.raises(ValidationError, match="123456789"):
        validate_bsn("123456789")


@given(st.from_regex(r"\A[0-9]{8}\Z"), st.integers(0, 8), st.integers(1, 9))
def test_a_single_wrong_digit_never_passes_the_11_test(prefix, position, delta):
    """The 11-test catches every single-digit typo, which is why BSNs use it."""
    valid = next((prefix + str(d) for d in range(10) if bsn_is_valid(prefix + str(d))), None)
    if valid is None:
        return  # no check digit completes this prefix
    digits = list(valid)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not bsn_is_valid("".join(digits))


@pytest.mark.parametrize("code", ["01.015", "30.000", "00.000"])
def test_uzi_role_codes(code):
    validate_uzi_role_code(code)


@pytest.mark.parametrize("code", ["1.015", "01-015", "01.15", "", "01.015\n", "０1.015"])
def test_bad_uzi_role_codes(code):
    with pytest.raises(ValidationError):
        validate_uzi_role_code(code)


@pytest.mark.parametrize("value", ["0123456\n", "01234567\n", "０1234567", "012345678"])
def test_agb_and_ura_are_eight_ascii_digits_and_nothing_more(value):
    with pytest.raises(ValidationError):
        validate_agb(value)
    with pytest.raises(ValidationError):
        validate_ura(value)


@pytest.mark.parametrize("value", ["900000033\n", "９00000033"])
def test_uzi_numbers_are_nine_ascii_digits_and_nothing_more(value):
    with pytest.raises(ValidationError):
        validate_uzi_number(value)

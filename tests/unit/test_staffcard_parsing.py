"""Every byte a staff card sends is parsed within bounds: the BER-TLV reader, the certificate
object, the profile's subject. Hypothesis feeds arbitrary bytes; the only failure allowed is a
StaffCardError with a code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.staffcard import tlv
from hardware.staffcard.profile import check_certificate, parse_certificate, staff_subject
from kiosk.core.staff import StaffCardError

_tags = st.sampled_from([b"\x53", b"\x70", b"\x71", b"\x7c", b"\x82", b"\x7f\x49", b"\x86"])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_card_bytes_parse_or_fail_as_card_failed(data: bytes) -> None:
    try:
        items = tlv.parse(data)
    except StaffCardError as exc:
        assert exc.code == "card_failed"
        return
    assert sum(len(value) for _, value in items) <= len(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_tags, st.binary(max_size=700)), max_size=4))
def test_what_is_encoded_parses_back_the_same(items: list[tuple[bytes, bytes]]) -> None:
    data = b"".join(tlv.encode(tag, value) for tag, value in items)
    assert tlv.parse(data) == [(int.from_bytes(tag, "big"), value) for tag, value in items]


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.integers(1, 3))
def test_a_value_cut_short_is_refused(value: bytes, cut: int) -> None:
    data = tlv.encode(b"\x70", value)
    with pytest.raises(StaffCardError) as short:
        tlv.parse(data[:-cut] if cut < len(data) else data[:1])
    assert short.value.code == "card_failed"


@pytest.mark.parametrize("length", [b"\x83\x00\x00\x01", b"\x80", b"\x84\x00\x00\x00\x01"])
def test_indefinite_and_over_long_lengths_are_refused(length: bytes) -> None:
    with pytest.raises(StaffCardError):
        tlv.parse(b"\x53" + length + b"\x00")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_a_certificate_that_is_not_der_is_untrusted(der: bytes) -> None:
    with pytest.raises(StaffCardError) as refused:
        parse_certificate(der)
    assert refused.value.code == "untrusted_card"


@pytest.mark.parametrize(("field", "value"), [("role", "admin"), ("county", "4301"),
                                             ("name", ""), ("staff_number", "x" * 65)])
def test_the_issuer_refuses_a_subject_outside_the_profile(field: str, value: str) -> None:
    fields = {"role": "staff", "name": "测试 甲", "staff_number": "S-1", "county": "430102"}
    fields[field] = value
    with pytest.raises(ValueError):
        staff_subject(**fields)


def test_a_self_signed_certificate_is_not_from_the_staff_ca() -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    subject = staff_subject(role="staff", name="测试 甲", staff_number="S-1", county="430102")
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    other = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
          .public_key(other.public_key()).serial_number(2).not_valid_before(now)
          .not_valid_after(now + timedelta(days=1)).sign(other, hashes.SHA256()))
    with pytest.raises(StaffCardError) as refused:
        check_certificate(cert, ca, now=now, county="430102")
    assert refused.value.code == "untrusted_card"

"""The end-of-day report on the wire: the strict parser (a property test over outside bytes),
the uploader sending a confirmed report after a drain, the province keeping one per day."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from central_api_client.day_report import (
    FIELDS,
    MAX_DAY_REPORT_BODY_BYTES,
    DayReportFormatError,
    DayReportWire,
    parse_day_report,
    verify_card_signature,
)
from kiosk.store import KioskStore
from kiosk.sync.drain import drain_once
from kiosk.sync.uploader import after_drain
from tests.inprocess_api import device_client, province

PER = {"started": 5, "completed": 3, "cancelled": 1, "timed_out": 0, "exception": 1}


def _self_signed(common_name: str, serial: int, days_before: int
                 ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key and a certificate of its own, valid from `days_before` days ago for 9 days
    more."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(now - timedelta(days=days_before))
            .not_valid_after(now + timedelta(days=9))
            .sign(key, hashes.SHA256()))
    return key, cert


def _card() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A stand-in for a supervisor card's key 9A and its certificate (DER)."""
    key, cert = _self_signed("测试主管", serial=1, days_before=1)
    return key, cert.public_bytes(serialization.Encoding.DER)


CARD_KEY, CARD_CERT = _card()
OTHER_KEY, _ = _card()


def sign(wire: DayReportWire, key: ec.EllipticCurvePrivateKey = CARD_KEY) -> DayReportWire:
    """As the card does: key 9A over the report's digest, with the certificate."""
    signature = key.sign(wire.digest("SIM-0001"), ec.ECDSA(Prehashed(hashes.SHA256())))
    return replace(wire, card_signature=base64.b64encode(signature).decode(),
                   card_certificate=base64.b64encode(CARD_CERT).decode())


def report(**changes: object) -> DayReportWire:
    base = DayReportWire(day="2026-09-02", numbers_used=3, numbers_voided=1, queue_depth=2,
                         confirmed_by="T0002", card_fingerprint=sha256(CARD_CERT).hexdigest(),
                         confirmed_at="2026-09-02T10:00:00.000Z", counts={"collect": dict(PER)},
                         void_reasons={"candidate_left": 1})
    return sign(replace(base, **changes))  # type: ignore[arg-type]


def test_a_day_report_goes_over_the_wire_and_back_unchanged():
    sent = report()
    wire = json.loads(json.dumps(sent.to_wire()))
    assert set(wire) == set(FIELDS) and parse_day_report(wire) == sent
    assert len(json.dumps(wire)) < MAX_DAY_REPORT_BODY_BYTES


@pytest.mark.parametrize("changes", [
    {"day": "2026-13-01"}, {"day": "2026-9-2"}, {"numbers_used": -1}, {"queue_depth": True},
    {"confirmed_by": "T 0002"}, {"confirmed_by": ""}, {"confirmed_by": "-T"},
    {"card_fingerprint": "B2" * 32},
    {"confirmed_at": "2026-09-02T10:00:00Z"}, {"counts": {"Collect": dict(PER)}},
    {"counts": {"collect": {**PER, "lost": 1}}}, {"counts": {"collect": {"started": 1}}},
    {"void_reasons": {"bored": 1}}, {"void_reasons": {"candidate_left": -1}},
    {"card_signature": "not base64!"}, {"card_signature": "A" * 200},
    {"card_certificate": 7},
])
def test_a_report_out_of_its_bounds_is_refused(changes):
    with pytest.raises(DayReportFormatError):
        report(**changes)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20))
def test_any_json_is_a_report_or_a_format_error(data):
    try:
        parsed = parse_day_report(data)
    except DayReportFormatError:
        return
    assert parse_day_report(parsed.to_wire()) == parsed


@given(st.sampled_from(FIELDS), st.none() | st.integers() | st.text(max_size=8))
def test_any_field_changed_to_anything_parses_or_is_refused(field, value):
    wire = {**report().to_wire(), field: value}
    try:
        parsed = parse_day_report(wire)
    except DayReportFormatError:
        return
    assert parsed.to_wire()[field] == value  # taken as sent, never silently changed


@pytest.fixture
def server(tmp_path: Path):
    yield from province(tmp_path)


def test_a_confirmed_report_reaches_the_province_once_per_day(server, tmp_path):
    client = device_client(server, tmp_path)
    registry = server.app.state.authenticator.registry
    with KioskStore(tmp_path / "kiosk.sqlite", min_free_bytes=0) as store:
        first = report()
        store.staff.confirm_report(date.fromisoformat(first.day), first.to_wire(), "T0002")
        after_drain(store, client, drain_once(store, client), None)
        assert store.staff.unreported_reports() == []
        [seen] = registry.day_reports("SIM-0001")
        assert seen.report == first
        # Confirmed again the same day (after more candidates): the province keeps the later.
        again = report(numbers_used=4, confirmed_at="2026-09-02T11:00:00.000Z")
        store.staff.confirm_report(date.fromisoformat(report().day), again.to_wire(), "T0002")
        after_drain(store, client, drain_once(store, client), None)
        assert [s.report for s in registry.day_reports("SIM-0001")] == [again]


def test_a_malformed_or_unsigned_report_is_refused(server, tmp_path):
    client = device_client(server, tmp_path)
    bad = {**report().to_wire(), "numbers_used": "3"}
    response = client._http.request(
        "POST", "/v1/day-reports", content=json.dumps(bad).encode(),
        headers={"content-type": "application/json"}, auth=client.auth)
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    assert server.post("/v1/day-reports", json=report().to_wire()).status_code == 401


def test_only_the_card_that_signed_in_can_have_confirmed_it():
    verify_card_signature(report(), "SIM-0001")
    with pytest.raises(DayReportFormatError, match="does not verify"):
        verify_card_signature(report(), "SIM-0002")  # posted as another kiosk's
    for wrong, words in (
            (replace(report(), numbers_used=9), "does not verify"),  # changed after signing
            (sign(replace(report(), card_signature=""), OTHER_KEY), "does not verify"),
            (replace(report(), card_fingerprint="c3" * 32), "not the card"),
            (replace(report(), card_signature="", card_certificate=""), "not signed")):
        with pytest.raises(DayReportFormatError, match=words):
            verify_card_signature(wrong, "SIM-0001")


def test_the_province_refuses_a_report_the_card_did_not_sign(server, tmp_path):
    client = device_client(server, tmp_path)
    forged = {**report().to_wire(), "numbers_voided": 0}
    response = client._http.request(
        "POST", "/v1/day-reports", content=json.dumps(forged).encode(),
        headers={"content-type": "application/json"}, auth=client.auth)
    assert response.status_code == 422 and "does not verify" in response.text
    assert server.app.state.authenticator.registry.day_reports("SIM-0001") == []


def _staff_ca_and_card(role: str, staff_number: str = "T0002"):
    """A staff CA and a card certificate it issued (the kiosk-admin profile's subject)."""
    from hardware.staffcard.profile import staff_subject

    ca_key, ca = _self_signed("测试 staff CA", serial=7, days_before=400)
    ca_name = ca.subject
    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(staff_subject(role=role, name="测试主管", staff_number=staff_number,
                                        county="430102"))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(8)
            .not_valid_before(now - timedelta(days=400)).not_valid_after(now + timedelta(days=9))
            .sign(ca_key, hashes.SHA256()))
    return ca, key, cert.public_bytes(serialization.Encoding.DER)


def _signed_by(key, der: bytes, **changes: object) -> DayReportWire:
    base = replace(report(), card_fingerprint=sha256(der).hexdigest(), **changes)
    signature = key.sign(base.digest("SIM-0001"), ec.ECDSA(Prehashed(hashes.SHA256())))
    return replace(base, card_signature=base64.b64encode(signature).decode(),
                   card_certificate=base64.b64encode(der).decode())


def test_the_province_keeps_only_a_report_the_staff_ca_issued_a_supervisors_card_for():
    from provincial_api import bodies
    from provincial_api.errors import ApiProblem

    ca, key, der = _staff_ca_and_card("supervisor")
    good = _signed_by(key, der)
    body = json.dumps(good.to_wire()).encode()
    assert bodies.day_report(body, "SIM-0001", ca) == good
    other_ca, _, _ = _staff_ca_and_card("supervisor")
    clerk_ca, clerk_key, clerk = _staff_ca_and_card("staff")
    for wrong, words, ca_used in (
            (good, "not issued by the staff CA", other_ca),   # a card of another CA
            (report(), "not issued by the staff CA", ca),     # a self-made certificate
            (_signed_by(clerk_key, clerk), "not a supervisor", clerk_ca),
            (_signed_by(key, der, confirmed_by="T0003"), "not the staff number", ca),
            (_signed_by(key, der, confirmed_at="2020-01-01T00:00:00.000Z"), "not valid", ca)):
        with pytest.raises(ApiProblem) as refused:
            bodies.day_report(json.dumps(wrong.to_wire()).encode(), "SIM-0001", ca_used)
        assert refused.value.status_code == 422 and words in str(refused.value.detail), words

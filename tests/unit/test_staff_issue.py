"""`kiosk-admin staff-ca init` and `staff issue --public-key`: the certificate a kiosk then
accepts names the holder as the profile says, and nonsense is refused before the CA key is used."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hardware.staffcard.profile import check_certificate
from provisioning.admin.cli import cli


def _ca(tmp_path: Path, runner: CliRunner) -> tuple[Path, Path]:
    phrase = tmp_path / "passphrase"
    phrase.write_text("a test passphrase\n", encoding="utf-8")
    done = runner.invoke(cli, ["staff-ca", "init", str(tmp_path / "ca"), "--passphrase-file",
                               str(phrase)])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "ca" / "staff-ca.key").stat().st_mode & 0o077 == 0
    return tmp_path / "ca", phrase


def test_a_certificate_for_a_public_key_names_role_county_point_and_number(
        tmp_path: Path) -> None:
    runner = CliRunner()
    ca_dir, phrase = _ca(tmp_path, runner)
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    (tmp_path / "card.pub").write_bytes(key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    done = runner.invoke(cli, [
        "staff", "issue", "--ca", str(ca_dir), "--passphrase-file", str(phrase),
        "--role", "staff", "--name", "测试 工作人员", "--staff-number", "S-0009",
        "--county", "430102", "--point", "P-3", "--days", "30",
        "--public-key", str(tmp_path / "card.pub"), "-o", str(tmp_path / "card.pem")])
    assert done.exit_code == 0, done.output
    cert = x509.load_pem_x509_certificate((tmp_path / "card.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((ca_dir / "staff-ca.pem").read_bytes())
    member = check_certificate(cert, ca, now=datetime.now(UTC), county="430102")
    assert (member.name, member.role, member.staff_number, member.county, member.point) == (
        "测试 工作人员", "staff", "S-0009", "430102", "P-3")
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30


def test_issue_wants_exactly_one_of_reader_and_public_key_and_a_good_county(
        tmp_path: Path) -> None:
    runner = CliRunner()
    ca_dir, phrase = _ca(tmp_path, runner)
    common = ["staff", "issue", "--ca", str(ca_dir), "--passphrase-file", str(phrase),
              "--role", "staff", "--name", "测试 甲", "--staff-number", "S-1",
              "-o", str(tmp_path / "x.pem")]
    neither = runner.invoke(cli, [*common, "--county", "430102"])
    assert neither.exit_code == 2 and "--reader or --public-key" in neither.output
    bad_county = runner.invoke(cli, [*common, "--county", "4301", "--reader", "",
                                     "--pin", "24681357"])
    assert bad_county.exit_code == 2 and "six-digit" in bad_county.output
    assert not (tmp_path / "x.pem").exists()

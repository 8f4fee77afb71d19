"""The committed contract is the one the reference server states."""

from __future__ import annotations

from pathlib import Path

import yaml

from provincial_api.cli import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "central_api_client" / "openapi.yaml"


def test_committed_openapi_matches_the_app() -> None:
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert committed == openapi_document(), (
        "central_api_client/openapi.yaml is stale: regenerate it with "
        "`provincial-api openapi > central_api_client/openapi.yaml`"
    )


def test_contract_names_its_operations() -> None:
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    operations = {
        op["operationId"] for path in committed["paths"].values() for op in path.values()
    }
    assert operations == {"put_record", "put_records", "record_status", "get_record",
                          "device_records", "report_voided_numbers", "report_heartbeat", "health",
                          "lookup_candidate", "candidate_roster",
                          "enrol"}

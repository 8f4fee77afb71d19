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
                          "enrol", "report_day"}


def test_every_reference_in_the_contract_names_a_schema_it_holds() -> None:
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    held = set(committed["components"]["schemas"])

    def refs(node: object) -> set[str]:
        if isinstance(node, dict):
            found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
            return found.union(*(refs(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(refs(v) for v in node))
        return set()

    named = {ref.rsplit("/", 1)[1] for ref in refs(committed)}
    assert named - held == set(), "the contract refers to schemas it does not state"

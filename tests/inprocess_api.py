"""The reference API in this process (FastAPI's TestClient) and a simulated kiosk's signed
client of it: for unit tests of what a kiosk sends after a drain (voided numbers, heartbeats)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from central_api_client.client import DeviceAuth, ProvincialApiClient
from kiosk.seal import Sealer, load_device_key
from provincial_api.app import create_app

DEVICE_ID = "SIM-0001"


def province(tmp_path: Path) -> Iterator[TestClient]:
    """A development server over a fresh database (devices enrol on their first request)."""
    with TestClient(create_app(tmp_path / "server.sqlite", dev_enrol=True)) as client:
        yield client


def device_client(server: TestClient, tmp_path: Path,
                  transport: httpx.BaseTransport | None = None) -> ProvincialApiClient:
    """The kiosk's client, signing with the development key in tmp_path/keys; `transport`
    stands between it and the server (to answer some requests itself)."""
    Sealer.from_keys_dir(tmp_path / "keys", DEVICE_ID)
    auth = DeviceAuth(DEVICE_ID, load_device_key(tmp_path / "keys"))
    http = server if transport is None else httpx.Client(base_url="http://testserver",
                                                         transport=transport)
    return ProvincialApiClient("http://testserver", auth=auth, http=http,
                               receipt_key=server.app.state.receipts.public_key)

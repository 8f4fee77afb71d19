"""The file-slot ID card simulator and the reader factory."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from hardware.idcard import IdCardReader, ReaderError, open_idcard_reader
from hardware.idcard.sim import SimulatedReader, card_file, place_card, remove_card, slot_path


def test_factory_gives_a_simulated_reader(tmp_path: Path) -> None:
    reader = open_idcard_reader("sim://", tmp_path)
    assert isinstance(reader, SimulatedReader)
    assert isinstance(reader, IdCardReader)


@pytest.mark.parametrize("uri", ["ga468:///dev/ttyUSB0", "serial:///dev/ttyS0", "/dev/ttyUSB0"])
def test_factory_names_the_unknown_scheme(tmp_path: Path, uri: str) -> None:
    with pytest.raises(ValueError, match="unsupported ID card reader URI scheme") as info:
        open_idcard_reader(uri, tmp_path)
    scheme = uri.split(":", 1)[0] if "://" in uri else ""
    assert repr(scheme) in str(info.value)


def test_empty_slot(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path)
    assert reader.card_present() is False
    with pytest.raises(ReaderError) as info:
        reader.read()
    assert info.value.code == "no_card"
    health = reader.health()
    assert health.ok and health.sam_id


def test_place_and_remove(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path)
    place_card(tmp_path, card_file("resident-valid"))
    assert reader.card_present()
    assert reader.read().name == "测试甲"
    remove_card(tmp_path)
    assert not reader.card_present()
    remove_card(tmp_path)  # lifting nothing is fine


def test_place_a_document_and_a_dict(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path)
    place_card(tmp_path, card_file("permit-hmt"))
    doc = reader.read()
    place_card(tmp_path, doc)
    assert reader.read() == doc
    place_card(tmp_path, json.loads(card_file("foreign-2023").read_text(encoding="utf-8")))
    assert reader.read().english_name == "SAMPLE, GENG"


def test_read_failed_fault(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path)
    place_card(tmp_path, card_file("resident-valid"), fault="read_failed")
    assert reader.card_present()
    with pytest.raises(ReaderError) as info:
        reader.read()
    assert info.value.code == "card_read_failed"


def test_unplugged_fault(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path)
    place_card(tmp_path, card_file("resident-valid"), fault="unplugged")
    with pytest.raises(ReaderError) as info:
        reader.card_present()
    assert info.value.code == "reader_unavailable"
    health = reader.health()
    assert not health.ok and health.sam_id == ""
    remove_card(tmp_path)
    assert reader.health().ok


def test_unknown_fault_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown simulated fault"):
        place_card(tmp_path, card_file("resident-valid"), fault="on_fire")


def test_garbled_card_reads_as_failed_without_quoting_it(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path)
    data = json.loads(card_file("resident-valid").read_text(encoding="utf-8"))
    data["birth_date"] = "not-a-date"
    place_card(tmp_path, data)
    with pytest.raises(ReaderError) as info:
        reader.read()
    assert info.value.code == "card_read_failed"
    assert "not-a-date" not in str(info.value) and info.value.__cause__ is None
    slot_path(tmp_path).write_text("{half a card", encoding="utf-8")
    assert reader.card_present()
    with pytest.raises(ReaderError, match="card_read_failed"):
        reader.read()


def test_card_lifted_during_a_slow_read(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path, read_delay_s=0.2)
    place_card(tmp_path, card_file("resident-valid"))
    threading.Timer(0.05, remove_card, args=(tmp_path,)).start()
    with pytest.raises(ReaderError) as info:
        reader.read()
    assert info.value.code == "card_removed"


def test_place_is_atomic_no_temp_files_left(tmp_path: Path) -> None:
    for _ in range(5):
        place_card(tmp_path, card_file("resident-valid"))
    assert [p.name for p in tmp_path.iterdir()] == ["idcard-slot.json"]


def test_closed_reader_is_unavailable(tmp_path: Path) -> None:
    reader = SimulatedReader(tmp_path)
    reader.close()
    with pytest.raises(ReaderError, match="reader_unavailable"):
        reader.card_present()
    assert not reader.health().ok


def test_reader_error_rejects_unknown_codes() -> None:
    with pytest.raises(ValueError):
        ReaderError("exploded")  # type: ignore[arg-type]

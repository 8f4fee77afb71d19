"""Ga467Reader over scripted transports (no device), the USB transport over a fake pyusb
device, the factory's URIs, and the chip photo decoder hook."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.idcard import open_idcard_reader
from hardware.idcard.ga467 import commands as c
from hardware.idcard.ga467.errors import (
    CardReadFailedStatus,
    CardRemovedError,
    FrameChecksumError,
    NoCardStatus,
    ReaderTimeoutError,
    SamNotAuthorized,
)
from hardware.idcard.ga467.frames import Response, parse_command
from hardware.idcard.ga467.reader import Ga467Reader
from hardware.idcard.ga467.textblock import build_text_block
from hardware.idcard.reader import IdCardReader
from hardware.idcard.transports.serial import SerialTransport
from hardware.idcard.transports.usb import UsbTransport
from hardware.idcard.wlt import HEIGHT, RAW_LEN, WIDTH, decode_chip_photo, pixels_to_image
from tests.unit.ga467_helpers import differing, shipped_document

DOC = shipped_document("resident-valid")
READ_ANSWER = Response(0, 0, 0x90, c.encode_card_data(
    c.CardData(build_text_block(DOC), DOC.chip_photo or bytes(1024)), with_fingerprint=False))


class Scripted:
    """A transport whose answers come from `answer(command) -> frame bytes`."""

    description = "scripted"

    def __init__(self, answer: Callable[[c.Command], bytes | Exception]) -> None:
        self.answer = answer
        self.sent: list[c.Command] = []
        self.baud = 115200

    def exchange(self, frame: bytes, timeout_s: float) -> bytes:
        cmd = parse_command(frame)
        self.sent.append(cmd)
        out = self.answer(cmd)
        if isinstance(out, Exception):
            raise out
        return out

    def set_baud(self, baud: int) -> None:
        self.baud = baud

    def close(self) -> None:
        pass


def reader_answering(table: dict[c.Command, object]) -> tuple[Ga467Reader, Scripted]:
    def answer(cmd: c.Command):
        out = table.get(cmd, Response(0, 0, 0x21))
        if isinstance(out, list):
            out = out.pop(0) if len(out) > 1 else out[0]
        return out.encode() if isinstance(out, Response) else out

    transport = Scripted(answer)
    return Ga467Reader(transport), transport


def test_a_read_is_find_select_read() -> None:
    reader, transport = reader_answering({
        c.FIND_CARD: Response(0, 0, 0x9F, bytes(4)),
        c.SELECT_CARD: Response(0, 0, 0x90, bytes(8)),
        c.READ_TEXT_PHOTO: READ_ANSWER,
    })
    assert isinstance(reader, IdCardReader)
    doc = reader.read()
    assert differing(doc, DOC) == [] and doc.chip_photo == DOC.chip_photo
    assert transport.sent == [c.FIND_CARD, c.SELECT_CARD, c.READ_TEXT_PHOTO]


def test_a_halted_card_is_still_present_through_select() -> None:
    reader, _ = reader_answering({c.FIND_CARD: Response(0, 0, 0x80),
                                  c.SELECT_CARD: Response(0, 0, 0x90, bytes(8))})
    assert reader.card_present()
    reader, _ = reader_answering({c.FIND_CARD: Response(0, 0, 0x80),
                                  c.SELECT_CARD: Response(0, 0, 0x81)})
    assert not reader.card_present()
    with pytest.raises(NoCardStatus) as err:
        reader.read()
    assert err.value.code == "no_card"


def test_a_corrupted_answer_is_asked_for_again_once() -> None:
    bad = bytearray(READ_ANSWER.encode())
    bad[-1] ^= 0xFF
    reader, transport = reader_answering({
        c.FIND_CARD: Response(0, 0, 0x9F, bytes(4)),
        c.SELECT_CARD: Response(0, 0, 0x90, bytes(8)),
        c.READ_TEXT_PHOTO: [bytes(bad), READ_ANSWER],
    })
    assert differing(reader.read(), DOC) == []
    assert transport.sent.count(c.READ_TEXT_PHOTO) == 2
    reader, _ = reader_answering({
        c.FIND_CARD: Response(0, 0, 0x9F, bytes(4)),
        c.SELECT_CARD: Response(0, 0, 0x90, bytes(8)),
        c.READ_TEXT_PHOTO: [bytes(bad)],
    })
    with pytest.raises(FrameChecksumError):
        reader.read()


def test_read_failure_with_the_card_gone_is_card_removed() -> None:
    finds = [Response(0, 0, 0x9F, bytes(4)), Response(0, 0, 0x80)]
    reader, _ = reader_answering({
        c.FIND_CARD: finds,
        c.SELECT_CARD: [Response(0, 0, 0x90, bytes(8)), Response(0, 0, 0x81)],
        c.READ_TEXT_PHOTO: Response(0, 0, 0x41),
    })
    with pytest.raises(CardRemovedError) as err:
        reader.read()
    assert err.value.code == "card_removed"


def test_read_failure_with_the_card_still_there_is_read_failed() -> None:
    reader, _ = reader_answering({
        c.FIND_CARD: Response(0, 0, 0x9F, bytes(4)),
        c.SELECT_CARD: Response(0, 0, 0x90, bytes(8)),
        c.READ_TEXT_PHOTO: Response(0x64, 0x01, 0x41),
    })
    with pytest.raises(CardReadFailedStatus) as err:
        reader.read()
    assert err.value.code == "card_read_failed" and err.value.sw12 == b"\x64\x01"


def test_silence_and_sam_trouble_are_reader_unavailable() -> None:
    reader, _ = reader_answering({c.FIND_CARD: ReaderTimeoutError()})  # type: ignore[dict-item]
    with pytest.raises(ReaderTimeoutError) as err:
        reader.card_present()
    assert err.value.code == "reader_unavailable"
    reader, _ = reader_answering({c.SAM_STATUS: Response(0, 0, 0x66)})
    health = reader.health()
    assert not health.ok and "reader_unavailable" in health.detail
    with pytest.raises(SamNotAuthorized):
        reader.transact(c.SAM_STATUS)


def test_health_reports_the_sam_id() -> None:
    raw = bytes.fromhex("05000100e89a34010100000002000000")
    reader, _ = reader_answering({c.SAM_STATUS: Response(0, 0, 0x90),
                                  c.SAM_ID: Response(0, 0, 0x90, raw)})
    health = reader.health()
    assert health.ok and health.sam_id == c.format_sam_id(raw) == reader.sam_id()


def test_set_baud_and_newest_address() -> None:
    reader, transport = reader_answering({c.set_baud(57600): Response(0, 0, 0x90),
                                          c.READ_NEWEST_ADDRESS: Response(0, 0, 0x91)})
    reader.set_baud(57600)
    assert transport.baud == 57600
    assert reader.read_newest_address() is None
    reader.close()
    assert not reader.health().ok


class FakeUsb:
    """pyusb's Device surface: write(ep, data, timeout) and read(ep, size, timeout)."""

    def __init__(self, answer: bytes, split: dict[int, int] | None = None) -> None:
        self.written: list[tuple[int, bytes]] = []
        self.answer = answer
        self.queues: dict[int, bytearray] = {}
        self.split = split

    def write(self, ep: int, data: bytes, timeout: int) -> int:
        self.written.append((ep, bytes(data)))
        if self.split:  # sam pipe: header on one IN endpoint, the rest on the other
            self.queues = {self.split[0]: bytearray(self.answer[:7]),
                           self.split[1]: bytearray(self.answer[7:])}
        else:
            self.queues = {0x81: bytearray(self.answer)}
        return len(data)

    def read(self, ep: int, size: int, timeout: int) -> bytes:
        q = self.queues.get(ep, bytearray())
        if not q:
            import usb.core

            raise usb.core.USBTimeoutError("timeout", 110, 110)
        n = min(size, 64)
        out = bytes(q[:n])
        del q[:n]
        return out


def test_usb_sam_pipe_splits_header_and_body_over_two_endpoint_pairs() -> None:
    dev = FakeUsb(READ_ANSWER.encode(), split={0: 0x81, 1: 0x85})
    transport = UsbTransport(0x0400, 0xC35A, mode="sam_pipe", device=dev)
    frame = transport.exchange(c.READ_TEXT_PHOTO.encode(), 1.0)
    assert frame == READ_ANSWER.encode()
    assert dev.written == [(0x02, c.READ_TEXT_PHOTO.encode()[:7]),
                           (0x06, c.READ_TEXT_PHOTO.encode()[7:])]


def test_usb_chunked_moves_64_byte_packets() -> None:
    dev = FakeUsb(READ_ANSWER.encode())
    transport = UsbTransport(0x1234, 0x5678, mode="chunked", ep_out=0x01, device=dev)
    reader = Ga467Reader(transport)
    assert reader.transact(c.READ_TEXT_PHOTO).data == READ_ANSWER.data
    dev.answer = b""
    with pytest.raises(ReaderTimeoutError):
        transport.exchange(c.FIND_CARD.encode(), 0.05)


def test_uris() -> None:
    transport, options = SerialTransport.from_uri("ga467:///dev/ttyUSB0?baud=57600&timeout=0.5")
    assert (transport.port, transport.baud, options["timeout"]) == ("/dev/ttyUSB0", 57600, 0.5)
    usb, _ = UsbTransport.from_uri("ga467-usb://0400:c35a?mode=chunked&out=0x01&in=0x82")
    assert (usb.vid, usb.pid, usb.mode, usb.ep_out, usb.ep_in) == (0x400, 0xC35A, "chunked",
                                                                     1, 0x82)
    with pytest.raises(ValueError):
        SerialTransport.from_uri("ga467:///dev/ttyUSB0?baud=12345")
    with pytest.raises(ValueError):
        UsbTransport.from_uri("ga467-usb://nothex")
    with pytest.raises(ValueError, match="unsupported"):
        open_idcard_reader("gb467:///dev/x", Path("/tmp"))


def test_an_absent_port_is_reader_unavailable_not_a_crash(tmp_path: Path) -> None:
    reader = open_idcard_reader(f"ga467://{tmp_path}/ttyNONE?timeout=0.1", tmp_path)
    with pytest.raises(Exception) as err:
        reader.card_present()
    assert getattr(err.value, "code", None) == "reader_unavailable"
    assert not reader.health().ok


# -- the chip photo hook -----------------------------------------------------------------------

_FAKE_WLT_C = r"""
/* Stands in for the vendor's libwlt2bmp: raw BGR, bottom-up; row r is grey level r. */
int unpack(char *src, char *dst, int bmpSave) {
    if (src[0] == 'X') return -1;
    for (int r = 0; r < 126; r++)
        for (int i = 0; i < 102 * 3; i++)
            dst[r * 102 * 3 + i] = (char)r;
    return 1;
}
"""


@pytest.fixture(scope="module")
def fake_wlt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the stand-in decoder library")
    d = tmp_path_factory.mktemp("wlt")
    (d / "fake.c").write_text(_FAKE_WLT_C)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(d / "libfakewlt.so"), str(d / "fake.c")],
                   check=True)
    return d / "libfakewlt.so"


def test_decoder_turns_bottom_up_rows_the_right_way_up(fake_wlt: Path) -> None:
    image = decode_chip_photo(bytes(1024), fake_wlt)
    assert image is not None and image.size == (WIDTH, HEIGHT) and image.mode == "RGB"
    assert image.getpixel((0, HEIGHT - 1)) == (0, 0, 0)  # first row written = bottom row
    assert image.getpixel((0, 0)) == (HEIGHT - 1,) * 3
    assert decode_chip_photo(b"X" * 1024, fake_wlt) is None  # the library said no


def test_without_a_library_there_is_no_chip_photo(tmp_path: Path) -> None:
    assert decode_chip_photo(bytes(1024), "") is None
    assert decode_chip_photo(bytes(1024), tmp_path / "missing.so") is None
    assert decode_chip_photo(None, "/whatever.so") is None


def test_bmp_output_is_read_as_a_bmp() -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (10, 20, 30)).save(buf, "BMP")
    image = pixels_to_image(buf.getvalue())
    assert image is not None and image.getpixel((5, 5)) == (10, 20, 30)
    top_down = pixels_to_image(bytes([1, 2, 3]) * (RAW_LEN // 3), bottom_up=False)
    assert top_down is not None and top_down.getpixel((0, 0)) == (3, 2, 1)


def _reader_fed(answers: list[bytes]) -> Ga467Reader:
    queue = list(answers)

    def answer(cmd: c.Command) -> bytes | Exception:
        return queue.pop(0) if queue else ReaderTimeoutError()

    return Ga467Reader(Scripted(answer))


def _read_anything(answers: list[bytes]) -> None:
    """Whatever a reader sends, read() gives a document or a ReaderError, nothing else."""
    from hardware.idcard.reader import ReaderError
    from kiosk.core.documents import IdentityDocument

    with contextlib.suppress(ReaderError):
        assert isinstance(_reader_fed(answers).read(), IdentityDocument)


_good = [Response(0, 0, 0x9F, bytes(4)).encode(), Response(0, 0, 0x90, bytes(8)).encode(),
         READ_ANSWER.encode()]


def _mutations():
    from hypothesis import strategies as st

    frame = st.one_of(st.binary(max_size=1400), st.sampled_from(_good),
                      st.sampled_from(_good).flatmap(lambda f: st.tuples(
                          st.just(f), st.integers(0, len(f) - 1), st.integers(0, 255)).map(
                          lambda t: t[0][:t[1]] + bytes([t[2]]) + t[0][t[1] + 1:])))
    return st.lists(frame, max_size=6)


def test_fuzz_the_whole_read_quick() -> None:
    from hypothesis import given, settings

    given(_mutations())(settings(max_examples=150, deadline=None)(_read_anything))()


@pytest.mark.slow
def test_fuzz_the_whole_read_10k() -> None:
    from hypothesis import given, settings

    given(_mutations())(settings(max_examples=10_000, deadline=None)(_read_anything))()

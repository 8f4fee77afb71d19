"""Every GA 467 status byte (SW3), and the host's own framing troubles, as typed errors.

Each error is a `ReaderError` (so a `DeviceError`), so code above the reader (the watcher, the
UI) needs only the four reader codes, one of which each class sets as its `code`; the subclass,
`status` and the bilingual `zh`/`en` messages are there for a technician (`kioskctl idcard
read`) and for a screen that wants to say exactly what happened.
Messages never quote anything read from a card.
"""

from __future__ import annotations

from typing import ClassVar

from hardware.idcard.reader import ReaderError, ReaderErrorCode

STATUS_OK = 0x90
STATUS_CARD_FOUND = 0x9F


class Ga467Error(ReaderError):
    """Base of all GA 467 errors. `status` is the SW3 byte, None for host-side errors."""

    code: ReaderErrorCode = "card_read_failed"
    zh: ClassVar[str] = "读卡器错误"
    en: ClassVar[str] = "ID card reader error"
    status: int | None = None

    def __init__(self, detail: str = "", *, status: int | None = None,
                 sw12: bytes = b"") -> None:
        if status is not None:
            self.status = status
        self.sw12 = sw12
        text = self.en if not detail else f"{self.en} ({detail})"
        if self.status is not None:
            text = f"SW3=0x{self.status:02X}: {text}"
        super().__init__(self.code, text)

    @property
    def message(self) -> str:
        """What a screen or a technician sees: both languages."""
        return f"{self.zh} / {self.en}"


# -- host-side errors: the frames themselves ---------------------------------------------------


class FrameError(Ga467Error):
    """A frame that is not a GA 467 frame (bad preamble, impossible length)."""

    zh = "读卡器通信数据格式错误"
    en = "malformed frame from the reader"


class FrameChecksumError(FrameError):
    """The XOR check of a received frame does not match: a bit flipped on the wire."""

    zh = "读卡器通信校验错误"
    en = "frame checksum mismatch"


class FrameTruncatedError(FrameError):
    """The reader started a frame and stopped (card pulled, cable glitch, reader reset)."""

    zh = "读卡器数据不完整"
    en = "frame truncated"


class ReaderTimeoutError(Ga467Error):
    """No answer at all within the time-out: the reader is unplugged, unpowered or hung."""

    code = "reader_unavailable"
    zh = "读卡器无响应，请联系工作人员"
    en = "the ID card reader does not answer; please ask staff"


class TransportError(Ga467Error):
    """The port or USB device could not be opened or failed under us."""

    code = "reader_unavailable"
    zh = "读卡器未连接，请联系工作人员"
    en = "the ID card reader is not connected; please ask staff"


class TextBlockError(Ga467Error):
    """The card's 256-byte text block does not hold a well-formed document."""

    zh = "身份证信息无法识别，请联系工作人员"
    en = "the card's data could not be understood; please ask staff"


class UnexpectedAnswerError(Ga467Error):
    """A well-formed frame that is not what the command asked for (wrong data length)."""

    zh = "读卡器应答异常"
    en = "unexpected answer from the reader"


class UnknownStatusError(Ga467Error):
    """A status byte the protocol does not define."""

    zh = "读卡器返回未知状态"
    en = "unknown status from the reader"


# -- status bytes --------------------------------------------------------------------------------


class ReaderChecksumStatus(Ga467Error):
    status = 0x10
    zh = "读卡器收到的命令校验错误"
    en = "the reader saw a checksum error in our command"


class ReaderLengthStatus(Ga467Error):
    status = 0x11
    zh = "读卡器收到的命令长度错误"
    en = "the reader saw a length error in our command"


class CommandStatus(Ga467Error):
    status = 0x21
    zh = "命令或参数错误"
    en = "command or parameter error"


class UnauthorizedStatus(Ga467Error):
    status = 0x23
    code = "reader_unavailable"
    zh = "越权操作"
    en = "operation not permitted"


class UnrecognizedStatus(Ga467Error):
    status = 0x24
    zh = "无法识别的错误"
    en = "unrecognized error"


class CardAuthSamFailed(Ga467Error):
    status = 0x31
    zh = "卡认证机具失败，请重新放卡"
    en = "the card failed to authenticate the reader; place the card again"


class SamAuthCardFailed(Ga467Error):
    status = 0x32
    zh = "机具认证卡失败，请重新放卡"
    en = "the reader failed to authenticate the card; place the card again"


class VerificationStatus(Ga467Error):
    status = 0x33
    zh = "信息验证错误"
    en = "verification error"


class UnknownCardTypeStatus(Ga467Error):
    status = 0x40
    zh = "无法识别的卡类型"
    en = "unknown card type"


class UnknownCardTypeError(TextBlockError):
    """The text block's type character (offset 248) is not one of the four known types."""

    zh = "无法识别的证件类型，请联系工作人员"
    en = "unknown card type; please ask staff"


class CardReadFailedStatus(Ga467Error):
    status = 0x41
    zh = "读卡失败，请重新放卡"
    en = "card read failed; place the card again"


class GetRandomFailed(Ga467Error):
    status = 0x47
    zh = "取随机数失败"
    en = "get-random failed"


class SamSelfTestFailed(Ga467Error):
    status = 0x60
    code = "reader_unavailable"
    zh = "安全模块自检失败，请联系工作人员"
    en = "the reader's security module failed its self-test; please ask staff"


class SamNotAuthorized(Ga467Error):
    status = 0x66
    code = "reader_unavailable"
    zh = "安全模块未经授权，请联系工作人员"
    en = "the reader's security module is not authorised; please ask staff"


class NoCardStatus(Ga467Error):
    status = 0x80
    code = "no_card"
    zh = "请放置身份证"
    en = "no card on the reader; please place your ID card"


class SelectFailedStatus(Ga467Error):
    status = 0x81
    zh = "选卡失败，请重新放卡"
    en = "card select failed; place the card again"


class NoContentStatus(Ga467Error):
    status = 0x91
    zh = "此项无内容"
    en = "no content for this item"


class CardRemovedError(Ga467Error):
    """The card left the reader between finding it and finishing the read."""

    code = "card_removed"
    zh = "读卡过程中证件被移开，请重新放卡"
    en = "the card was lifted during the read; place it again"


STATUS_ERRORS: dict[int, type[Ga467Error]] = {
    cls.status: cls
    for cls in (
        ReaderChecksumStatus, ReaderLengthStatus, CommandStatus, UnauthorizedStatus,
        UnrecognizedStatus, CardAuthSamFailed, SamAuthCardFailed, VerificationStatus,
        UnknownCardTypeStatus, CardReadFailedStatus, GetRandomFailed, SamSelfTestFailed,
        SamNotAuthorized, NoCardStatus, SelectFailedStatus, NoContentStatus,
    )
}


def error_for_status(sw3: int, sw12: bytes = b"") -> Ga467Error:
    """The typed error for a failure status byte (never for 0x90/0x9F)."""
    cls = STATUS_ERRORS.get(sw3)
    if cls is None:
        return UnknownStatusError(status=sw3, sw12=sw12)
    return cls(sw12=sw12)

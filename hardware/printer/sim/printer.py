"""A simulated receipt printer: saves each login card as the PNG a thermal head would print.

Printouts land in `sim_dir/printouts/` with time-ordered names, so a test or the demo driver
can pick up the newest; `last_printout` names the one just made. Faults are files, so another
process can pull the paper out from under a running kiosk:

- `sim_dir/printer-paper-out` → PrinterError("paper_out")
- `sim_dir/printer-offline` → PrinterError('offline')
- `sim_dir/printer-paper-near-end` → prints, and says the roll is nearly used up

Printouts carry a name and an initial password: fine for synthetic people in tests and demos;
a real machine never uses `sim://`.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime
from pathlib import Path

from PIL import Image

from central_api_client.files import atomic_write
from hardware.printer.printer import PrinterError, PrinterStatus
from hardware.printer.render import (
    DEFAULT_WEB_ADDRESS,
    DPI,
    render_login_card,
    render_test_receipt,
)
from kiosk.core.login_card import LoginCard

PAPER_OUT_FILE = "printer-paper-out"
OFFLINE_FILE = "printer-offline"
NEAR_END_FILE = "printer-paper-near-end"
PRINTOUTS_DIR = "printouts"


class SimulatedPrinter:
    """`Printer` writing PNGs; `last_printout` is the path of the latest, None before any."""

    def __init__(
        self, sim_dir: Path, font_path: Path, *, default_web_address: str = DEFAULT_WEB_ADDRESS
    ) -> None:
        self.sim_dir = Path(sim_dir)
        self.font_path = Path(font_path)
        self.default_web_address = default_web_address
        self.printouts = self.sim_dir / PRINTOUTS_DIR
        self.last_printout: Path | None = None
        self._lock = threading.Lock()

    def status(self) -> PrinterStatus:
        if (self.sim_dir / OFFLINE_FILE).exists():
            return PrinterStatus(ok=False, code="offline", detail="simulated printer offline")
        if (self.sim_dir / PAPER_OUT_FILE).exists():
            return PrinterStatus(ok=False, code="paper_out", detail="simulated paper out",
                                 paper="out")
        if (self.sim_dir / NEAR_END_FILE).exists():
            return PrinterStatus(ok=True, detail="simulated paper near end", paper="near_end")
        return PrinterStatus(ok=True, detail="simulated printer")

    def print_login_card(self, card: LoginCard) -> PrinterStatus:
        self._refuse_unless_ready()
        self._save(render_login_card(
            card, self.font_path, default_web_address=self.default_web_address), "login-card")
        return self.status()

    def print_test_receipt(self, device_id: str, printed_at: datetime) -> PrinterStatus:
        self._refuse_unless_ready()
        self._save(render_test_receipt(device_id, printed_at, self.font_path), "test-receipt")
        return self.status()

    def _refuse_unless_ready(self) -> None:
        st = self.status()
        if st.code is not None:
            raise PrinterError(st.code, st.detail)

    def _save(self, image: Image.Image, kind: str) -> None:
        buf = io.BytesIO()
        image.save(buf, "PNG", dpi=(DPI, DPI), optimize=True)
        with self._lock:
            self.printouts.mkdir(parents=True, exist_ok=True)
            path = self._new_name(kind)
            # Owner-only: a login card holds a name and an initial password.
            atomic_write(path, buf.getvalue(), mode=0o600)  # a watcher never sees half a PNG
            self.last_printout = path

    def _new_name(self, kind: str) -> Path:
        """`20261124-093012-123456-login-card.png`: sorts by time; a suffix breaks ties."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.printouts / f"{stamp}-{kind}.png"
        n = 1
        while path.exists():
            path = self.printouts / f"{stamp}-{n:02d}-{kind}.png"
            n += 1
        return path

"""One screen per step, each a .py and a .kv side by side; `SCREENS` maps names to classes."""

from __future__ import annotations

from kiosk.ui.screens.approve import ApproveScreen
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.candidate import CandidateScreen
from kiosk.ui.screens.card import CardScreen
from kiosk.ui.screens.check import CheckScreen
from kiosk.ui.screens.dispute import DisputeScreen
from kiosk.ui.screens.done import DoneScreen
from kiosk.ui.screens.entry import EntryScreen
from kiosk.ui.screens.form import FormScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.notice import NoticeScreen
from kiosk.ui.screens.phone import PhoneScreen
from kiosk.ui.screens.photo import PhotoScreen
from kiosk.ui.screens.pledge import PledgeScreen
from kiosk.ui.screens.print import PrintScreen
from kiosk.ui.screens.print_form import PrintFormScreen
from kiosk.ui.screens.proof import ProofScreen
from kiosk.ui.screens.sign import SignScreen
from kiosk.ui.screens.staff_exceptions import StaffExceptionsScreen
from kiosk.ui.screens.staff_panel import StaffPanelScreen
from kiosk.ui.screens.staff_pin import StaffPinScreen
from kiosk.ui.screens.staff_report import StaffReportScreen

SCREENS = {
    cls.screen_name: cls
    for cls in (
        AttractScreen,
        CardScreen,
        IdentityScreen,
        CandidateScreen,
        ProofScreen,
        PhotoScreen,
        PledgeScreen,
        CheckScreen,
        SignScreen,
        PrintScreen,
        PrintFormScreen,
        DoneScreen,
        NoticeScreen,
        EntryScreen,
        PhoneScreen,
        ApproveScreen,
        FormScreen,
        DisputeScreen,
        # The staff side: the PIN pad, the panel and its pages (the exception cases run as a
        # candidate's session, on the screens above).
        StaffPinScreen,
        StaffPanelScreen,
        StaffReportScreen,
        StaffExceptionsScreen,
    )
}

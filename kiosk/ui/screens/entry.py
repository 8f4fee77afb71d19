"""Staff type the document's fields for a candidate without a readable card (damaged, expired,
none yet, another document): the document type, its number (judged as typed), the name (on the
pinyin keyboard or a USB keyboard), sex, nation and birth date.

The screen only collects what was typed and sends it as `StaffEntry`; the entry step checks it
(`kiosk.core.exception_cases.check_entry`) and the screen shows the first problem it names.
Opened again to correct fields a candidate disputed, it shows what was entered before.
"""

from __future__ import annotations

from datetime import date

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.core import events as ev
from kiosk.core.documents import CardType, Sex
from kiosk.core.hand_entry import EntryForm, number_status
from kiosk.core.nations import NATIONS
from kiosk.core.session import Session
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import pinyin_keyboard  # noqa: F401  (kv class)

load_kv(__file__)

NATION_CHOICES = [f"{code} {name}" for code, name in NATIONS.items()]


class EntryScreen(KioskScreen):
    screen_name = "entry"
    title = StringProperty("")
    card_type = StringProperty(CardType.RESIDENT.value)
    type_labels = ListProperty([])  # the case's documents, in words
    type_label = StringProperty("")  # the one picked
    sex = StringProperty("")  # "", male, female
    number_state = StringProperty("")  # the number's status in words
    number_ok = BooleanProperty(False)
    problem = StringProperty("")  # the step's first problem with what was submitted
    needs_nation = BooleanProperty(True)
    nations = ListProperty(NATION_CHOICES)

    _session_id: str | None = None
    _types: dict[str, str] = {}  # words -> CardType value, of the case's documents

    def show(self, session: Session) -> None:
        data = session.data
        if data is None or data.exception is None or data.exception.rule is None:
            return
        rule = data.exception.rule
        case = self.t(f"exception_{rule.case.value}")  # as the panel lists it
        self.title = f"{case} · {self.t('entry_title')}"
        if data.session_id != self._session_id:  # a new candidate, or staff correcting
            self._session_id = data.session_id
            self._fill(rule.document_types, session)
        if data.entry_problem is not None:
            field, code = data.entry_problem
            label = self.t("entry_document" if field == "card_type" else f"field_{field}")
            self.problem = f"{label}：{self.t(code)}"
        else:
            self.problem = ""

    def _fill(self, types: tuple[CardType, ...], session: Session) -> None:
        self._types = {self.t(f"card_type_{t.value}"): t.value for t in types}
        self.type_labels = list(self._types)
        data = session.data
        earlier = None if data is None or data.document is None \
            else EntryForm.from_document(data.document)
        if earlier is not None:
            self.choose_type(earlier.card_type.value)
            self.ids.number.text = earlier.id_number
            self.ids.name.text = earlier.name
            self.sex = earlier.sex.value if earlier.sex else ""
            self.ids.nation.text = next(
                (c for c in NATION_CHOICES if c[:2] == earlier.nation), "")
            self.ids.birth.text = earlier.birth_date.isoformat() if earlier.birth_date else ""
        else:
            self.choose_type(types[0].value)
            for widget in (self.ids.number, self.ids.name, self.ids.birth):
                widget.text = ""
            self.ids.nation.text = ""
            self.sex = ""

    def choose_type(self, value: str) -> None:
        self.card_type = value
        self.type_label = self.t(f"card_type_{value}")
        self.needs_nation = value == CardType.RESIDENT.value
        self.number_changed(self.ids.number.text)

    def type_picked(self, label: str) -> None:
        """The list's choice (its words in the screen's language) as the document type."""
        value = self._types.get(label)
        if value is not None and value != self.card_type:
            self.choose_type(value)

    def number_changed(self, typed: str) -> None:
        self.problem = ""  # staff are fixing it: the number's state speaks now
        status = number_status(CardType(self.card_type), typed)
        self.number_ok = status == "ok"
        self.number_state = "" if status == "empty" else self.t(f"entry_status_{status}")

    def choose_sex(self, value: str) -> None:
        self.sex = value

    def submit(self) -> None:
        try:
            born: date | None = date.fromisoformat(self.ids.birth.text.strip())
        except ValueError:
            born = None
        nation = self.ids.nation.text[:2] if self.needs_nation and self.ids.nation.text else None
        form = EntryForm(
            card_type=CardType(self.card_type), id_number=self.ids.number.text,
            name=self.ids.name.text, sex=Sex(self.sex) if self.sex else None,
            nation=nation, birth_date=born)
        self.send(ev.StaffEntry(form))

    def on_leave(self, *args):
        # What staff typed leaves the screen with it (a corrected entry is filled again).
        self._session_id = None
        for widget in (self.ids.number, self.ids.name, self.ids.birth):
            widget.text = ""
        self.ids.keyboard.set_typed("")


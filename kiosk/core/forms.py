"""The paper forms and the screens that show a candidate's data: which fields, in which order.

One definition serves both: the check screen shows the proof table's fields, the PDF renderer
(`hardware.printer.forms_pdf`) prints each form from the same rows, so what a candidate checked
on screen is what the paper says. Labels come from the one text table (`kiosk.core.texts`,
keys `field_<name>`), values are formatted here. A row whose value does not apply (no ethnic
group on a foreigner's card, no school in the first visit's data) is left out, on screen and on
paper alike.

The ID number is always shown masked, as on the screen and the login card: a form's PDF passes
through the print server's spool, a file outside the sealed outbox.

Pure: standard library and `kiosk.core` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from kiosk.core.documents import IdentityDocument
from kiosk.core.nations import nation_name
from kiosk.core.texts import text

Strokes = tuple[tuple[tuple[float, float, float], ...], ...]

# What the candidate entered online (the `confirm` and `adult-confirm` workflows get it from the
# provincial API or the point's roster); the kiosk only shows and prints it.
ONLINE_FIELDS: tuple[str, ...] = (
    # gaokao 基本信息 beyond the card
    "candidate_category",  # 考生类别: 城市应届, 农村往届 ...
    "subject_track",  # 科类 / 选考科目组合
    "political_status",  # 政治面貌
    "foreign_language",  # 外语语种
    "school",  # 毕业学校
    "household",  # 户籍所在地 (migrant children: the other province)
    "parent_work",  # 父母务工单位 (migrant children's qualification)
    # the adult exam's registration and choices
    "exam_level",  # 报考层次 (adult exam): 高起专, 高起本, 专升本
    "adult_category",  # 报考科类
    "study_mode",  # 学习形式: 脱产, 业余, 函授
    "school_choice_1",  # 第一志愿 报考学校
    "major_choice_1",  # 第一志愿 报考专业
    "school_choice_2",
    "major_choice_2",
    "confirmation_point",  # 报名确认点 the candidate chose, by name
)
# The same names as the wire's `central_api_client.candidates.CANDIDATE_FIELDS` (core may not
# import the contract; tests/unit/test_candidates_wire.py pins the two equal).

# Every field a form or screen may name; each has a `field_<name>` label in texts.SCREENS.
IDENTITY_FIELDS: tuple[str, ...] = (
    "name",
    "sex",
    "english_name",
    "nation",
    "nationality",
    "birth_date",
    "id_number",
    "card_type",
    "validity",
    "address",
    "issuer",
)
ALL_FIELDS: tuple[str, ...] = (
    ("sequence_number",) + IDENTITY_FIELDS + ONLINE_FIELDS + ("point", "form_date")
)


@dataclass(frozen=True)
class FormData:
    """Everything a form or a check screen can show. `repr()` shows nothing personal."""

    document: IdentityDocument = field(repr=False)
    sequence_number: str | None = None
    point: str | None = None  # 报名点 / 报名确认点, by name
    on: date | None = None  # the date printed on the form
    online: Mapping[str, str] = field(default_factory=dict, repr=False)
    photo_jpeg: bytes | None = field(default=None, repr=False)
    signature_strokes: Strokes = field(default=(), repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.online) - set(ONLINE_FIELDS)
        if unknown:
            raise ValueError(f"unknown online fields: {sorted(unknown)}")


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: str


@dataclass(frozen=True)
class Form:
    """One paper form (or screen): its title, its fields in order and its boxes.

    `steps` are the rows of a table the form adds below its fields, each for a person to sign
    (the adult exam's flow sheet, the county's approval); they are text keys.
    """

    name: str  # stable id, as `kioskctl print preview FORM` names it
    title: str  # text key
    fields: tuple[str, ...]
    photo: bool = False
    signature: bool = False
    declaration: str | None = None  # text key of the sentence the candidate signs under
    steps: tuple[str, ...] = ()


_CHECKED = ("sequence_number",) + IDENTITY_FIELDS

# The gaokao's online fields the proof table and the registration form show: every one the
# candidate entered (the second visit confirms them all).
_GAOKAO_ONLINE = ("candidate_category", "subject_track", "political_status", "foreign_language",
                  "school", "household")

IDENTITY_SCREEN = Form(
    "identity-screen",
    "identity_title",
    IDENTITY_FIELDS[:8],  # the essentials: who this is; the check screen adds the rest
)
PROOF_TABLE = Form(
    "proof",
    "form_proof_title",
    _CHECKED + _GAOKAO_ONLINE + ("point", "form_date"),
    photo=True,
    declaration="form_proof_declaration",
)
REGISTRATION = Form(
    "registration",
    "form_registration_title",
    _CHECKED + _GAOKAO_ONLINE + ("point", "form_date"),
    photo=True,
    signature=True,
    declaration="form_registration_declaration",
)
ADULT_FLOW = Form(
    "adult-flow",
    "form_adult_flow_title",
    ("sequence_number", "name", "sex", "nation", "nationality", "birth_date", "id_number",
     "card_type", "exam_level", "subject_track", "point", "form_date"),
    photo=True,
    signature=True,
    declaration="form_adult_flow_declaration",
    steps=("flow_step_confirm", "flow_step_pledge", "flow_step_review", "flow_step_bonus"),
)
MIGRANT_QUALIFICATION = Form(
    "migrant",
    "form_migrant_title",
    IDENTITY_FIELDS + ("household", "parent_work", "school", "point", "form_date"),
    photo=True,
    signature=True,
    declaration="form_migrant_declaration",
    steps=("migrant_step_county",),
)

# The printable forms, by the name a technician types.
FORMS: dict[str, Form] = {
    f.name: f for f in (PROOF_TABLE, REGISTRATION, ADULT_FLOW, MIGRANT_QUALIFICATION)
}


def form_named(name: str) -> Form:
    """The form called `name`; a ValueError listing the names otherwise."""
    try:
        return FORMS[name]
    except KeyError:
        raise ValueError(f"unknown form {name!r}; forms: {', '.join(FORMS)}") from None


def format_date(d: date | None, language: str) -> str:
    """Dates as the card prints them (2008年5月17日; in English 17 May 2008); no end date means
    long-term (长期)."""
    if d is None:
        return text("long_term", language)
    return text("date", language, year=d.year, month=text(f"month_{d.month}", language),
                day=d.day)


def _value(key: str, data: FormData, language: str) -> str | None:
    doc = data.document
    if key == "sequence_number":
        return data.sequence_number
    if key == "sex":
        return text(f"sex_{doc.sex.value}", language)
    if key == "nation":
        return (nation_name(doc.nation, language) or doc.nation) if doc.nation else None
    if key in ("birth_date",):
        return format_date(doc.birth_date, language)
    if key == "id_number":
        return doc.masked_id_number
    if key == "card_type":
        return text(f"card_type_{doc.card_type.value}", language)
    if key == "validity":
        return f"{format_date(doc.valid_from, language)} — {format_date(doc.valid_to, language)}"
    if key == "point":
        return data.point
    if key == "form_date":
        return None if data.on is None else format_date(data.on, language)
    if key in ONLINE_FIELDS:
        return data.online.get(key) or None
    if key in ("name", "english_name", "nationality", "address", "issuer"):
        value = getattr(doc, key)
        return str(value) if value else None
    raise KeyError(key)  # a form naming a field nobody defined is a bug


def rows(form: Form, data: FormData, language: str) -> list[Row]:
    """The form's rows in order, each with its label; fields without a value are left out."""
    out = []
    for key in form.fields:
        value = _value(key, data, language)
        if value is not None:
            out.append(Row(key, text(f"field_{key}", language), value))
    return out

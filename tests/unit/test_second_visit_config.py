"""The second visits as configured: kiosk.toml's `[point]` and `[session] workflows`, and a
central bundle listing the `confirm` and `adult-confirm` steps."""

from __future__ import annotations

from datetime import date

import pytest

from central_api_client.config_bundle import BundleError
from kiosk.central_config import applicable
from kiosk.config import ConfigError, parse_config
from kiosk.core.workflows import BUILT_IN
from kiosk.wiring import session_settings
from tests.unit.test_config_bundle import bundle_from_dict, minimal


def test_a_point_and_its_workflows_reach_the_steps():
    config = parse_config('''
[device]
point = "430102001"
[session]
workflows = ["confirm", "adult-confirm"]
[point]
name = "芙蓉区示例确认点"
designations = ["minor"]
adult_exam_date = "2026-10-24"
''')
    settings = session_settings(config)
    assert list(settings.workflows) == ["confirm", "adult-confirm"]
    step = settings.step
    assert (step.point_code, step.point_name) == ("430102001", "芙蓉区示例确认点")
    assert step.designations == {"minor"} and step.adult_exam_date == date(2026, 10, 24)


@pytest.mark.parametrize(("toml", "words"), [
    ('[point]\ndesignations = ["elderly"]', "point.designations"),
    ('[point]\nadult_exam_date = "24/10/2026"', "point.adult_exam_date"),
    ('[session]\nworkflows = "confirm"', "session.workflows"),
])
def test_a_point_badly_configured_is_refused_naming_the_key(toml, words):
    with pytest.raises(ConfigError, match=words):
        parse_config(toml)


def test_the_bundle_may_list_the_second_visits_steps_but_no_unknown_one():
    workflows = {name: {"steps": list(w.steps)} for name, w in BUILT_IN.items()}
    applicable(bundle_from_dict(minimal(workflows=workflows)))
    bad = {"confirm": {"steps": ["card", "identity", "candidate", "oath", "done"]}}
    with pytest.raises(BundleError, match="oath"):
        applicable(bundle_from_dict(minimal(workflows=bad)))


@pytest.mark.parametrize("steps", [
    ("card", "identity", "candidate", "sign", "print_form", "done"),  # nothing shown
    ("card", "identity", "candidate", "proof", "done"),  # never signed
    ("card", "identity", "proof", "sign", "done"),  # no registration to show
])
def test_a_second_visit_must_find_show_then_sign(steps):
    from kiosk.core.workflows import Workflow, WorkflowError

    with pytest.raises(WorkflowError):
        Workflow("confirm", steps)

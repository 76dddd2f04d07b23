"""The REST API: field errors for bad input, nested windows, the decision endpoints."""

import pytest

from gates.models import Schedule
from tests.conftest import token_client
from tests.factories import (
    AccessRuleFactory,
    GateFactory,
    PersonFactory,
    PersonGroupFactory,
    ScheduleFactory,
    SiteFactory,
    time_window,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(manager):
    return token_client(manager)


def test_schedule_with_windows_round_trips(client):
    created = client.post(
        "/api/schedules/",
        {
            "name": "Nights",
            "windows": [
                {"weekday": 4, "start": "22:00", "end": "06:00", "ends_next_day": True},
                {"weekday": 0, "start": "08:00", "end": "12:00"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    body = client.get(f"/api/schedules/{created.data['id']}/").data
    assert [(w["weekday"], w["start"], w["ends_next_day"]) for w in body["windows"]] == [
        (0, "08:00:00", False),
        (4, "22:00:00", True),
    ]


def test_replacing_windows_is_all_or_nothing(client):
    schedule = ScheduleFactory()
    time_window(schedule, 0, "08:00", "12:00")
    response = client.put(
        f"/api/schedules/{schedule.pk}/",
        {
            "name": schedule.name,
            "windows": [
                {"weekday": 1, "start": "09:00", "end": "10:00"},
                {"weekday": 2, "start": "18:00", "end": "07:00"},  # crosses midnight, not ticked
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "ends next day" in str(response.data["windows"][1]["end"])
    assert [w.weekday for w in Schedule.objects.get(pk=schedule.pk).windows.all()] == [0]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"person": "P", "group": "G", "gate": "T"}, "group", "a person or a group, not both"),
        (
            {
                "person": "P",
                "gate": "T",
                "gate_group": None,
                "valid_from": "2026-02-01",
                "valid_until": "2026-01-01",
            },
            "non_field_errors",
            "must not be before",
        ),
        ({"gate": "T"}, "person", "Choose who this rule is for: a person or a group."),
        ({"person": "P"}, "gate", "Choose where it applies: a gate or a gate group."),
    ],
)
def test_rule_combinations_are_field_errors_not_server_errors(client, payload, field, message):
    """Nothing chosen says what to choose (it said "not both"), on the field concerned."""
    person, group, gate = PersonFactory(), PersonGroupFactory(), GateFactory()
    ids = {"P": person.pk, "G": group.pk, "T": gate.pk}
    body = {
        "name": "Bad",
        **{k: ids.get(v, v) if isinstance(v, str) else v for k, v in payload.items()},
    }
    response = client.post("/api/rules/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.data[field])
    assert "not both" not in str(response.data) or "not both" in message


def test_the_rules_admin_page_says_what_to_choose(client, manager):
    client.force_login(manager)
    page = client.post(
        "/admin/gates/accessrule/add/", {"name": "Bad", "effect": "grant", "is_active": "on"}
    ).content.decode()
    assert "Choose who this rule is for: a person or a group." in page
    assert "Choose where it applies: a gate or a gate group." in page
    assert "not both" not in page


def test_unknown_time_zone_is_a_field_error(client):
    response = client.post(
        "/api/sites/", {"name": "X", "slug": "x", "timezone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 400
    assert "time zone" in str(response.data["timezone"])


def test_duplicate_employee_number_is_a_field_error(client):
    PersonFactory(employee_number="E-1")
    response = client.post(
        "/api/people/",
        {"first_name": "A", "last_name": "B", "employee_number": "E-1"},
        format="json",
    )
    assert response.status_code == 400


def test_people_filter_by_group_and_validity(client):
    staff = PersonGroupFactory()
    ada = PersonFactory(groups=[staff], valid_until="2026-01-31")
    PersonFactory(groups=[staff], valid_from="2026-03-01")
    PersonFactory()
    found = client.get(f"/api/people/?group={staff.pk}&valid_on=2026-01-15").data
    assert [p["id"] for p in found["results"]] == [ada.pk]


def test_decide_endpoint_uses_the_decision_function(client):
    site = SiteFactory(timezone="Europe/Berlin")
    gate = GateFactory(site=site)
    ada = PersonFactory()
    office = ScheduleFactory()
    time_window(office, 0, "08:00", "18:00")
    rule = AccessRuleFactory(person=ada, gate=gate, schedule=office)

    monday_10 = client.post(
        "/api/access/decide/",
        {"person": ada.pk, "gate": gate.pk, "at": "2026-11-23T10:00:00+01:00"},
        format="json",
    ).data
    assert (monday_10["granted"], monday_10["reason"], monday_10["rule"]) == (
        True,
        "granted",
        rule.pk,
    )
    evening = client.post(
        "/api/access/decide/",
        {"person": ada.pk, "gate": gate.pk, "at": "2026-11-23T19:00:00+01:00"},
        format="json",
    ).data
    assert evening["reason"] == "outside_schedule"
    nobody = client.post(
        "/api/access/decide/", {"person": None, "gate": gate.pk}, format="json"
    ).data
    assert nobody["reason"] == "unknown_face"


def test_decide_endpoint_rejects_bad_input(client):
    gate = GateFactory()
    for body in [
        {},
        {"person": 10**30, "gate": gate.pk},
        {"person": None, "gate": gate.pk, "at": "yesterday"},
    ]:
        assert client.post("/api/access/decide/", body, format="json").status_code == 400


def test_who_may_pass_endpoint(client):
    gate = GateFactory()
    ada = PersonFactory(first_name="Ada", last_name="Lovelace")
    AccessRuleFactory(person=ada, gate=gate)
    body = client.get(f"/api/access/gates/{gate.pk}/?at=2026-11-23T10:00:00Z").data
    assert body == [
        {
            "person": ada.pk,
            "name": "Ada Lovelace",
            "decision": {
                "granted": True,
                "reason": "granted",
                "message": "Access granted.",
                "rule": ada.access_rules.get().pk,
            },
        }
    ]
    assert client.get("/api/access/gates/999999/").status_code == 404


def test_token_is_issued_for_valid_credentials(api, manager):
    response = api.post(
        "/api/auth/token/", {"username": "manager", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert api.get("/api/people/").status_code == 200
    assert (
        api.post("/api/auth/token/", {"username": "manager", "password": "wrong"}).status_code
        == 400
    )


def test_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/access/decide/" in schema.json()["paths"]
    assert api.get("/api/docs/").status_code == 200


def test_overlapping_windows_are_refused_with_both_named(client):
    response = client.post(
        "/api/schedules/",
        {
            "name": "Clash",
            "windows": [
                {"weekday": 6, "start": "22:00", "end": "06:00", "ends_next_day": True},
                {"weekday": 0, "start": "05:00", "end": "09:00"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "Sunday 22:00–06:00 (+1 day) overlaps Monday 05:00–09:00" in str(
        response.data["windows"]
    )
    assert not Schedule.objects.filter(name="Clash").exists()


def test_token_requests_are_limited_per_client_address(api, manager, settings):
    """GIVEN someone guessing the manager's password through the API THEN after the token rate
    they are told to wait, and the right password does not get through meanwhile."""
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"].split("/")[0])
    answers = [
        api.post("/api/auth/token/", {"username": "manager", "password": f"guess {n}"})
        for n in range(rate)
    ]
    assert {a.status_code for a in answers} == {400}
    right = api.post(
        "/api/auth/token/", {"username": "manager", "password": "correct horse battery"}
    )
    assert right.status_code == 429 and int(right["Retry-After"]) > 0

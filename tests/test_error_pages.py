"""Not allowed (403) and not found (404) are pages in the admin's look that say what happened
and lead home; the API keeps its JSON answers."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_page_outside_the_role_says_so_with_the_way_home(client, auditor):
    client.force_login(auditor)
    page = client.get("/people/visits/new")
    html = page.content.decode()
    assert page.status_code == 403
    assert "Your role does not include this page (you are: Auditors)" in html
    assert 'href="/admin/"' in html and "AccessPortal" in html  # the admin's header, a way home
    assert "<h1>403 Forbidden</h1>" not in html


def test_a_missing_page_says_so(client, auditor):
    client.force_login(auditor)
    page = client.get("/people/visits/999999/")
    assert page.status_code == 404
    assert "There is no page at /people/visits/999999/" in page.content.decode()


def test_the_api_keeps_its_json(client, auditor):
    client.force_login(auditor)
    answer = client.post("/api/people/", {})
    assert answer.status_code == 403 and answer["Content-Type"].startswith("application/json")
    assert client.get("/api/no-such-thing/").json()


def test_signing_out_says_so_plainly_and_the_favicon_is_there(client, auditor):
    client.force_login(auditor)
    page = client.post("/admin/logout/", follow=True).content.decode()
    assert "You are signed out." in page and "quality time" not in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 302 and icon["Location"].endswith("favicon.svg")


@pytest.mark.django_db
def test_a_mistyped_object_address_is_not_a_server_error(client, manager):
    """/admin/people/person/1/typo/ is the admin's "no such object", not a 500."""
    from tests.factories import PersonFactory

    person = PersonFactory()
    client.force_login(manager)
    for path in (f"/admin/people/person/{person.pk}/typo/", "/admin/gates/gate/abc/change/"):
        answer = client.get(path, follow=True)
        assert answer.status_code == 200, path  # back at the list, with Django's message

"""What the server logs about ordinary refusals: one line each, no traceback."""

import pytest

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_refused_or_missing_page_is_one_log_line_without_a_traceback(client, caplog):
    person = PersonFactory()
    with caplog.at_level("WARNING", logger="django.request"):
        for _ in range(20):
            assert client.get(f"/people/{person.pk}/photo").status_code == 403
        assert client.get("/people/999999/photo").status_code in (403, 404)
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 21
    assert all(r.exc_info is None and r.levelname == "WARNING" for r in records)
    assert "Forbidden" in records[0].getMessage()

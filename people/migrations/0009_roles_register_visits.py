"""Managers and the security desk (reception) register visitors; every role reads visits."""

from django.db import migrations

from gates.roles import role_permissions_operation


class Migration(migrations.Migration):
    dependencies = [("people", "0008_visits")]

    operations = [
        role_permissions_operation(
            "people",
            {
                "Managers": ["add_visit", "change_visit", "view_visit"],
                "Security desk": ["add_visit", "change_visit", "view_visit"],
                "Auditors": ["view_visit"],
            },
        )
    ]

"""Kiosks and access events in the roles: managers set kiosks up and revoke them; auditors and
the security desk see kiosks (online or not) and the access events; nobody edits an event."""

from django.db import migrations

from gates.roles import role_permissions_operation

VIEW = ["view_kiosk", "view_accessevent"]


class Migration(migrations.Migration):
    dependencies = [("recognition", "0004_kiosks_and_access_events")]

    operations = [
        role_permissions_operation(
            "recognition",
            {
                "Managers": ["add_kiosk", "change_kiosk", "delete_kiosk", *VIEW],
                "Auditors": VIEW,
                "Security desk": VIEW,
            },
        )
    ]

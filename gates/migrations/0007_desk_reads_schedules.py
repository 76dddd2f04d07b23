"""The security desk reads schedules and holidays (the week editor shows them read-only)."""

from django.db import migrations

from gates.roles import role_permissions_operation


class Migration(migrations.Migration):
    dependencies = [("gates", "0006_face_snapshots")]

    operations = [
        role_permissions_operation(
            "gates",
            {
                "Security desk": [
                    "view_schedule",
                    "view_timewindow",
                    "view_holidaycalendar",
                    "view_holiday",
                    "view_holidaywindow",
                ]
            },
        )
    ]

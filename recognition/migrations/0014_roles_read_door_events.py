"""Every role reads the door events, as it reads the access events."""

from django.db import migrations

from gates.roles import role_permissions_operation


class Migration(migrations.Migration):
    dependencies = [("recognition", "0013_door_states"), ("gates", "0016_operators_operate_doors")]

    operations = [
        role_permissions_operation(
            "recognition",
            {
                "Managers": ["view_doorevent"],
                "Auditors": ["view_doorevent"],
                "Security desk": ["view_doorevent"],
            },
        )
    ]

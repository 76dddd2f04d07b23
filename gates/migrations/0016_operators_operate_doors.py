"""Managers and the security desk unlock, lock and lock down doors from the status page."""

from django.db import migrations

from gates.roles import role_permissions_operation


class Migration(migrations.Migration):
    dependencies = [("gates", "0015_door_states")]

    operations = [
        role_permissions_operation(
            "gates", {"Managers": ["operate_door"], "Security desk": ["operate_door"]}
        )
    ]

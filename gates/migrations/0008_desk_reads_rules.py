"""The security desk reads access rules and gate groups (the access overview and matrix)."""

from django.db import migrations

from gates.roles import role_permissions_operation


class Migration(migrations.Migration):
    dependencies = [("gates", "0007_desk_reads_schedules")]

    operations = [
        role_permissions_operation(
            "gates", {"Security desk": ["view_accessrule", "view_gategroup"]}
        )
    ]

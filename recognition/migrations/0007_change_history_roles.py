"""The change history in the roles: managers and auditors read it; nobody edits it."""

from django.db import migrations

from gates.roles import role_permissions_operation


class Migration(migrations.Migration):
    dependencies = [
        ("recognition", "0006_access_log_chain"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        role_permissions_operation(
            "auditlog", {"Managers": ["view_logentry"], "Auditors": ["view_logentry"]}
        )
    ]

"""Face photos in the roles: managers enrol and delete them, auditors see them, the security
desk does not (biometric data is the most sensitive data we hold)."""

from django.db import migrations

from gates.roles import role_permissions_operation


class Migration(migrations.Migration):
    dependencies = [("recognition", "0001_initial"), ("gates", "0002_roles")]

    operations = [
        role_permissions_operation(
            "recognition",
            {
                "Managers": ["add_facephoto", "view_facephoto", "delete_facephoto"],
                "Auditors": ["view_facephoto"],
            },
        )
    ]

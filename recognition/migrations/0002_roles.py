"""Face photos in the roles: managers enrol and delete them, auditors see them, the security
desk does not (biometric data is the most sensitive data we hold)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Managers": ["add_facephoto", "view_facephoto", "delete_facephoto"],
    "Auditors": ["view_facephoto"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="recognition", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="recognition", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [("recognition", "0001_initial"), ("gates", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]

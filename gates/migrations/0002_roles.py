"""The three operator roles as Django groups, with their permissions as of this migration.

Later migrations that add models extend these groups; this list stays as it was.
Permissions are normally created after all migrations run; they are created here first so
that a fresh database gets the roles in one ``migrate``.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = [
    ("people", "person"),
    ("people", "persongroup"),
    ("gates", "site"),
    ("gates", "gate"),
    ("gates", "gategroup"),
    ("gates", "schedule"),
    ("gates", "timewindow"),
    ("gates", "holidaycalendar"),
    ("gates", "holiday"),
    ("gates", "holidaywindow"),
    ("gates", "accessrule"),
]
DESK_READABLE = [
    ("people", "person"),
    ("people", "persongroup"),
    ("gates", "site"),
    ("gates", "gate"),
]
CHECK_ACCESS = ("gates", "check_access")

ROLES = {
    "Managers": [
        f"{a}.{action}_{m}" for a, m in EDITABLE for action in ("add", "change", "delete", "view")
    ]
    + ["gates.check_access"],
    "Auditors": [f"{a}.view_{m}" for a, m in EDITABLE] + ["gates.check_access"],
    "Security desk": [f"{a}.view_{m}" for a, m in DESK_READABLE] + ["gates.check_access"],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("gates", "0001_initial"),
        ("people", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

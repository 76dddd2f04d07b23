"""The operator roles, by the names of the Django groups a migration creates."""

MANAGERS = "Managers"
AUDITORS = "Auditors"
SECURITY_DESK = "Security desk"
ALL = (MANAGERS, AUDITORS, SECURITY_DESK)


def role_permissions_operation(app_label: str, role_codenames: dict[str, list[str]]):
    """A migration operation that adds ``app_label`` permissions to the role groups (and
    removes them when reversed). Permissions are created first, so one ``migrate`` suffices."""
    from django.contrib.auth.management import create_permissions
    from django.db import migrations

    def permissions(apps, role):
        Permission = apps.get_model("auth", "Permission")
        return Permission.objects.filter(
            content_type__app_label=app_label, codename__in=role_codenames[role]
        )

    def grant(apps, schema_editor):
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
        Group = apps.get_model("auth", "Group")
        for role in role_codenames:
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.add(*permissions(apps, role))

    def revoke(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        for group in Group.objects.filter(name__in=role_codenames):  # a role deleted: nothing
            group.permissions.remove(*permissions(apps, group.name))

    return migrations.RunPython(grant, revoke)

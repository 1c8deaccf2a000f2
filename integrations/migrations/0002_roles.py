"""Creates the three portal roles as groups, with the model permissions each needs."""

from django.db import migrations

VIEW_ALL = [
    ("integrations", ["connection", "integrationpair", "flow", "syncrun", "recordlink", "recordoutcome", "webhookevent"]),
    ("mappings", ["mappingset", "fieldrule", "valuemap", "valuemapentry", "dimensionrule"]),
    ("monitoring", ["exceptionitem", "exceptionaction", "auditevent", "alertrule", "alert"]),
]
ACCOUNTANT_CHANGE = [
    ("mappings", ["mappingset", "fieldrule", "valuemap", "valuemapentry", "dimensionrule"]),
    ("monitoring", ["exceptionitem", "exceptionaction"]),
]
ADMIN_CHANGE = [
    ("integrations", ["connection", "integrationpair", "flow", "syncrun", "webhookevent"]),
    ("monitoring", ["alertrule", "alert"]),
]


def _perms(Permission, spec, actions):
    for app_label, models in spec:
        for model in models:
            for action in actions:
                yield from Permission.objects.filter(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    viewer, _ = Group.objects.get_or_create(name="Viewer")
    accountant, _ = Group.objects.get_or_create(name="Accountant")
    admin, _ = Group.objects.get_or_create(name="Integration admin")
    view = list(_perms(Permission, VIEW_ALL, ["view"]))
    accountant_perms = view + list(_perms(Permission, ACCOUNTANT_CHANGE, ["add", "change", "delete"]))
    admin_perms = accountant_perms + list(_perms(Permission, ADMIN_CHANGE, ["add", "change", "delete"]))
    viewer.permissions.set(view)
    accountant.permissions.set(accountant_perms)
    admin.permissions.set(admin_perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Viewer", "Accountant", "Integration admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("mappings", "0001_initial"),
        ("monitoring", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

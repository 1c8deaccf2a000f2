"""Alert webhook URLs (Slack/Teams bearer secrets) move from a plain column to an encrypted one."""

from django.db import migrations, models


def encrypt_urls(apps, schema_editor):
    from integrations.credentials import encrypt_credentials

    AlertRule = apps.get_model("monitoring", "AlertRule")
    for rule in AlertRule.objects.exclude(webhook_url=""):
        rule.webhook_url_encrypted = encrypt_credentials({"url": rule.webhook_url})
        rule.save(update_fields=["webhook_url_encrypted"])


def decrypt_urls(apps, schema_editor):
    from integrations.credentials import decrypt_credentials

    AlertRule = apps.get_model("monitoring", "AlertRule")
    for rule in AlertRule.objects.exclude(webhook_url_encrypted=""):
        rule.webhook_url = decrypt_credentials(rule.webhook_url_encrypted).get("url", "")
        rule.save(update_fields=["webhook_url"])


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0006_exception_business_context")]

    operations = [
        migrations.AddField(
            model_name="alertrule",
            name="webhook_url_encrypted",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(encrypt_urls, decrypt_urls),
        migrations.RemoveField(model_name="alertrule", name="webhook_url"),
    ]

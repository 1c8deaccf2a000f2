from django.contrib import admin

from integrations.models import Connection, IntegrationPair


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    """Credentials are never shown here; they are entered on the portal's connection pages."""

    list_display = ("name", "system", "base_url", "company", "rate_limit_per_minute", "last_test_ok", "last_tested_at")
    list_filter = ("system", "last_test_ok")
    search_fields = ("name", "base_url", "company")
    exclude = ("credentials_encrypted",)
    readonly_fields = ("last_tested_at", "last_test_ok", "last_test_message", "created_at", "updated_at")


@admin.register(IntegrationPair)
class IntegrationPairAdmin(admin.ModelAdmin):
    list_display = ("name", "kashflow", "dynamics_ax", "created_at")
    search_fields = ("name",)
    list_select_related = ("kashflow", "dynamics_ax")

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations.sandbox import models


@admin.register(models.KashFlowAccount)
class KashFlowAccountAdmin(admin.ModelAdmin):
    list_display = ["username", "rate_limit_per_minute", "session_ttl_seconds"]


@admin.register(models.KashFlowRecord)
class KashFlowRecordAdmin(admin.ModelAdmin):
    list_display = ["entity", "key", "parent_key", "modified_at"]
    list_filter = ["entity", "account"]
    search_fields = ["key", "parent_key"]
    list_select_related = ["account"]


@admin.register(models.AxCompany)
class AxCompanyAdmin(admin.ModelAdmin):
    list_display = ["data_area_id", "name"]


@admin.register(models.AxRecord)
class AxRecordAdmin(admin.ModelAdmin):
    list_display = ["company", "entity", "key", "rec_version", "modified_at"]
    list_filter = ["entity"]
    search_fields = ["key"]


@admin.register(models.AxMessage)
class AxMessageAdmin(admin.ModelAdmin):
    list_display = ["message_id", "service", "operation", "succeeded", "received_at"]
    list_filter = ["service", "operation", "succeeded"]
    search_fields = ["message_id"]


@admin.register(models.FaultRule)
class FaultRuleAdmin(admin.ModelAdmin):
    list_display = ["system", "operation", "kind", "probability", "remaining", "latency_ms", "hits", "active"]
    list_filter = ["system", "kind", "active"]
    list_editable = ["active"]
    actions = ["deactivate"]

    @admin.action(description="Deactivate the selected fault rules")
    def deactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(active=False)
        self.message_user(request, f"{count} fault rule(s) deactivated.", messages.SUCCESS)


admin.site.register(models.KashFlowSession)

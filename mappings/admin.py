from django.contrib import admin

from mappings.models import DimensionRule, FieldRule, MappingSet, ValueMap, ValueMapEntry


class FieldRuleInline(admin.TabularInline):
    model = FieldRule
    extra = 0


class DimensionRuleInline(admin.TabularInline):
    model = DimensionRule
    extra = 0


@admin.register(MappingSet)
class MappingSetAdmin(admin.ModelAdmin):
    """Read-mostly: mappings are edited in the designer, which keeps versions and the audit trail."""

    list_display = ["name", "key", "version", "status", "source_system", "target_system", "published_at"]
    list_filter = ["status", "source_system", "target_system"]
    search_fields = ["key", "name"]
    inlines = [FieldRuleInline, DimensionRuleInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ValueMapEntryInline(admin.TabularInline):
    model = ValueMapEntry
    extra = 0


@admin.register(ValueMap)
class ValueMapAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "mapping_set"]
    list_filter = ["kind"]
    inlines = [ValueMapEntryInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

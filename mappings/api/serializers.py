from __future__ import annotations

from rest_framework import serializers

from mappings.models import DimensionRule, FieldRule, MappingSet, ValueMap, ValueMapEntry


class FieldRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = FieldRule
        fields = ["target_path", "source_kind", "source", "transforms", "default", "notes"]


class ValueMapEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ValueMapEntry
        fields = ["id", "source_value", "source_to", "target_value"]


class ValueMapSerializer(serializers.ModelSerializer):
    entries = ValueMapEntrySerializer(many=True, read_only=True)

    class Meta:
        model = ValueMap
        fields = ["name", "kind", "default_value", "entries"]


class DimensionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = DimensionRule
        fields = ["id", "name", "position", "level", "conditions", "dimensions", "stop"]


class MappingSetSerializer(serializers.ModelSerializer):
    published_by = serializers.StringRelatedField()
    created_by = serializers.StringRelatedField()

    class Meta:
        model = MappingSet
        fields = [
            "id",
            "key",
            "name",
            "version",
            "status",
            "source_system",
            "source_entity",
            "target_system",
            "target_entity",
            "options",
            "notes",
            "based_on",
            "created_by",
            "created_at",
            "published_by",
            "published_at",
        ]
        read_only_fields = fields


class MappingSetDetailSerializer(MappingSetSerializer):
    rules = FieldRuleSerializer(many=True, read_only=True)
    value_maps = ValueMapSerializer(many=True, read_only=True)
    dimension_rules = DimensionRuleSerializer(many=True, read_only=True)

    class Meta(MappingSetSerializer.Meta):
        fields = [*MappingSetSerializer.Meta.fields, "rules", "value_maps", "dimension_rules"]
        read_only_fields = fields


class RuleInputSerializer(serializers.Serializer):
    target_path = serializers.CharField(max_length=200)
    source_kind = serializers.ChoiceField(choices=FieldRule.SourceKind.choices, default="path")
    source = serializers.CharField(allow_blank=True, default="")
    transforms = serializers.ListField(child=serializers.DictField(), default=list)
    default = serializers.JSONField(required=False, allow_null=True, default=None)


class ValueMapEntryInputSerializer(serializers.Serializer):
    value_map = serializers.CharField(max_length=60)
    source_value = serializers.CharField(max_length=100)
    source_to = serializers.CharField(max_length=100, allow_blank=True, default="")
    target_value = serializers.CharField(max_length=100)


class RestoreInputSerializer(serializers.Serializer):
    publish = serializers.BooleanField(default=False)

"""The flow settings form (the flow page's configuration card)."""

from __future__ import annotations

from django import forms

from integrations.models import Flow
from integrations.models.flows import Trigger
from mappings.models import MappingSet


class FlowSettingsForm(forms.ModelForm):
    class Meta:
        model = Flow
        fields = ["trigger", "schedule_minutes", "mapping_set", "batch_size", "batched_writes", "enabled"]
        help_texts = {
            "schedule_minutes": "For scheduled and polling flows: minutes between runs.",
            "mapping_set": "Runs use the published version of this mapping.",
            "batch_size": "Records written per batch when the flow uses batched writes.",
            "batched_writes": "Write new AX documents in batches (switched on by itself after repeated AX time-outs).",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        flow = self.instance
        published = MappingSet.objects.filter(
            status=MappingSet.Status.PUBLISHED, source_system=flow.source_system, target_system=flow.target_system
        )
        self.fields["mapping_set"].queryset = published
        self.fields["mapping_set"].required = False
        self.fields["batch_size"].min_value = 1
        self.fields["batch_size"].max_value = 1000

    def clean(self) -> dict:
        data = super().clean()
        trigger = data.get("trigger")
        minutes = data.get("schedule_minutes")
        if trigger in (Trigger.SCHEDULE, Trigger.POLLING) and not minutes:
            self.add_error("schedule_minutes", "A scheduled or polling flow needs the minutes between runs.")
        if minutes is not None and not 1 <= minutes <= 10080:
            self.add_error("schedule_minutes", "Between 1 minute and a week (10080).")
        batch = data.get("batch_size")
        if batch is not None and not 1 <= batch <= 1000:
            self.add_error("batch_size", "Between 1 and 1000.")
        return data


class RunForm(forms.Form):
    full = forms.BooleanField(required=False, help_text="Read every record, not only those changed.")
    dry_run = forms.BooleanField(required=False, help_text="Map and validate without writing.")

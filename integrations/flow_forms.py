"""The flow settings form (the flow page's configuration card)."""

from __future__ import annotations

from typing import Any

from django import forms

from integrations.models import Flow
from integrations.models.flows import Trigger
from integrations.sync.verify import switch_refusal
from mappings.models import MappingSet
from mappings.selectors import TEMPLATE_KEYS, mappings_for_flow, versions_for_flow


class MappingChoiceField(forms.ModelChoiceField):
    """Offers the published version of each mapping of the flow's entity and direction, and reads any version of
    those mappings (a flow row may still point at an archived one) as its mapping's published version: a flow
    follows its mapping's key, never one frozen version."""

    def __init__(self, *args: Any, versions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = versions

    def label_from_instance(self, obj: MappingSet) -> str:
        return f"{obj.name} (v{obj.version}, published)"

    def to_python(self, value: Any) -> MappingSet | None:
        if value in self.empty_values:
            return None
        try:
            chosen = self.versions.get(pk=value)
        except (ValueError, TypeError, MappingSet.DoesNotExist):
            raise forms.ValidationError(
                "Choose a mapping of this flow's records and direction.", code="invalid_choice"
            ) from None
        return self.queryset.filter(key=chosen.key).first() or chosen

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


class FlowSettingsForm(forms.ModelForm):
    class Meta:
        model = Flow
        fields = ["trigger", "schedule_minutes", "mapping_set", "batch_size", "batched_writes", "enabled"]
        field_classes = {"mapping_set": MappingChoiceField}
        labels = {"mapping_set": "Mapping"}
        help_texts = {
            "schedule_minutes": "For scheduled and polling flows: minutes between runs.",
            "mapping_set": "Runs always use this mapping's published version, also after later publishes.",
            "batch_size": "Records written per batch when the flow uses batched writes.",
            "batched_writes": "Write new AX documents in batches (switched on by itself after repeated AX time-outs).",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        flow = self.instance
        field = self.fields["mapping_set"]
        field.queryset = mappings_for_flow(flow.source_system, flow.target_system, flow.entity)
        field.versions = versions_for_flow(flow.source_system, flow.target_system, flow.entity)
        field.required = False
        if flow.pk and flow.mapping_set_id:
            running = flow.published_mapping_set()
            self.initial["mapping_set"] = running.pk if running else flow.mapping_set_id
            if running is not None:
                field.empty_label = None  # nothing to pick that would unlink it
        self.fields["batch_size"].min_value = 1
        self.fields["batch_size"].max_value = 1000
        documents = flow.spec.documents if flow.entity and flow.direction else ()
        if documents:
            # A flow that can post more than one AX document (purchase invoices: general journal or, from AX 2012
            # R2, vendor invoice) posts the one its mapping targets; this choice switches the mapping with it.
            self.fields["ax_document"] = forms.ChoiceField(
                label="AX document",
                choices=documents,
                initial=flow.spec.target_entity,
                help_text="What the flow posts in AX. Changing it switches the mapping to the published mapping of "
                "that document (its starter unless you choose another of that document). A flow that has already "
                "posted records to AX keeps its document.",
            )
            self.order_fields(["ax_document", *self.Meta.fields])

    def clean_mapping_set(self) -> MappingSet | None:
        chosen = self.cleaned_data.get("mapping_set")
        if chosen is None and self.instance.pk:
            # Leaving the choice blank keeps the mapping: a settings save never unlinks it.
            current = self.instance.mapping_set
            if current is not None:
                return self.fields["mapping_set"].queryset.filter(key=current.key).first() or current
        return chosen

    def clean(self) -> dict:
        data = super().clean()
        if "ax_document" in self.fields:
            self._follow_document(data)
        self._keep_linked_document(data)
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

    def _follow_document(self, data: dict) -> None:
        """The mapping must post the chosen AX document: keep a chosen mapping of that document, else take the
        published mapping of it (the starter first); a mapping chosen together with another document is refused."""
        document = data.get("ax_document")
        chosen = data.get("mapping_set")
        if not document or (chosen is not None and chosen.target_entity == document):
            return
        current = self.instance.mapping_set if self.instance.pk else None
        if chosen is not None and (current is None or chosen.key != current.key):
            self.add_error("mapping_set", f"{chosen.name} does not post the chosen AX document: choose one that does.")
            return
        candidates = self.fields["mapping_set"].queryset.filter(target_entity=document)
        starter = TEMPLATE_KEYS.get((document, self.instance.direction), "")
        found = candidates.filter(key=starter).first() or candidates.order_by("key").first()
        if found is None:
            self.add_error("ax_document", "No published mapping posts this document yet: publish one first.")
            return
        data["mapping_set"] = found

    def _keep_linked_document(self, data: dict) -> None:
        """A flow whose records are linked to AX documents of one kind keeps posting that kind (``verify``)."""
        chosen = data.get("mapping_set")
        if not self.instance.pk or chosen is None:
            return
        refusal = switch_refusal(self.instance, chosen.target_entity)
        if refusal:
            self.add_error("ax_document" if "ax_document" in self.fields else "mapping_set", refusal)


class RunForm(forms.Form):
    full = forms.BooleanField(required=False, help_text="Read every record, not only those changed.")
    dry_run = forms.BooleanField(required=False, help_text="Map and validate without writing.")

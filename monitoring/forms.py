from __future__ import annotations

from django import forms
from django.core.validators import validate_email

from monitoring.models import AlertRule


class IgnoreForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why: a reason is required.")
        return reason


class EditForm(forms.Form):
    document = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))
    payload = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("document") or "").strip() and not (data.get("payload") or "").strip():
            raise forms.ValidationError("Edit the mapped document or the source payload.")
        return data


class FixForm(forms.Form):
    target_value = forms.CharField(max_length=100)


class BulkForm(forms.Form):
    ACTIONS = (("retry", "Retry"), ("ignore", "Ignore"))
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.CharField(required=False)  # comma-separated, or repeated "ids" fields read separately
    cause = forms.CharField(required=False, max_length=64)
    reason = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == "ignore" and not (data.get("reason") or "").strip():
            raise forms.ValidationError("Say why these exceptions are ignored: a reason is required.")
        return data


class AlertRuleForm(forms.ModelForm):
    # Write-only, like a connection's secrets: never rendered back; blank keeps the stored URL.
    webhook_url = forms.URLField(
        required=False,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Slack, Teams or any receiver of JSON with a text field.",
    )
    remove_webhook = forms.BooleanField(required=False, label="Remove the stored webhook URL")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.has_webhook:
            self.fields["webhook_url"].help_text = (
                f"Stored: {self.instance.masked_webhook_url}. Leave blank to keep it. "
                + self.fields["webhook_url"].help_text
            )
        else:
            del self.fields["remove_webhook"]

    def clean_webhook_url(self) -> str:
        url = (self.cleaned_data.get("webhook_url") or "").strip()
        if url:
            from integrations.destinations import UnsafeDestination, check_destination

            try:
                check_destination(url)
            except UnsafeDestination as exc:
                raise forms.ValidationError(str(exc)) from None
        return url

    def save(self, commit: bool = True) -> AlertRule:
        rule = super().save(commit=False)
        if self.cleaned_data.get("remove_webhook"):
            rule.webhook_url = ""
        if self.cleaned_data.get("webhook_url"):
            rule.webhook_url = self.cleaned_data["webhook_url"]
        if commit:
            rule.save()
        return rule

    class Meta:
        model = AlertRule
        fields = [
            "name",
            "kind",
            "flow",
            "threshold",
            "window_minutes",
            "emails",
            "webhook_url",
            "throttle_minutes",
            "enabled",
        ]
        widgets = {"emails": forms.TextInput(attrs={"placeholder": "ops@example.com, finance@example.com"})}
        help_texts = {
            "threshold": "Exceptions over N: the N. Reconciliation: fire from this many unexplained differences.",
            "window_minutes": "Exceptions in M minutes.",
            "throttle_minutes": "A new incident within this many minutes of the last notice waits.",
        }

    def clean_emails(self) -> str:
        raw = self.cleaned_data.get("emails", "")
        addresses = [e.strip() for e in raw.replace(";", ",").split(",") if e.strip()]
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                raise forms.ValidationError(f"{address!r} is not an email address.")
        return ", ".join(addresses)

    def clean(self) -> dict:
        data = super().clean()
        keeps_webhook = self.instance.pk and self.instance.has_webhook and not data.get("remove_webhook")
        if not data.get("emails") and not data.get("webhook_url") and not keeps_webhook:
            raise forms.ValidationError("Give at least one email address or a webhook URL, or nobody will hear of it.")
        return data

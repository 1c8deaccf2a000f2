"""Forms for connections and integration pairs. Secret fields are write-only: never given an initial value."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from integrations.models import Connection
from integrations.models.connections import System
from integrations.services.connections import config_fields, secrets_set, validate_base_url

CONFIG_PREFIX = "config_"


class SystemChoiceForm(forms.Form):
    system = forms.ChoiceField(choices=System.choices)


class ConnectionForm(forms.Form):
    """One form for both systems: the connector's config fields are added for the chosen system."""

    name = forms.CharField(max_length=100)
    base_url = forms.CharField(
        max_length=300, label="Base URL", widget=forms.URLInput(attrs={"placeholder": "https://"})
    )
    company = forms.CharField(max_length=10, required=False, label="AX company", help_text="DataAreaId, e.g. DAT")
    rate_limit_per_minute = forms.IntegerField(
        min_value=1,
        max_value=100_000,
        required=False,
        label="Rate limit (requests per minute)",
        help_text="Blank: no limit of our own.",
    )
    timeout_seconds = forms.FloatField(min_value=1, max_value=600, initial=30.0, label="Time-out (seconds)")
    allow_insecure_http = forms.BooleanField(
        required=False,
        label="Allow insecure http",
        help_text="Send the credentials over plain http:// to a host other than this machine. Recorded in the audit "
        "trail; use only on a network you trust.",
    )

    def clean_base_url(self) -> str:
        try:
            return validate_base_url(self.cleaned_data["base_url"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["base_url"]) from None

    def __init__(self, *args, system: str, instance: Connection | None = None, **kwargs) -> None:
        self.system = system
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "base_url": instance.base_url,
                "company": instance.company,
                "rate_limit_per_minute": instance.rate_limit_per_minute,
                "timeout_seconds": instance.timeout_seconds,
                "allow_insecure_http": instance.allow_insecure_http,
                **{CONFIG_PREFIX + k: v for k, v in (instance.settings or {}).items()},
            }
        super().__init__(*args, **kwargs)
        if system != System.DYNAMICS_AX:
            del self.fields["company"]
        else:
            self.fields["company"].required = True
        already_set = secrets_set(instance) if instance is not None else set()
        self.secret_fields: list[str] = []
        for spec in config_fields(system):
            name = CONFIG_PREFIX + spec.name
            if spec.secret:
                is_set = spec.name in already_set
                self.fields[name] = forms.CharField(
                    label=spec.label,
                    required=spec.required and not is_set,
                    strip=False,
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                    help_text=("Leave blank to keep the stored value. " if is_set else "") + spec.help_text,
                )
                self.fields[name].is_set = is_set
                self.secret_fields.append(name)
            elif spec.choices:
                self.fields[name] = forms.ChoiceField(
                    label=spec.label, required=spec.required, choices=spec.choices, help_text=spec.help_text
                )
            else:
                self.fields[name] = forms.CharField(label=spec.label, required=spec.required, help_text=spec.help_text)

    def service_kwargs(self) -> dict:
        """The cleaned data as keyword arguments of create_connection / update_connection."""
        data = self.cleaned_data
        settings: dict[str, str] = {}
        credentials: dict[str, str] = {}
        for spec in config_fields(self.system):
            value = data.get(CONFIG_PREFIX + spec.name) or ""
            (credentials if spec.secret else settings)[spec.name] = value
        return {
            "name": data["name"],
            "base_url": data["base_url"],
            "company": data.get("company", "") or "",
            "rate_limit_per_minute": data.get("rate_limit_per_minute"),
            "timeout_seconds": data["timeout_seconds"],
            "allow_insecure_http": bool(data.get("allow_insecure_http")),
            "settings": settings,
            "credentials": credentials,
        }

    def add_service_error(self, error) -> None:
        """Show a ValidationError from the service on the matching field, or on the form."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class PairForm(forms.Form):
    name = forms.CharField(max_length=100)
    kashflow = forms.ModelChoiceField(
        queryset=Connection.objects.filter(system=System.KASHFLOW), label="KashFlow connection"
    )
    dynamics_ax = forms.ModelChoiceField(
        queryset=Connection.objects.filter(system=System.DYNAMICS_AX), label="Dynamics AX connection"
    )

    def add_service_error(self, error) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)

from django import forms

from mappings.banking.models import BankMatchRule


class BankMatchRuleForm(forms.ModelForm):
    class Meta:
        model = BankMatchRule
        fields = (
            "position",
            "name",
            "active",
            "bank_account_id",
            "direction",
            "transaction_type",
            "comment_contains",
            "counter_account_type",
            "counter_account",
        )

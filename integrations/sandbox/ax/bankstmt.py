"""AX 2012 R2 bank statements (BankStmtService / AxdBankStmt) in the simulator: the bank accounts and their rules.

What the archive confirms (standard-document-services.md): BankStmtService imports bank statements, operations
C, R, D, F, GK, GCK, and "You must select the Advanced bank reconciliation option on the Bank account form to
import bank statements". Everything else here is inferred and kept apart from the shared rules: the bank account
record (BankAccountTable: AccountID, Name, CurrencyCode, LedgerDimension, AdvancedBankReconciliation), the refusal
texts (worded like AX's other relation and duplicate texts), a statement in its bank account's currency, and
lines dated inside the statement's period.
"""

from __future__ import annotations

from integrations.sandbox.ax.soap import FaultEntry
from integrations.sandbox.models import AxCompany, AxRecord

BANK_ACCOUNT = "BankAccountTable"
STATEMENT = "BankStmtISOAccountStatement"

# The demo company's AX bank accounts: (AccountID, Name, CurrencyCode, main account, advanced bank reconciliation).
# The demo names each bank account after its main account, as some sites do (AccountID is free text in AX).
DEMO_BANK_ACCOUNTS = (
    ("110110", "Business current account", "GBP", "110110", True),
    ("110120", "Euro account", "EUR", "110120", True),
)


def demo_records() -> list[tuple[str, str, dict]]:
    """(entity, key, data) of the demo's AX bank accounts, for the demo seeding."""
    return [
        (
            BANK_ACCOUNT,
            account_id,
            {
                "AccountID": account_id,
                "Name": name,
                "CurrencyCode": currency,
                "LedgerDimension": main_account,
                "AdvancedBankReconciliation": "Yes" if advanced else "No",
            },
        )
        for account_id, name, currency, main_account, advanced in DEMO_BANK_ACCOUNTS
    ]


def statement_rules(company: AxCompany, record: dict, xpath: str, *, is_create: bool) -> list[FaultEntry]:
    errors: list[FaultEntry] = []
    account_id = str(record.get("BankAccountTable") or "")
    account = AxRecord.objects.filter(company=company, entity=BANK_ACCOUNT, key=account_id).first()
    if account_id and account is None:
        errors.append(
            FaultEntry(
                f"The value '{account_id}' in field 'Bank account' is not found in the relating table 'Bank accounts'.",
                code="InvalidReference",
                field="BankAccountTable",
                xpath=f"{xpath}/BankAccountTable",
            )
        )
    if account is not None and account.data.get("AdvancedBankReconciliation") != "Yes":
        errors.append(
            FaultEntry(
                f"Bank statements cannot be imported for bank account {account_id}: the Advanced bank "
                "reconciliation option is not selected on the Bank account form.",
                code="AdvancedBankReconciliationOff",
                field="BankAccountTable",
                xpath=f"{xpath}/BankAccountTable",
            )
        )
    currency = str(record.get("Currency") or "")
    if account is not None and currency and currency != account.data.get("CurrencyCode"):
        errors.append(
            FaultEntry(
                f"The statement currency {currency} differs from the currency "
                f"{account.data.get('CurrencyCode')} of bank account {account_id}.",
                code="CurrencyMismatch",
                field="Currency",
                xpath=f"{xpath}/Currency",
            )
        )
    start, end = str(record.get("FromDateTime") or ""), str(record.get("ToDateTime") or "")
    for i, line in enumerate(record.get("BankStmtISOReportEntry") or [], start=1):
        booked = str(line.get("BookingDateTime") or "")[:10]
        if booked and start and end and not (start[:10] <= booked <= end[:10]):
            errors.append(
                FaultEntry(
                    f"The booking date {booked} is outside the statement period {start[:10]} - {end[:10]}.",
                    code="DateOutsidePeriod",
                    field="BookingDateTime",
                    xpath=f"{xpath}/BankStmtISOReportEntry[{i}]/BookingDateTime",
                )
            )
    identification = str(record.get("Identification") or "")
    duplicate = is_create and identification
    if duplicate and AxRecord.objects.filter(company=company, entity=STATEMENT, key=identification).exists():
        errors.append(
            FaultEntry(
                f"Cannot create a record in Bank statements ({STATEMENT}). Statement ID: {identification}. "
                "The record already exists.",
                code="DuplicateKey",
                field="Identification",
                xpath=f"{xpath}/Identification",
            )
        )
    return errors

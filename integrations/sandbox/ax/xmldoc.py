"""AX documents, entity keys, query criteria and key pages between XML and dicts, driven by documents.py.

Inbound values are checked the way AX's schema validation checks them (lengths, enums, decimals, dates), with
the .NET schema validator's wording, before any business rule runs.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from integrations.connectors.dynamics_ax.documents import (
    NS_DOCUMENT_PAGING,
    NS_ENTITY_KEY,
    NS_ENTITY_KEY_LIST,
    NS_ENTITY_KEY_PAGE,
    NS_QUERY_CRITERIA,
    NS_SHARED,
    PARTY_TYPE_KEY,
    QUERY_OPERATORS,
    AxDocumentService,
    AxField,
    AxTable,
    subtype_name,
)
from integrations.sandbox.ax.soap import NS_XSI, FaultEntry, local

_NIL = f"{{{NS_XSI}}}nil"
_XSI_TYPE = f"{{{NS_XSI}}}type"
ACTION_KEY = "@action"  # the entity's action attribute, kept on the parsed dict for update (D6/D7)


# --- Inbound documents ---------------------------------------------------------------------------------------
def parse_document(elem: etree._Element, svc: AxDocumentService) -> tuple[list[dict], list[FaultEntry]]:
    """The root-table entities of a document element, and the schema errors found on the way."""
    errors: list[FaultEntry] = []
    records: list[dict] = []
    for child in elem:
        name = local(child.tag)
        if not name or name in ("ClearNilFieldsOnUpdate", "DocPurpose", "SenderId", "ValidAsOfDateTime"):
            continue
        if name != svc.root.name:
            errors.append(_invalid_child(svc.document, name, etree.QName(child).namespace))
            continue
        xpath = f"/{svc.document}/{name}[{len(records) + 1}]"
        records.append(_parse_entity(child, svc.root, xpath, errors, root=True))
    return records, errors


def _invalid_child(parent: str, name: str, namespace: str | None) -> FaultEntry:
    ns = namespace or ""
    return FaultEntry(
        f"The element '{parent}' in namespace '{ns}' has invalid child element '{name}' in namespace '{ns}'.",
        code="SchemaValidation",
        field=name,
    )


def _parse_entity(elem: etree._Element, table: AxTable, xpath: str, errors: list[FaultEntry], *, root: bool) -> dict:
    record: dict = {}
    counts: dict[str, int] = {}
    # every Axd entity type declares <xs:attribute fixed="entity" name="class" use="required"/> (real set xsd=xsd9)
    if elem.get("class") != "entity":
        what = "is missing" if elem.get("class") is None else f"has the value '{elem.get('class')}', not 'entity'"
        errors.append(
            FaultEntry(
                f"The required attribute 'class' of element '{table.name}' {what}.",
                code="SchemaValidation",
                field=table.name,
                xpath=xpath,
            )
        )
    action = elem.get("action")
    if action and action not in ("create", "update", "replace", "delete"):  # AxdEnum_AxdEntityAction
        errors.append(
            FaultEntry(
                f"The 'action' attribute is invalid - The value '{action}' is invalid according to its datatype "
                "'AxdEnum_AxdEntityAction' - The Enumeration constraint failed.",
                code="SchemaValidation",
                field=table.name,
                xpath=xpath,
            )
        )
    elif action:
        record[ACTION_KEY] = action
    if table.subtypes:
        declared = (elem.get(_XSI_TYPE) or "").rpartition(":")[2]
        concrete = {subtype_name(table, sub): sub for sub in table.subtypes}
        if declared in concrete:
            record[PARTY_TYPE_KEY] = concrete[declared]
        else:
            # DirParty's declared type is the base AxdEntity_DirParty_DirPartyTable; AX needs to know which party it
            # creates (D8 shows xsi:type on DirParty; W3 patches requests to add it "to comply with the AX service")
            errors.append(
                FaultEntry(
                    f"The {table.name} entity must state its type (xsi:type "
                    f"{' or '.join(concrete)}); '{declared or table.entity_type}' cannot be created.",
                    code="SchemaValidation",
                    field=table.name,
                    xpath=xpath,
                )
            )
    for child in elem:
        name = local(child.tag)
        if not name:
            continue
        if root and name == "_DocumentHash":
            record["_DocumentHash"] = (child.text or "").strip()
            continue
        fld = table.field(name)
        if fld is not None:
            if child.get(_NIL) == "true":
                continue
            value = _parse_value(child, fld, f"{xpath}/{name}", errors)
            if value is not None:
                record[name] = value
            continue
        sub = table.child(name)
        if sub is not None:
            counts[name] = counts.get(name, 0) + 1
            rows = record.setdefault(name, [])
            rows.append(_parse_entity(child, sub, f"{xpath}/{name}[{counts[name]}]", errors, root=False))
            continue
        errors.append(_invalid_child(table.name, name, etree.QName(child).namespace))
    return record


def _schema_error(fld: AxField, value: str, datatype: str, reason: str, xpath: str) -> FaultEntry:
    return FaultEntry(
        f"The '{fld.name}' element is invalid - The value '{value}' is invalid according to its datatype "
        f"'{datatype}' - {reason}",
        code="SchemaValidation",
        field=fld.name,
        xpath=xpath,
    )


def _dimension_values(elem: etree._Element | None) -> list[dict]:
    values: list[dict] = []
    if elem is None:
        return values
    for item in elem:
        if local(item.tag) != "Value":
            continue
        pair = {local(part.tag): (part.text or "").strip() for part in item if local(part.tag) in ("Name", "Value")}
        values.append({"Name": pair.get("Name", ""), "Value": pair.get("Value", "")})
    return values


def _complex_error(fld: AxField, message: str, xpath: str) -> FaultEntry:
    return FaultEntry(f"The element '{fld.name}' {message}", code="SchemaValidation", field=fld.name, xpath=xpath)


def _parse_value(elem: etree._Element, fld: AxField, xpath: str, errors: list[FaultEntry]):
    if fld.type in ("account", "dimensions"):
        # AxdType_MultiTypeAccount = DisplayValue (1), Account (1), Values (0..1); DimensionAttributeValueSet =
        # Values (1); Values = Value (1..n) (real sharedtypes, xsd=xsd10)
        parts = {local(c.tag): c for c in elem}
        out: dict = {}
        if fld.type == "account":
            for required in ("DisplayValue", "Account"):
                if required not in parts:
                    errors.append(_complex_error(fld, f"has incomplete content. '{required}' is expected.", xpath))
            out["Account"] = (parts["Account"].text or "").strip() if "Account" in parts else ""
            if "DisplayValue" in parts:
                out["DisplayValue"] = (parts["DisplayValue"].text or "").strip()
        elif "Values" not in parts:
            errors.append(_complex_error(fld, "has incomplete content. 'Values' is expected.", xpath))
        values = parts.get("Values")
        if values is not None and not any(local(c.tag) == "Value" for c in values):
            errors.append(_complex_error(fld, "has incomplete content: 'Values' needs at least one 'Value'.", xpath))
        out["Values"] = _dimension_values(values)
        return out
    text = (elem.text or "").strip()
    if fld.type == "string":
        if fld.max_length and len(text) > fld.max_length:
            errors.append(
                _schema_error(
                    fld, text, fld.xsd_type_name, "The actual length is greater than the MaxLength value.", xpath
                )
            )
        return text
    if fld.type == "enum":
        if text and fld.enum and text not in fld.enum.values:
            errors.append(_schema_error(fld, text, fld.xsd_type_name, "The Enumeration constraint failed.", xpath))
        return text or None
    if not text:
        return None
    if fld.type == "decimal":
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(
                _schema_error(fld, text, "Decimal", f"The string '{text}' is not a valid Decimal value.", xpath)
            )
            return None
        return format(number, "f")
    if fld.type == "integer":
        try:
            return str(int(text))
        except ValueError:
            errors.append(_schema_error(fld, text, "Int", f"The string '{text}' is not a valid Int32 value.", xpath))
            return None
    if fld.type == "date":
        try:
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            errors.append(_schema_error(fld, text, "Date", f"The string '{text}' is not a valid Date value.", xpath))
            return None
    if fld.type == "datetime":
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
        except ValueError:
            errors.append(
                _schema_error(fld, text, "DateTime", f"The string '{text}' is not a valid DateTime value.", xpath)
            )
            return None
    return text


# --- Outbound documents --------------------------------------------------------------------------------------
def render_document(svc: AxDocumentService, records: list[dict]) -> etree._Element:
    ns = svc.namespace
    doc = etree.Element(f"{{{ns}}}{svc.document}", nsmap={None: ns, "st": NS_SHARED})
    for record in records:
        _render_entity(doc, svc.root, record, ns, root=True)
    return doc


def _render_entity(parent: etree._Element, table: AxTable, record: dict, ns: str, *, root: bool) -> None:
    elem = etree.SubElement(parent, f"{{{ns}}}{table.name}")
    if table.subtypes:
        sub = record.get(PARTY_TYPE_KEY) if record.get(PARTY_TYPE_KEY) in table.subtypes else table.subtypes[0]
        elem.set(_XSI_TYPE, subtype_name(table, sub))
    elem.set("class", "entity")
    if root and record.get("_DocumentHash"):
        etree.SubElement(elem, f"{{{ns}}}_DocumentHash").text = record["_DocumentHash"]
    for fld in table.fields:
        value = record.get(fld.name)
        if value is None:
            continue
        sub = etree.SubElement(elem, f"{{{ns}}}{fld.name}")
        if fld.type in ("account", "dimensions") and isinstance(value, dict):
            account = str(value.get("Account") or "")
            if fld.type == "account":
                display = str(value.get("DisplayValue") or account)
                etree.SubElement(sub, f"{{{NS_SHARED}}}DisplayValue").text = display
                etree.SubElement(sub, f"{{{NS_SHARED}}}Account").text = account
            pairs = value.get("Values") or []
            if not pairs:
                if fld.type == "dimensions":
                    elem.remove(sub)
                continue
            values = etree.SubElement(sub, f"{{{NS_SHARED}}}Values")
            for pair in pairs:
                item = etree.SubElement(values, f"{{{NS_SHARED}}}Value")
                etree.SubElement(item, f"{{{NS_SHARED}}}Name").text = str(pair.get("Name", ""))
                etree.SubElement(item, f"{{{NS_SHARED}}}Value").text = str(pair.get("Value", ""))
        else:
            sub.text = str(value)
    for child in table.children:
        for row in record.get(child.name) or []:
            if isinstance(row, dict):
                _render_entity(elem, child, row, ns, root=False)


# --- Entity keys ---------------------------------------------------------------------------------------------
def parse_entity_keys(wrapper: etree._Element) -> list[dict[str, str]]:
    keys: list[dict[str, str]] = []
    key_list = wrapper.find(f"{{{NS_ENTITY_KEY_LIST}}}EntityKeyList")
    if key_list is None:
        return keys
    for entity_key in key_list:
        if local(entity_key.tag) != "EntityKey":
            continue
        fields: dict[str, str] = {}
        for key_field in entity_key.iter(f"{{{NS_ENTITY_KEY}}}KeyField"):
            name = key_field.findtext(f"{{{NS_ENTITY_KEY}}}Field") or ""
            fields[name.strip()] = (key_field.findtext(f"{{{NS_ENTITY_KEY}}}Value") or "").strip()
        keys.append(fields)
    return keys


def render_entity_key_list(svc: AxDocumentService, keys: list[str]) -> etree._Element:
    key_list = etree.Element(f"{{{NS_ENTITY_KEY_LIST}}}EntityKeyList", nsmap={None: NS_ENTITY_KEY_LIST})
    for key in keys:
        entity_key = etree.SubElement(key_list, f"{{{NS_ENTITY_KEY}}}EntityKey", nsmap={None: NS_ENTITY_KEY})
        data = etree.SubElement(entity_key, f"{{{NS_ENTITY_KEY}}}KeyData")
        for name, value in svc.key_values(key).items():
            key_field = etree.SubElement(data, f"{{{NS_ENTITY_KEY}}}KeyField")
            etree.SubElement(key_field, f"{{{NS_ENTITY_KEY}}}Field").text = name
            etree.SubElement(key_field, f"{{{NS_ENTITY_KEY}}}Value").text = value
    return key_list


def render_entity_key_page(
    svc: AxDocumentService,
    keys: list[str],
    bookmark: str | None,
    *,
    page_size: int | None = None,
    status: str = "Success",
    details: str = "None",
) -> etree._Element:
    """EntityKeyPage (ns …/2011/02): EntityKeyList?, DocumentPaging? (Bookmark of the next page, PageSize),
    PageStatus, PageStatusDetails (real set, xsd=xsd5 and xsd1)."""
    page = etree.Element(f"{{{NS_ENTITY_KEY_PAGE}}}EntityKeyPage", nsmap={None: NS_ENTITY_KEY_PAGE})
    page.append(render_entity_key_list(svc, keys))
    if bookmark:
        paging = etree.SubElement(page, f"{{{NS_DOCUMENT_PAGING}}}DocumentPaging", nsmap={None: NS_DOCUMENT_PAGING})
        etree.SubElement(paging, f"{{{NS_DOCUMENT_PAGING}}}Bookmark").text = bookmark
        etree.SubElement(paging, f"{{{NS_DOCUMENT_PAGING}}}PageSize").text = str(page_size or len(keys))
    etree.SubElement(page, f"{{{NS_ENTITY_KEY_PAGE}}}PageStatus").text = status
    etree.SubElement(page, f"{{{NS_ENTITY_KEY_PAGE}}}PageStatusDetails").text = details
    return page


# --- Query criteria and paging -------------------------------------------------------------------------------
def parse_query_criteria(wrapper: etree._Element) -> tuple[list[dict], list[FaultEntry]]:
    criteria: list[dict] = []
    errors: list[FaultEntry] = []
    qc = wrapper.find(f"{{{NS_QUERY_CRITERIA}}}QueryCriteria")
    if qc is None:
        return criteria, [FaultEntry("The query criteria are missing.", code="SchemaValidation")]
    for elem in qc:
        if local(elem.tag) != "CriteriaElement":
            continue
        item = {local(c.tag): (c.text or "").strip() for c in elem}
        if item.get("Operator") not in QUERY_OPERATORS:
            errors.append(
                FaultEntry(
                    f"The 'Operator' element is invalid - The value '{item.get('Operator', '')}' is invalid "
                    "according to its datatype 'Operator' - The Enumeration constraint failed.",
                    code="SchemaValidation",
                    field="Operator",
                )
            )
        criteria.append(item)
    return criteria, errors


def parse_paging(wrapper: etree._Element) -> tuple[int | None, str]:
    paging = wrapper.find(f"{{{NS_DOCUMENT_PAGING}}}DocumentPaging")
    if paging is None:
        return None, ""
    size_text = (paging.findtext(f"{{{NS_DOCUMENT_PAGING}}}PageSize") or "").strip()
    bookmark = (paging.findtext(f"{{{NS_DOCUMENT_PAGING}}}Bookmark") or "").strip()
    try:
        size = int(size_text) if size_text else None
    except ValueError:
        size = None
    return (size if size and size > 0 else None), bookmark

"""The WSDL and schemas of a simulated AX 2012 HTTP inbound port, laid out as a real port serves them.

Modelled on the WSDL/XSD set saved from a real AX 2012 enhanced HTTP port (``shared/reference/ax2012/
http-port-sample``, from GitHub cjonesey/Ax2012WCFService; its ``Reference.svcmap`` maps every file to its URL):

- ``?wsdl``: the root WSDL ``RoutingService`` in ``http://tempuri.org/``, one binding
  ``BasicHttpBinding_<ExternalName>`` per service the port exposes (with the ``NegotiateAuthentication`` policy when
  the port uses Windows authentication), the ``serviceEndpoint`` router binding, and ``wsdl:import`` of
  ``?wsdl=wsdl0`` (the router contract) and ``?wsdl=wsdl1`` (messages and port types in the services namespace).
- ``?xsd=xsdN``: one schema per namespace, numbered as on the real port (xsd0 serialization, xsd1 DocumentPaging,
  xsd3 EntityKeyList, xsd4 EntityKey, xsd5 EntityKeyPage, xsd8 QueryCriteria, xsd10 sharedtypes, xsd11 the request
  and response wrappers, xsd12 CallContext, xsd13 serialization arrays, xsd14 AifFault, xsd15 InfologMessage).
  The real port has one document, at xsd9; a port exposing several documents here serves them at xsd20, xsd21, …
  in the order of its services (inferred: no public multi-service HTTP port set was found).
- The framework types (CallContext, EntityKey/List, QueryCriteria, DocumentPaging, EntityKeyPage, AifFault,
  InfologMessage, the dimension and account types of sharedtypes) are copied element for element, in the real
  order and cardinality; the contract tests compare them with the real files so this cannot drift.

Generated text is cached per (port, services, address).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import quoteattr

from integrations.connectors.dynamics_ax.documents import (
    NS_ARRAYS,
    NS_CONTEXT,
    NS_DOCUMENT_PAGING,
    NS_ENTITY_KEY,
    NS_ENTITY_KEY_LIST,
    NS_ENTITY_KEY_PAGE,
    NS_FAULT,
    NS_INFOLOG,
    NS_QUERY_CRITERIA,
    NS_ROUTING,
    NS_SERIALIZATION,
    NS_SERVICES,
    NS_SHARED,
    NS_TEMPURI,
    QUERY_OPERATORS,
    SERVICES,
    AxDocumentService,
    AxTable,
    subtype_name,
)

XS = "http://www.w3.org/2001/XMLSchema"

# The parameters and result of each operation (real wrappers, xsd=xsd11). "doc" is the service's document element.
OPERATION_SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "create": (("doc",), ("ekl:EntityKeyList",)),
    "read": (("ekl:EntityKeyList",), ("doc",)),
    "update": (("ekl:EntityKeyList", "doc"), ()),
    "delete": (("ekl:EntityKeyList",), ()),
    "find": (("qc:QueryCriteria",), ("doc",)),
    "findKeys": (("qc:QueryCriteria",), ("ekl:EntityKeyList",)),
    "getKeys": (("dp:DocumentPaging",), ("ekp:EntityKeyPage",)),
    "getChangedKeys": (("dp:DocumentPaging", "_changedDateTime"), ("ekp:EntityKeyPage",)),
}

_SIMPLE_XSD = {"decimal": "xs:decimal", "integer": "xs:int", "date": "xs:date", "datetime": "xs:dateTime"}

# xsd numbers of the framework schemas, as on the real port (Reference.svcmap).
XSD_NUMBERS = {
    NS_SERIALIZATION: 0,
    NS_DOCUMENT_PAGING: 1,
    NS_ENTITY_KEY_LIST: 3,
    NS_ENTITY_KEY: 4,
    NS_ENTITY_KEY_PAGE: 5,
    NS_QUERY_CRITERIA: 8,
    NS_SHARED: 10,
    NS_SERVICES: 11,
    NS_CONTEXT: 12,
    NS_ARRAYS: 13,
    NS_FAULT: 14,
    NS_INFOLOG: 15,
}
FIRST_DOCUMENT_XSD = 20


def wrapper_name(service: str, operation: str, kind: str) -> str:
    """``CustomerServiceCreateRequest`` / ``CustomerServiceGetChangedKeysResponse``."""
    return f"{service}{operation[0].upper()}{operation[1:]}{kind}"


def soap_action(service: str, operation: str) -> str:
    return f"{NS_SERVICES}/{service}/{operation}"


# --- Document schema -----------------------------------------------------------------------------------------
_ENTITY_ATTRIBUTES = (
    # every entity type of a real Axd schema ends like this (real set xsd=xsd9)
    '<xs:attribute fixed="entity" name="class" use="required"/>'
    '<xs:attribute name="action" type="st:AxdEnum_AxdEntityAction"/>'
)


def _field_elements(table: AxTable, *, root: bool, simple_types: dict[str, str]) -> str:
    parts = []
    if root:
        parts.append('<xs:element minOccurs="0" name="_DocumentHash" nillable="true" type="xs:string"/>')
    for f in table.fields:
        if f.type == "account":
            xsd_type = "st:AxdType_MultiTypeAccount"
        elif f.type == "dimensions":
            xsd_type = "st:AxdType_DimensionAttributeValueSet"
        elif f.type in _SIMPLE_XSD:
            xsd_type = _SIMPLE_XSD[f.type]
        elif f.xsd_type_name:
            xsd_type = f"tns:{f.xsd_type_name}"
            simple_types[f.xsd_type_name] = _simple_type(f)
        else:
            xsd_type = "xs:string"
        parts.append(f'<xs:element minOccurs="0" name="{f.name}" nillable="true" type="{xsd_type}"/>')
    for child in table.children:
        parts.append(
            f'<xs:element minOccurs="0" maxOccurs="unbounded" name="{child.name}" type="tns:{child.entity_type}"/>'
        )
    return "".join(parts)


def _entity_type(table: AxTable, *, root: bool, simple_types: dict[str, str]) -> str:
    if table.subtypes:
        return _polymorphic_types(table, simple_types)
    out = [
        f'<xs:complexType name="{table.entity_type}"><xs:sequence>'
        f"{_field_elements(table, root=root, simple_types=simple_types)}</xs:sequence>{_ENTITY_ATTRIBUTES}"
        "</xs:complexType>"
    ]
    for child in table.children:
        out.append(_entity_type(child, root=False, simple_types=simple_types))
    return "".join(out)


def _polymorphic_types(table: AxTable, simple_types: dict[str, str]) -> str:
    """DirParty: an abstract-by-use base ``AxdEntity_DirParty_DirPartyTable`` and its concrete subtypes, sent with
    ``xsi:type`` (D8 example-read-action.md: ``DirParty xsi:type="AxdEntity_DirParty_DirOrganization"``; the
    DirOrganizationBase -> DirOrganization chain is in the audit, W3/W5). The subtypes add no fields here
    (inferred: OrganizationName/PersonName children are not modelled)."""
    out = [
        f'<xs:complexType name="{table.entity_type}"><xs:sequence>'
        f"{_field_elements(table, root=False, simple_types=simple_types)}</xs:sequence>{_ENTITY_ATTRIBUTES}"
        "</xs:complexType>"
    ]
    for sub in table.subtypes:
        base = table.entity_type
        if sub == "DirOrganization":
            organisation_base = subtype_name(table, "DirOrganizationBase")
            out.append(
                f'<xs:complexType name="{organisation_base}"><xs:complexContent><xs:extension base="tns:{base}">'
                "<xs:sequence/></xs:extension></xs:complexContent></xs:complexType>"
            )
            base = organisation_base
        out.append(
            f'<xs:complexType name="{subtype_name(table, sub)}"><xs:complexContent><xs:extension base="tns:{base}">'
            "<xs:sequence/></xs:extension></xs:complexContent></xs:complexType>"
        )
    for child in table.children:
        out.append(_entity_type(child, root=False, simple_types=simple_types))
    return "".join(out)


def _simple_type(f) -> str:
    if f.type == "enum" and f.enum:
        values = "".join(f'<xs:enumeration value="{v}"/>' for v in f.enum.values)
        return (
            f'<xs:simpleType name="{f.xsd_type_name}"><xs:restriction base="xs:string">{values}'
            "</xs:restriction></xs:simpleType>"
        )
    return (
        f'<xs:simpleType name="{f.xsd_type_name}"><xs:restriction base="xs:string">'
        f'<xs:maxLength value="{f.max_length}"/></xs:restriction></xs:simpleType>'
    )


def document_schema(svc: AxDocumentService, locations: dict[str, str] | None = None) -> str:
    simple_types: dict[str, str] = {}
    entities = _entity_type(svc.root, root=True, simple_types=simple_types)
    shared_location = f' schemaLocation="{(locations or {}).get(NS_SHARED)}"' if locations else ""
    return (
        f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{svc.namespace}" xmlns:st="{NS_SHARED}" '
        f'elementFormDefault="qualified" targetNamespace="{svc.namespace}">'
        f'<xs:import{shared_location} namespace="{NS_SHARED}"/>'
        f'<xs:element name="{svc.document}" type="tns:{svc.axd}"/>'
        f'<xs:complexType name="{svc.axd}"><xs:sequence>'
        '<xs:element minOccurs="0" name="ClearNilFieldsOnUpdate" nillable="true" type="st:AxdEnum_boolean"/>'
        '<xs:element minOccurs="0" name="DocPurpose" nillable="true" type="st:AxdEnum_XMLDocPurpose"/>'
        '<xs:element minOccurs="0" name="SenderId" nillable="true" type="st:AxdExtType_DataAreaId"/>'
        f'<xs:element minOccurs="0" maxOccurs="unbounded" name="{svc.root.name}" type="tns:{svc.root.entity_type}"/>'
        "</xs:sequence></xs:complexType>"
        f"{entities}{''.join(simple_types.values())}</xs:schema>"
    )


# --- Framework schemas (copied from the real port, element for element) ------------------------------------------
def _schema(ns: str, body: str, imports: tuple[str, ...] = (), locations: dict[str, str] | None = None, **prefixes):
    declared = "".join(f' xmlns:{p}="{u}"' for p, u in prefixes.items())
    parts = [
        f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{ns}"{declared} elementFormDefault="qualified" targetNamespace="{ns}">'
    ]
    for imported in imports:
        where = f' schemaLocation="{locations[imported]}"' if locations and imported in locations else ""
        parts.append(f'<xs:import{where} namespace="{imported}"/>')
    parts.append(body)
    parts.append("</xs:schema>")
    return "".join(parts)


SHARED_TYPES = (
    '<xs:simpleType name="AxdEnum_boolean"><xs:restriction base="xs:string"><xs:enumeration value="false"/>'
    '<xs:enumeration value="true"/></xs:restriction></xs:simpleType>'
    '<xs:simpleType name="AxdEnum_XMLDocPurpose"><xs:restriction base="xs:string"><xs:enumeration value="Original"/>'
    '<xs:enumeration value="Duplicate"/><xs:enumeration value="Proforma"/></xs:restriction></xs:simpleType>'
    '<xs:simpleType name="AxdExtType_DataAreaId"><xs:restriction base="xs:string"><xs:minLength value="0"/>'
    '<xs:maxLength value="4"/></xs:restriction></xs:simpleType>'
    '<xs:simpleType name="AxdEnum_AxdEntityAction"><xs:restriction base="xs:string">'
    '<xs:enumeration value="create"/><xs:enumeration value="update"/><xs:enumeration value="replace"/>'
    '<xs:enumeration value="delete"/></xs:restriction></xs:simpleType>'
    '<xs:complexType name="AxdType_DimensionAttributeValue"><xs:sequence>'
    '<xs:element minOccurs="1" name="Name" type="xs:string"/><xs:element minOccurs="1" name="Value" type="xs:string"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="AxdType_DimensionAttributeValues"><xs:sequence>'
    '<xs:element minOccurs="1" maxOccurs="unbounded" name="Value" type="tns:AxdType_DimensionAttributeValue"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="AxdType_MultiTypeAccount"><xs:sequence>'
    '<xs:element minOccurs="1" name="DisplayValue" type="xs:string"/>'
    '<xs:element minOccurs="1" name="Account" type="xs:string"/>'
    '<xs:element minOccurs="0" name="Values" nillable="true" type="tns:AxdType_DimensionAttributeValues"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="AxdType_DimensionAttributeValueSet"><xs:sequence>'
    '<xs:element minOccurs="1" name="Values" type="tns:AxdType_DimensionAttributeValues"/>'
    "</xs:sequence></xs:complexType>"
)

ENTITY_KEY_TYPES = (
    '<xs:element name="EntityKey" type="tns:EntityKey"/>'
    '<xs:complexType name="EntityKey"><xs:sequence><xs:element name="KeyData" type="tns:KeyData"/></xs:sequence>'
    "</xs:complexType>"
    '<xs:complexType name="KeyData"><xs:sequence>'
    '<xs:element maxOccurs="unbounded" name="KeyField" type="tns:KeyField"/></xs:sequence></xs:complexType>'
    '<xs:complexType name="KeyField"><xs:sequence><xs:element name="Field" type="xs:string"/>'
    '<xs:element name="Value" type="xs:string"/></xs:sequence></xs:complexType>'
)
ENTITY_KEY_LIST_TYPES = (
    '<xs:element name="EntityKeyList" type="tns:EntityKeyList"/>'
    '<xs:complexType name="EntityKeyList"><xs:sequence>'
    '<xs:element minOccurs="0" maxOccurs="unbounded" ref="ek:EntityKey"/></xs:sequence></xs:complexType>'
)
_OPERATORS = "".join(f'<xs:enumeration value="{op}"/>' for op in QUERY_OPERATORS)
QUERY_CRITERIA_TYPES = (
    '<xs:element name="QueryCriteria" type="tns:QueryCriteria"/>'
    '<xs:complexType name="QueryCriteria"><xs:sequence minOccurs="1" maxOccurs="unbounded">'
    '<xs:element name="CriteriaElement" type="tns:CriteriaElement"/></xs:sequence></xs:complexType>'
    '<xs:complexType name="CriteriaElement"><xs:sequence>'
    '<xs:element name="DataSourceName" type="xs:string"/><xs:element name="FieldName" type="xs:string"/>'
    '<xs:element name="Operator" type="tns:Operator"/><xs:element name="Value1" type="xs:string"/>'
    '<xs:element minOccurs="0" name="Value2" type="xs:string"/></xs:sequence></xs:complexType>'
    f'<xs:simpleType name="Operator"><xs:restriction base="xs:string">{_OPERATORS}</xs:restriction></xs:simpleType>'
)
DOCUMENT_PAGING_TYPES = (
    '<xs:element name="DocumentPaging" type="tns:DocumentPaging"/>'
    '<xs:complexType name="DocumentPaging"><xs:sequence>'
    '<xs:element minOccurs="0" name="Bookmark" nillable="true" type="xs:string"/>'
    '<xs:element name="PageSize" type="xs:int"/></xs:sequence></xs:complexType>'
)
PAGE_STATUS_DETAILS = ("None", "DocumentFiltersChanged", "ChangeTrackingDisabled", "ChangedDateTimeOutOfRange")
ENTITY_KEY_PAGE_TYPES = (
    '<xs:element name="EntityKeyPage" type="tns:EntityKeyPage"/>'
    '<xs:complexType name="EntityKeyPage"><xs:sequence>'
    '<xs:element minOccurs="0" ref="ekl:EntityKeyList"/><xs:element minOccurs="0" ref="dp:DocumentPaging"/>'
    '<xs:element name="PageStatus" type="tns:EntityKeyPageStatus"/>'
    '<xs:element name="PageStatusDetails" type="tns:EntityKeyPageStatusDetails"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:simpleType name="EntityKeyPageStatus"><xs:restriction base="xs:string"><xs:enumeration value="Success"/>'
    '<xs:enumeration value="Failure"/></xs:restriction></xs:simpleType>'
    '<xs:simpleType name="EntityKeyPageStatusDetails"><xs:restriction base="xs:string">'
    + "".join(f'<xs:enumeration value="{v}"/>' for v in PAGE_STATUS_DETAILS)
    + "</xs:restriction></xs:simpleType>"
)
_S = 'minOccurs="0" nillable="true" type="xs:string"'
CONTEXT_TYPES = (
    '<xs:complexType name="CallContext"><xs:sequence>'
    f'<xs:element {_S} name="Company"/><xs:element {_S} name="Language"/><xs:element {_S} name="LogonAsUser"/>'
    f'<xs:element {_S} name="MessageId"/><xs:element {_S} name="PartitionKey"/>'
    '<xs:element minOccurs="0" name="PropertyBag" nillable="true" type="q1:ArrayOfKeyValueOfstringstring"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:element name="CallContext" nillable="true" type="tns:CallContext"/>'
)
ARRAYS_TYPES = (
    '<xs:complexType name="ArrayOfKeyValueOfstringstring"><xs:sequence>'
    '<xs:element minOccurs="0" maxOccurs="unbounded" name="KeyValueOfstringstring"><xs:complexType><xs:sequence>'
    '<xs:element name="Key" nillable="true" type="xs:string"/>'
    '<xs:element name="Value" nillable="true" type="xs:string"/>'
    "</xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType>"
    '<xs:element name="ArrayOfKeyValueOfstringstring" nillable="true" type="tns:ArrayOfKeyValueOfstringstring"/>'
)
SERIALIZATION_TYPES = (
    '<xs:element name="string" nillable="true" type="xs:string"/>'
    '<xs:element name="guid" nillable="true" type="tns:guid"/>'
    '<xs:simpleType name="guid"><xs:restriction base="xs:string">'
    '<xs:pattern value="[\\da-fA-F]{8}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{12}"/>'
    "</xs:restriction></xs:simpleType>"
)
FAULT_TYPES = (
    '<xs:complexType name="AifFault"><xs:sequence>'
    f'<xs:element {_S} name="CustomDetailXml"/>'
    '<xs:element minOccurs="0" name="FaultMessageListArray" nillable="true" type="tns:ArrayOfFaultMessageList"/>'
    '<xs:element minOccurs="0" name="InfologMessageList" nillable="true" type="q1:ArrayOfInfologMessage"/>'
    f'<xs:element {_S} name="StackTrace"/>'
    '<xs:element minOccurs="0" name="XppExceptionType" type="xs:int"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:element name="AifFault" nillable="true" type="tns:AifFault"/>'
    '<xs:complexType name="ArrayOfFaultMessageList"><xs:sequence>'
    '<xs:element minOccurs="0" maxOccurs="unbounded" name="FaultMessageList" nillable="true" '
    'type="tns:FaultMessageList"/></xs:sequence></xs:complexType>'
    '<xs:element name="ArrayOfFaultMessageList" nillable="true" type="tns:ArrayOfFaultMessageList"/>'
    '<xs:complexType name="FaultMessageList"><xs:sequence>'
    f'<xs:element {_S} name="Document"/><xs:element {_S} name="DocumentOperation"/>'
    '<xs:element minOccurs="0" name="FaultMessageArray" nillable="true" type="tns:ArrayOfFaultMessage"/>'
    f'<xs:element {_S} name="Field"/><xs:element {_S} name="Service"/><xs:element {_S} name="ServiceOperation"/>'
    f'<xs:element {_S} name="ServiceOperationParameter"/><xs:element {_S} name="XPath"/>'
    f'<xs:element {_S} name="XmlLine"/><xs:element {_S} name="XmlPosition"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:element name="FaultMessageList" nillable="true" type="tns:FaultMessageList"/>'
    '<xs:complexType name="ArrayOfFaultMessage"><xs:sequence>'
    '<xs:element minOccurs="0" maxOccurs="unbounded" name="FaultMessage" nillable="true" type="tns:FaultMessage"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:element name="ArrayOfFaultMessage" nillable="true" type="tns:ArrayOfFaultMessage"/>'
    '<xs:complexType name="FaultMessage"><xs:sequence>'
    f'<xs:element {_S} name="Code"/><xs:element {_S} name="Message"/></xs:sequence></xs:complexType>'
    '<xs:element name="FaultMessage" nillable="true" type="tns:FaultMessage"/>'
)
INFOLOG_TYPES = (
    '<xs:complexType name="ArrayOfInfologMessage"><xs:sequence>'
    '<xs:element minOccurs="0" maxOccurs="unbounded" name="InfologMessage" nillable="true" type="tns:InfologMessage"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:element name="ArrayOfInfologMessage" nillable="true" type="tns:ArrayOfInfologMessage"/>'
    '<xs:complexType name="InfologMessage"><xs:sequence>'
    '<xs:element minOccurs="0" name="InfologMessageType" type="tns:InfologMessageType"/>'
    f'<xs:element {_S} name="Message"/></xs:sequence></xs:complexType>'
    '<xs:element name="InfologMessage" nillable="true" type="tns:InfologMessage"/>'
    '<xs:simpleType name="InfologMessageType"><xs:restriction base="xs:string"><xs:enumeration value="Info"/>'
    '<xs:enumeration value="Warning"/><xs:enumeration value="Error"/></xs:restriction></xs:simpleType>'
    '<xs:element name="InfologMessageType" nillable="true" type="tns:InfologMessageType"/>'
)


def _services_types(services: list[AxDocumentService], operations: dict[str, tuple[str, ...]]) -> str:
    parts = []
    for svc in services:
        for op in operations[svc.name]:
            request, response = OPERATION_SHAPES[op]
            for kind, refs in (("Request", request), ("Response", response)):
                parts.append(f'<xs:element name="{wrapper_name(svc.name, op, kind)}"><xs:complexType><xs:sequence>')
                for ref in refs:
                    if ref == "_changedDateTime":
                        parts.append('<xs:element minOccurs="0" name="_changedDateTime" type="xs:dateTime"/>')
                    elif ref == "doc":
                        parts.append(f'<xs:element xmlns:d="{svc.namespace}" minOccurs="0" ref="d:{svc.document}"/>')
                    else:
                        parts.append(f'<xs:element minOccurs="0" ref="{ref}"/>')
                parts.append("</xs:sequence></xs:complexType></xs:element>")
    return "".join(parts)


@dataclass(frozen=True)
class PortLayout:
    """Which service runs at which xsd number on a port."""

    services: tuple[str, ...]
    operations: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def documents(self) -> dict[str, int]:
        return {name: FIRST_DOCUMENT_XSD + i for i, name in enumerate(self.services)}


def layout(services: dict[str, tuple[str, ...]]) -> PortLayout:
    names = tuple(sorted(n for n in services if n in SERVICES))
    return PortLayout(names, tuple((n, tuple(services[n])) for n in names))


def _locations(address: str, port: PortLayout) -> dict[str, str]:
    out = {ns: f"{address}?xsd=xsd{n}" for ns, n in XSD_NUMBERS.items()}
    for name, n in port.documents.items():
        out[SERVICES[name].namespace] = f"{address}?xsd=xsd{n}"
    return out


def xsd(number: int, address: str, port: PortLayout) -> bytes | None:
    """The schema a port serves at ``?xsd=xsd<number>``, or None."""
    loc = _locations(address, port)
    ops = dict(port.operations)
    docs = {n: name for name, n in port.documents.items()}
    body = None
    if number in docs:
        body = document_schema(SERVICES[docs[number]], loc)
    elif number == XSD_NUMBERS[NS_SERIALIZATION]:
        body = _schema(NS_SERIALIZATION, SERIALIZATION_TYPES)
    elif number == XSD_NUMBERS[NS_DOCUMENT_PAGING]:
        body = _schema(NS_DOCUMENT_PAGING, DOCUMENT_PAGING_TYPES)
    elif number == XSD_NUMBERS[NS_ENTITY_KEY]:
        body = _schema(NS_ENTITY_KEY, ENTITY_KEY_TYPES)
    elif number == XSD_NUMBERS[NS_ENTITY_KEY_LIST]:
        body = _schema(NS_ENTITY_KEY_LIST, ENTITY_KEY_LIST_TYPES, (NS_ENTITY_KEY,), loc, ek=NS_ENTITY_KEY)
    elif number == XSD_NUMBERS[NS_ENTITY_KEY_PAGE]:
        body = _schema(
            NS_ENTITY_KEY_PAGE,
            ENTITY_KEY_PAGE_TYPES,
            (NS_ENTITY_KEY_LIST, NS_DOCUMENT_PAGING),
            loc,
            ekl=NS_ENTITY_KEY_LIST,
            dp=NS_DOCUMENT_PAGING,
        )
    elif number == XSD_NUMBERS[NS_QUERY_CRITERIA]:
        body = _schema(NS_QUERY_CRITERIA, QUERY_CRITERIA_TYPES)
    elif number == XSD_NUMBERS[NS_SHARED]:
        body = _schema(NS_SHARED, SHARED_TYPES)
    elif number == XSD_NUMBERS[NS_CONTEXT]:
        body = _schema(NS_CONTEXT, CONTEXT_TYPES, (NS_ARRAYS,), loc, q1=NS_ARRAYS)
    elif number == XSD_NUMBERS[NS_ARRAYS]:
        body = _schema(NS_ARRAYS, ARRAYS_TYPES)
    elif number == XSD_NUMBERS[NS_FAULT]:
        body = _schema(NS_FAULT, FAULT_TYPES, (NS_INFOLOG,), loc, q1=NS_INFOLOG)
    elif number == XSD_NUMBERS[NS_INFOLOG]:
        body = _schema(NS_INFOLOG, INFOLOG_TYPES)
    elif number == XSD_NUMBERS[NS_SERVICES]:
        imports = (
            NS_ENTITY_KEY_LIST,
            *(SERVICES[n].namespace for n in port.services),
            NS_DOCUMENT_PAGING,
            NS_ENTITY_KEY_PAGE,
            NS_QUERY_CRITERIA,
        )
        body = _schema(
            NS_SERVICES,
            _services_types([SERVICES[n] for n in port.services], ops),
            imports,
            loc,
            ekl=NS_ENTITY_KEY_LIST,
            qc=NS_QUERY_CRITERIA,
            dp=NS_DOCUMENT_PAGING,
            ekp=NS_ENTITY_KEY_PAGE,
        )
    if body is None:
        return None
    return ('<?xml version="1.0" encoding="utf-8"?>' + body).encode("utf-8")


_WSDL_NS = (
    'xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" '
    'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" '
    'xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl"'
)


def routing_wsdl(address: str, port: PortLayout, *, windows_auth: bool = True) -> bytes:
    """``?wsdl``: RoutingService in tempuri.org with a BasicHttpBinding_<ExternalName> per service."""
    ops = dict(port.operations)
    policy_name = "NegotiateAuthentication" if windows_auth else "BasicAuthentication"
    policy = (
        f'<wsp:ExactlyOne><wsp:All><http:{policy_name} xmlns:http="http://schemas.microsoft.com/ws/06/2004/policy/http"/>'
        "</wsp:All></wsp:ExactlyOne>"
    )
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<wsdl:definitions {_WSDL_NS} xmlns:tns="{NS_TEMPURI}" xmlns:i0="{NS_ROUTING}" xmlns:i1="{NS_SERVICES}" '
        f'name="RoutingService" targetNamespace="{NS_TEMPURI}">',
        f'<wsp:Policy wsu:Id="serviceEndpoint_policy">{policy}</wsp:Policy>',
    ]
    for name in port.services:
        parts.append(f'<wsp:Policy wsu:Id="BasicHttpBinding_{name}_policy">{policy}</wsp:Policy>')
    parts.append(f'<wsdl:import namespace="{NS_ROUTING}" location={quoteattr(address + "?wsdl=wsdl0")}/>')
    parts.append(f'<wsdl:import namespace="{NS_SERVICES}" location={quoteattr(address + "?wsdl=wsdl1")}/>')
    parts.append("<wsdl:types/>")
    parts.append(
        '<wsdl:binding name="serviceEndpoint" type="i0:IRequestReplyRouter">'
        '<wsp:PolicyReference URI="#serviceEndpoint_policy"/>'
        '<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/></wsdl:binding>'
    )
    for name in port.services:
        parts.append(
            f'<wsdl:binding name="BasicHttpBinding_{name}" type="i1:{name}">'
            f'<wsp:PolicyReference URI="#BasicHttpBinding_{name}_policy"/>'
            '<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>'
        )
        for op in ops[name]:
            req, resp = wrapper_name(name, op, "Request"), wrapper_name(name, op, "Response")
            parts.append(
                f'<wsdl:operation name="{op}"><soap:operation soapAction="{soap_action(name, op)}" style="document"/>'
                f'<wsdl:input name="{req}"><soap:header message="i1:{req}_Headers" part="context" use="literal"/>'
                '<soap:body use="literal"/></wsdl:input>'
                f'<wsdl:output name="{resp}"><soap:body use="literal"/></wsdl:output>'
                '<wsdl:fault name="AifFaultFault"><soap:fault use="literal" name="AifFaultFault" namespace=""/>'
                "</wsdl:fault></wsdl:operation>"
            )
        parts.append("</wsdl:binding>")
    parts.append('<wsdl:service name="RoutingService">')
    where = quoteattr(address)
    parts.append(
        f'<wsdl:port name="serviceEndpoint" binding="tns:serviceEndpoint"><soap:address location={where}/></wsdl:port>'
    )
    for name in port.services:
        parts.append(
            f'<wsdl:port name="BasicHttpBinding_{name}" binding="tns:BasicHttpBinding_{name}">'
            f"<soap:address location={where}/></wsdl:port>"
        )
    parts.append("</wsdl:service></wsdl:definitions>")
    return "".join(parts).encode("utf-8")


def router_wsdl() -> bytes:
    """``?wsdl=wsdl0``: the WCF routing contract (empty)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<wsdl:definitions {_WSDL_NS} xmlns:tns="{NS_ROUTING}" targetNamespace="{NS_ROUTING}">'
        '<wsdl:types/><wsdl:portType name="IRequestReplyRouter"/></wsdl:definitions>'
    ).encode()


def services_wsdl(address: str, port: PortLayout) -> bytes:
    """``?wsdl=wsdl1``: messages and port types of every service, in the services namespace."""
    loc = _locations(address, port)
    ops = dict(port.operations)
    imports = "".join(
        f'<xsd:import schemaLocation={quoteattr(url)} namespace="{ns}"/>' for ns, url in sorted(loc.items())
    )
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<wsdl:definitions {_WSDL_NS} xmlns:tns="{NS_SERVICES}" targetNamespace="{NS_SERVICES}">'
        f'<wsdl:types><xsd:schema targetNamespace="{NS_SERVICES}/Imports">{imports}</xsd:schema></wsdl:types>'
    ]
    port_types = []
    for name in port.services:
        ops_xml = []
        for op in ops[name]:
            req, resp = wrapper_name(name, op, "Request"), wrapper_name(name, op, "Response")
            fault = f"{name}_{op}_AifFaultFault_FaultMessage"
            parts.append(
                f'<wsdl:message name="{req}"><wsdl:part name="parameters" element="tns:{req}"/></wsdl:message>'
                f'<wsdl:message name="{req}_Headers"><wsdl:part xmlns:q1="{NS_CONTEXT}" name="context" '
                'element="q1:CallContext"/></wsdl:message>'
                f'<wsdl:message name="{resp}"><wsdl:part name="parameters" element="tns:{resp}"/></wsdl:message>'
                f'<wsdl:message name="{fault}"><wsdl:part xmlns:q2="{NS_FAULT}" name="detail" element="q2:AifFault"/>'
                "</wsdl:message>"
            )
            action = soap_action(name, op)
            ops_xml.append(
                f'<wsdl:operation name="{op}">'
                f'<wsdl:input wsaw:Action="{action}" name="{req}" message="tns:{req}"/>'
                f'<wsdl:output wsaw:Action="{action}Response" name="{resp}" message="tns:{resp}"/>'
                f'<wsdl:fault wsaw:Action="{action}AifFaultFault" name="AifFaultFault" message="tns:{fault}"/>'
                "</wsdl:operation>"
            )
        port_types.append(f'<wsdl:portType name="{name}">{"".join(ops_xml)}</wsdl:portType>')
    parts.extend(port_types)
    parts.append("</wsdl:definitions>")
    return "".join(parts).encode("utf-8")


@lru_cache(maxsize=256)
def port_file(kind: str, number: int, address: str, port: PortLayout, windows_auth: bool = True) -> bytes | None:
    """One file of a port's metadata: kind "wsdl" (number -1 = the root WSDL) or "xsd"."""
    if kind == "wsdl":
        if number < 0:
            return routing_wsdl(address, port, windows_auth=windows_auth)
        if number == 0:
            return router_wsdl()
        if number == 1:
            return services_wsdl(address, port)
        return None
    return xsd(number, address, port)

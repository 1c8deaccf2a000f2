"""WSDL and XSD of each simulated AIF service, generated from the document definitions.

One WSDL per service, with every schema inline (what WCF serves as ``?singleWsdl``): the document schema,
AX's shared types, EntityKey/EntityKeyList, QueryCriteria, DocumentPaging/EntityKeyPage, the CallContext
header and the AifFault detail. Generated text is cached per (service, address): building it once per process
keeps ``?wsdl`` cheap.
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import quoteattr

from integrations.connectors.dynamics_ax.documents import (
    NS_CONTEXT,
    NS_DOCUMENT_PAGING,
    NS_ENTITY_KEY,
    NS_ENTITY_KEY_LIST,
    NS_ENTITY_KEY_PAGE,
    NS_FAULT,
    NS_QUERY_CRITERIA,
    NS_SERVICES,
    NS_SHARED,
    QUERY_OPERATORS,
    AxDocumentService,
    AxTable,
)

XS = "http://www.w3.org/2001/XMLSchema"

# The parameters and result of each operation, as (element reference, min occurs) of the request and response
# wrappers. "doc" stands for the service's document element.
OPERATION_SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "create": (("doc",), ("ekl:EntityKeyList",)),
    "read": (("ekl:EntityKeyList",), ("doc",)),
    "update": (("ekl:EntityKeyList", "doc"), ()),
    "delete": (("ekl:EntityKeyList",), ()),
    "find": (("qc:QueryCriteria",), ("doc",)),
    "findKeys": (("qc:QueryCriteria",), ("ekl:EntityKeyList",)),
    "getKeys": (("dp:DocumentPaging",), ("ekp:EntityKeyPage",)),
    "getChangedKeys": (("dp:DocumentPaging", "changedDateTime"), ("ekp:EntityKeyPage",)),
}

_SIMPLE_XSD = {"decimal": "xs:decimal", "integer": "xs:int", "date": "xs:date", "datetime": "xs:dateTime"}


def wrapper_name(service: str, operation: str, kind: str) -> str:
    """``CustomerServiceCreateRequest`` / ``CustomerServiceGetChangedKeysResponse``."""
    return f"{service}{operation[0].upper()}{operation[1:]}{kind}"


def soap_action(service: str, operation: str) -> str:
    return f"{NS_SERVICES}/{service}/{operation}"


# --- Document schema -----------------------------------------------------------------------------------------
def _entity_type(table: AxTable, *, root: bool, simple_types: dict[str, str]) -> str:
    parts = [f'<xs:complexType name="{table.entity_type}"><xs:sequence>']
    if root:
        parts.append('<xs:element name="_DocumentHash" type="xs:string" minOccurs="0"/>')
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
        parts.append(f'<xs:element name="{f.name}" type="{xsd_type}" minOccurs="0" nillable="true"/>')
    for child in table.children:
        parts.append(
            f'<xs:element name="{child.name}" type="tns:{child.entity_type}" minOccurs="0" maxOccurs="unbounded"/>'
        )
    parts.append('</xs:sequence><xs:attribute name="class" type="xs:string" fixed="entity"/>')
    parts.append('<xs:attribute name="action" type="st:AxdEnum_AxdEntityAction"/></xs:complexType>')
    out = ["".join(parts)]
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


def document_schema(svc: AxDocumentService) -> str:
    simple_types: dict[str, str] = {}
    entities = _entity_type(svc.root, root=True, simple_types=simple_types)
    return (
        f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{svc.namespace}" xmlns:st="{NS_SHARED}" '
        f'targetNamespace="{svc.namespace}" elementFormDefault="qualified">'
        f'<xs:import namespace="{NS_SHARED}"/>'
        f'<xs:element name="{svc.document}" type="tns:{svc.axd}"/>'
        f'<xs:complexType name="{svc.axd}"><xs:sequence>'
        '<xs:element name="DocPurpose" type="tns:AxdEnum_XMLDocPurpose" minOccurs="0" nillable="true"/>'
        '<xs:element name="SenderId" type="xs:string" minOccurs="0" nillable="true"/>'
        f'<xs:element name="{svc.root.name}" type="tns:{svc.root.entity_type}" minOccurs="0" maxOccurs="unbounded"/>'
        "</xs:sequence></xs:complexType>"
        '<xs:simpleType name="AxdEnum_XMLDocPurpose"><xs:restriction base="xs:string">'
        '<xs:enumeration value="Original"/><xs:enumeration value="Duplicate"/><xs:enumeration value="Proforma"/>'
        "</xs:restriction></xs:simpleType>"
        f"{entities}{''.join(simple_types.values())}</xs:schema>"
    )


# --- Shared schemas ------------------------------------------------------------------------------------------
_VALUES = (
    '<xs:element name="Values" minOccurs="0" nillable="true"><xs:complexType><xs:sequence>'
    '<xs:element name="Value" type="st:AxdType_DimensionAttributeValue" minOccurs="0" maxOccurs="unbounded"/>'
    "</xs:sequence></xs:complexType></xs:element>"
)

SHARED_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:st="{NS_SHARED}" targetNamespace="{NS_SHARED}" elementFormDefault="qualified">'
    '<xs:complexType name="AxdType_MultiTypeAccount"><xs:sequence>'
    '<xs:element name="Account" type="xs:string" minOccurs="0" nillable="true"/>'
    '<xs:element name="DisplayValue" type="xs:string" minOccurs="0" nillable="true"/>'
    f"{_VALUES}</xs:sequence></xs:complexType>"
    f'<xs:complexType name="AxdType_DimensionAttributeValueSet"><xs:sequence>{_VALUES}</xs:sequence></xs:complexType>'
    '<xs:complexType name="AxdType_DimensionAttributeValue"><xs:sequence>'
    '<xs:element name="Name" type="xs:string" minOccurs="0"/><xs:element name="Value" type="xs:string" minOccurs="0"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:simpleType name="AxdEnum_AxdEntityAction"><xs:restriction base="xs:string">'
    '<xs:enumeration value="create"/><xs:enumeration value="update"/><xs:enumeration value="replace"/>'
    '<xs:enumeration value="delete"/></xs:restriction></xs:simpleType>'
    "</xs:schema>"
)

ENTITY_KEY_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_ENTITY_KEY}" targetNamespace="{NS_ENTITY_KEY}" '
    'elementFormDefault="qualified">'
    '<xs:element name="EntityKey" type="tns:EntityKey"/>'
    '<xs:complexType name="EntityKey"><xs:sequence><xs:element name="KeyData" type="tns:KeyData"/></xs:sequence>'
    "</xs:complexType>"
    '<xs:complexType name="KeyData"><xs:sequence>'
    '<xs:element name="KeyField" type="tns:KeyField" maxOccurs="unbounded"/></xs:sequence></xs:complexType>'
    '<xs:complexType name="KeyField"><xs:sequence><xs:element name="Field" type="xs:string"/>'
    '<xs:element name="Value" type="xs:string"/></xs:sequence></xs:complexType></xs:schema>'
)

ENTITY_KEY_LIST_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_ENTITY_KEY_LIST}" xmlns:ek="{NS_ENTITY_KEY}" '
    f'targetNamespace="{NS_ENTITY_KEY_LIST}" elementFormDefault="qualified">'
    f'<xs:import namespace="{NS_ENTITY_KEY}"/>'
    '<xs:element name="EntityKeyList" type="tns:EntityKeyList"/>'
    '<xs:complexType name="EntityKeyList"><xs:sequence>'
    '<xs:element ref="ek:EntityKey" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:schema>'
)

_OPERATORS = "".join(f'<xs:enumeration value="{op}"/>' for op in QUERY_OPERATORS)
QUERY_CRITERIA_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_QUERY_CRITERIA}" targetNamespace="{NS_QUERY_CRITERIA}" '
    'elementFormDefault="qualified">'
    '<xs:element name="QueryCriteria" type="tns:QueryCriteria"/>'
    '<xs:complexType name="QueryCriteria"><xs:sequence>'
    '<xs:element name="CriteriaElement" type="tns:CriteriaElement" maxOccurs="unbounded"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="CriteriaElement"><xs:sequence>'
    '<xs:element name="DataSourceName" type="xs:string"/><xs:element name="FieldName" type="xs:string"/>'
    '<xs:element name="Operator" type="tns:Operator"/><xs:element name="Value1" type="xs:string"/>'
    '<xs:element name="Value2" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType>'
    f'<xs:simpleType name="Operator"><xs:restriction base="xs:string">{_OPERATORS}</xs:restriction></xs:simpleType>'
    "</xs:schema>"
)

DOCUMENT_PAGING_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_DOCUMENT_PAGING}" targetNamespace="{NS_DOCUMENT_PAGING}" '
    'elementFormDefault="qualified">'
    '<xs:element name="DocumentPaging" type="tns:DocumentPaging"/>'
    '<xs:complexType name="DocumentPaging"><xs:sequence>'
    '<xs:element name="PageSize" type="xs:int" minOccurs="0"/>'
    '<xs:element name="Bookmark" type="xs:string" minOccurs="0" nillable="true"/>'
    "</xs:sequence></xs:complexType></xs:schema>"
)

ENTITY_KEY_PAGE_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_ENTITY_KEY_PAGE}" xmlns:ekl="{NS_ENTITY_KEY_LIST}" '
    f'targetNamespace="{NS_ENTITY_KEY_PAGE}" elementFormDefault="qualified">'
    f'<xs:import namespace="{NS_ENTITY_KEY_LIST}"/>'
    '<xs:element name="EntityKeyPage" type="tns:EntityKeyPage"/>'
    '<xs:complexType name="EntityKeyPage"><xs:sequence>'
    '<xs:element ref="ekl:EntityKeyList" minOccurs="0"/>'
    '<xs:element name="PageStatus" type="tns:PageStatus"/>'
    '<xs:element name="NextPageBookmark" type="xs:string" minOccurs="0" nillable="true"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:simpleType name="PageStatus"><xs:restriction base="xs:string">'
    '<xs:enumeration value="Success"/><xs:enumeration value="Failure"/></xs:restriction></xs:simpleType></xs:schema>'
)

CONTEXT_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_CONTEXT}" targetNamespace="{NS_CONTEXT}" '
    'elementFormDefault="qualified">'
    '<xs:element name="CallContext" type="tns:CallContext" nillable="true"/>'
    '<xs:complexType name="CallContext"><xs:sequence>'
    '<xs:element name="Company" type="xs:string" minOccurs="0" nillable="true"/>'
    '<xs:element name="Language" type="xs:string" minOccurs="0" nillable="true"/>'
    '<xs:element name="LogonAsUser" type="xs:string" minOccurs="0" nillable="true"/>'
    '<xs:element name="MessageId" type="xs:string" minOccurs="0" nillable="true"/>'
    '<xs:element name="PartitionKey" type="xs:string" minOccurs="0" nillable="true"/>'
    '<xs:element name="PropertyBag" type="tns:ArrayOfKeyValueOfstringstring" minOccurs="0" nillable="true"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="ArrayOfKeyValueOfstringstring"><xs:sequence>'
    '<xs:element name="KeyValueOfstringstring" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:sequence>'
    '<xs:element name="Key" type="xs:string"/><xs:element name="Value" type="xs:string"/>'
    "</xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType></xs:schema>"
)

_STR = 'type="xs:string" minOccurs="0" nillable="true"'
FAULT_SCHEMA = (
    f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_FAULT}" targetNamespace="{NS_FAULT}" elementFormDefault="qualified">'
    '<xs:element name="AifFault" type="tns:AifFault" nillable="true"/>'
    '<xs:complexType name="AifFault"><xs:sequence>'
    f'<xs:element name="CustomDetailXml" {_STR}/>'
    '<xs:element name="FaultMessageListArray" type="tns:ArrayOfFaultMessageList" minOccurs="0" nillable="true"/>'
    '<xs:element name="InfologMessageList" type="tns:ArrayOfInfologMessage" minOccurs="0" nillable="true"/>'
    f'<xs:element name="StackTrace" {_STR}/>'
    '<xs:element name="XppExceptionType" type="xs:int" minOccurs="0"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="ArrayOfFaultMessageList"><xs:sequence>'
    '<xs:element name="FaultMessageList" type="tns:FaultMessageList" minOccurs="0" maxOccurs="unbounded" '
    'nillable="true"/></xs:sequence></xs:complexType>'
    '<xs:complexType name="FaultMessageList"><xs:sequence>'
    f'<xs:element name="Document" {_STR}/><xs:element name="DocumentOperation" {_STR}/>'
    '<xs:element name="FaultMessageArray" type="tns:ArrayOfFaultMessage" minOccurs="0" nillable="true"/>'
    f'<xs:element name="Field" {_STR}/><xs:element name="Service" {_STR}/>'
    f'<xs:element name="ServiceOperation" {_STR}/><xs:element name="ServiceOperationParameter" {_STR}/>'
    f'<xs:element name="XPath" {_STR}/><xs:element name="XmlLine" {_STR}/><xs:element name="XmlPosition" {_STR}/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="ArrayOfFaultMessage"><xs:sequence>'
    '<xs:element name="FaultMessage" type="tns:FaultMessage" minOccurs="0" maxOccurs="unbounded" nillable="true"/>'
    "</xs:sequence></xs:complexType>"
    '<xs:complexType name="FaultMessage"><xs:sequence>'
    f'<xs:element name="Code" {_STR}/><xs:element name="Message" {_STR}/></xs:sequence></xs:complexType>'
    '<xs:complexType name="ArrayOfInfologMessage"><xs:sequence>'
    '<xs:element name="InfologMessage" type="tns:InfologMessage" minOccurs="0" maxOccurs="unbounded" '
    'nillable="true"/></xs:sequence></xs:complexType>'
    '<xs:complexType name="InfologMessage"><xs:sequence>'
    '<xs:element name="InfologMessageType" type="tns:InfologMessageType" minOccurs="0"/>'
    f'<xs:element name="Message" {_STR}/></xs:sequence></xs:complexType>'
    '<xs:simpleType name="InfologMessageType"><xs:restriction base="xs:string">'
    '<xs:enumeration value="Info"/><xs:enumeration value="Warning"/><xs:enumeration value="Error"/>'
    "</xs:restriction></xs:simpleType></xs:schema>"
)


def services_schema(svc: AxDocumentService) -> str:
    doc_ref = f"doc:{svc.document}"
    parts = [
        f'<xs:schema xmlns:xs="{XS}" xmlns:tns="{NS_SERVICES}" xmlns:doc="{svc.namespace}" '
        f'xmlns:ekl="{NS_ENTITY_KEY_LIST}" xmlns:qc="{NS_QUERY_CRITERIA}" xmlns:dp="{NS_DOCUMENT_PAGING}" '
        f'xmlns:ekp="{NS_ENTITY_KEY_PAGE}" targetNamespace="{NS_SERVICES}" elementFormDefault="qualified">'
    ]
    for ns in (svc.namespace, NS_ENTITY_KEY_LIST, NS_QUERY_CRITERIA, NS_DOCUMENT_PAGING, NS_ENTITY_KEY_PAGE):
        parts.append(f'<xs:import namespace="{ns}"/>')
    for op in svc.operations:
        request, response = OPERATION_SHAPES[op]
        for kind, refs in (("Request", request), ("Response", response)):
            parts.append(f'<xs:element name="{wrapper_name(svc.name, op, kind)}"><xs:complexType><xs:sequence>')
            for ref in refs:
                if ref == "changedDateTime":
                    parts.append('<xs:element name="changedDateTime" type="xs:dateTime"/>')
                else:
                    parts.append(f'<xs:element ref="{doc_ref if ref == "doc" else ref}" minOccurs="0"/>')
            parts.append("</xs:sequence></xs:complexType></xs:element>")
    parts.append("</xs:schema>")
    return "".join(parts)


@lru_cache(maxsize=128)
def service_wsdl(service_name: str, address: str) -> bytes:
    from integrations.connectors.dynamics_ax.documents import SERVICES

    svc = SERVICES[service_name]
    name = svc.name
    schemas = (
        document_schema(svc),
        SHARED_SCHEMA,
        ENTITY_KEY_SCHEMA,
        ENTITY_KEY_LIST_SCHEMA,
        QUERY_CRITERIA_SCHEMA,
        DOCUMENT_PAGING_SCHEMA,
        ENTITY_KEY_PAGE_SCHEMA,
        CONTEXT_SCHEMA,
        FAULT_SCHEMA,
        services_schema(svc),
    )
    messages, port_ops, binding_ops = [], [], []
    for op in svc.operations:
        req, resp = wrapper_name(name, op, "Request"), wrapper_name(name, op, "Response")
        fault = f"{name}_{op}_AifFaultFault_FaultMessage"
        messages.append(
            f'<wsdl:message name="{req}"><wsdl:part name="parameters" element="tns:{req}"/></wsdl:message>'
            f'<wsdl:message name="{req}_Headers"><wsdl:part name="context" element="ctx:CallContext"/></wsdl:message>'
            f'<wsdl:message name="{resp}"><wsdl:part name="parameters" element="tns:{resp}"/></wsdl:message>'
            f'<wsdl:message name="{fault}"><wsdl:part name="detail" element="flt:AifFault"/></wsdl:message>'
        )
        port_ops.append(
            f'<wsdl:operation name="{op}"><wsdl:input name="{req}" message="tns:{req}"/>'
            f'<wsdl:output name="{resp}" message="tns:{resp}"/>'
            f'<wsdl:fault name="AifFaultFault" message="tns:{fault}"/></wsdl:operation>'
        )
        binding_ops.append(
            f'<wsdl:operation name="{op}"><soap:operation soapAction="{soap_action(name, op)}" style="document"/>'
            f'<wsdl:input name="{req}"><soap:header message="tns:{req}_Headers" part="context" use="literal"/>'
            '<soap:body use="literal"/></wsdl:input>'
            f'<wsdl:output name="{resp}"><soap:body use="literal"/></wsdl:output>'
            '<wsdl:fault name="AifFaultFault"><soap:fault name="AifFaultFault" use="literal"/></wsdl:fault>'
            "</wsdl:operation>"
        )
    text = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<wsdl:definitions name="{name}" targetNamespace="{NS_SERVICES}" '
        'xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" '
        f'xmlns:tns="{NS_SERVICES}" xmlns:ctx="{NS_CONTEXT}" xmlns:flt="{NS_FAULT}">'
        f"<wsdl:types>{''.join(schemas)}</wsdl:types>"
        f"{''.join(messages)}"
        f'<wsdl:portType name="{name}">{"".join(port_ops)}</wsdl:portType>'
        f'<wsdl:binding name="BasicHttpBinding_{name}" type="tns:{name}">'
        '<soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>'
        f"{''.join(binding_ops)}</wsdl:binding>"
        f'<wsdl:service name="RoutingService"><wsdl:port name="BasicHttpBinding_{name}" '
        f'binding="tns:BasicHttpBinding_{name}"><soap:address location={quoteattr(address)}/></wsdl:port>'
        "</wsdl:service></wsdl:definitions>"
    )
    return text.encode("utf-8")

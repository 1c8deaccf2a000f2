"""The gate between LedgerBridge and real AX 2012: the connector's real request builders, run by a fresh zeep client
on the WSDL/XSD set of a real AX HTTP port, produce messages that the real schemas accept; answers and faults shaped
by those schemas are read correctly. The same assertions run on the sandbox's own port, so it cannot drift.

Offline: the real set is served from ``../shared/reference/ax2012/http-port-sample`` (URL -> file by its
``Reference.svcmap``); messages are validated with lxml against the port's own XSDs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import zeep
from lxml import etree

from integrations.connectors.dynamics_ax import client as ax
from integrations.connectors.dynamics_ax.client import AxClient, Criterion
from integrations.connectors.dynamics_ax.documents import (
    CUST_TABLE,
    NS_CONTEXT,
    NS_DOCUMENT_PAGING,
    NS_ENTITY_KEY,
    NS_ENTITY_KEY_LIST,
    NS_ENTITY_KEY_PAGE,
    NS_FAULT,
    NS_INFOLOG,
    NS_QUERY_CRITERIA,
    NS_SERVICES,
    NS_SHARED,
    NS_TEMPURI,
    SERVICES,
    AxDocumentService,
    AxField,
    AxTable,
)
from integrations.connectors.errors import (
    AmbiguousError,
    DuplicateMessageError,
    NotFoundError,
    ProtocolError,
    ValidationError,
)
from tests.integrations.ax.contract.portset import (
    Exchange,
    OfflineAdapter,
    PortSet,
    real_port,
    sandbox_port,
    schema,
    session_for,
)

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# The custom document service of the real port (QTQ_STG_SalesInvoiceService, document AxdQTQ_STG_SalesInvoice,
# entity STG_SINVTable): a few of its fields, as xsd=xsd9 declares them.
REAL_SERVICE = AxDocumentService(
    "QTQ_STG_SalesInvoiceService",
    "QTQ_STG_SalesInvoiceService",
    "QTQ_STG_SalesInvoice",
    "AxdQTQ_STG_SalesInvoice",
    AxTable(
        "STG_SINVTable",
        (
            AxField("Account"),
            AxField("Amount", "decimal"),
            AxField("CurrencyCode"),
            AxField("Description"),
            AxField("StagingID"),
            AxField("TransDate", "date"),
            AxField("Txt"),
        ),
    ),
    ("StagingID",),
)


@pytest.fixture(params=["real", "sandbox"])
def port(request, monkeypatch) -> tuple[PortSet, AxDocumentService]:
    if request.param == "real":
        monkeypatch.setitem(SERVICES, REAL_SERVICE.name, REAL_SERVICE)
        return real_port(), REAL_SERVICE
    return sandbox_port(), SERVICES["CustomerService"]


def _key_list(svc: AxDocumentService, value: str) -> str:
    fields = "".join(f"<KeyField><Field>{name}</Field><Value>{value}</Value></KeyField>" for name in svc.key_fields)
    return (
        f'<EntityKeyList xmlns="{NS_ENTITY_KEY_LIST}"><EntityKey xmlns="{NS_ENTITY_KEY}">'
        f"<KeyData>{fields}</KeyData></EntityKey></EntityKeyList>"
    )


def _document(svc: AxDocumentService, value: str) -> str:
    key = svc.key_fields[0]
    return (
        f'<{svc.document} xmlns="{svc.namespace}"><{svc.root.name} class="entity">'
        f"<_DocumentHash>0f1e2d3c4b5a69788796a5b4c3d2e1f0</_DocumentHash><{key}>{value}</{key}>"
        f"</{svc.root.name}></{svc.document}>"
    )


def answer(svc: AxDocumentService, exchange: Exchange, *, bookmark: str = "", details: str = "None") -> bytes:
    """A reply to one request, shaped by the real schemas (validated in the tests too)."""
    operation = exchange.action.rsplit("/", 1)[-1]
    wrapper = f"{svc.name}{operation[0].upper()}{operation[1:]}Response"
    if operation == "create" or operation == "findKeys":
        inner = _key_list(svc, "K-1")
    elif operation in ("read", "find"):
        inner = _document(svc, "K-1")
    elif operation in ("getKeys", "getChangedKeys"):
        paging = (
            f'<DocumentPaging xmlns="{NS_DOCUMENT_PAGING}"><Bookmark>{bookmark}</Bookmark><PageSize>2</PageSize>'
            "</DocumentPaging>"
            if bookmark
            else ""
        )
        status = "Failure" if details != "None" else "Success"
        inner = (
            f'<EntityKeyPage xmlns="{NS_ENTITY_KEY_PAGE}">{_key_list(svc, "K-1")}{paging}'
            f"<PageStatus>{status}</PageStatus><PageStatusDetails>{details}</PageStatusDetails></EntityKeyPage>"
        )
    else:
        inner = ""
    return (
        f'<s:Envelope xmlns:s="{SOAP}"><s:Body><{wrapper} xmlns="{NS_SERVICES}">{inner}</{wrapper}></s:Body>'
        "</s:Envelope>"
    ).encode()


def aif_fault(messages: list[str], *, with_infolog: bool = True) -> bytes:
    """A SOAP fault with an AifFault detail as the real schema has it: the messages only in InfologMessageList,
    whose items are in the data contract namespace (xsd=xsd14/15)."""
    items = "".join(
        f"<b:InfologMessage><b:InfologMessageType>Error</b:InfologMessageType><b:Message>{m}</b:Message>"
        "</b:InfologMessage>"
        for m in messages
    )
    infolog = (
        f'<InfologMessageList xmlns:b="{NS_INFOLOG}">{items}</InfologMessageList>'
        if with_infolog
        else '<InfologMessageList i:nil="true"/>'
    )
    return (
        f'<s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault><faultcode>s:Client</faultcode>'
        '<faultstring xml:lang="en-US">Request Failed. See the Exception Log for details.</faultstring>'
        f'<detail><AifFault xmlns="{NS_FAULT}" xmlns:i="{XSI}"><CustomDetailXml i:nil="true"/>'
        f'<FaultMessageListArray i:nil="true"/>{infolog}<StackTrace i:nil="true"/>'
        "<XppExceptionType>3</XppExceptionType></AifFault></detail></s:Fault></s:Body></s:Envelope>"
    ).encode()


def make_client(portset: PortSet, svc: AxDocumentService, responder=None) -> tuple[AxClient, OfflineAdapter]:
    adapter = OfflineAdapter(portset, responder or (lambda ex: (200, answer(svc, ex))))
    client = AxClient(
        portset.port_url.rsplit("/", 2)[0],
        user="CONTOSO\\svc-aif",
        password="x",
        company="DAT",
        port=portset.port_url,
        session=session_for(adapter),
        cache_key=f"contract-{portset.name}-{id(adapter)}",
    )
    return client, adapter


def body_of(exchange: Exchange) -> tuple[etree._Element, etree._Element | None]:
    root = etree.fromstring(exchange.body)
    body = root.find(f"{{{SOAP}}}Body")[0]
    return body, root.find(f"{{{SOAP}}}Header/{{{NS_CONTEXT}}}CallContext")


def valid(xsd: etree.XMLSchema, elem: etree._Element) -> None:
    xsd.assertValid(etree.ElementTree(etree.fromstring(etree.tostring(elem))))


# --- WSDL --------------------------------------------------------------------------------------------------------
def test_the_binding_is_found_by_local_name_in_tempuri_and_discovery_lists_the_operations(port):
    portset, svc = port
    client, adapter = make_client(portset, svc)

    services = {s.name: s for s in client.discover()}

    assert services[svc.name].binding == f"{{{NS_TEMPURI}}}BasicHttpBinding_{svc.name}"
    assert sorted(services[svc.name].operations) == sorted(
        ["create", "read", "update", "delete", "find", "findKeys", "getKeys", "getChangedKeys"]
    )
    assert services[svc.name].port_url == portset.port_url
    assert any("?wsdl=wsdl1" in u for u in adapter.gets) and any("?xsd=xsd" in u for u in adapter.gets)
    document = zeep.wsdl.Document(portset.port_url + "?wsdl", client.transport)
    assert list(document.services) == ["RoutingService"]


# --- Requests ----------------------------------------------------------------------------------------------------
def test_read_and_delete_send_a_valid_entity_key_list_and_call_context(port):
    portset, svc = port
    client, adapter = make_client(portset, svc)
    xsd = schema(portset)

    rows = client.read(svc.name, ["K-1"])
    client.delete(svc.name, ["K-1"], message_id="flow:1:abc")

    assert rows and rows[0][svc.key_fields[0]] == "K-1" and rows[0]["_DocumentHash"]
    for exchange, operation in zip(adapter.posts, ("read", "delete"), strict=True):
        body, context = body_of(exchange)
        assert exchange.action == f"{NS_SERVICES}/{svc.name}/{operation}"
        valid(xsd, body)
        valid(xsd, context)
        assert context.findtext(f"{{{NS_CONTEXT}}}Company") == "DAT"
        keys = body.findall(f".//{{{NS_ENTITY_KEY}}}KeyField")
        assert [k.findtext(f"{{{NS_ENTITY_KEY}}}Value") for k in keys] == ["K-1"]
    _, context = body_of(adapter.posts[1])
    assert context.findtext(f"{{{NS_CONTEXT}}}MessageId") == ax.message_guid("flow:1:abc")


def test_find_sends_query_criteria_as_the_repeated_sequence_and_filters_the_result(port):
    portset, svc = port
    client, adapter = make_client(portset, svc)
    xsd = schema(portset)
    key = svc.key_fields[0]
    criteria = [
        Criterion(svc.root.name, key, "Equal", "K-1"),
        Criterion(svc.root.name, key, "Range", "A", "Z"),
    ]

    found = client.find(svc.name, criteria)
    none = client.find(
        svc.name, [Criterion(svc.root.name, key, "Equal", "K-1"), Criterion(svc.root.name, key, "Equal", "K-2")]
    )
    keys = client.find_keys(svc.name, criteria)

    body, _ = body_of(adapter.posts[0])
    valid(xsd, body)
    elements = body.findall(f"{{{NS_QUERY_CRITERIA}}}QueryCriteria/{{{NS_QUERY_CRITERIA}}}CriteriaElement")
    assert [e.findtext(f"{{{NS_QUERY_CRITERIA}}}Operator") for e in elements] == ["Equal", "Range"]
    assert elements[1].findtext(f"{{{NS_QUERY_CRITERIA}}}Value2") == "Z"
    assert elements[0].find(f"{{{NS_QUERY_CRITERIA}}}Value2") is None
    valid(xsd, body_of(adapter.posts[2])[0])
    # AX joins criteria with OR (D9); a record must match every criterion to come back from find
    assert [r[key] for r in found] == ["K-1"] and none == [] and keys == ["K-1"]


def test_paging_sends_document_paging_and_changed_date_time_and_follows_the_bookmark(port):
    portset, svc = port
    pages = iter([("NEXT-PAGE", "None"), ("", "None")])

    def responder(exchange):
        bookmark, details = next(pages)
        return 200, answer(svc, exchange, bookmark=bookmark, details=details)

    client, adapter = make_client(portset, svc, responder)
    xsd = schema(portset)

    first = client.get_changed_keys(svc.name, datetime(2024, 5, 1, 8, 30, tzinfo=UTC), page_size=2)
    second = client.get_keys(svc.name, page_size=2, bookmark=first.bookmark)

    assert (first.keys, first.bookmark, first.status) == (["K-1"], "NEXT-PAGE", "Success")
    assert second.bookmark == ""
    changed, _ = body_of(adapter.posts[0])
    valid(xsd, changed)
    assert changed.findtext(f"{{{NS_SERVICES}}}_changedDateTime").startswith("2024-05-01T08:30:00")
    assert changed.findtext(f"{{{NS_DOCUMENT_PAGING}}}DocumentPaging/{{{NS_DOCUMENT_PAGING}}}PageSize") == "2"
    keys_request, _ = body_of(adapter.posts[1])
    valid(xsd, keys_request)
    assert keys_request.findtext(f".//{{{NS_DOCUMENT_PAGING}}}Bookmark") == "NEXT-PAGE"
    for exchange in adapter.posts:  # the replies we parsed are valid against the same schema
        valid(xsd, etree.fromstring(answer(svc, exchange, bookmark="B")).find(f"{{{SOAP}}}Body")[0])


def test_page_status_failure_is_reported_not_read_as_no_changes(port):
    portset, svc = port
    client, _ = make_client(portset, svc, lambda ex: (200, answer(svc, ex, details="ChangeTrackingDisabled")))

    page = client.get_changed_keys(svc.name, datetime(2024, 1, 1, tzinfo=UTC))

    assert (page.status, page.details) == ("Failure", "ChangeTrackingDisabled")


def _sample(svc: AxDocumentService) -> dict:
    if svc.name == "CustomerService":
        return {"AccountNum": "C0100", "CustGroup": "RETAIL", "Currency": "GBP", "DirParty": [{"Name": "Acme"}]}
    return {
        "StagingID": "S-1",
        "Account": "401100",
        "Amount": "12.50",
        "CurrencyCode": "GBP",
        "TransDate": "2024-03-01",
    }


def test_create_sends_entities_with_class_entity_and_no_action(port):
    portset, svc = port
    client, adapter = make_client(portset, svc)
    xsd = schema(portset)

    assert client.create(svc.name, [_sample(svc)], message_id="m-1") == ["K-1"]

    body, context = body_of(adapter.posts[0])
    valid(xsd, body)
    valid(xsd, context)
    entities = [e for e in body.iter() if e.get("class") is not None]
    assert entities and all(e.get("class") == "entity" and e.get("action") is None for e in entities)


def test_update_is_partial_with_actions_and_the_document_hash(port):
    portset, svc = port
    client, adapter = make_client(portset, svc)
    xsd = schema(portset)
    current = client.read(svc.name, ["K-1"])
    change = {svc.key_fields[0]: "K-1", "_DocumentHash": current[0]["_DocumentHash"]}
    change.update({"DirParty": [{"Name": "Renamed"}]} if svc.name == "CustomerService" else {"Txt": "Renamed"})

    client.update(svc.name, ["K-1"], [change], message_id="m-2", current=current)

    body, _ = body_of(adapter.posts[-1])
    valid(xsd, body)
    root = body.find(f"{{{svc.namespace}}}{svc.document}/{{{svc.namespace}}}{svc.root.name}")
    assert (root.get("class"), root.get("action")) == ("entity", "update")
    assert root.findtext(f"{{{svc.namespace}}}_DocumentHash") == current[0]["_DocumentHash"]
    assert all(e.get("action") in ("update", "create") for e in root.iter() if e.get("class") == "entity")


# --- Shared types ------------------------------------------------------------------------------------------------
WRAPPER = (
    f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:st="{NS_SHARED}" '
    'targetNamespace="urn:ledgerbridge:contract" elementFormDefault="qualified"><!--IMPORTS-->'
    '<xs:element name="LedgerDimension" type="st:AxdType_MultiTypeAccount"/>'
    '<xs:element name="DefaultDimension" type="st:AxdType_DimensionAttributeValueSet"/></xs:schema>'
)


@pytest.mark.parametrize(
    "value",
    [
        {"Account": "401100"},
        {"Account": "401100", "Values": []},
        {"Account": "401100", "DisplayValue": "401100-022-OU_4", "Values": [{"Name": "Department", "Value": "022"}]},
    ],
)
def test_ledger_account_and_default_dimension_fit_the_real_shared_types(port, value):
    portset, svc = port
    client, _ = make_client(portset, svc)
    client.load(svc.name)
    zclient = client._proxy(svc.name)[0]
    xsd = schema(portset, WRAPPER)
    account = ax.multi_type_account(value)
    parent = etree.Element("wrapper")
    zeep.xsd.Element(
        etree.QName("urn:ledgerbridge:contract", "LedgerDimension"),
        zclient.get_type(f"{{{NS_SHARED}}}AxdType_MultiTypeAccount"),
    ).render(parent, account)

    valid(xsd, parent[0])
    assert parent[0].findtext(f"{{{NS_SHARED}}}DisplayValue")
    assert (parent[0].find(f"{{{NS_SHARED}}}Values") is None) == (not value.get("Values"))
    dims = ax._dimension_values(value.get("Values"))
    if dims:
        zeep.xsd.Element(
            etree.QName("urn:ledgerbridge:contract", "DefaultDimension"),
            zclient.get_type(f"{{{NS_SHARED}}}AxdType_DimensionAttributeValueSet"),
        ).render(parent, {"Values": dims})
        valid(xsd, parent[1])


# --- Faults ------------------------------------------------------------------------------------------------------
def test_a_fault_with_only_an_infolog_is_read_from_the_data_contract_namespace(port):
    portset, svc = port
    xsd = schema(portset)
    detail = etree.fromstring(aif_fault(["x"])).find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault/detail")[0]
    valid(xsd, detail)

    duplicate, _ = make_client(
        portset, svc, lambda ex: (500, aif_fault(["Duplicate message. Message has already been processed."]))
    )
    refused, _ = make_client(portset, svc, lambda ex: (500, aif_fault(["Field 'Customer group' must be filled in."])))
    missing, _ = make_client(
        portset, svc, lambda ex: (500, aif_fault(["No valid document identified from the entity key"]))
    )
    bare, _ = make_client(portset, svc, lambda ex: (500, aif_fault([], with_infolog=False)))

    with pytest.raises(DuplicateMessageError):
        duplicate.create(svc.name, [_sample(svc)], message_id="m")
    with pytest.raises(ValidationError, match="Customer group' must be filled in") as refusal:
        refused.create(svc.name, [_sample(svc)])
    assert not isinstance(refusal.value, DuplicateMessageError)
    with pytest.raises(NotFoundError):
        missing.read(svc.name, ["K-9"])
    with pytest.raises(AmbiguousError, match="Include exceptions in fault"):
        bare.create(svc.name, [_sample(svc)])


# --- The sandbox cannot drift ------------------------------------------------------------------------------------
FRAMEWORK_TYPES = [
    (NS_CONTEXT, "CallContext"),
    (NS_ENTITY_KEY, "EntityKey"),
    (NS_ENTITY_KEY, "KeyData"),
    (NS_ENTITY_KEY, "KeyField"),
    (NS_ENTITY_KEY_LIST, "EntityKeyList"),
    (NS_QUERY_CRITERIA, "QueryCriteria"),
    (NS_QUERY_CRITERIA, "CriteriaElement"),
    (NS_DOCUMENT_PAGING, "DocumentPaging"),
    (NS_ENTITY_KEY_PAGE, "EntityKeyPage"),
    (NS_FAULT, "AifFault"),
    (NS_FAULT, "ArrayOfFaultMessageList"),
    (NS_FAULT, "FaultMessageList"),
    (NS_FAULT, "ArrayOfFaultMessage"),
    (NS_FAULT, "FaultMessage"),
    (NS_INFOLOG, "ArrayOfInfologMessage"),
    (NS_INFOLOG, "InfologMessage"),
    (NS_SHARED, "AxdType_MultiTypeAccount"),
    (NS_SHARED, "AxdType_DimensionAttributeValueSet"),
    (NS_SHARED, "AxdType_DimensionAttributeValues"),
    (NS_SHARED, "AxdType_DimensionAttributeValue"),
]
SIMPLE_TYPES = [
    (NS_ENTITY_KEY_PAGE, "EntityKeyPageStatus"),
    (NS_ENTITY_KEY_PAGE, "EntityKeyPageStatusDetails"),
    (NS_QUERY_CRITERIA, "Operator"),
    (NS_INFOLOG, "InfologMessageType"),
    (NS_SHARED, "AxdEnum_AxdEntityAction"),
]
XS = "{http://www.w3.org/2001/XMLSchema}"


def _shape(schemas: dict[str, etree._Element], ns: str, name: str, kind: str) -> list[tuple]:
    for root in schemas.values():
        if root.get("targetNamespace") != ns:
            continue
        for elem in root.findall(f"{XS}{kind}"):
            if elem.get("name") == name:
                out = []
                for item in elem.iter(f"{XS}element", f"{XS}sequence", f"{XS}attribute", f"{XS}enumeration"):
                    out.append(
                        (
                            etree.QName(item).localname,
                            item.get("name") or item.get("ref", "").rpartition(":")[2] or item.get("value"),
                            (item.get("type") or "").rpartition(":")[2],
                            item.get("minOccurs", "1"),
                            item.get("maxOccurs", "1"),
                            item.get("nillable", "false"),
                            item.get("use", ""),
                            item.get("fixed", ""),
                        )
                    )
                return out
    raise AssertionError(f"{{{ns}}}{name} is not declared")


def test_the_sandbox_declares_the_framework_types_exactly_as_real_ax():
    real = real_port().schema_files()
    sandbox = sandbox_port().schema_files()

    for ns, name in FRAMEWORK_TYPES:
        assert _shape(sandbox, ns, name, "complexType") == _shape(real, ns, name, "complexType"), name
    for ns, name in SIMPLE_TYPES:
        assert _shape(sandbox, ns, name, "simpleType") == _shape(real, ns, name, "simpleType"), name


def test_the_sandbox_entities_declare_class_required_and_action_like_real_ax():
    real = real_port().schema_files()
    sandbox = sandbox_port().schema_files()
    real_entity = _shape(real, REAL_SERVICE.namespace, "AxdEntity_STG_SINVTable", "complexType")
    attributes = [item for item in real_entity if item[0] == "attribute"]

    for name in ("AxdEntity_CustTable", "AxdEntity_DirParty_DirPartyTable", "AxdEntity_CustInvoiceLine"):
        ns = SERVICES["FreeTextInvoiceService" if "Invoice" in name else "CustomerService"].namespace
        assert [i for i in _shape(sandbox, ns, name, "complexType") if i[0] == "attribute"] == attributes
    assert CUST_TABLE.child("DirParty").subtypes == ("DirOrganization", "DirPerson")


NET_TCP_WSDL = (
    # the shape of a basic (AOS, net.tcp) port's WSDL: service named after the port, NetTcpBinding_<ExternalName>
    '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"'
    ' xmlns:tns="http://tempuri.org/" xmlns:i0="http://schemas.microsoft.com/dynamics/2008/01/services" name="Finance"'
    ' targetNamespace="http://tempuri.org/"><wsdl:types/>'
    '<wsdl:binding name="NetTcpBinding_CustomerService" type="i0:CustomerService">'
    '<soap12:binding transport="http://schemas.microsoft.com/soap/tcp"/></wsdl:binding>'
    '<wsdl:service name="Finance">'
    '<wsdl:port name="NetTcpBinding_CustomerService" binding="tns:NetTcpBinding_CustomerService">'
    '<soap12:address location="net.tcp://aos.example.test:8201/DynamicsAx/Services/Finance"/></wsdl:port></wsdl:service>'
    "</wsdl:definitions>"
)


def test_a_net_tcp_port_is_explained_not_called():
    url = "http://aos.example.test/DynamicsAx/Services/Finance"
    portset = PortSet("nettcp", url, {url + "?wsdl": NET_TCP_WSDL.encode()})
    client, _ = make_client(portset, SERVICES["CustomerService"])

    with pytest.raises(ProtocolError, match="NetTcp port of the AOS"):
        client.load("CustomerService")


@pytest.mark.parametrize("service", ["FreeTextInvoiceService", "LedgerGeneralJournalService", "CustomerService"])
def test_every_document_the_flows_create_is_valid_against_the_sandbox_port(service):
    """The real port has no standard document, so the documents with ledger accounts, dimensions and DirParty are
    validated against the sandbox's port, whose shared types are the real ones (test above)."""
    from tests.integrations.ax.conftest import invoice, journal

    svc = SERVICES[service]
    documents = {
        "FreeTextInvoiceService": invoice(),
        "LedgerGeneralJournalService": journal(),
        "CustomerService": {
            "AccountNum": "C0100",
            "CustGroup": "RETAIL",
            "Currency": "GBP",
            "DirParty": [{"Name": "Jo Bloggs", "_type": "DirPerson", "DirPartyPostalAddressView": [{"City": "Leeds"}]}],
        },
    }
    portset = sandbox_port()
    client, adapter = make_client(portset, svc)

    client.create(service, [documents[service]])

    body, _ = body_of(adapter.posts[0])
    valid(schema(portset), body)
    if service == "CustomerService":
        party = body.find(f".//{{{svc.namespace}}}DirParty")
        assert party.get(f"{{{XSI}}}type").endswith("AxdEntity_DirParty_DirPerson")
    else:
        accounts = body.findall(f".//{{{svc.namespace}}}LedgerDimension")
        assert accounts and all(a.find(f"{{{NS_SHARED}}}DisplayValue") is not None for a in accounts)


def test_exchange_rates_are_read_by_pair_key_in_a_request_the_port_accepts():
    """LedgerExchangeRatesService (CR): the connector's read of one currency pair is a valid request on the port that
    declares the service, and the nested CurrencyPair/ExchangeRate answer is read back row by row."""
    svc = SERVICES["ExchangeRateService"]
    portset = sandbox_port()

    def responder(exchange):
        body = (
            f'<ExchangeRates xmlns="{svc.namespace}"><CurrencyPair class="entity">'
            "<_DocumentHash>0f1e2d3c4b5a69788796a5b4c3d2e1f0</_DocumentHash>"
            "<FromCurrencyCode>EUR</FromCurrencyCode><ToCurrencyCode>GBP</ToCurrencyCode>"
            "<ExchangeRateType>Default</ExchangeRateType>"
            '<ExchangeRate class="entity"><ValidFrom>2024-01-01</ValidFrom><ExchangeRate>86.0000</ExchangeRate>'
            '</ExchangeRate><ExchangeRate class="entity"><ValidFrom>2024-06-01</ValidFrom>'
            "<ExchangeRate>85.0000</ExchangeRate></ExchangeRate></CurrencyPair></ExchangeRates>"
        )
        wrapper = f"{svc.name}ReadResponse"
        return 200, (
            f'<s:Envelope xmlns:s="{SOAP}"><s:Body><{wrapper} xmlns="{NS_SERVICES}">{body}</{wrapper}></s:Body>'
            "</s:Envelope>"
        ).encode()

    client, adapter = make_client(portset, svc, responder)

    [pair] = client.read(svc.name, ["EUR/GBP/Default"])

    body, _ = body_of(adapter.posts[0])
    assert adapter.posts[0].action == f"{NS_SERVICES}/ExchangeRateService/read"
    valid(schema(portset), body)
    fields = {
        k.findtext(f"{{{NS_ENTITY_KEY}}}Field"): k.findtext(f"{{{NS_ENTITY_KEY}}}Value")
        for k in body.findall(f".//{{{NS_ENTITY_KEY}}}KeyField")
    }
    assert fields == {"FromCurrencyCode": "EUR", "ToCurrencyCode": "GBP", "ExchangeRateType": "Default"}
    assert [(r["ValidFrom"], r["ExchangeRate"]) for r in pair["ExchangeRate"]] == [
        ("2024-01-01", "86.0000"),
        ("2024-06-01", "85.0000"),
    ]
    valid(schema(portset), etree.fromstring(responder(adapter.posts[0])[1]).find(f"{{{SOAP}}}Body")[0])
    assert sorted(next(s.operations for s in client.discover() if s.name == svc.name)) == ["create", "read"]

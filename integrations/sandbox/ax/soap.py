"""SOAP 1.1 envelopes of the AIF simulator: parse a request, build an answer or a fault shaped like AX's.

AX answers a refused document with a SOAP fault whose faultstring is the generic "Request Failed. See the
Exception Log for details." and whose detail is an ``AifFault`` carrying the messages of the exception log
(the inbound port has "Include exceptions in fault" switched on). WCF-level problems (malformed XML, an action
the service does not know) are faults without an AifFault detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from integrations.connectors.dynamics_ax.documents import NS_CONTEXT, NS_FAULT, NS_INFOLOG, NS_SERVICES

# The Infolog SOAP header AX can add to an answer (audit W7: an Oracle AX client parses it). No public schema shows
# its element names: namespace and shape are inferred.
NS_INFOLOG_HEADER = "http://schemas.microsoft.com/dynamics/2008/01/documents/Infolog"

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
AIF_FAULT_STRING = "Request Failed. See the Exception Log for details."

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


@dataclass
class FaultEntry:
    message: str
    code: str = ""
    field: str = ""
    xpath: str = ""


class AifError(Exception):
    """A document AX refused: answered as a SOAP fault with an AifFault detail."""

    def __init__(self, entries: list[FaultEntry] | str, *, code: str = "", xpath: str = "", field: str = ""):
        if isinstance(entries, str):
            entries = [FaultEntry(entries, code=code, xpath=xpath, field=field)]
        self.entries = entries
        super().__init__("; ".join(e.message for e in entries))


class SoapClientError(Exception):
    """The message itself is wrong (not XML, not SOAP, an unknown action): a plain SOAP fault."""

    def __init__(self, message: str, *, code: str = "s:Client"):
        self.code = code
        super().__init__(message)


@dataclass
class Envelope:
    body: etree._Element  # the request wrapper element, e.g. CustomerServiceCreateRequest
    context: dict = field(default_factory=dict)  # CallContext fields


def local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_envelope(raw: bytes) -> Envelope:
    if not raw or not raw.strip():
        raise SoapClientError("The message body is empty; a SOAP 1.1 envelope was expected.")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapClientError(
            f"The formatter threw an exception while trying to deserialize the message: {exc}"
        ) from None
    if root.tag != f"{{{NS_SOAP}}}Envelope":
        raise SoapClientError(
            "The message is not a SOAP 1.1 envelope "
            f"(root element '{local(root.tag)}' in namespace '{etree.QName(root).namespace or ''}')."
        )
    context: dict = {}
    header = root.find(f"{{{NS_SOAP}}}Header")
    if header is not None:
        ctx = header.find(f"{{{NS_CONTEXT}}}CallContext")
        if ctx is not None:
            for child in ctx:
                name = local(child.tag)
                if name and name != "PropertyBag":
                    context[name] = (child.text or "").strip()
    body = root.find(f"{{{NS_SOAP}}}Body")
    children = [c for c in body if isinstance(c.tag, str)] if body is not None else []
    if not children:
        raise SoapClientError("The SOAP envelope has no body element.")
    return Envelope(body=children[0], context=context)


def _envelope(body_child: etree._Element, warnings: list[str] | None = None) -> bytes:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"s": NS_SOAP})
    if warnings:
        header = etree.SubElement(env, f"{{{NS_SOAP}}}Header")
        infolog = etree.SubElement(header, f"{{{NS_INFOLOG_HEADER}}}Infolog", nsmap={None: NS_INFOLOG_HEADER})
        for text in warnings:
            entry = etree.SubElement(infolog, f"{{{NS_INFOLOG_HEADER}}}Entry")
            entry.set("type", "Warning")
            entry.text = text
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body")
    body.append(body_child)
    return etree.tostring(env, xml_declaration=False, encoding="utf-8")


def response(wrapper: str, children: list[etree._Element], *, warnings: list[str] | None = None) -> bytes:
    elem = etree.Element(f"{{{NS_SERVICES}}}{wrapper}", nsmap={None: NS_SERVICES})
    for child in children:
        elem.append(child)
    return _envelope(elem, warnings)


def _text(parent: etree._Element, name: str, value: str | None, ns: str = NS_FAULT) -> etree._Element:
    elem = etree.SubElement(parent, f"{{{ns}}}{name}")
    if value is None:
        elem.set(f"{{{NS_XSI}}}nil", "true")
    else:
        elem.text = value
    return elem


def aif_fault(
    error: AifError, *, service: str, operation: str, document: str, include_exceptions: bool = True
) -> bytes:
    """A SOAP fault with an ``AifFault`` detail shaped as the real schema (xsd=xsd14/15).

    With "Include exceptions in fault" on, the exception log's messages come in ``InfologMessageList`` (items
    ``InfologMessage`` in the data contract namespace), which is where practitioner clients read them (audit W5);
    entries that point at a document field (schema validation, mandatory fields) also come in
    ``FaultMessageListArray`` (inferred: which list AX fills for which error is not documented). With the option
    off the fault only says "Request Failed. See the Exception Log for details." (D10).
    """
    fault = etree.Element(f"{{{NS_SOAP}}}Fault")
    code = etree.SubElement(fault, "faultcode")
    code.text = "s:Client"
    reason = etree.SubElement(fault, "faultstring")
    reason.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    reason.text = AIF_FAULT_STRING
    detail = etree.SubElement(fault, "detail")
    aif = etree.SubElement(detail, f"{{{NS_FAULT}}}AifFault", nsmap={None: NS_FAULT, "i": NS_XSI})
    _text(aif, "CustomDetailXml", None)
    located = [e for e in error.entries if e.xpath or e.field] if include_exceptions else []
    if located:
        lists = etree.SubElement(aif, f"{{{NS_FAULT}}}FaultMessageListArray")
        for entry in located:
            fml = etree.SubElement(lists, f"{{{NS_FAULT}}}FaultMessageList")
            _text(fml, "Document", document)
            _text(fml, "DocumentOperation", operation)
            array = etree.SubElement(fml, f"{{{NS_FAULT}}}FaultMessageArray")
            msg = etree.SubElement(array, f"{{{NS_FAULT}}}FaultMessage")
            _text(msg, "Code", entry.code)
            _text(msg, "Message", entry.message)
            _text(fml, "Field", entry.field or None)
            _text(fml, "Service", service)
            _text(fml, "ServiceOperation", operation)
            _text(fml, "ServiceOperationParameter", None)
            _text(fml, "XPath", entry.xpath or None)
            _text(fml, "XmlLine", None)
            _text(fml, "XmlPosition", None)
    else:
        _text(aif, "FaultMessageListArray", None)
    if include_exceptions:
        infolog = etree.SubElement(aif, f"{{{NS_FAULT}}}InfologMessageList", nsmap={"b": NS_INFOLOG})
        for entry in error.entries:
            item = etree.SubElement(infolog, f"{{{NS_INFOLOG}}}InfologMessage")
            _text(item, "InfologMessageType", "Error", NS_INFOLOG)
            _text(item, "Message", entry.message, NS_INFOLOG)
    else:
        _text(aif, "InfologMessageList", None)
    _text(aif, "StackTrace", None)
    _text(aif, "XppExceptionType", "3")
    return _envelope(fault)


def plain_fault(message: str, *, code: str = "s:Client") -> bytes:
    fault = etree.Element(f"{{{NS_SOAP}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    reason = etree.SubElement(fault, "faultstring")
    reason.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    reason.text = message
    return _envelope(fault)

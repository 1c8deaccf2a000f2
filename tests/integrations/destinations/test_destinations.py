"""The URL checks behind findings 1 and 7: new destinations, plain http, addresses inside the network."""

from __future__ import annotations

import pytest

from integrations.destinations import (
    UnsafeDestination,
    check_destination,
    check_transport,
    is_local_host,
    new_destinations,
)


def fake_dns(answers: dict[str, list[str]]):
    return lambda host, port: answers.get(host, [])


def test_a_new_host_port_or_scheme_is_a_new_destination_a_new_path_is_not():
    base = "https://kf.example.com/v2/"
    assert not new_destinations(base, {}, "https://kf.example.com/v2/other/", {})
    assert not new_destinations(base, {}, "HTTPS://KF.example.com:443/v2/", {})
    assert new_destinations(base, {}, "https://evil.example.net/v2/", {}) == {("https", "evil.example.net", 443)}
    assert new_destinations(base, {}, "https://kf.example.com:8443/v2/", {})
    assert new_destinations(base, {}, "http://kf.example.com/v2/", {})


def test_a_changed_per_service_url_host_is_a_new_destination():
    before = {"service_user": "svc", "wsdl_url": "https://ax.corp.example/aif/?wsdl"}
    assert not new_destinations("https://ax.corp.example/", before, "https://ax.corp.example/", dict(before))
    after = {**before, "wsdl_url": "https://attacker.example/aif/?wsdl"}
    assert new_destinations("https://ax.corp.example/", before, "https://ax.corp.example/", after) == {
        ("https", "attacker.example", 443)
    }


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.1", "[::1]", "app.localhost"])
def test_this_machine_is_local(host):
    assert is_local_host(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "axserver", "example.com", "0.0.0.0"])
def test_other_hosts_are_not_local(host):
    assert not is_local_host(host)


def test_plain_http_only_to_this_machine_or_when_allowed():
    check_transport("https://kf.example.com/", allow_insecure=False)
    check_transport("http://127.0.0.1:8000/sandbox/", allow_insecure=False)
    with pytest.raises(UnsafeDestination, match="Allow insecure http"):
        check_transport("http://axserver:8101/", allow_insecure=False)
    check_transport("http://axserver:8101/", allow_insecure=True)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]:8000/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://172.16.5.5/", "private"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
    ],
)
def test_addresses_inside_the_network_are_refused(url, kind):
    with pytest.raises(UnsafeDestination, match=kind):
        check_destination(url, allowed_private_hosts=[])


def test_a_name_resolving_inside_is_refused_and_public_ones_pass():
    dns = fake_dns({"metadata.attacker.example": ["169.254.169.254"], "kf.example.com": ["93.184.216.34"]})
    with pytest.raises(UnsafeDestination, match="link-local"):
        check_destination("https://metadata.attacker.example/", allowed_private_hosts=[], resolver=dns)
    check_destination("https://kf.example.com/", allowed_private_hosts=[], resolver=dns)
    check_destination("https://nowhere.example/", allowed_private_hosts=[], resolver=dns)  # fails on its own


def test_allowed_private_hosts_by_name_address_or_network():
    dns = fake_dns({"axserver": ["10.20.0.5"], "other": ["10.30.0.5"]})
    check_destination("http://axserver:8101/", allowed_private_hosts=["AXSERVER"], resolver=dns)
    check_destination("http://other/", allowed_private_hosts=["10.30.0.0/16"], resolver=dns)
    check_destination("http://127.0.0.1:8000/", allowed_private_hosts=["127.0.0.1"])
    with pytest.raises(UnsafeDestination):
        check_destination("http://other/", allowed_private_hosts=["axserver"], resolver=dns)

import socket

import pytest

from integrations.services import connections as services

KF_PASSWORD = "kf-Pass-Zq81xw"
KF_WORD = "otterMemWord77"
AX_PASSWORD = "ax-Pass-Ym55vq"
SECRETS = (KF_PASSWORD, KF_WORD, AX_PASSWORD)


def refused_url() -> str:
    """An http URL on which nothing listens: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def kashflow_connection(db):
    return services.create_connection(
        name="Acme KashFlow",
        system="kashflow",
        base_url=refused_url(),
        settings={"username": "acme"},
        credentials={"password": KF_PASSWORD, "memorable_word": KF_WORD},
    )


@pytest.fixture
def ax_connection(db):
    return services.create_connection(
        name="Acme AX",
        system="dynamics_ax",
        base_url="http://axserver:8101/",  # an on-premises AIF port over plain http: the admin said so
        allow_insecure_http=True,
        company="DAT",
        settings={"service_user": "CONTOSO\\aifuser"},
        credentials={"service_password": AX_PASSWORD},
    )

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from integrations.credentials import CredentialsError, decrypt_credentials, encrypt_credentials, rotate_token

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def test_credentials_round_trip():
    token = encrypt_credentials({"password": "s3cret", "memorable_word": "otter"})
    assert "s3cret" not in token
    assert decrypt_credentials(token) == {"password": "s3cret", "memorable_word": "otter"}


def test_no_credentials_encrypt_to_an_empty_string():
    assert encrypt_credentials({}) == ""
    assert decrypt_credentials("") == {}


def test_a_new_key_in_front_still_decrypts_what_the_old_key_encrypted():
    with override_settings(CREDENTIALS_KEYS=[OLD_KEY]):
        old_token = encrypt_credentials({"password": "s3cret"})
    with override_settings(CREDENTIALS_KEYS=[NEW_KEY, OLD_KEY]):
        assert decrypt_credentials(old_token) == {"password": "s3cret"}
        new_token = encrypt_credentials({"password": "s3cret"})
        rotated = rotate_token(old_token)
    with override_settings(CREDENTIALS_KEYS=[NEW_KEY]):
        assert decrypt_credentials(new_token) == {"password": "s3cret"}
        assert decrypt_credentials(rotated) == {"password": "s3cret"}
        with pytest.raises(CredentialsError):
            decrypt_credentials(old_token)


def test_a_wrong_key_gives_a_clear_error():
    with override_settings(CREDENTIALS_KEYS=[OLD_KEY]):
        token = encrypt_credentials({"password": "s3cret"})
    with override_settings(CREDENTIALS_KEYS=[NEW_KEY]), pytest.raises(CredentialsError, match="cannot be decrypted"):
        decrypt_credentials(token)


def test_a_missing_key_gives_a_clear_error():
    with override_settings(CREDENTIALS_KEYS=[]), pytest.raises(CredentialsError, match="CREDENTIALS_KEYS is not set"):
        encrypt_credentials({"password": "s3cret"})


def test_a_malformed_key_gives_a_clear_error():
    with (
        override_settings(CREDENTIALS_KEYS=["not-a-key"]),
        pytest.raises(CredentialsError, match="not a Fernet key"),
    ):
        encrypt_credentials({"password": "s3cret"})

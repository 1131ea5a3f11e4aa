"""secrets.toml read through st.secrets: no file is looked for on every rerun, and a new st.secrets is read."""

import streamlit as st

from app.common import server_secrets


class NoFile:
    """st.secrets without a secrets.toml: every access raises, as Streamlit's does."""

    def __init__(self):
        self.looked = 0

    def __len__(self):
        self.looked += 1
        raise FileNotFoundError("No secrets found")


def test_no_secrets_file_is_looked_for_once_in_a_while_and_a_new_one_is_read(monkeypatch):
    missing = NoFile()
    monkeypatch.setattr(st, "secrets", missing)
    monkeypatch.setattr(server_secrets, "_missing", {})
    assert server_secrets.secret_section("vae_explorer") == {} and not server_secrets.has_secret("auth")
    assert server_secrets.secret_section("vae_explorer") == {}
    assert missing.looked == 1  # three reads, one look at the disk
    monkeypatch.setattr(st, "secrets", {"auth": {"client_id": "x"}, "vae_explorer": {"data_roots": ["/srv"]}})
    assert server_secrets.has_secret("auth")  # a new st.secrets (AppTest's, or a reload) is read at once
    assert server_secrets.secret_section("vae_explorer") == {"data_roots": ["/srv"]}
    assert server_secrets.secret_section("nothing") == {}


def test_the_no_file_answer_expires(monkeypatch):
    missing = NoFile()
    monkeypatch.setattr(st, "secrets", missing)
    monkeypatch.setattr(server_secrets, "_missing", {})
    clock = [100.0]
    monkeypatch.setattr(server_secrets.time, "monotonic", lambda: clock[0])
    server_secrets.secret_section("x")
    clock[0] += server_secrets.NO_SECRETS_KEPT_S + 0.1
    server_secrets.secret_section("x")
    assert missing.looked == 2

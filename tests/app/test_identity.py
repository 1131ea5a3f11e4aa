"""Who a visitor is: a browser by its cookie (one id for every tab), its address behind trusted proxies only,
and the codes' bound on guesses."""

import pytest

from app.common import identity
from testkit.apptest import new_page

BROWSER = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    ("10.0.0.2", ["6.6.6.6, 198.51.100.7"], 0, "10.0.0.2"),  # the header is not believed by default
    ("10.0.0.2", ["6.6.6.6, 198.51.100.7"], 1, "198.51.100.7"),  # what our proxy saw, not what the client wrote
    ("10.0.0.2", ["6.6.6.6", "198.51.100.7, 10.0.0.9"], 2, "198.51.100.7"),  # two proxies, repeated headers
    ("10.0.0.2", ["198.51.100.7"], 3, "10.0.0.2"),  # fewer hops than proxies: the peer
    ("10.0.0.2", ["not-an-address"], 1, None),
    (None, [], 0, None),  # a visitor on the server itself (Streamlit gives no address for localhost)
    (object(), [], 0, None),  # anything but a string (AppTest's stand-in)
    ("2001:DB8::1", [], 0, "2001:db8::1"),
])
def test_the_client_address(monkeypatch, peer, forwarded, trusted, expected):
    monkeypatch.setattr(identity, "_connection", lambda: (peer, forwarded))
    assert identity.client_address(trusted) == expected


def _cookie_components(at):
    return [e for e in at.get("bidi_component") if e.proto.component_name.endswith("vae_visitor_cookie")]


def test_a_browser_with_the_cookie_is_the_same_visitor_in_every_tab(monkeypatch):
    monkeypatch.setattr(identity, "_cookies", lambda: {identity.COOKIE: BROWSER})
    tabs = [new_page("training", timeout=90).run() for _ in range(2)]
    assert [t.session_state["visitor_browser"] for t in tabs] == [BROWSER, BROWSER]
    assert not any(_cookie_components(t) for t in tabs)  # nothing to write


def test_a_browser_without_it_gets_a_new_id_and_the_cookie_is_written(monkeypatch):
    monkeypatch.setattr(identity, "_cookies", lambda: {identity.COOKIE: "../../etc/passwd"})
    at = new_page("training", timeout=90).run()
    made = at.session_state["visitor_browser"]
    assert identity.BROWSER_ID.fullmatch(made) and made != BROWSER
    (writer,) = _cookie_components(at)
    assert made in writer.proto.json and "document.cookie" not in writer.proto.json  # the id, as data


def test_wrong_codes_are_bounded_per_address():
    who = "198.51.100.99"
    for _ in range(identity.MAX_WRONG_CODES):
        assert not identity.check_code("guess", "secret", who)
    assert identity.tries_left(who) == 0
    assert not identity.check_code("secret", "secret", who)  # locked out, even with the right code
    assert identity.check_code("secret", "secret", "198.51.100.100")
    assert not identity.check_code("anything", None, "198.51.100.101")  # no code configured: nothing opens

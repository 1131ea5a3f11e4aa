"""A finished run's "Compare" link: it names the run's model and its partner, the visitor's previous saved
run, or the shipped model of its latent size, and its address is one the Compare page accepts."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from app.training.live import compare_link, compare_partner


def _run(number, latent=2, saved=True, model=None):
    return SimpleNamespace(number=number, saved=saved, model_name=model or f"user:run-{number}",
                           cfg=SimpleNamespace(latent_dim=latent))


def test_the_partner_is_the_previous_saved_run_else_the_shipped_model_of_its_size():
    first, failed, third = _run(1), _run(2, saved=False), _run(3)
    assert compare_partner(third, [first, failed, third]) == "user:run-1"
    assert compare_partner(first, [first, failed, third]) == "mnist-2d"
    assert compare_partner(_run(1, latent=16), []) == "mnist-16d"


def test_the_link_opens_the_compare_page_with_both_models():
    runs = [_run(1, model="user:beta small"), _run(2)]
    text = compare_link(runs[1], runs)
    assert "Compare this model with ★ beta small" in text
    target = text.split("](", 1)[1].split(")", 1)[0]
    assert urlsplit(target).path == "compare"
    assert parse_qs(urlsplit(target).query)["models"] == ["user:run-2,user:beta small"]

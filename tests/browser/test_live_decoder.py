"""The JS decoder in app/common/live_decoder.js, run in headless Chromium, equals model.decode.

No Streamlit here: the module is imported from a blob URL in a blank page and its
exported createDecoder is fed the same payload the page sends.
"""

import base64

import numpy as np
import pytest
import torch

from app.common.component_js import component_js
from testkit.browser import REPO, chromium_page, require_chromium
from vae_core import load_model
from vae_core.latent.browser_decoder import decoder_blob
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE

pytestmark = pytest.mark.browser
JS = component_js(REPO / "app/common/live_decoder.js")  # as the page is sent it: dom.js in front

RUN = """async ([src, b64, zs, labels]) => {
  const url = URL.createObjectURL(new Blob([src], {type: 'text/javascript'}));
  const mod = await import(url);
  const raw = atob(b64), bytes = new Uint8Array(raw.length + 1);
  for (let i = 0; i < raw.length; i++) bytes[i + 1] = raw.charCodeAt(i);
  const decode = mod.createDecoder(mod.parseBlob(bytes.subarray(1)));  // an unaligned view, as Streamlit may pass
  return zs.map((z, i) => Array.from(decode(z, labels[i])));
}"""


def browser_decode(page, model, zs, labels=None):
    labels = labels if labels is not None else [None] * len(zs)
    blob = base64.b64encode(decoder_blob(model)[1]).decode()
    return np.asarray(page.evaluate(RUN, [JS, blob, zs, labels]))


@pytest.fixture(scope="module")
def page():
    require_chromium()
    with chromium_page() as p:
        p.set_content("<html><body></body></html>")
        yield p


def test_mnist_16d_decodes_identically_in_the_browser(page):
    model = load_model("mnist-16d")
    zs = np.random.default_rng(0).standard_normal((6, 16)) * 1.5
    zs[0] = 0
    zs[1, 3] = 4.0  # the slider's edge
    got = browser_decode(page, model, zs.tolist())
    want = model.decode(torch.tensor(zs, dtype=torch.float32)).detach().numpy()
    assert got.shape == want.shape == (6, 784)
    assert np.max(np.abs(got - want)) <= 1e-4
    assert np.std(want) > 0.1  # real digits, not a blank canvas that would trivially agree


def test_conditional_and_one_dimensional_models_decode_identically(page):
    torch.manual_seed(0)
    cond = VAE(VAEConfig(image_shape=(5, 5), latent_dim=3, hidden=(16, 8), labels=("a", "b", "c"),
                         conditional=True)).eval()
    zs = np.random.default_rng(1).standard_normal((3, 3)).tolist()
    got = browser_decode(page, cond, zs, [0, 1, 2])
    want = cond.decode(torch.tensor(zs, dtype=torch.float32), torch.tensor([0, 1, 2])).detach().numpy()
    assert np.max(np.abs(got - want)) <= 1e-4
    wrong_label = browser_decode(page, cond, zs, [1, 2, 0])
    assert np.max(np.abs(wrong_label - want)) > 1e-3  # the label really feeds the decoder

    one = VAE(VAEConfig(image_shape=(3, 3), latent_dim=1, hidden=(4,))).eval()
    got = browser_decode(page, one, [[-2.0], [0.7]])
    want = one.decode(torch.tensor([[-2.0], [0.7]])).detach().numpy()
    assert np.max(np.abs(got - want)) <= 1e-4

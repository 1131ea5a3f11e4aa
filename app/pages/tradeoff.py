"""The beta^2 trade-off: three Gaussian-decoder VAEs that differ only in the decoder variance."""

import streamlit as st

from app.common.layout import folded, page_intro
from app.common.ui import user_errors
from app.latent_map.tau import tau_select
from app.tradeoff.cache import MODELS, available
from app.tradeoff.views import columns, explanation, metric_formulas

page_intro("The β² trade-off",
           "Three VAEs that differ only in the decoder variance β², side by side: as β² grows, the codes shrink onto "
           "the prior, the KL falls and the reconstructions blur.", "tradeoff")
# A link by address, not st.page_link: the page also runs alone (its tests), without the router's pages.
st.markdown(":material/model_training: Train a fourth model: the [Train a VAE](training) page's preset "
            "**β² large**, with the decoder std β you choose; or set these three beside any other model on the "
            "[Compare models](compare?models=tradeoff-beta2-0.05,tradeoff-beta2-0.5,tradeoff-beta2-2) page.")

models = available()
if len(models) < len(MODELS):
    st.error("The trade-off models are missing from pretrained/: " + ", ".join(sorted(set(MODELS) - set(models))))
    st.stop()

tau = tau_select("Gap threshold τ (nats), the same for all three", "tradeoff_tau")
with user_errors():
    columns(models, tau)
with folded("The mathematics: why β² weighs the KL term, and β² against the KL weight λ"):
    explanation()
with folded("How each figure is computed"):
    metric_formulas()

"""The beta^2 trade-off: three Gaussian-decoder VAEs that differ only in the decoder variance."""

import streamlit as st

from app.common.ui import user_errors
from app.common.what_to_try import what_to_try
from app.tradeoff.cache import MODELS, available
from app.tradeoff.views import columns, explanation, metric_formulas

st.title("The β² trade-off")
st.markdown(
    "Three VAEs with a 2-D latent and a Gaussian decoder $p_D(x\\mid z) = \\mathcal N(\\mu_D(z), \\beta^2 I)$, "
    "trained by the same recipe on the same images; only the decoder variance $\\beta^2$ differs, by a factor "
    "of 10 from one to the next. Maximising the ELBO balances reconstruction against fidelity to the prior, "
    "and $\\beta^2$ sets the exchange rate.")

models = available()
if len(models) < len(MODELS):
    st.error("The trade-off models are missing from pretrained/: " + ", ".join(sorted(set(MODELS) - set(models))))
    st.stop()

with st.expander("Why β² weighs the KL term", expanded=True):
    explanation()

what_to_try("tradeoff")

tau = st.slider("Gap threshold τ (nats), the same for all three", 0.5, 6.0, 2.0, 0.5, key="tradeoff_tau")
with user_errors():
    columns(models, tau)
with st.expander("How each figure is computed", expanded=False):
    metric_formulas()

"""The beta^2 trade-off: three Gaussian-decoder VAEs that differ only in the decoder variance."""

import streamlit as st

from app.common.ui import user_errors
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

with st.expander("What to try", expanded=False):
    st.markdown(
        "1. **Find the holes.** Raise τ until the smallest β² map is mostly red: where in the prior's 2σ disc "
        "does its q(z) leave gaps? Compare the prior samples that decode to non-digits.\n"
        "2. **Watch the codes shrink.** Follow the average KL from left to right: how does it fall as β² grows "
        "tenfold, and what happens to the reconstructions of the same ten images?\n"
        "3. **Posterior collapse.** Train a fourth model with "
        "`python -m vae_core train --config pretrained/tradeoff-beta2-2/train_config.json --beta 2.83 --out my-beta2-8` "
        "(β² = 8): its KL falls to almost zero and every reconstruction becomes the mean digit.")

tau = st.slider("Gap threshold τ (nats), the same for all three", 0.5, 6.0, 2.0, 0.5, key="tradeoff_tau")
with user_errors():
    columns(models, tau)
with st.expander("How each figure is computed", expanded=False):
    metric_formulas()

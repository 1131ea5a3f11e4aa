"""Home: what the selected model generates and how well it reconstructs real digits."""

import streamlit as st

from app.common.cache import get_model
from app.common.glossary import explain
from app.common.layout import folded, page_intro
from app.common.presenter import presenting
from app.common.ui import model_picker, png_grid, user_errors
from app.home.figures import show_metric
from app.home.grids import prior_grid, reconstruction_grid_png
from vae_core.vae.model_card import card_figures
from vae_core.vae.pixels import figure_names
from vae_core.vae.registry import model_card_text

page_intro("VAE latent explorer",
           "A variational autoencoder learns to squeeze a digit into a short code z and to draw a digit back from a "
           "code: below, what the chosen model draws from random codes, how well it redraws real digits, and its "
           "figures.", "home")
SAMPLE_FORMULA = r"z \sim p(z) = \mathcal{N}(0, I), \qquad x = \mu_D(z)"
RECONSTRUCTION_FORMULA = r"\hat{x} = \mu_D\big(\mu(x)\big), \qquad \mu(x) = \mathbb{E}_{q(z\mid x)}[z]"


@st.fragment
def prior_sample_grid(name: str) -> None:
    model = get_model(name)
    st.subheader("Samples from the prior", help=explain("prior"))
    if st.button("New samples", key="resample"):
        st.session_state.sample_seed = st.session_state.get("sample_seed", 0) + 1
    png, caption = prior_grid(name, st.session_state.get("sample_seed", 0), _scale(model))
    png_grid(png, caption)


@st.fragment
def reconstruction_grid(name: str) -> None:
    model = get_model(name)
    data_name = model.card.get("data", {}).get("name")
    st.subheader("Reconstructions of real images")
    if not data_name:
        st.info("This checkpoint does not say which data set it was trained on.")
        return
    with user_errors():
        if st.button("Other images", key="repick"):
            st.session_state.recon_seed = st.session_state.get("recon_seed", 0) + 1
        png, caption = reconstruction_grid_png(name, data_name, st.session_state.get("recon_seed", 0), _scale(model))
        png_grid(png, caption)


def _scale(model) -> int:
    """Each pixel's side in the picture: twice as large in the presenter view, which fills its column."""
    return max(1, 84 // model.config.image_shape[0]) * (2 if presenting() else 1)


def model_card_panel(name: str) -> None:
    model = get_model(name)
    figures = card_figures(model.card)
    # Rows of three: six metrics in one row cut their values off at 1280 px ("Bern…", "150.9…"); a long value
    # keeps its head as the value and the rest below it (app/home/figures.py).
    for start in range(0, len(figures), 3):
        cols = st.columns(3)
        for col, fig in zip(cols, figures[start:start + 3]):
            show_metric(col, fig.label, fig.value, help=_with_glossary(fig.label, fig.help))
    with folded("The mathematics: sampling, reconstruction, and where these figures come from"):
        st.latex(SAMPLE_FORMULA)
        st.latex(RECONSTRUCTION_FORMULA)
        st.latex(r"\mathrm{ELBO}(x) = \mathbb{E}_{q(z\mid x)}[\log p(x\mid z)] - "
                 r"\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)")
        st.latex(r"\mathrm{KL}\big(\mathcal{N}(\mu, \sigma^2)\,\|\,\mathcal{N}(0, I)\big) = "
                 r"\tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\right)")
        st.latex(r"\log p(x) \approx \log \frac{1}{K}\sum_{k=1}^{K} \frac{p(z_k)\,p(x\mid z_k)}{q(z_k\mid x)}, "
                 r"\quad z_k \sim q(z\mid x)")
        st.latex(r"\log p(x) = \mathrm{ELBO}(x) + \mathrm{KL}\big(q(z\mid x)\,\|\,p(z\mid x)\big)")
        names = figure_names(model.config)
        what = "$\\log p(x)$" if names.true_likelihood else "the score"
        lead = "NLL is $-\\log p(x)$" if names.true_likelihood else f"The {names.nll} is minus the sum above"
        st.markdown(f"{lead}, in nats per image. The importance-weighted sum is a lower bound on {what} (so an "
                    "upper bound on its negative): its Monte Carlo standard error measures only how much a rerun "
                    "moves it, not how far below the truth it is, so the effective sample size of its weights is "
                    "shown beside it; for a 2-D latent the exact value, by quadrature, is the headline. "
                    f"{names.note[0].upper()}{names.note[1:]}.")
    card_text = model_card_text(name)
    if card_text:
        with st.expander("Model card"):
            st.markdown(card_text)


# The glossary term each figure's label names, added to its tooltip.
_TERMS = (("ESS", "ESS"), ("IW K=", "IW bound"), ("ELBO", "ELBO"), ("NLL", "NLL"))


def _with_glossary(label: str, help_text: str | None) -> str | None:
    terms = [explain(term) for word, term in _TERMS if word in label]
    return "  \n".join([help_text or "", *terms[:1]]) if terms else help_text


name = model_picker()
if name:
    with user_errors():
        left, right = st.columns(2)
        with left:
            prior_sample_grid(name)
        with right:
            reconstruction_grid(name)
        st.subheader("The model's figures")
        model_card_panel(name)

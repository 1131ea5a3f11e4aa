"""Conditional VAE: generation by label, a latent space that holds style, style transfer, generative classification."""

import streamlit as st

from app.common.cache import get_model
from app.common.image_source import choose_image
from app.common.ui import model_picker, user_errors
from app.common.what_to_try import what_to_try
from app.cvae.maps import side_by_side
from app.cvae.views import accuracy_section, classification, classification_bars, generation_section, style_section

st.title("Conditional VAE")
st.markdown(
    "A conditional VAE gives the label $y$ to both networks: the encoder is $q(z\\mid x, y)$ and the decoder "
    "$p_D(x\\mid z, y)$. It models each class's images separately, with one shared latent space:")
st.latex(r"p(x\mid y) = \int p(z)\, p_D(x\mid z, y)\, dz,\qquad "
         r"\mathrm{ELBO}(x, y) = \mathbb{E}_{q(z\mid x, y)}[\log p_D(x\mid z, y)] - "
         r"\mathrm{KL}\big(q(z\mid x, y)\,\|\,p(z)\big)")

name = model_picker(key="cvae_model", default="mnist-cvae-2d")
if name is None:
    st.stop()
model = get_model(name)
if not model.config.conditional:
    st.warning(
        f"**{name} is not conditional.** It was trained without labels, so it has no p(x|y): it cannot "
        "generate a chosen digit, transfer a style to another label or classify by p(x|y). Pick a conditional "
        "model in the sidebar (mnist-cvae-2d, or mnist-cvae-8d for classification), or train one with "
        "`python -m vae_core train --conditional`.")
    st.stop()

what_to_try("cvae")

st.header("Generation by label")
with user_errors():
    generation_section(name, model)

st.header("The latent space holds style, not class")
tau = st.slider("Gap threshold τ (nats)", 0.5, 6.0, 2.0, 0.5, key="cvae_tau",
                help="A point is in a gap where log q(z) − log p(z) < −τ.")
with user_errors():
    side_by_side(name, tau)

st.header("Style transfer and generative classification")
picked = choose_image(model, key="cvae", label="Image", purpose="to classify it and transfer its style")
if picked is not None:
    with user_errors():
        k = st.select_slider("K, importance samples per label", [10, 20, 50, 100, 200, 500, 1000], 100,
                             key="cvae_k")
        result = classification(name, picked.pixels, k)
        guess = int(result.predicted[0])
        options = ["true label"] if picked.label is not None else []
        options += ["classifier's guess"] + [f"y = {n}" for n in model.config.labels]
        choice = st.selectbox("Encode with label", options, key="cvae_encode_label",
                              help="Style transfer encodes x with its own label; without one, the guess stands in.")
        label = picked.label if choice == "true label" else guess if choice == "classifier's guess" \
            else options.index(choice) - (len(options) - len(model.config.labels))
        st.subheader("Style transfer")
        style_section(name, model, picked.pixels, label, choice)
        st.subheader("Generative classification")
        classification_bars(model, result, picked.label)

st.header("Accuracy")
with user_errors():
    accuracy_section(name, model)

"""Conditional VAE: generation by label, a latent space that holds style, style transfer, generative classification."""

import streamlit as st

from app.common.cache import get_model
from app.common.glossary import explain
from app.common.image_source import choose_image
from app.common.layout import folded, page_intro
from app.common.link_state import linked_choice
from app.common.ui import model_picker, user_errors
from app.cvae.maps import side_by_side
from app.cvae.views import (
    accuracy_section,
    classification,
    classification_bars,
    generation_and_style_formulas,
    generation_section,
    style_section,
)

page_intro("Conditional VAE",
           "A VAE told the digit's label: choose the label and it writes that digit, in a style its latent z holds.",
           "cvae")
st.caption("It opens on mnist-cvae-2d, not the other pages' mnist-2d: only a model trained with labels has a "
           "p(x|y), and its 2-D latent can be drawn as a map.")

name = model_picker(key="cvae_model", default="mnist-cvae-2d")
if name is None:
    st.stop()
model = get_model(name)
if not model.config.conditional:
    st.warning(
        f"**{name} is not conditional.** It was trained without labels, so it has no p(x|y): it cannot "
        "generate a chosen digit, transfer a style to another label or classify by p(x|y). Pick a conditional "
        "model in the sidebar (mnist-cvae-2d, or mnist-cvae-8d for classification), or train one on the "
        "[Train a VAE](training) page with its preset **Conditional**.")
    st.stop()

st.header("Generation by label")
with user_errors():
    generation_section(name, model)

st.header("The latent space holds style, not class")
with user_errors():
    side_by_side(name)

st.header("Style transfer and generative classification")
picked = choose_image(model, key="cvae", label="Image", purpose="to classify it and transfer its style")
if picked is not None:
    with user_errors():
        k = linked_choice(st.select_slider, "K, importance samples per label", [10, 20, 50, 100, 200, 500, 1000],
                          100, key="cvae_k", name="k", help=explain("K"))
        result = classification(name, picked.pixels, k)
        guess = int(result.predicted[0])
        options = ["true label"] if picked.label is not None else []
        options += ["classifier's guess"] + [f"y = {n}" for n in model.config.labels]
        codes = {"true label": "true", "classifier's guess": "guess"}  # "y = 3" is ?label=3
        codes |= {o: o.removeprefix("y = ") for o in options if o.startswith("y = ")}
        choice = linked_choice(st.selectbox, "Encode with label", options, options[0], key="cvae_encode_label",
                               name="label", codes=codes,
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

with folded("The mathematics: p(x|y), the conditional ELBO, generation and style transfer"):
    st.markdown("A conditional VAE gives the label $y$ to both networks: the encoder is $q(z\\mid x, y)$ and the "
                "decoder $p_D(x\\mid z, y)$. It models each class's images separately, with one shared latent space:")
    st.latex(r"p(x\mid y) = \int p(z)\, p_D(x\mid z, y)\, dz,\qquad "
             r"\mathrm{ELBO}(x, y) = \mathbb{E}_{q(z\mid x, y)}[\log p_D(x\mid z, y)] - "
             r"\mathrm{KL}\big(q(z\mid x, y)\,\|\,p(z)\big)")
    generation_and_style_formulas()

"""Inside a VAE: one image through the computation, the Monte Carlo reconstruction term and the two gradient
estimators, measured on a real model."""

import streamlit as st

from app.common.cache import get_model
from app.common.image_source import choose_image
from app.common.layout import page_intro
from app.common.ui import model_picker
from app.inside.compute import reference
from app.inside.graph import graph
from app.inside.sections import gradient_section, monte_carlo_section
from vae_core.vae.pixels import model_pixels

page_intro("Inside a VAE",
           "One image through the computation the notes derive, node by node, with this model's real numbers for "
           "your image: the encoder, the noise that makes the code, the decoder and the two terms of the ELBO.",
           "inside")

name = model_picker(key="inside_model")
if name is None:
    st.stop()
model = get_model(name)
if model.config.conditional:
    st.error(f"{name} is conditional on the class label; pick an unconditional model.")
    st.stop()

chosen = choose_image(model, key="inside", label="Input x", purpose="to trace it through the VAE")
if chosen is None:
    st.stop()
pixels, caption = chosen.pixels, chosen.caption
if model.config.binarized:  # the model was trained on binary images: trace what it models, a seeded x_b
    pixels = model_pixels(model, pixels.reshape(1, -1))[0].reshape(pixels.shape)
    caption += ", binarised: x_b ~ Bernoulli(x), seed 0, as the model was trained"

ref = reference(name, pixels)
st.header("The graph")
graph(name, pixels, caption, ref.value, "exact, by quadrature" if ref.exact else "large-M reference")
monte_carlo_section(name, pixels, ref)
gradient_section(name, pixels, model.config.latent_dim)

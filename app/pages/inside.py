"""Inside a VAE: one image through the computation, the Monte Carlo reconstruction term and the two gradient
estimators, measured on a real model."""

import streamlit as st

from app.common.cache import get_model
from app.common.image_source import choose_image
from app.common.ui import model_picker
from app.common.what_to_try import what_to_try
from app.inside.compute import reference
from app.inside.graph import graph
from app.inside.sections import gradient_section, monte_carlo_section

st.title("Inside a VAE")
st.markdown("One image through the computation the notes derive: the encoder gives $q(z\\mid x)$, the "
            "reparameterisation $z = \\mu + \\sigma\\odot\\varepsilon$ draws a code, the decoder scores $x$, and "
            "the ELBO adds the two terms. Every node holds this model's real numbers for your image.")
what_to_try("inside")

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

ref = reference(name, pixels)
st.header("The graph")
graph(name, pixels, caption, ref.value, "exact, by quadrature" if ref.exact else "large-M reference")
monte_carlo_section(name, pixels, ref)
gradient_section(name, pixels, model.config.latent_dim)

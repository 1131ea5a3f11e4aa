"""Compare: two or three models side by side, on the same images, axes scale and draws."""

import streamlit as st

from app.common.layout import folded, page_intro
from app.common.ui import picker_models, user_errors
from app.compare.cache import comparison_data
from app.compare.views import HOW_COMPARED, choose_models, columns, replays, table
from app.latent_map.tau import tau_select

page_intro("Compare models",
           "Two or three models side by side: their latent maps on one colour scale, the same images "
           "reconstructed, the same prior draws decoded, and a table of the figures they share, each with its "
           "standard error.", "compare")

models = choose_models()
if models is None:
    st.stop()
tau = tau_select("Gap threshold τ (nats), the same for every model", "compare_tau")
label = picker_models()[1]
with user_errors():
    data_name = comparison_data(models)
    columns(models, data_name, tau, label)
    table(models, data_name, tau, label)
with folded("Replay how each model trained: its map, curves and images epoch by epoch (runs trained here)"):
    replays(models, label)
with folded("How the figures are compared"):
    st.markdown(HOW_COMPARED)

"""The VAE latent explorer: a thin router. Each page lives in app/pages/."""

import streamlit as st

from app.common.gc_freeze import freeze_after_new_imports

st.set_page_config(page_title="VAE latent explorer", page_icon="🧭", layout="wide")

pages = [
    st.Page("app/pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app/pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:"),
    st.Page("app/pages/traversal.py", title="Traversal", icon=":material/tune:"),
    st.Page("app/pages/upload.py", title="Upload and draw", icon=":material/draw:"),
    st.Page("app/pages/one_d.py", title="1-D: GMM vs VAE", icon=":material/ssid_chart:"),
    st.Page("app/pages/inside.py", title="Inside a VAE", icon=":material/account_tree:"),
    st.Page("app/pages/training.py", title="Train a VAE", icon=":material/model_training:"),
    st.Page("app/pages/cvae.py", title="Conditional VAE", icon=":material/category:"),
    st.Page("app/pages/tradeoff.py", title="β² trade-off", icon=":material/balance:"),
]

st.navigation(pages).run()
freeze_after_new_imports()  # not reached when a page stops early; a later run freezes instead

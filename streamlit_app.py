"""The VAE latent explorer: a thin router. Each page lives in app/pages/."""

import streamlit as st

st.set_page_config(page_title="VAE latent explorer", page_icon="🧭", layout="wide")

pages = [
    st.Page("app/pages/home.py", title="Home", icon="🏠", default=True),
]

st.navigation(pages).run()

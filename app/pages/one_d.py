"""1-D: a Gaussian mixture fitted by EM, side by side with a VAE density."""

import streamlit as st

from app.common.layout import page_intro
from app.one_d.sections import gmm_section, settings, side_by_side_section, vae_section


def main():
    page_intro("1-D: a Gaussian mixture by EM, side by side with a VAE",
               "Two latent-variable models of the same 1-D data: a finite mixture with a discrete z, fitted by "
               "EM a step at a time below, and a VAE, an *infinite* mixture with a continuous z.", "one_d")
    setup = settings()
    st.header("GMM by EM")
    gmm = gmm_section(setup)
    st.header("VAE density")
    vae = vae_section(setup, gmm)
    if vae is not None:
        st.header("Side by side")
        side_by_side_section(setup, gmm, vae)


main()

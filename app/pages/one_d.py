"""1-D: a Gaussian mixture fitted by EM, side by side with a VAE density."""

import streamlit as st

from app.common.what_to_try import what_to_try
from app.one_d.sections import gmm_section, settings, side_by_side_section, vae_section


def main():
    st.title("1-D: a Gaussian mixture by EM, side by side with a VAE")
    what_to_try("one_d")
    st.markdown("Two latent-variable models of the same 1-D data: a finite mixture with a discrete $z$, fitted "
                "by EM, and a VAE, an *infinite* mixture with a continuous $z$, fitted by maximising the ELBO.")
    setup = settings()
    st.header("GMM by EM")
    gmm = gmm_section(setup)
    st.header("VAE density")
    vae = vae_section(setup, gmm)
    st.header("Side by side")
    side_by_side_section(setup, gmm, vae)


main()

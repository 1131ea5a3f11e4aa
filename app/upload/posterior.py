"""The upload page's "true posterior" block for one uploaded image (the drawing lives in app.common.posterior_view)."""

from __future__ import annotations

import streamlit as st

from app.common.cache import get_model
from app.common.posterior_view import posterior_section
from app.upload.cache import Reference, Result


def upload_posterior(i: int, r: Result, ref: Reference, model_name: str) -> None:
    """Only where it can be drawn: the exact posterior needs a 1-D or 2-D latent, and above that the block held
    nothing but a second IW estimate of log p(x) beside the panel's own."""
    if get_model(model_name).config.latent_dim > 2:
        return
    st.markdown("**The true posterior p(z|x)** beside the encoder's q(z|x)")
    posterior_section(model_name, r.pixels, key=f"upload_{i}",
                      backdrop=ref.points if ref.projection.identity else None,
                      page_iw={"log_px": r.iw_log_px, "k": r.k, "ess": r.ess})

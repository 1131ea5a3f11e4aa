"""The upload page's "true posterior" block for one uploaded image (the drawing lives in app.common.posterior_view)."""

from __future__ import annotations

import streamlit as st

from app.common.posterior_view import posterior_section
from app.upload.cache import Reference, Result


def upload_posterior(i: int, r: Result, ref: Reference, model_name: str) -> None:
    st.markdown("**The true posterior p(z|x)** beside the encoder's q(z|x)")
    posterior_section(model_name, r.pixels, key=f"upload_{i}",
                      backdrop=ref.points if ref.projection.identity else None)

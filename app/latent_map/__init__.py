"""The latent map page's helpers: cached computations, Plotly figures, side panels, click-to-decode."""

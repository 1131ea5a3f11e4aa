"""The 1-D page's helpers: Plotly figures and the EM stepper's session state."""

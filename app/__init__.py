"""Streamlit page files and UI helpers. No mathematics here: everything shown is computed in vae_core."""

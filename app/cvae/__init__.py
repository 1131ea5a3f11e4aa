"""Helpers of the conditional VAE page."""

"""Helpers of the beta^2 trade-off page."""

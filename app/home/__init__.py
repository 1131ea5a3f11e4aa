"""The home page's helpers."""

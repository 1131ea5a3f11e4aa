"""The traversal page's helpers: exports, strips along each dimension, interpolation."""

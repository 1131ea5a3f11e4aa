"""The upload-and-draw page's helpers: per-model reference data, per-file results, and their panels."""

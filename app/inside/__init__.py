"""Helpers of the "Inside a VAE" page: inputs, cached computations, figures, the graph and the estimators."""

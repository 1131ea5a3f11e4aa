"""One-dimensional data: a known Gaussian mixture, the GMM fitted by EM (and stepped by hand), the 1-D VAE,
and their comparison."""

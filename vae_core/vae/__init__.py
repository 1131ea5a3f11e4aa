"""The VAE itself: its config, the MLP model, the ELBO and its estimators, training, checkpoints, the registry
of shipped models and their model cards."""

"""The command line, ``python -m vae_core``: one module per subcommand group."""

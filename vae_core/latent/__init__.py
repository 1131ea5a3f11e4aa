"""The latent space: the aggregate posterior q(z) and its gaps, 2-D views and projections, placement of new
codes, manifold grids, traversals, the decoder packed for the browser, code export."""

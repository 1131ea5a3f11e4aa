"""The terms a student meets on the pages, each explained in one line: shown as the help tooltip (the "?")
where the term appears, and listed, word for word, in the glossary of docs/students.md (a test keeps the two
the same)."""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    "aggregate posterior": "q(z) = (1/N) Σ_i q(z|x_i): the encoder's Gaussians of all N training images averaged, "
                           "the distribution of codes the decoder was trained on.",
    "prior": "p(z) = N(0, I): where a VAE draws z from to generate a new image.",
    "gap": "a region where log q(z) − log p(z) < −τ: the prior puts mass there but almost no training image is "
           "encoded there, so a z drawn from it decodes to something the decoder never learned.",
    "τ": "the gap threshold in nats: a point is in a gap when log q(z) is more than τ below log p(z); "
         "a larger τ calls fewer points gaps.",
    "prior-hole mass": "the share of prior draws z ~ p(z) that land in a gap: how often generating from the "
                       "prior lands where the decoder was not trained.",
    "ELBO": "the evidence lower bound E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)): a lower bound on log p(x), and what "
            "a VAE maximises.",
    "reconstruction term": "E_q[log p(x|z)]: how well codes drawn from q(z|x) decode back to x.",
    "KL term": "KL(q(z|x) ‖ p(z)): how far the encoder's Gaussian for x is from the prior, in nats.",
    "gap log p(x) − ELBO": "KL(q(z|x) ‖ p(z|x)), how far the encoder's q(z|x) is from the true posterior; "
                           "always ≥ 0, so the ELBO never exceeds log p(x).",
    "IW bound": "the importance-weighted bound log (1/K) Σ_k p(x, z_k) / q(z_k|x), z_k ~ q(z|x): a lower bound "
                "on log p(x) that rises towards it as K grows.",
    "K": "the number of samples z_k of an importance-weighted estimate.",
    "ESS": "the effective sample size (Σ w)² / Σ w² of K importance weights: how many of the K samples "
           "really count; far below K, the estimate is unreliable and its standard error too small.",
    "self-consistency Var[log w]": "the variance of log p(z) + log p(x|z) − log q(z|x) over z ~ q(z|x): "
                                   "0 exactly when q(z|x) is the true posterior.",
    "I(x; z)": "the mutual information between an image and its code under the encoder, average KL − "
               "KL(q(z) ‖ p(z)); with N images it can never exceed log N.",
    "active unit": "a latent dimension whose average KL over the data exceeds 0.01 nats; the others have "
                   "collapsed to the prior and carry no information about x.",
    "β²": "the Gaussian decoder's variance N(μ_D(z), β² I): the reconstruction term is divided by 2β², so a "
          "small β² makes reconstruction dominate and a large one makes it unimportant.",
    "KL weight λ": "a β-VAE's factor on the KL term, ELBO_λ = E_q[log p(x|z)] − λ KL: a different knob from β², "
                   "which scales the reconstruction term; λ = 0 is a plain autoencoder.",
    "reparameterisation": "z = μ + σ ⊙ ε with ε ~ N(0, I): the sample becomes a differentiable function of "
                          "μ and σ, so gradients flow through it.",
    "responsibility": "r_k(x) = π_k N(x; μ_k, σ_k²) / Σ_j π_j N(x; μ_j, σ_j²): the posterior probability that "
                      "component k generated x, computed in EM's E-step.",
    "EM": "expectation-maximisation: alternate the E-step (responsibilities) and the M-step (weights, means "
          "and variances in closed form); the log-likelihood never decreases.",
    "reg_covar": "a small number added to every covariance's diagonal, so no mixture component collapses "
                 "onto a single point.",
    "Gauss-Hermite": "quadrature with the nodes and weights that integrate a polynomial times a Gaussian "
                     "exactly: an expectation under q(z|x) without Monte Carlo noise.",
    "NLL": "negative log-likelihood −log p(x) in nats (lower is better); a true NLL only under a likelihood "
           "that is a normalised density of the data.",
}


def explain(term: str) -> str:
    """The one-line explanation of a glossary term, for a widget's or a metric's `help=`."""
    return f"**{term}**: {GLOSSARY[term]}"

"""A "What to try" box on every page: two or three concrete experiments, each naming exactly what to
click, that make one of the lecture notes' points on that page. tests/test_browser_what_to_try.py
follows the first experiment of each page in Chromium and checks that the promised thing appears."""

from __future__ import annotations

import streamlit as st

EXPERIMENTS: dict[str, list[str]] = {
    "home": [
        "Press **New samples** a few times. Each image is the decoder mean μ_D(z) for a fresh z ~ N(0, I): "
        "the prior is all a VAE needs to *generate*, and the blurry, in-between digits are the z the "
        "encoder rarely produces.",
        "In the sidebar switch **Model** from mnist-2d to mnist-16d and compare **Test NLL** and the "
        "reconstructions: with 16 latent dimensions the reconstructions sharpen and the NLL drops, because "
        "the code can carry more of the image.",
    ],
    "latent_map": [
        "Drag **Gap threshold τ (nats)** from 2 to 5 and watch **Prior-hole mass** fall: a gap is where "
        "log q(z) − log p(z) < −τ, so a larger τ counts fewer prior samples as lying in a hole.",
        "Click the map inside a pink band between two classes (the 4s and the 9s, say): the panel "
        "**Decoded at the clicked point** shows a blur between them, because no training image was "
        "encoded there.",
        "Tick **1σ ellipses of q(z|x) for 200 points**: each encoder posterior is much narrower than the "
        "prior's unit circle, which is why the aggregate q(z) leaves holes.",
    ],
    "traversal": [
        "Turn on **Interpolate between two points**: a chart of log q(z) and log p(z) along the path appears; "
        "where it dips, the path crosses a hole and the images in between stop looking like digits.",
        "In the interpolation choose **Path: spherical** and compare with linear: in many dimensions the "
        "straight line passes near the origin, a z of unusually small norm for N(0, I).",
        "Look at **Traversal strips**: rows are ordered by each dimension's KL; the top rows change the "
        "digit most, while the rows of dimensions with KL near 0 barely change it (those dimensions collapsed "
        "to the prior and carry no information about x).",
    ],
    "upload": [
        "Draw a digit on the **drawing pad**: a star labelled with the drawing's name appears on the latent "
        "map with its 1σ ring, and the title of its panel gives the guess, the class most of its 8 nearest "
        "training codes belong to.",
        "Upload a photo of dark ink on paper and set **Ink** to \"light ink on dark\" (the wrong choice): the "
        "preprocessing previews show the paper taken for ink, and the importance-weighted log p(x) drops, often "
        "below the training images' 1st percentile, so the panel says *out of distribution*: log p(x) measures "
        "how typical x is for the model.",
    ],
    "one_d": [
        "Under **Step through EM** press **M-step**, then **E-step**: in the lower-bound chart the dotted F "
        "climbs to the L line after the E-step, and the chain L(θ_k) = F(q_{k+1}, θ_k) ≤ F(q_{k+1}, θ_{k+1}) "
        "≤ L(θ_{k+1}) shows the last step's numbers.",
        "Set **K** to 6 (more components than the truth's 3) and press **Run to convergence**: the training "
        "log-likelihood beats the truth's, the test one does not, which is overfitting.",
        "In the sidebar switch **Decoder σ** between constant and σ(z) and compare the VAE density on the "
        "narrow component: one shared σ cannot be narrow and wide at once.",
    ],
    "inside": [
        "Press **Resample ε** several times: z, the decoded image μ_D(z), log p(x|z) and the one-sample ELBO "
        "change; μ, σ and the KL do not. The randomness sits outside the network, which is what lets the "
        "gradient reach the encoder.",
        "Drag **M, the number of draws** from 1 to 1000: the running estimate settles on the exact line and "
        "its band narrows like 1/√M.",
        "Turn on **Measure both on this image** and read the variance ratio: the score-function estimator "
        "is unbiased too, but hundreds of times noisier than the reparameterised one.",
    ],
    "training": [
        "Pick the **Preset** \"KL weight 0 (a plain autoencoder: watch the gaps open)\" and press **Start "
        "training**: epoch by epoch the 2-D map of validation means spreads out and empty space opens between "
        "the classes, because nothing pulls q(z|x) towards N(0, I) any more.",
        "Run the **Preset** \"Latent 16: sharper, only some units active\" and watch **Active units** and the KL "
        "per dimension: only a few of the 16 dimensions carry more than 0.01 nats; the rest stay at the prior.",
        "Run the **Preset** \"β² small\" and then \"β² large\": with β² large the reconstructions and prior samples "
        "turn into blurry means, because −log p(x|z) is divided by 2β² and the KL term wins.",
    ],
    "cvae": [
        "In the **generation grid**, follow one column from 0 to 9: the slant and thickness stay the same, "
        "because the column shares one z and only the label y changes.",
        "**Click** the far left and then the far right of the CVAE's map: the ten decoded digits change width "
        "or slant together. On mnist-2d's latent map the same click changes which digit you see.",
        "Choose **Draw** and draw a 4 that is almost a 9: the bars of p(y|x) split between them; raise **K** "
        "and the standard errors of log p(x|y) shrink.",
    ],
    "tradeoff": [
        "Raise **τ** until the smallest β² map is mostly red: its q(z) leaves the widest gaps in the prior's "
        "disc, and its prior samples include the most non-digits.",
        "Read the **average KL** from left to right: it falls as β² grows a hundredfold, and the reconstructions "
        "of the same images blur towards the mean digit.",
        "Train a fourth model from the command line with **--beta 2.83** (β² = 8) on the config in "
        "pretrained/tradeoff-beta2-2: its KL falls to almost zero and every reconstruction becomes the mean "
        "digit (posterior collapse).",
    ],
}


def what_to_try(page: str, expanded: bool = False) -> None:
    """The page's box; `page` is a key of EXPERIMENTS."""
    with st.expander("What to try", expanded=expanded, icon=":material/science:"):
        for i, text in enumerate(EXPERIMENTS[page], 1):
            st.markdown(f"{i}. {text}")

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
        "In the sidebar switch **Model** from mnist-2d to mnist-16d and compare **Test NLL, IW K=1000** and the "
        "reconstructions: with 16 latent dimensions the reconstructions sharpen and the NLL drops, because "
        "the code can carry more of the image.",
    ],
    "latent_map": [
        "Drag **Gap threshold τ (nats)** from 2 to 5 and watch **Prior-hole mass** fall: a gap is where "
        "log q(z) − log p(z) < −τ, so a larger τ counts fewer prior samples as lying in a hole.",
        "Tick **Hide the points**: the gaps, shaded grey and outlined, include thin bands inside the cloud of "
        "codes, such as the one between the 5s and the 8s just left of the centre, at about (−0.85, 0.2). Click "
        "inside it: **Decoded at the clicked point** says *in a gap* although training codes lie a fifth of a unit "
        "away, and shows a blend of the two classes, because almost no training image was encoded there.",
        "Tick **1σ ellipses** (q(z|x) of 200 codes): each encoder posterior is much narrower than the "
        "prior's unit circle, which is why the aggregate q(z) leaves holes.",
    ],
    "traversal": [
        "Turn on **Interpolate between two points**: on mnist-2d the default endpoints are a 0 and a 2 whose "
        "straight path crosses a gap. The chart of log q(z) − log p(z) along the path dips below −τ, about 14 nats "
        "down, and the images there turn into an 8-like blend that is neither digit: the decoder was never trained "
        "on those z.",
        "Look at **Traversal strips**: each row moves one dimension of z from t = −3 to 3, ordered by its KL. On "
        "mnist-2d both rows change the digit, because both dimensions are active (KL well above 0.01 nats); "
        "switch **Model** to mnist-16d and set **Top k dimensions by KL** to 16: its last four rows, of dimensions "
        "with KL near 0, barely change the digit (they collapsed to the prior and carry almost no information "
        "about x).",
    ],
    "upload": [
        "Draw a digit on the **drawing pad**: a star labelled with the drawing's name appears on the latent "
        "map with its 1σ ring, and the title of its panel gives the guess, the class most of its 8 nearest "
        "training codes belong to.",
        "Press **Clear** and draw a **#** on the pad (two strokes across, two down), a picture unlike any digit: "
        "its log p(x) falls far below the training images' 1st percentile and the panel says *out of "
        "distribution*, because log p(x) measures how typical x is for the model. A photo read with the wrong "
        "**Ink** does not do this: the misread picture is a few specks of paper, a simple image the model finds "
        "typical.",
    ],
    "one_d": [
        "Under **Step through EM** press **M-step**, then **E-step**: in the lower-bound chart the dotted F "
        "climbs to the L line after the E-step, and the chain L(θ_k) = F(q_{k+1}, θ_k) ≤ F(q_{k+1}, θ_{k+1}) "
        "≤ L(θ_{k+1}) shows the last step's numbers.",
        "Set **K** to 6 (more components than the truth's 3) and press **Run to convergence**: the training "
        "log-likelihood beats the truth's, the test one does not, which is overfitting. The table's last row says "
        "whether it is significant: the test difference from the truth with its standard error (about "
        "−0.004 ± 0.002 nats at the defaults, two SEs: real, but small).",
        "In the sidebar switch **Decoder σ** from constant to σ(z) and compare, in the **Side by side** VAE "
        "chart, the red VAE p(x) with the dashed truth on the narrow component at x = −2: one shared σ cannot be "
        "narrow and wide at once, so the constant σ's peak falls short, and KL(truth || fit) in the table is "
        "several times the σ(z) one's.",
    ],
    "inside": [
        "Press **Resample ε** several times: z, the decoded image μ_D(z), log p(x|z) and the one-sample ELBO "
        "change; μ, σ and the KL do not. The randomness sits outside the network, which is what lets the "
        "gradient reach the encoder.",
        "Drag **M, the number of draws** from 1 to 1000: the running estimate settles on the exact line and "
        "its band narrows like 1/√M.",
        "Turn on **Measure both on this image** and read the variance ratio: the score-function estimator "
        "is unbiased too, but thousands of times noisier than the reparameterised one (about 12,000 times on "
        "mnist-2d's image 0).",
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
        "Under **Style transfer and generative classification**, keep *Data-set image* and set the index to "
        "**2384**: a 4 whose top almost closes into a 9's loop. log p(x|y) puts 4 and 9 within about one nat of "
        "each other and every other digit over 25 nats below, so the bars of p(y|x) split about 70 : 30 between "
        "4 and 9. Raise **K** to 1000: the standard errors of log p(x|y) shrink about threefold and the split "
        "stays. (Most 4s and 9s, drawn or not, are tens of nats apart: then p(y|x) is 100 % for one of them.)",
    ],
    "tradeoff": [
        "Raise **τ** to 6: nearly half of the smallest β²'s map is still shaded as gap, and its **prior-hole "
        "mass** stays the largest of the three: its q(z) leaves the widest gaps in the prior's disc, and its "
        "prior samples include the most non-digits.",
        "Read the **average KL** from left to right: it falls as β² grows fortyfold, while the **reconstruction "
        "error** rises, and the reconstructions of the same images blur towards the mean digit.",
        "On the [Train a VAE](training) page, pick the preset **β² large**, set **Decoder std β** to 2.83 "
        "(β² = 8) and start: the KL chart falls to almost zero and every reconstruction becomes the mean digit "
        "(posterior collapse).",
    ],
    "compare": [
        "Compare **mnist-2d** with **mnist-16d** (the page's default): the 16-D model's held-out NLL is about 48 "
        "nats lower, hundreds of standard errors apart, and its reconstructions of the same 8 images are sharper; "
        "its average KL is about three times larger, spent on 12 active units instead of 2.",
        "Add **tradeoff-beta2-0.05** as a third model: its ELBO and reconstruction term say *not comparable*, since "
        "a Gaussian decoder's are log-densities and the others' log-probabilities; the squared error and the KL "
        "still compare across all three.",
        "Open the link `compare?models=mnist-2d,mnist-2d`: the page refuses a model named twice, says so, and "
        "opens its default pair. Then pick **tradeoff-beta2-0.5** and **tradeoff-beta2-2**: from the first to the "
        "second the squared error rises by about 9 and the average KL falls by about 2.7 nats, each by dozens of "
        "paired standard errors, as on the β² trade-off page.",
    ],
    "class_map": [
        "Choose **Draw**, draw a 7 on the pad, pick **7** under **Which digit is it?** and press **Add to the class "
        "map**: a star in the 7s' colour appears, selected, with your drawing, its reconstruction and the kNN "
        "guess. A classmate's star appears on your map within two seconds, without reloading.",
        "Tick **Only the points that landed in a gap**: the stars left are drawings the model's training codes do "
        "not cover (log q(z) − log p(z) < −τ); their reconstructions are the blurriest, and the kNN guess often "
        "differs from the label. Untick **Show classes** but one to ask *which 7s landed in a gap?*",
    ],
    "lessons": [
        "Press **Open 1-D: GMM vs VAE** in step 1, press **Run to convergence** there and come back: the step's "
        "check turns green and the progress bar counts it, because the page recorded that EM converged.",
        "Open step 5's link, **Open Latent map**: the address ends in ?tau=3 and the τ slider starts at 3; click "
        "inside a red region and come back to see the check met with the log q(z) − log p(z) you clicked.",
    ],
}


def what_to_try(page: str, expanded: bool = False) -> None:
    """The page's box; `page` is a key of EXPERIMENTS."""
    with st.expander("What to try", expanded=expanded, icon=":material/science:"):
        for i, text in enumerate(EXPERIMENTS[page], 1):
            st.markdown(f"{i}. {text}")

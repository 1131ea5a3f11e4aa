"""The training form: every knob, presets that make the notes' points, and the formulas they change."""

from __future__ import annotations

import streamlit as st

from app.common.link_state import held
from app.training.form_link import form_from_link, form_to_link
from vae_core.vae.train_config import BETA_RANGE, TrainConfig

S = st.session_state
DATASETS = ["digits", "mnist-5k", "mnist", "fashion-mnist"]
LIKELIHOODS = ["bernoulli", "gaussian"]

# Each preset is one run; run the pair a preset names one after the other and compare.
PRESETS = {
    "β² small (β = 0.1): reconstruction dominates": dict(
        data="mnist-5k", latent=2, hidden="256,128", likelihood="gaussian", beta=0.1, kl_weight=1.0, epochs=20),
    "β² large (β = 1): the KL term dominates, blurry means": dict(
        data="mnist-5k", latent=2, hidden="256,128", likelihood="gaussian", beta=1.0, kl_weight=1.0, epochs=20),
    "Latent 2: a map you can see": dict(data="mnist-5k", latent=2, hidden="256,128", likelihood="bernoulli",
                                        kl_weight=1.0, epochs=20),
    "Latent 16: sharper, only some units active": dict(data="mnist-5k", latent=16, hidden="256,128",
                                                       likelihood="bernoulli", kl_weight=1.0, epochs=20),
    "KL weight 0 (a plain autoencoder: watch the gaps open)": dict(
        data="mnist-5k", latent=2, hidden="256,128", likelihood="bernoulli", kl_weight=0.0, epochs=20),
    "Conditional: the label is given, z keeps the style": dict(
        data="mnist-5k", latent=2, hidden="256,128", likelihood="bernoulli", kl_weight=1.0, epochs=20,
        conditional=True),
}
DEFAULTS = dict(data="digits", latent=2, hidden="64", likelihood="bernoulli", beta=0.3, kl_weight=1.0, samples=1,
                warmup=0, epochs=10, batch=64, lr=1e-3, seed=0, conditional=False)


def _apply_preset() -> None:
    choice = S.get("tr_preset")
    values = {**DEFAULTS, **PRESETS.get(choice, {})}
    for key, value in values.items():
        S[f"tr_{key}"] = value


def settings_form(disabled: bool = False, budget: int = 0) -> dict:
    """Draw the settings (sidebar-free, in the page body) and return the raw values."""
    form_from_link(DATASETS, DEFAULTS)
    for key, value in DEFAULTS.items():
        S.setdefault(f"tr_{key}", value)
    st.selectbox("Preset", ["(your own settings)", *PRESETS], key="tr_preset", on_change=_apply_preset,
                 help="Fills in the settings for one of the lecture notes' points; run its pair and compare.")
    def field(name: str, options=None) -> dict:  # each knob keyed tr_<name>, drawn with the value it holds
        return dict(key=f"tr_{name}", disabled=disabled, **held(f"tr_{name}", options))

    c1, c2, c3 = st.columns(3)
    c1.selectbox("Data set", DATASETS, **field("data", DATASETS))
    c2.number_input("Latent size d", min_value=1, max_value=64, step=1, **field("latent"))
    c3.text_input("Hidden layer widths", **field("hidden"),
                  help="Encoder widths, comma-separated; the decoder mirrors them.")
    c1, c2, c3 = st.columns(3)
    c1.radio("Likelihood p(x|z)", LIKELIHOODS, horizontal=True, **field("likelihood", LIKELIHOODS))
    gaussian = S.tr_likelihood == "gaussian"
    c2.number_input("Decoder std β (variance β²)", min_value=BETA_RANGE[0], max_value=BETA_RANGE[1],
                    format="%.3f", **{**field("beta"), "disabled": disabled or not gaussian},
                    help="Gaussian decoder only: p(x|z) = N(μ_D(z), β² I). Small β² makes reconstruction dominate.")
    c3.number_input("KL weight λ (beta-VAE)", min_value=0.0, max_value=100.0, step=0.1, format="%.2f",
                    **field("kl_weight"),
                    help="Multiplies the KL term in the trained objective. 0 trains a plain autoencoder.")
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input("Monte Carlo samples M", min_value=1, max_value=64, step=1, **field("samples"))
    c2.number_input("KL warm-up epochs", min_value=0, max_value=1000, step=1, **field("warmup"))
    c3.number_input("Epochs", min_value=1, max_value=500, step=1, **field("epochs"),
                    help=f"This server allows at most {budget:,} epochs x training images per run." if budget else None)
    c4.number_input("Batch size", min_value=1, max_value=4096, step=1, **field("batch"))
    c1, c2, c3 = st.columns(3)
    c1.number_input("Learning rate", min_value=1e-6, max_value=1.0, step=1e-4, format="%.5f", **field("lr"))
    c2.number_input("Seed", min_value=0, max_value=2**32 - 1, step=1, **field("seed"))
    c3.toggle("Conditional (CVAE)", **field("conditional"),
              help="A conditional VAE: the class label y is fed to the encoder q(z|x, y) and the decoder p(x|z, y).")
    values = {k: S[f"tr_{k}"] for k in DEFAULTS}
    form_to_link(values, DEFAULTS)
    return values


def build_config(values: dict) -> TrainConfig:
    """The form's values as a TrainConfig; a bad value raises ConfigError naming the field."""
    from vae_core.errors import ConfigError

    try:
        hidden = tuple(int(h) for h in str(values["hidden"]).replace(" ", "").split(",") if h)
    except ValueError:
        raise ConfigError(f"hidden layer widths must be comma-separated integers, got {values['hidden']!r}") from None
    gaussian = values["likelihood"] == "gaussian"
    return TrainConfig(data=values["data"], latent_dim=int(values["latent"]), hidden=hidden,
                       likelihood=values["likelihood"], beta=float(values["beta"]) if gaussian else None,
                       conditional=bool(values["conditional"]), kl_weight=float(values["kl_weight"]),
                       epochs=int(values["epochs"]), patience=int(values["epochs"]), batch_size=int(values["batch"]),
                       lr=float(values["lr"]), samples=int(values["samples"]),
                       kl_warmup_epochs=int(values["warmup"]), seed=int(values["seed"]))


def formulas() -> None:
    st.markdown("The objective trained, per image, with the two knobs that are easy to confuse:")
    st.latex(r"\mathcal{L}_\lambda(x) = \underbrace{\frac{1}{M}\sum_{m=1}^{M}\log p(x\mid z_m)}_{\text{reconstruction}}"
             r" \;-\; \lambda_t\,\underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\text{KL}}")
    st.latex(r"z_m = \mu(x) + \sigma(x)\odot\varepsilon_m,\quad \varepsilon_m\sim\mathcal{N}(0, I)")
    # One formula a line: side by side they ran off the page at 1280 px.
    st.latex(r"\text{decoder variance } \beta^2:\quad \log p(x\mid z) = "
             r"-\frac{\lVert x-\mu_D(z)\rVert^2}{2\beta^2} - \frac{D}{2}\log(2\pi\beta^2)")
    st.latex(r"\text{KL weight } \lambda:\quad \lambda_t = \lambda\,\min\!\big(1,\ t/T_{\text{warm-up}}\big)"
             r"\ \text{ at epoch } t")
    st.caption("β² scales the reconstruction term (Gaussian decoder only); λ scales the KL term. The charts always "
               "report the real ELBO (λ = 1): reconstruction − KL, in nats per image. Active units: latent "
               "dimensions whose average KL over the validation images exceeds 0.01 nats.")


def values_from_config(cfg: TrainConfig) -> dict:
    """The form's values that build `cfg` again: reopening a run shows that run's settings."""
    return dict(data=cfg.data, latent=cfg.latent_dim, hidden=",".join(str(h) for h in cfg.hidden),
                likelihood=cfg.likelihood, beta=cfg.beta if cfg.beta is not None else DEFAULTS["beta"],
                kl_weight=cfg.kl_weight, samples=cfg.samples, warmup=cfg.kl_warmup_epochs, epochs=cfg.epochs,
                batch=cfg.batch_size, lr=cfg.lr, seed=cfg.seed, conditional=cfg.conditional)


def show_settings_of(cfg: TrainConfig) -> None:
    """Fill the form with a run's settings (before the form is drawn in this script run)."""
    if cfg.data not in DATASETS:
        return
    for key, value in values_from_config(cfg).items():
        S[f"tr_{key}"] = value

"""Generation by label, style transfer and generative classification: the figures and their formulas."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.common.glossary import explain
from app.common.layout import folded
from app.common.lesson_events import record_once
from app.common.link_state import linked_number, linked_slider
from app.common.palette import class_colour
from app.common.ui import image_grid
from app.cvae.cache import REPEATS, classify_image, grid, transfer, validation_accuracy
from vae_core.vae.pixels import figure_names

CLASSIFY_FORMULAS = [
    (r"\log p(x\mid y) \approx \log \frac{1}{K}\sum_{k=1}^{K} w_k,\quad "
     r"w_k = \frac{p(z_k)\, p_D(x\mid z_k, y)}{q(z_k\mid x, y)},\quad z_k \sim q(z\mid x, y)",
     "importance sampling with the encoder as proposal, K samples for every label y"),
    (r"\overline{\log \hat p}(x\mid y) = \frac1R\sum_{r=1}^{R}\log \hat p^{(r)}(x\mid y),\qquad "
     r"\mathrm{SE} = \frac{\mathrm{sd}\big(\log \hat p^{(1)},\dots,\log \hat p^{(R)}\big)}{\sqrt{R}}",
     f"each bar: the mean of R = {REPEATS} independent estimates of K draws each; its whisker ± 1 SE from their "
     "spread, which measures what a rerun does however few draws carry each estimate (the delta-method SE "
     "sd(w) / (√K w̄) does not when the ESS is small)"),
    (r"p(y\mid x) = \frac{p(x\mid y)\, p(y)}{\sum_{y'} p(x\mid y')\, p(y')},\qquad p(y) = \tfrac{1}{10}",
     "Bayes' rule with a uniform label prior"),
    (r"\hat y = \arg\max_y\, p(x\mid y)\, p(y)", "generative classification"),
]


def shaped(images: np.ndarray, shape) -> np.ndarray:
    return np.asarray(images).reshape(-1, *shape)


def generation_and_style_formulas() -> None:
    st.caption("Generation by label:")
    st.latex(r"x \sim p_D(x\mid z, y),\qquad z \sim p(z) = \mathcal N(0, I)")
    st.caption("Style transfer:")
    st.latex(r"z = \mu(x, y_{\text{true}}),\qquad \tilde x_{y'} = \mu_D(z, y')\ \text{ for every label } y'")


def generation_section(model_name: str, model) -> None:
    c1, c2 = st.columns([1, 1])
    cols = linked_slider(c1, "Columns (prior draws of z)", 4, 16, 10, key="cvae_gen_cols", name="cols")
    seed = linked_number(c2, "Seed", 0, 10_000, 0, key="cvae_gen_seed", name="seed")
    images, z = grid(model_name, cols, int(seed))
    names = model.config.labels
    image_grid(shaped(images, model.config.image_shape), cols=cols, scale=3,
               caption=f"Rows: y = {names[0]} … {names[-1]} top to bottom. Columns: {cols} draws z ~ N(0, I), "
                       "the same z down each column, so each column is one style written as every digit.")


def style_section(model_name: str, model, pixels: np.ndarray, label: int, label_source: str) -> None:
    result = transfer(model_name, pixels.astype(np.float32).tobytes(), label)
    shape = model.config.image_shape
    left, right = st.columns([1, 8])
    left.image(np.round(pixels.reshape(shape) * 255).astype(np.uint8), width=84,
               caption=f"input, y = {model.config.labels[label]} ({label_source})")
    with right:
        image_grid(shaped(result.images[0], shape), cols=len(result.targets), scale=3,
                   caption="The same z decoded with y' = " + ", ".join(model.config.labels[t] for t in result.targets)
                   + f". z = ({', '.join(f'{v:+.2f}' for v in result.z[0])}) is kept; only y changes.")


def classification(model_name: str, pixels: np.ndarray, k: int):
    return classify_image(model_name, pixels.astype(np.float32).tobytes(), k)


def classification_bars(model, result, true_label: int | None) -> None:
    names = [model.config.labels[y] for y in result.labels]
    guess = model.config.labels[int(result.predicted[0])]
    post = result.posterior[0]
    verdict = f"**Guess: {guess}** with p(y|x) = {post.max():.1%}"
    record_once("cvae_classified", post.tobytes(), p_max=float(post.max()), guess=int(result.predicted[0]))
    if true_label is not None:
        verdict += f" (true label {model.config.labels[true_label]})"
    st.markdown(verdict, help=explain("ESS"))
    left, right = st.columns(2)
    colours = [class_colour(int(y)) for y in result.labels]  # each digit its colour on every page
    outline = dict(color="#111111", width=[3 if n == guess else 0 for n in names])  # the guess, outlined
    values = result.log_px_y[0]
    top = float(values.max())
    floor = top - 60.0  # bars rise from here: log p(x|y) spans hundreds of nats, the contest is at the top
    fig_names = figure_names(model.config)
    quantity = "log p(x|y)" if fig_names.true_likelihood else "score(x|y)"
    fig = go.Figure(go.Bar(x=names, y=np.maximum(values, floor) - floor, base=floor, marker_color=colours,
                           marker_line=outline,
                           customdata=np.column_stack([values, result.se[0], result.ess[0]]),
                           error_y=dict(type="data", array=result.se[0], visible=True),
                           hovertemplate=f"y=%{{x}}: {quantity} = %{{customdata[0]:.2f}} ± %{{customdata[1]:.2f}}, "
                                         f"ESS %{{customdata[2]:.0f}} of {result.k}<extra></extra>"))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=30),
                      title=f"{quantity}, K = {result.k} per label, {result.repeats} repeats",
                      yaxis=dict(title="nats", range=[floor, top + 5]), xaxis=dict(title="y", type="category"))
    left.plotly_chart(fig, key="cvae_log_px_bars", config={"displayModeBar": False})
    fig = go.Figure(go.Bar(x=names, y=post, marker_color=colours, marker_line=outline,
                           hovertemplate="y=%{x}: p(y|x) = %{y:.4f}<extra></extra>"))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=40, b=30), title="p(y|x) ∝ p(x|y) p(y)",
                      yaxis=dict(title="probability", range=[0, 1]), xaxis=dict(title="y", type="category"))
    right.plotly_chart(fig, key="cvae_posterior_bars", config={"displayModeBar": False})
    ess = result.ess[0]
    st.caption(f"Each bar is the mean of {result.repeats} independent importance-sampling estimates of K = "
               f"{result.k} draws; its whisker is ± 1 standard error from the spread of those {result.repeats}, so "
               "a rerun with other draws moves a bar by about √2 whiskers. Every estimate is a lower bound on "
               f"average, and how far below the true value it sits is in no whisker: the effective sample size of "
               f"the weights, {ess.min():.0f} to {ess.max():.0f} of {result.k} here (in each bar's hover), says how "
               "many draws carry it. The axis shows the top 60 nats (lower values are cut off at its floor). "
               f"{fig_names.note[0].upper()}{fig_names.note[1:]}.")
    with folded("The mathematics: log p(x|y) by importance sampling, its standard error, and p(y|x)"):
        for tex, words in CLASSIFY_FORMULAS:
            st.latex(tex)
            st.caption(words)


def accuracy_section(model_name: str, model) -> None:
    v = validation_accuracy(model_name)
    names = list(model.config.labels)
    c = st.columns(3)
    c[0].metric(f"Validation accuracy, {v.n} images", f"{v.accuracy:.1%}",
                help=f"the images of {v.data_name} that training held out for early stopping; K = {v.k} per label")
    c[0].caption(f"± {v.accuracy_se:.1%} (binomial standard error)")
    full = model.card.get("classification")
    if full:
        c[1].metric(f"Test accuracy, {full['n']:,} MNIST test images", f"{full['accuracy']:.2%}",
                    help=f"measured by the project's classification benchmark, K = {full['k']} per label")
        c[1].caption("measured once by the benchmark, stored in the model card")
    else:
        c[1].caption("No full test-set figure in this model's card.")
    fig = go.Figure(go.Heatmap(z=v.confusion, x=names, y=names, colorscale="Blues", showscale=False,
                               text=v.confusion, texttemplate="%{text}",
                               hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>"))
    fig.update_layout(height=380, width=420, margin=dict(l=10, r=10, t=30, b=10),
                      title=f"Confusion matrix, {v.n} validation images",
                      xaxis=dict(title="predicted", type="category"),
                      yaxis=dict(title="true", type="category", autorange="reversed"))
    c[2].plotly_chart(fig, key="cvae_confusion", config={"displayModeBar": False})

"""Upload and draw: your own handwriting, preprocessed like MNIST, encoded and placed in the latent space."""

import streamlit as st

from app.common.cache import get_model
from app.common.chart_view import KeptView, keep_chart_views
from app.common.draw_pad import draw_pad
from app.common.image_source import ACCEPTED_FORMATS, in_file_order, upload_error
from app.common.layout import folded, page_intro
from app.common.link_state import linked_choice
from app.common.ui import model_picker, user_errors
from app.latent_map.hover import map_hover
from app.upload.cache import REFERENCE_SPINNER, analyse, reference, warm_reference
from app.upload.posterior import upload_posterior
from app.upload.view import (
    DETAILED,
    FILE_BOX_CSS,
    LATENT_MAP_PAGE,
    UPLOAD_MAP_META,
    chosen_files_caption,
    formulas,
    interpolate_action,
    latent_map,
    result_panel,
    summary_table,
)
from vae_core.data.imageio import EXTENSIONS, admit_batch
from vae_core.images.preprocess import WORK_SIZE
from vae_core.images.report import to_csv
from vae_core.vae.pixels import figure_names

MAX_FILES = 64
INVERT = {"automatic (from the border)": None, "dark ink on light paper": True, "light ink on dark": False}

page_intro("Upload and draw",
           "Draw a digit or upload a photo of one: it is preprocessed like MNIST, encoded by $q(z\\mid x)$ and "
           "placed among the training set's codes, with how typical the model finds it beside the training images.",
           "upload")

# mnist-2d, as on every page: its map needs no projection and its log p(x) is a true NLL, exact in 2-D.
DEFAULT_MODEL = "mnist-2d"
name = model_picker(key="upload_model", default=DEFAULT_MODEL)
if name is None:
    st.stop()
model = get_model(name)
names = figure_names(model.config)
if model.config.conditional:
    st.error(f"{name} is conditional on the class label; pick an unconditional model to encode uploads.")
    st.stop()

warm_reference(name)  # while the visitor picks a file; the first upload then finds it ready

left, right = st.columns([3, 2])
with left:
    files = st.file_uploader(
        f"Images (up to {MAX_FILES}): {ACCEPTED_FORMATS}; at most 10 MB each", type=list(EXTENSIONS),
        accept_multiple_files=True, key="uploads")
    st.html(FILE_BOX_CSS)
    if files:
        st.caption(chosen_files_caption([f.name for f in files]))
    choice = linked_choice(st.radio, "Ink", list(INVERT), list(INVERT)[0], key="invert", name="ink", horizontal=True,
                           codes=dict(zip(INVERT, ("auto", "dark", "light"))),
                           help="Automatic inverts when the picture's border is light, i.e. dark ink on paper.")
    st.caption("Each picture goes through MNIST's own recipe (orientation, grayscale, inversion, contrast, crop, "
               "resize to 20 px, centring by mass); the previews below show every step.")
with right:
    drawing = draw_pad()

items = [(f.name, f.getvalue()) for f in files or []]
if len(items) > MAX_FILES:
    st.warning(f"{len(items)} files uploaded; only the first {MAX_FILES} are encoded.")
    items = items[:MAX_FILES]
if drawing is not None:
    items.append(("drawing.png", drawing))
if not items:
    st.info("Upload an image or draw a digit to see where it lands in the latent space.")
    st.stop()

with user_errors():
    with st.spinner(REFERENCE_SPINNER):
        ref = reference(name)
    results = []
    # The batch's decoded pixels are bounded as a whole, not only each file's; refused files get a line each.
    order = [file_name for file_name, _ in items]
    items, problems = admit_batch(items, max_side=WORK_SIZE)
    with st.spinner(f"Encoding {len(items)} image(s)…"):
        for file_name, data in items:
            try:
                results.append(analyse(name, data, file_name, INVERT[choice]))
            except Exception as exc:  # one bad file must not stop the batch or show a traceback
                problems.append(upload_error(file_name, exc))
    for message in in_file_order(problems, order):  # each message starts with its file's name
        st.error(message)

    if results:
        st.subheader("Where they land")
        view = "the latent plane" if ref.projection.identity else \
            f"the PCA plane of the {model.config.latent_dim}-D codes (q(z|x)'s covariance projected)"
        st.caption(f"{len(ref.codes):,} {ref.data_name} encoder means coloured by class, in {view}; "
                   "stars are your images, rings their 1-σ ellipses.")
        fig = latent_map(ref, results)
        st.plotly_chart(fig, key="upload_map", config={"displayModeBar": False})
        map_hover(name, ref.data_name, "upload_hover", meta=UPLOAD_MAP_META)  # a point's image, on hover
        if st.button("Explore this latent space on the latent map", icon=":material/scatter_plot:", key="to_map"):
            st.session_state["map_model"] = name  # the map opens on this model
            st.switch_page(LATENT_MAP_PAGE)
        with folded("The mathematics: how each number is computed"):
            for tex, words in formulas(names):
                st.latex(tex)
                st.caption(words)
        rows = [{"file": r.name, "model": name, "elbo": r.elbo, "reconstruction_term": r.rec_term, "kl": r.kl,
                 "iw_log_px": r.iw_log_px, "k": r.k, "ess": r.ess, "gap": r.gap, "self_consistency": r.self_consistency,
                 "log_px_percentile": r.percentile, "out_of_distribution": r.ood, "knn_guess": r.guess,
                 "knn_vote_share": r.share, "mu": r.mu.tolist(), "sigma": r.sigma.tolist()} for r in results]
        st.download_button("Download codes and figures (CSV)", to_csv(rows), file_name=f"uploads_{name}.csv",
                           mime="text/csv", key="csv")
        if len(results) >= 2:
            interpolate_action(results, name)
            summary_table(results, names)
        # Each panel holds 18 images; a page of 64 full panels takes the browser seconds to draw.
        detailed = list(range(min(len(results), DETAILED)))
        if len(results) > DETAILED:
            more = st.selectbox(f"The first {DETAILED} uploads are analysed in full below; show another",
                                range(DETAILED, len(results)), format_func=lambda i: results[i].name,
                                key="upload_detail")
            detailed.append(more)
        for i in detailed:
            r = results[i]
            label = f"{r.name} — guess {r.guess} ({r.share:.0%})" + (" — out of distribution" if r.ood else "")
            with st.expander(label, expanded=i < 3 or i >= DETAILED):
                result_panel(i, r, ref, name, names)
                upload_posterior(i, r, ref, name)
        # Another upload keeps the classes hidden in the map's legend, and the zoom while the frame is the
        # same. At the end of the page, where the empty element's row gap shows nowhere.
        frame = ",".join(f"{v:.3f}" for v in (*fig.layout.xaxis.range, *fig.layout.yaxis.range))
        keep_chart_views([KeptView(UPLOAD_MAP_META, legend=f"upload-classes:{ref.data_name}",
                                   zoom=f"upload:{name}:{frame}")], key="upload_view_kept")

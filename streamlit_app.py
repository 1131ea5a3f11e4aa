"""The VAE latent explorer: a thin router. Each page lives in app/pages/."""

import streamlit as st

from app.common import presenter
from app.common.copy_link import copy_link_button
from app.common.gc_freeze import freeze_after_new_imports
from app.common.link_state import ENTERING
from app.lessons.catalog import validate_at_start
from app.training.session import get_manager


def main() -> None:
    st.set_page_config(page_title="VAE latent explorer", page_icon="🧭", layout="wide",
                       initial_sidebar_state=presenter.sidebar_state())

    pages = [
        st.Page("app/pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app/pages/lessons.py", title="Lessons", icon=":material/school:"),
        st.Page("app/pages/class_map.py", title="Class map", icon=":material/groups:"),
        st.Page("app/pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:"),
        st.Page("app/pages/traversal.py", title="Traversal", icon=":material/tune:"),
        st.Page("app/pages/upload.py", title="Upload and draw", icon=":material/draw:"),
        st.Page("app/pages/one_d.py", title="1-D: GMM vs VAE", icon=":material/ssid_chart:"),
        st.Page("app/pages/inside.py", title="Inside a VAE", icon=":material/account_tree:"),
        st.Page("app/pages/training.py", title="Train a VAE", icon=":material/model_training:"),
        st.Page("app/pages/cvae.py", title="Conditional VAE", icon=":material/category:"),
        st.Page("app/pages/compare.py", title="Compare models", icon=":material/compare:"),
        st.Page("app/pages/tradeoff.py", title="β² trade-off", icon=":material/balance:"),
    ]

    get_manager()  # with the server's first page view: runs queued before a restart go on without a visit to Train
    validate_at_start()  # once per server: a broken lesson file is named in the server log
    page = st.navigation(pages)
    # Only a run that opens a page reads its address into the widgets (app/common/link_state.py).
    st.session_state[ENTERING] = st.session_state.get("_link_page") != page.url_path
    st.session_state["_link_page"] = page.url_path
    presenter.presenter_toggle()
    copy_link_button()  # every page keeps its view in its address
    try:
        page.run()
    finally:  # a rerun of the same page, or of one of its fragments (the router does not run), does not
        st.session_state[ENTERING] = False
    freeze_after_new_imports()  # not reached when a page stops early; a later run freezes instead


# Streamlit runs this file as __main__. A training process does not: multiprocessing (spawn and forkserver)
# re-runs the parent's main script in each child as __mp_main__, and each st call there, outside any session,
# logged "missing ScriptRunContext!": the burst in the server's log when a training started, and the home page
# run bare in every training process.
if __name__ == "__main__":
    main()

"""What the tests and the benches share: where the repository is, a real `streamlit run` driven by headless
Chromium (`testkit.browser`), AppTest helpers (`testkit.apptest`) and page-specific browser helpers."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "app" / "pages"

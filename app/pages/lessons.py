"""Lessons: guided paths through the pages, each step a link, a question, what to look for and a check."""

import streamlit as st

from app.common.identity import current_visitor
from app.common.what_to_try import what_to_try
from app.lessons.catalog import PAGE_TITLES, load_lessons, progress

st.title("Lessons")
what_to_try("lessons")
st.markdown("A path through the explorer that follows the lecture notes. Each step opens a page in the state it "
            "discusses; do what it says, answer its question, and come back: a step with a check turns green when "
            "the app has seen you do it. Your progress is kept for this browser (or your sign-in), for you alone.")

lessons, problems = load_lessons()
for problem in problems:
    st.warning(f"A lesson file could not be read: {problem}", icon=":material/description:")
if not lessons:
    st.info("No lessons on this server yet: a teacher adds TOML files to the lessons folder (docs/teachers.md).")
    st.stop()

titles = {lesson.name: lesson.title for lesson in lessons}
picked = st.selectbox("Lesson", list(titles), format_func=titles.get, key="lesson_pick") if len(lessons) > 1 \
    else lessons[0].name
lesson = next(x for x in lessons if x.name == picked)
states = progress(lesson, current_visitor().key)
checks = [s for s in states if s is not None]
st.header(lesson.title)
if lesson.summary:
    st.markdown(lesson.summary)
if checks:
    met = sum(s.met for s in checks)
    st.progress(met / len(checks), text=f"{met} of {len(checks)} checks met")

for number, (step, state) in enumerate(zip(lesson.steps, states, strict=True), start=1):
    with st.container(border=True, key=f"lesson_step_{number}"):
        mark = " ✓" if state is not None and state.met else ""
        st.subheader(f"Step {number}. {step.title}{mark}")
        st.markdown(step.text)
        st.page_link(step.script, label=f"Open {PAGE_TITLES[step.page]}", query_params=step.params or None,
                     icon=":material/open_in_new:")
        st.markdown(f"**Question.** {step.question}")
        st.markdown(f"**Look for.** {step.look_for}")
        if state is not None:
            if state.met:
                st.success(f"Check met: {state.says}", icon=":material/check_circle:")
            else:
                st.info(f"Check: {state.says}", icon=":material/radio_button_unchecked:")

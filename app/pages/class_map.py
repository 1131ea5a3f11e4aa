"""Class map: each student adds a digit to one shared latent map, the room's, which the teacher projects."""

import streamlit as st

from app.class_map.board import MODEL, board_of
from app.class_map.boards_view import current_board, join_section, teacher_boards_section
from app.class_map.views import add_section, map_section, point_section, poll, teacher_section
from app.common.class_settings import current_settings
from app.common.identity import current_visitor
from app.common.layout import folded, page_intro
from app.common.ui import user_errors

page_intro("Class map",
           f"Draw a digit, say which it is, and add it to the class's map: it lands at its code μ(x) under "
           f"{MODEL}, among the training codes, for the whole room to see within two seconds.", "class_map")

settings = current_settings()
visitor = current_visitor(settings)
board, title = current_board(board_of(settings))
with user_errors():
    left, right = st.columns([3, 2])
    with left:
        map_section(board)
    with right:
        join_section(title)
        add_section(board, visitor, settings)
        point_section(board)
        if visitor.admin:
            teacher_section(board)
            teacher_boards_section()
    with folded("How a point is placed, and what a gap means here"):
        st.markdown(f"A drawing is preprocessed like MNIST (28x28, centred by mass) and encoded: its star sits at "
                    f"the encoder's mean μ(x) of {MODEL}, whose 2-D latent plane is the whole latent space. The "
                    "grey shading is the gap, where the aggregate posterior q(z) of the training codes is below "
                    "the prior by more than τ: a star there is a drawing unlike any training image the encoder "
                    "saw. The guess is the most common class among the 10 nearest training codes.")
        st.latex(r"\text{gap: } \log q(z) - \log p(z) < -\tau, \qquad "
                 r"q(z) = \frac{1}{N}\sum_{i=1}^{N}"
                 r"\mathcal{N}\big(z;\ \mu(x_i),\ \operatorname{diag}\sigma^2(x_i)\big)")
poll(board)

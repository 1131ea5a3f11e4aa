"""The conditional VAE's two applications: generative classification and style transfer."""

from .classify import Classification, check_labels, classify, require_conditional
from .style import StyleTransfer, generation_grid, style_transfer

__all__ = ["Classification", "classify", "check_labels", "require_conditional", "StyleTransfer",
           "style_transfer", "generation_grid"]

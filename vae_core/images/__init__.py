"""One image at a time: MNIST-style preprocessing of a photo or drawing, what the explorer reports about it,
and image galleries."""

"""Image data sets by name: the shipped MNIST subset, IDX files, image folders, checksum-verified downloads,
and safe reads of image files."""

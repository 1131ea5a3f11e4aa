"""The Lessons page's helpers: the lesson file format and its validator, the checks, a step's progress."""

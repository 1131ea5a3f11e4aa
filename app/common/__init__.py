"""UI helpers every page uses: process-wide caches, the model picker, the drawing pad, the live decoder component."""

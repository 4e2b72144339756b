"""Renderers: pure functions from the model to pages, pictures and documents (DESIGN.md §4)."""

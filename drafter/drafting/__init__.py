"""drafting stage."""

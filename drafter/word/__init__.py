"""word stage."""

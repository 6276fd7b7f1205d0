"""destination stage."""

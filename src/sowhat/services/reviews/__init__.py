"""Weekly, monthly and quarter reviews: what changed, not what shipped."""

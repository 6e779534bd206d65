"""Shipped data for the KR coach: labelled KRs, word lists, model weights, training."""

"""Evaluation of Chameleon style models on held-out pieces through the held-out soundfont."""

"""Chameleon style-model training: data rendering, analysis, model, export and evaluation."""

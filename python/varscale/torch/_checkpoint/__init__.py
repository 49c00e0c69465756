"""Seed checkpoints: record a model's initialisation once, then make any tensor, part or file from it."""

"""Model-level torch integration: ``fast_init`` (construction under
varscale), the transformers specifics, and the meta-device recipe.

Public names are re-exported by :mod:`varscale.torch`.
"""

"""``fast_init``: building any model with its own init code running on varscale.

``fast_init`` (the block: seed, counter, per-thread interceptor),
``fills`` (which calls are intercepted and how each becomes a varscale
fill), ``patching`` (the process-wide swap of the nn.init functions),
``deferral`` (skipping fills overwritten before they are read), ``own``
(a module's own ``reset_parameters`` under ``init_module``) and ``hf``
(transformers specifics). Public names are re-exported by
:mod:`varscale.torch`.
"""

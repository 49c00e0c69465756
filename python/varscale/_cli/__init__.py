"""The command line, ``python -m varscale``: the main job (``main``), ``demo`` and ``bench``.

``main`` dispatches; ``demo`` and ``bench`` each print a table and, through
``plots`` (matplotlib optional), draw it. Nothing here is imported by
``import varscale``.
"""

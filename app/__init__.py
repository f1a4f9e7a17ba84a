"""The composition root: settings, ``create_app``, and the ``cspr-hub`` command."""

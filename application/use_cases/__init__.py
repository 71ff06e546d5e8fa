"""One module per use case: a class with its ports in `__init__` and `execute`."""

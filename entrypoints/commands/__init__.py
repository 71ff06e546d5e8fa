"""The `crmbridge` commands, one module each; `entrypoints.cli` groups them."""

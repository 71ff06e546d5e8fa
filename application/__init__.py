"""Use cases of crmbridge and the ports they need; no adapter technology."""

"""The pure core of crmbridge: connections, PKCE, tokens and problems; no I/O."""

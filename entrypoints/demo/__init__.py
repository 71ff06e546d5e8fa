"""`crmbridge demo`: the emulator and the service as children, and a walk-through."""

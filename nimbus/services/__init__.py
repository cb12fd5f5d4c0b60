"""One package per AWS service; see registry.ServiceRegistry."""

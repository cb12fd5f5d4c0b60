"""Cross-cutting runtime: request context, identities, ARNs, clock, event bus, internal client."""

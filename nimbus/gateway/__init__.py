"""The HTTP front door: ASGI app, routing to (service, operation), SigV4 auth."""

"""Trusted Advisor's engine, shared by the ``support`` API and the ``trustedadvisor`` API: AWS's checks,
computed over the account's real resources (read through the internal client as the account), and each
check's refresh lifecycle and last results."""

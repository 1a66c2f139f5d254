"""Alerts: rules as data, their evaluation over a clock, silences, routing to the outbox."""

"""Incidents: opened from alerts, a timeline from what the store holds, MTTA, MTTR, availability."""

"""Monitoring pages: dashboard, exceptions, runs, alerts, audit."""

"""onesync: declarative sync from your database to OneSignal."""

from __future__ import annotations

__version__ = "0.1.0"

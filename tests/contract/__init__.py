"""Test support: every request our end-to-end tests send, judged by OneSignal's OpenAPI spec."""

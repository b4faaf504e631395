"""Consumes the order and partner hooks (qualification depends on both apps)."""

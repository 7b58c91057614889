"""Shared kernel: settings, resource names, AWS clients, errors, HTTP plumbing."""

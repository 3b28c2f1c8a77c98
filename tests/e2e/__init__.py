"""End-to-end tests in real Chromium."""

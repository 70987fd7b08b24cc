"""Playwright flows: one module per task a person does in the staff tool, each `(page, input) -> outcome`."""

"""Playwright flows: one module per task a person does in the staff tool (`login`, `send`, `recipients`,
`unit_cases`, `follow_up`), each a function `(screen, request) -> outcome`, where a `Screen` is the page plus the
selectors data that says where things are. `screen`, `waits` and `candidates` are what the flows stand on. Flows
never launch browsers, read config or environment, or touch the ledger: the runner owns those."""

"""Rule stage: one module per kind of value, each with its own example list (rules/examples/)."""

"""The core every feature builds on: the neutral message model, the router, feature
declarations, arguments, translations, and the outbox codec. Features live beside it,
one folder each, and import each other only through what the core offers."""

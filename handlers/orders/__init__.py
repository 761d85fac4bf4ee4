"""Orders: who bought what, from shops' webhooks, files and claims."""

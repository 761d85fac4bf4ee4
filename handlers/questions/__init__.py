"""Community Q&A: questions about products, answered by the community."""

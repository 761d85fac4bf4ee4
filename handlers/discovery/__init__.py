"""Discovery: the most popular products in a community, what is trending there,
suggestions for a member, and the lists moderators curate."""

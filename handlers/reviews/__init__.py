"""Reviews: written by shoppers, moderated, shown on cards."""

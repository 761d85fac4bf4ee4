"""Points and rewards: the ledger as members see it, and coupon codes to redeem."""

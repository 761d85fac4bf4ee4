"""The tables. Platform ids are strings and never primary keys (see DESIGN.md, Identity)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime, utcnow


def _created() -> Column[datetime]:
    return Column(UtcDateTime(), nullable=False, default=utcnow)


class Member(SQLModel, table=True):
    """One person, whatever platforms they use."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=128)
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class Account(SQLModel, table=True):
    """A platform identity (Telegram user, Discord user, console name) of a member."""

    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    platform_user_id: str = Field(max_length=64)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    username: str | None = Field(default=None, max_length=128)
    display_name: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class Community(SQLModel, table=True):
    """A group of linked chats across platforms that act as one audience."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class Chat(SQLModel, table=True):
    """A group, channel or private chat on one platform; linked chats share a community."""

    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    platform_chat_id: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    title: str | None = Field(default=None, max_length=256)
    community_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("community.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class Vendor(SQLModel, table=True):
    """Who sells products (the catalog's `vendor` column names them) and, once a member
    is theirs, posts promotions where a community granted it (`vendor_grant`)."""

    __table_args__ = (
        Index("ix_vendor_name", "name", unique=True),
        Index("ix_vendor_member", "member_id", unique=True),  # a member is one vendor
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class Product(SQLModel, table=True):
    """A catalog product, upserted by SKU from the catalog file."""

    # Browsing a category cheapest-first reads this index in order and stops early.
    __table_args__ = (Index("ix_product_category_price", "category", "price_minor"),)

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    description: str = ""
    category: str = Field(max_length=100)
    # Minor units (cents) avoid float rounding; the currency's exponent comes from Babel.
    price_minor: int = Field(index=True)
    currency: str = Field(max_length=3)
    url: str | None = Field(default=None, max_length=2048)
    image_url: str | None = Field(default=None, max_length=2048)
    tags: str = ""  # "|"-separated, as in the catalog file
    stock: int = 0  # total; variants may carry their own split
    # The shop's own id of the product (WooCommerce product id, Shopify's default
    # variant), for cart links when there are no variants.
    shop_id: str | None = Field(default=None, max_length=64)
    # The category in other languages, a JSON object ({"pl": "Torby", "uk": "Сумки"});
    # NULL when there are none.
    category_names: str | None = None
    # The name and description in other languages, JSON objects as category_names.
    names: str | None = None
    descriptions: str | None = None
    vendor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("vendor.id", ondelete="SET NULL"), nullable=True),
    )
    # Published reviews: how many and the sum of their stars, kept in step with each
    # publication and withdrawal (storage/reviews.py) so a card reads no reviews;
    # `shopbot reviews check` compares them with the reviews.
    rating_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    rating_sum: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class ProductVariant(SQLModel, table=True):
    """A colour/size combination. `stock` None: only the product total is known."""

    __tablename__ = "product_variant"
    __table_args__ = (UniqueConstraint("product_id", "color", "size"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )
    color: str = Field(default="", max_length=64)
    size: str = Field(default="", max_length=32)
    stock: int | None = None
    # The shop's own id of this variant (Shopify variant id, WooCommerce variation id),
    # which its cart links name.
    shop_id: str | None = Field(default=None, max_length=64)


class ProductSearch(SQLModel, table=True):
    """Accent-folded text of a product, indexed by FTS5 (SQLite) or tsvector (PostgreSQL)."""

    __tablename__ = "product_search"

    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    )
    name: str
    keywords: str
    body: str


class ProductVector(SQLModel, table=True):
    """A product's text embedding, by the model named: float16 bytes, L2-normalised.
    `digest` is a hash of the text it was computed from, so an import recomputes only
    new or changed products."""

    __tablename__ = "product_vector"

    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), primary_key=True)
    )
    model: str = Field(max_length=64)
    digest: str = Field(max_length=32)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ProcessedEvent(SQLModel, table=True):
    """Platform update ids already handled: a redelivered update is ignored."""

    __tablename__ = "processed_event"
    # seen_at: forgetting old ids is a range delete, not a scan of every id kept.
    __table_args__ = (
        PrimaryKeyConstraint("platform", "event_id"),
        Index("ix_processed_event_seen_at", "seen_at"),
    )

    platform: str = Field(max_length=16)
    event_id: str = Field(max_length=128)
    seen_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    # For platforms that deliver an update again until it is confirmed (Telegram): the
    # process that handled it, and its reply until sent (JSON, handlers/codec.py), so a
    # process killed between the commit and the send has the reply sent on redelivery.
    handled_by: str | None = Field(default=None, max_length=32)
    reply: str | None = None


class Meta(SQLModel, table=True):
    """Small named values, e.g. the catalog revision that search caches key on."""

    key: str = Field(primary_key=True, max_length=64)
    value: str


class Counter(SQLModel, table=True):
    """The last number given out per kind of thing (poll, review...) and scope: a
    community ("community:7"), or a chat not linked to others ("chat:12")."""

    kind: str = Field(primary_key=True, max_length=32)
    scope: str = Field(primary_key=True, max_length=64)
    last: int = 0


class LinkCode(SQLModel, table=True):
    """A one-time code that links two chats into a community, or two accounts into one
    member. Single use: redeeming sets `used_at` atomically."""

    __tablename__ = "link_code"

    code: str = Field(primary_key=True, max_length=16)
    purpose: str = Field(max_length=16)  # "chat" or "account"
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class LinkAttempt(SQLModel, table=True):
    """Redeemed or refused codes, to rate-limit guessing."""

    __tablename__ = "link_attempt"
    __table_args__ = (Index("ix_link_attempt_member_at", "member_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    ok: bool
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PollRow(SQLModel, table=True):
    """A style poll. Closed when `closed_at` is set (atomically, by one process)."""

    __tablename__ = "poll"

    id: int | None = Field(default=None, primary_key=True)
    # What people type (/results 3): numbered per community (see storage/numbering.py);
    # `id` stays inside, in button tokens and references.
    number: int = Field(index=True)
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    community_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("community.id", ondelete="SET NULL"), nullable=True),
    )
    created_by: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    question: str = Field(max_length=300)
    multiple: bool = False
    hide_results: bool = False
    closes_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class PollOptionRow(SQLModel, table=True):
    """One answer of a poll, in its position."""

    __tablename__ = "poll_option"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(
        sa_column=Column(Integer, ForeignKey("poll.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    text: str = Field(max_length=100)
    product_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="SET NULL"), nullable=True),
    )


class PollPost(SQLModel, table=True):
    """Where a poll runs: one message per chat; `native_ref` is how the platform names
    the poll in vote updates (Telegram poll id, Discord message id)."""

    __tablename__ = "poll_post"
    __table_args__ = (
        UniqueConstraint("poll_id", "chat_id"),
        Index("ix_poll_post_native", "platform", "native_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(
        sa_column=Column(Integer, ForeignKey("poll.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    platform: str = Field(max_length=16)
    message_id: str | None = Field(default=None, max_length=64)
    native_ref: str | None = Field(default=None, max_length=64)
    # Posting a result is claimed (a lease: a process that died holding it is replaced
    # once it runs out), then marked sent once the platform has it.
    results_claimed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    results_attempts: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    results_sent_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    # What a button copy's live counts show (a digest), so it is edited once per change.
    live_digest: str | None = Field(default=None, max_length=32)


class PollVoteRow(SQLModel, table=True):
    """One chosen option of one member. The key makes every vote write idempotent."""

    __tablename__ = "poll_vote"
    __table_args__ = (PrimaryKeyConstraint("poll_id", "member_id", "option_id"),)

    poll_id: int = Field(
        sa_column=Column(Integer, ForeignKey("poll.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    option_id: int = Field(
        sa_column=Column(Integer, ForeignKey("poll_option.id", ondelete="CASCADE"), nullable=False)
    )


class OutboxMessage(SQLModel, table=True):
    """Messages for a chat, waiting for a process that runs its platform (a mirrored
    poll, a result, a live count). Claimed with a lease while being sent, so exactly one
    process sends each, and a process that dies mid-send is replaced; `key` makes
    queueing the same message twice a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "done_at", "platform", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)  # the platform's id of the chat
    chat_kind: str = Field(max_length=16)
    payload: str  # JSON of the Out values (handlers/codec.py)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    # Not worth sending after this (a mirrored poll once the poll has closed).
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    not_before: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    claimed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # Sent, or given up on ("expired", or "failed" every attempt; the error is logged).
    done_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    outcome: str | None = Field(default=None, max_length=16)


class Welcome(SQLModel, table=True):
    """A community's welcome message (scope as in storage/numbering.py)."""

    scope: str = Field(primary_key=True, max_length=64)
    text: str = Field(max_length=1000)
    set_by: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class WelcomeSeen(SQLModel, table=True):
    """Who has been welcomed in a community: once per person."""

    __tablename__ = "welcome_seen"
    __table_args__ = (PrimaryKeyConstraint("scope", "member_id"),)

    scope: str = Field(max_length=64)
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )


class WelcomePending(SQLModel, table=True):
    """Newcomers waiting for a chat's next welcome message (one message per burst)."""

    __tablename__ = "welcome_pending"
    __table_args__ = (PrimaryKeyConstraint("chat_id", "member_id"),)

    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=128)
    joined_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class WelcomeChat(SQLModel, table=True):
    """When a chat was last welcomed into: the next message waits a minute after it."""

    __tablename__ = "welcome_chat"

    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True)
    )
    posted_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class Conversation(SQLModel, table=True):
    """A guided dialogue of one member in one chat: which step it is at and what was
    answered so far (JSON). In the database, so a restart loses nothing; it expires."""

    __table_args__ = (UniqueConstraint("member_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    flow: str = Field(max_length=64)
    step: str = Field(max_length=32)
    data: str
    # Started from a group for the person's private chat with the bot (a review from a
    # card's button): the first private message of theirs on that platform takes it over.
    private: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=sa_false())
    )
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class AnswerMemory(SQLModel, table=True):
    """What a member last asked about products in a chat, for a follow-up ("and in
    black?", "the second one"): the question as understood and the products shown, in
    order. Short-lived: it expires minutes after the answer."""

    __tablename__ = "answer_memory"
    __table_args__ = (PrimaryKeyConstraint("member_id", "chat_id"),)

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    question: str = Field(max_length=1000)
    product_ids: str  # comma-separated, in the order shown
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))


class Review(SQLModel, table=True):
    """A member's review of a product: one per person and product (an edit replaces it
    and goes back to moderation). `status`: pending, published or rejected. `revision`
    counts edits, so a moderator's button for an older text cannot publish a newer one."""

    __table_args__ = (
        UniqueConstraint("product_id", "member_id"),
        # The queue reads pending reviews oldest first; never by rating (FTC 16 CFR 465.7).
        Index("ix_review_status_updated", "status", "updated_at"),
        # /reviews reads a product's published reviews newest or most helpful first, a
        # page at a time straight off these (no sort of a popular product's reviews).
        Index("ix_review_product_published", "product_id", "status", "published_at", "id"),
        Index("ix_review_product_helpful", "product_id", "status", "helpful_count", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    # The chat it was written from (the group whose card's button opened it, or the
    # private chat): its community's publication policy applies.
    chat_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="SET NULL"), nullable=True),
    )
    # The author's account it came from: where the author is told about it.
    platform: str = Field(max_length=16)
    platform_user_id: str = Field(max_length=64)
    author_name: str = Field(max_length=128)
    rating: int
    body: str = Field(default="", max_length=2000)
    language: str = Field(default="en", max_length=16)
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=32)  # why it was rejected
    revision: int = 1
    staff: bool = False  # written by the product's vendor or a moderator (FTC 465.5)
    rewarded: bool = False  # points were given for it (FTC 465.4/.5): shown as a label
    helpful_count: int = 0
    report_count: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    published_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    decided_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )


class ReviewPhoto(SQLModel, table=True):
    """A photo of a review, re-encoded without metadata, stored in `media_dir` under its
    digest."""

    __tablename__ = "review_photo"
    __table_args__ = (PrimaryKeyConstraint("review_id", "position"),)

    review_id: int = Field(
        sa_column=Column(Integer, ForeignKey("review.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    file: str = Field(max_length=80)
    width: int
    height: int


class ReviewHelpful(SQLModel, table=True):
    """One member found a review helpful: the key counts each person once."""

    __tablename__ = "review_helpful"
    __table_args__ = (PrimaryKeyConstraint("review_id", "member_id"),)

    review_id: int = Field(
        sa_column=Column(Integer, ForeignKey("review.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )


class ReviewReport(SQLModel, table=True):
    """One member reported a published review (three send it back to the queue)."""

    __tablename__ = "review_report"
    __table_args__ = (PrimaryKeyConstraint("review_id", "member_id"),)

    review_id: int = Field(
        sa_column=Column(Integer, ForeignKey("review.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ReviewReply(SQLModel, table=True):
    """The one public reply to a review, by the product's vendor or a moderator."""

    __tablename__ = "review_reply"

    review_id: int = Field(
        sa_column=Column(Integer, ForeignKey("review.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    author_name: str = Field(max_length=128)
    body: str = Field(max_length=1000)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class ReviewPolicy(SQLModel, table=True):
    """A community's choice to publish every review at once, unmoderated (scope as in
    storage/numbering.py). Never depends on the rating."""

    __tablename__ = "review_policy"

    scope: str = Field(primary_key=True, max_length=64)
    instant: bool


class ShopOrder(SQLModel, table=True):
    """An order a shop told us about (webhook, file). The same order delivered again has
    the same (source, external_id) and is recorded once. `email_hash`: salted, never the
    address. `member_id`: the buyer, once known (their code on the order, or a claim)."""

    __tablename__ = "shop_order"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_shop_order_number", "number_key"),
        Index("ix_shop_order_member", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    number: str = Field(max_length=64)
    number_key: str = Field(max_length=64)  # `number` normalised, what a claim types
    email_hash: str | None = Field(default=None, max_length=64)
    member_code: str | None = Field(default=None, max_length=32)
    # The code of the member whose share link led to it (`sref`): they earn from it.
    referrer_code: str | None = Field(default=None, max_length=32)
    # The promotion whose link led to it (`spromo`), and its discount codes ("|"-joined,
    # upper-case): what counts it among a promotion's orders.
    promotion_id: int | None = None
    discount_codes: str | None = Field(default=None, max_length=300)
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    currency: str | None = Field(default=None, max_length=3)
    total_minor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    ordered_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # When the buyer was asked for a review (once per order); NULL: not yet.
    review_asked_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class OrderLine(SQLModel, table=True):
    """A line of an order: what was bought and how much of it was refunded."""

    __tablename__ = "order_line"
    __table_args__ = (
        PrimaryKeyConstraint("order_id", "line_key"),
        Index("ix_order_line_product", "product_id"),
    )

    order_id: int = Field(
        sa_column=Column(Integer, ForeignKey("shop_order.id", ondelete="CASCADE"), nullable=False)
    )
    line_key: str = Field(max_length=64)
    sku: str = Field(max_length=64)
    product_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="SET NULL"), nullable=True),
    )
    quantity: int
    refunded: int = 0


class OrderRefund(SQLModel, table=True):
    """A refund already applied: the same refund delivered again changes nothing."""

    __tablename__ = "order_refund"
    __table_args__ = (PrimaryKeyConstraint("source", "refund_id"),)

    source: str = Field(max_length=16)
    refund_id: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class OrderClaim(SQLModel, table=True):
    """A member's try at claiming an order by number and e-mail (wrong ones block)."""

    __tablename__ = "order_claim"
    __table_args__ = (Index("ix_order_claim_member_at", "member_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    ok: bool
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class MemberCode(SQLModel, table=True):
    """A member's code for attribution: carried by their Buy links, it ties an order to
    them. Linked accounts keep every code either had, so old links still count."""

    __tablename__ = "member_code"

    code: str = Field(primary_key=True, max_length=16)
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


class ProductQuestion(SQLModel, table=True):
    """A shopper's question about a product, asked in a chat for the community to
    answer. Hidden (`hidden_at`) once three people report it."""

    __tablename__ = "product_question"
    __table_args__ = (Index("ix_product_question_product", "product_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="SET NULL"), nullable=True),
    )
    # The asker's account: where they are told about answers.
    platform: str = Field(max_length=16)
    platform_user_id: str = Field(max_length=64)
    author_name: str = Field(max_length=128)
    body: str = Field(max_length=500)
    language: str = Field(default="en", max_length=16)
    answer_count: int = 0
    report_count: int = 0
    hidden_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class QuestionAnswer(SQLModel, table=True):
    """An answer to a product question; labelled by who wrote it (staff, a verified
    buyer) when it was written."""

    __tablename__ = "question_answer"
    __table_args__ = (Index("ix_question_answer_question", "question_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("product_question.id", ondelete="CASCADE"), nullable=False
        )
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    author_name: str = Field(max_length=128)
    body: str = Field(max_length=1000)
    staff: bool = False
    verified: bool = False
    report_count: int = 0
    hidden_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class QaReport(SQLModel, table=True):
    """One member reported a question or an answer: once per person."""

    __tablename__ = "qa_report"
    __table_args__ = (PrimaryKeyConstraint("kind", "item_id", "member_id"),)

    kind: str = Field(max_length=8)  # "question" or "answer"
    item_id: int
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )


class QuestionInvite(SQLModel, table=True):
    """A verified buyer invited to answer a question ("Ask owners"): once each."""

    __tablename__ = "question_invite"
    __table_args__ = (PrimaryKeyConstraint("question_id", "member_id"),)

    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("product_question.id", ondelete="CASCADE"), nullable=False
        )
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )


class MemberPreference(SQLModel, table=True):
    """What a member allowed in /settings (off until they turn it on)."""

    __tablename__ = "member_preference"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    ask_owners: bool = False  # other shoppers' questions about what they bought
    hide_from_leaderboard: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=sa_false())
    )


class PointsEntry(SQLModel, table=True):
    """One line of a member's points ledger, never changed but for `left`: what of a
    credit is still unspent (spending takes the oldest first; expiry takes the rest).
    `source` is unique: the event that paid, so a retried event cannot pay twice."""

    __tablename__ = "points_entry"
    __table_args__ = (
        Index("ix_points_entry_member_at", "member_id", "at"),
        # Spending and expiry read a member's credits with something left, oldest first.
        Index("ix_points_entry_open", "member_id", "left", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    points: int  # positive: earned; negative: spent, expired or reversed
    reason: str = Field(max_length=32)  # review, vote, referral, purchase, redeem, ...
    source: str = Field(max_length=160, unique=True)
    scope: str | None = Field(default=None, max_length=64)  # the community it was earned in
    # The other member of a referral (the buyer for the sharer, and the other way
    # round): per-pair caps count these.
    peer_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    left: int = 0
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class EarningRule(SQLModel, table=True):
    """A community's own points and daily cap for one way of earning (scope as in
    storage/numbering.py); ways it did not set earn the install's defaults."""

    __tablename__ = "earning_rule"

    scope: str = Field(primary_key=True, max_length=64)
    reason: str = Field(primary_key=True, max_length=32)
    points: int
    daily_cap: int


class PointsBalance(SQLModel, table=True):
    """A member's balance, kept in step with every entry (`shopbot points check`
    compares it with the ledger's sum). Its row is what concurrent spending locks."""

    __tablename__ = "points_balance"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    balance: int = 0


class Reward(SQLModel, table=True):
    """Something to redeem points for: coupon codes loaded by a vendor or moderator,
    each delivered once."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    price: int  # points
    per_member: int = 1  # how many one member may redeem
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class RewardCode(SQLModel, table=True):
    """One coupon code of a reward; `member_id` set once it is delivered (claimed in one
    UPDATE, so two presses or two processes never deliver it twice)."""

    __tablename__ = "reward_code"
    __table_args__ = (
        UniqueConstraint("reward_id", "code"),
        Index("ix_reward_code_free", "reward_id", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reward_id: int = Field(
        sa_column=Column(Integer, ForeignKey("reward.id", ondelete="CASCADE"), nullable=False)
    )
    code: str = Field(max_length=64)
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    claimed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class Referral(SQLModel, table=True):
    """Who brought whom: a member who first opened the bot through another's share link
    (an arrival). Once per newcomer; their purchases later pay the sharer too."""

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    sharer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    platform: str = Field(max_length=16)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    promotion_id: int | None = None  # the promotion whose post the link was made from


class ActivityDay(SQLModel, table=True):
    """A member was active in a group chat on a day (what makes a community's mayor);
    `staff`: they acted there as a moderator or vendor that day."""

    __tablename__ = "activity_day"
    __table_args__ = (
        PrimaryKeyConstraint("chat_id", "member_id", "day"),
        Index("ix_activity_day_day", "day"),
    )

    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    day: date
    staff: bool = False


class Mayor(SQLModel, table=True):
    """A community's mayor (scope as in storage/numbering.py), and whether its chats
    hear when the mayor changes."""

    scope: str = Field(primary_key=True, max_length=64)
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    days: int = 0
    since: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    announce: bool = False


class InviteLink(SQLModel, table=True):
    """A member's personal invite link to a group (Telegram's createChatInviteLink):
    joins through it are theirs."""

    __tablename__ = "invite_link"

    link: str = Field(primary_key=True, max_length=256)
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class JoinArrival(SQLModel, table=True):
    """A newcomer who joined a group through a member's invite link: credited to the
    member once they stayed the waiting days; leaving first or joining again cancels."""

    __tablename__ = "join_arrival"
    __table_args__ = (
        PrimaryKeyConstraint("chat_id", "member_id"),
        Index("ix_join_arrival_waiting", "credited_at", "left_at", "joined_at"),
    )

    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    sharer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    joined_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    left_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    credited_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class AnswerHelpful(SQLModel, table=True):
    """A member found an answer helpful: once per person."""

    __tablename__ = "answer_helpful"
    __table_args__ = (PrimaryKeyConstraint("answer_id", "member_id"),)

    answer_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("question_answer.id", ondelete="CASCADE"), nullable=False
        )
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )


class VendorGrant(SQLModel, table=True):
    """A community lets a vendor post promotions in its chats (scope as in
    storage/numbering.py); a trusted vendor's promotions need no approval there."""

    __tablename__ = "vendor_grant"
    __table_args__ = (PrimaryKeyConstraint("scope", "vendor_id"),)

    scope: str = Field(max_length=64)
    vendor_id: int = Field(
        sa_column=Column(Integer, ForeignKey("vendor.id", ondelete="CASCADE"), nullable=False)
    )
    trusted: bool = False
    granted_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class Promotion(SQLModel, table=True):
    """A vendor's promotion: what it says and shows, and when it repeats (its
    occurrences are rows of their own)."""

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(
        sa_column=Column(Integer, ForeignKey("vendor.id", ondelete="CASCADE"), nullable=False)
    )
    created_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    title: str = Field(max_length=100)
    body: str = Field(max_length=2000)
    skus: str = Field(default="", max_length=700)  # "|"-joined
    code: str | None = Field(default=None, max_length=64)  # a discount code
    terms: str | None = Field(default=None, max_length=500)
    image_url: str | None = Field(default=None, max_length=500)
    starts_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    every_days: int = 0  # 0: once
    times: int | None = None  # at most this many occurrences
    pin: bool = False
    status: str = Field(default="running", max_length=16)  # draft, running, stopped, ended
    revision: int = 0  # edits while it runs (each edits its posts again)
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class PromotionTarget(SQLModel, table=True):
    """A chat a promotion is for, and its moderators' decision (pending, approved,
    rejected): nothing is posted in a chat until approved."""

    __tablename__ = "promotion_target"
    __table_args__ = (PrimaryKeyConstraint("promotion_id", "chat_id"),)

    promotion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("promotion.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(default="pending", max_length=16)
    decided_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class PromotionOccurrence(SQLModel, table=True):
    """When a promotion is to be posted: one row per time."""

    __tablename__ = "promotion_occurrence"
    __table_args__ = (
        PrimaryKeyConstraint("promotion_id", "number"),
        Index("ix_promotion_occurrence_due", "due_at"),
    )

    promotion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("promotion.id", ondelete="CASCADE"), nullable=False)
    )
    number: int
    due_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PromotionPost(SQLModel, table=True):
    """One chat's post of one occurrence, claimed once (the unique key) across
    processes: queued (in the outbox), sent, or not posted and why (late, capped)."""

    __tablename__ = "promotion_post"
    __table_args__ = (
        UniqueConstraint("promotion_id", "number", "chat_id"),
        Index("ix_promotion_post_scope_day", "scope", "day"),
        Index("ix_promotion_post_message", "chat_id", "message_id"),  # reactions find it
    )

    id: int | None = Field(default=None, primary_key=True)
    promotion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("promotion.id", ondelete="CASCADE"), nullable=False)
    )
    number: int
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    scope: str = Field(max_length=64)  # the chat's community, for its daily cap
    day: date  # the community's local day it was posted on
    status: str = Field(max_length=16)  # queued (in the outbox), late, capped
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    message_id: str | None = Field(default=None, max_length=64)  # the platform's, once sent
    ended: bool = False  # edited to say the promotion ended
    reactions: int = 0  # the latest count (Telegram's total; Discord's, from its reactions)


class PromotionClick(SQLModel, table=True):
    """Someone followed a promotion's link (the redirect on the HTTP server): once per
    person per promotion, people told apart by a salted hash of their network address
    and browser (`visitor`), since a link button does not say who pressed it."""

    __tablename__ = "promotion_click"
    __table_args__ = (UniqueConstraint("promotion_id", "visitor"),)

    id: int | None = Field(default=None, primary_key=True)
    promotion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("promotion.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="SET NULL"), nullable=True),
    )
    visitor: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PromotionShare(SQLModel, table=True):
    """A member took their share link from a promotion's post: once per member."""

    __tablename__ = "promotion_share"
    __table_args__ = (PrimaryKeyConstraint("promotion_id", "member_id"),)

    promotion_id: int = Field(
        sa_column=Column(Integer, ForeignKey("promotion.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int | None = Field(  # where its post's button was pressed
        default=None,
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="SET NULL"), nullable=True),
    )
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PromotionReaction(SQLModel, table=True):
    """One person's reaction on a post, where the platform says who (Discord): added
    once, removed when taken back; the post's count is theirs."""

    __tablename__ = "promotion_reaction"
    __table_args__ = (PrimaryKeyConstraint("post_id", "user_id", "emoji"),)

    post_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("promotion_post.id", ondelete="CASCADE"), nullable=False
        )
    )
    user_id: str = Field(max_length=64)
    emoji: str = Field(max_length=64)


class PromoPolicy(SQLModel, table=True):
    """A community's rules for promotions: how many a day, and quiet hours in its time
    zone (minutes after midnight; from > to wraps past midnight)."""

    __tablename__ = "promo_policy"

    scope: str = Field(primary_key=True, max_length=64)
    daily_cap: int = 2
    quiet_from: int | None = None
    quiet_to: int | None = None
    timezone: str = Field(default="UTC", max_length=64)


class ProductSignal(SQLModel, table=True):
    """One interaction with a product in a chat (a view, question, click, share,
    arrival, vote, review or order): append-only, `key` names the fact so a repeat is a
    no-op. `staff`: a moderator acted (the product's vendor is found when counting).
    Kept `SIGNAL_DAYS` in detail, then only in `signal_day`."""

    __tablename__ = "product_signal"
    __table_args__ = (
        Index("ix_product_signal_chat_at", "chat_id", "at"),
        Index("ix_product_signal_member", "member_id", "at"),
        Index("ix_product_signal_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=True),
    )
    kind: str = Field(max_length=16)
    staff: bool = False
    # What the member asked for when they saw it ("size 47", "in black"), for /foryou.
    color: str | None = Field(default=None, max_length=64)
    size: str | None = Field(default=None, max_length=32)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class SignalCounts(SQLModel):
    """A product's signals counted by kind, and their weighted `score` (the columns the
    daily, all-time and ranked tables share)."""

    views: int = 0
    questions: int = 0
    clicks: int = 0
    shares: int = 0
    arrivals: int = 0
    votes: int = 0
    reviews: int = 0
    orders: int = 0
    score: int = 0


class SignalDay(SignalCounts, table=True):
    """A product's signals in a chat on a day, counted by kind (staff left out), with
    their weighted `score`: what pick lists and trends read, and all that is left of
    the detail once it ages out."""

    __tablename__ = "signal_day"
    __table_args__ = (
        PrimaryKeyConstraint("chat_id", "day", "product_id"),
        Index("ix_signal_day_product", "product_id", "day"),
        Index("ix_signal_day_day", "day"),  # a roll-up reads one day
    )

    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    day: date
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )


class SignalTotal(SignalCounts, table=True):
    """A product's signals in a chat since the beginning (the sum of its `signal_day`
    rows), so an all-time pick list reads one row per product."""

    __tablename__ = "signal_total"
    __table_args__ = (
        PrimaryKeyConstraint("chat_id", "product_id"),
        Index("ix_signal_total_chat_score", "chat_id", "score"),
    )

    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False)
    )
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )


class RankedProduct(SignalCounts, table=True):
    """A community's ranked products as the roll-up left them: the most popular per
    period ("week", "month", "all") and category ("" for all), and what trends
    ("trend"), so /top and the "Trending here" label read a few rows. `scope` is the
    community's numbering scope, or "*" for every chat."""

    __tablename__ = "ranked_product"
    __table_args__ = (PrimaryKeyConstraint("scope", "period", "category", "rank"),)

    scope: str = Field(max_length=64)
    period: str = Field(max_length=8)
    category: str = Field(max_length=100)
    rank: int
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )
    people: int = 0  # a trend: how many people took an interest
    # The time the ranks were worked out for: an older ranking never replaces a newer.
    ranked_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class PickList(SQLModel, table=True):
    """A list of products a community's moderators curated under a name (`/picks`)."""

    __tablename__ = "pick_list"
    __table_args__ = (UniqueConstraint("scope", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=64)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)  # folded, so "Summer" and "summer" are one list
    created_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class PickItem(SQLModel, table=True):
    """A product on a pick list, with how many members voted it up."""

    __tablename__ = "pick_item"
    __table_args__ = (PrimaryKeyConstraint("list_id", "product_id"),)

    list_id: int = Field(
        sa_column=Column(Integer, ForeignKey("pick_list.id", ondelete="CASCADE"), nullable=False)
    )
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )
    votes: int = 0
    added_at: datetime = Field(default_factory=utcnow, sa_column=_created())


class PickVote(SQLModel, table=True):
    """A member voted a pick up: once per member and item."""

    __tablename__ = "pick_vote"
    __table_args__ = (PrimaryKeyConstraint("list_id", "product_id", "member_id"),)

    list_id: int = Field(
        sa_column=Column(Integer, ForeignKey("pick_list.id", ondelete="CASCADE"), nullable=False)
    )
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), nullable=False)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False)
    )

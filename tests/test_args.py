import pytest

from handlers.core.args import ArgsError, Param, ParamKind, coerce_options, parse_args, usage

QUERY = [Param("query", ParamKind.TEXT, placeholder="name or SKU")]
POLL = [
    Param("hours", ParamKind.INT, min_value=1, max_value=48),
    Param("mode", ParamKind.CHOICE, choices=("single", "multi")),
    Param("title", ParamKind.WORD),
    Param("rest", ParamKind.TEXT, required=False),
]


def test_rest_of_line_keeps_spacing_and_punctuation() -> None:
    assert parse_args(QUERY, "  linen  shirt, size M? ") == {"query": "linen  shirt, size M?"}


def test_quoted_tokens_including_typographic_quotes() -> None:
    got = parse_args(POLL, '2 multi "Summer drop" Which colour?')
    assert got == {"hours": 2, "mode": "multi", "title": "Summer drop", "rest": "Which colour?"}
    assert parse_args(POLL, "3 single „Zimowa kolekcja”")["title"] == "Zimowa kolekcja"
    assert parse_args(QUERY, '"trail backpack"') == {"query": "trail backpack"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Missing {name}."),
        ("0 single x", "{name} must be between {low} and {high}."),
        ("two single x", "{name} must be a whole number."),
        ("2 plenty x", "{name} must be one of: {choices}."),
        ('2 single "unclosed', "A quote is not closed: {quote}"),
    ],
)
def test_bad_arguments_are_explained(raw: str, message: str) -> None:
    with pytest.raises(ArgsError) as caught:
        parse_args(POLL, raw)
    assert caught.value.message == message


def test_too_many_arguments() -> None:
    with pytest.raises(ArgsError, match="Too many"):
        parse_args([Param("a", ParamKind.WORD)], "one two")


@pytest.mark.parametrize(
    "hostile",
    [
        "x" * 10_000,
        "\x00\x07\x1b[31mred\x1b[0m",
        "🧥🎒👟 backpack 🏔️‍🔥",
        "حقيبة ظهر للمشي",
        "\u202eskcab\u202c pack",
        "\t\n  \n",
    ],
)
def test_hostile_text_never_crashes_the_grammar(hostile: str) -> None:
    try:
        parsed = parse_args([Param("q", ParamKind.TEXT, max_length=20_000)], hostile)
    except ArgsError as error:
        assert error.message == "Missing {name}."
    else:
        assert parsed["q"] == hostile.strip()


def test_typed_options_use_the_same_validation() -> None:
    assert coerce_options(POLL, {"hours": 5, "mode": "MULTI", "title": "x"}) == {
        "hours": 5,
        "mode": "multi",
        "title": "x",
    }
    with pytest.raises(ArgsError, match="between"):
        coerce_options(POLL, {"hours": 99, "mode": "single", "title": "x"})
    with pytest.raises(ArgsError, match="Unknown option"):
        coerce_options(POLL, {"bogus": 1})


def test_usage_line() -> None:
    assert usage("product", QUERY) == "/product <name or SKU>"
    assert usage("poll", POLL) == "/poll <hours> <mode> <title> [rest]"


@pytest.mark.parametrize(
    ("raw", "message", "values"),
    [
        ("0", "{name} must be at least {low}.", {"low": 1}),
        ("-5", "{name} must be at least {low}.", {"low": 1}),
        ("99999999999999999999", "{name} must be between {low} and {high}.", {"high": 2**31 - 1}),
    ],
)
def test_numbers_without_a_maximum_still_fit_the_database(
    raw: str, message: str, values: dict[str, int]
) -> None:
    number = [Param("number", ParamKind.INT, min_value=1)]
    with pytest.raises(ArgsError) as caught:
        parse_args(number, raw)
    assert caught.value.message == message
    assert values.items() <= caught.value.values.items()
    assert parse_args(number, "2147483647") == {"number": 2147483647}

"""Words the question parser understands, in the languages our communities speak
(English, Polish, Malay/Indonesian, Finnish, Ukrainian). All folded at import time the
same way the search index folds text."""

from __future__ import annotations

from storage.text import fold


def folded(words: str) -> frozenset[str]:
    """The space-separated `words`, folded as the search index folds text."""
    return frozenset(fold(word) for word in words.split())


def folded_phrases(*phrases: str) -> tuple[str, ...]:
    """Each phrase folded, in the order given (the first found wins where order counts)."""
    return tuple(fold(phrase) for phrase in phrases)


STOPWORDS = folded(
    # English
    "a an the is are am be do does did you your we our i me my it its them they have has had any"
    " anything something some got get looking look find want need buy please can could"
    " would will show tell about in on at of to for with and or but what which how much"
    " many there their this that these those price prices cost costs costing available"
    " stock still sell selling sale hi hello hey thanks thank yes no one ones also just"
    " so than then very really maybe if like kind sort type sell sold where who whats"
    " hows im ive id cheap cheapest affordable good nice best new come comes"
    # Polish
    " czy macie masz ma jest sa mam chce chcialbym chcialabym szukam potrzebuje jakis"
    " jakas jakies cos ile kosztuje kosztuja cena ceny za w we na z ze i a o dla po jak"
    " jaki jaka jakie ktory ktora ktore prosze moze mozna dostepny dostepna dostepne"
    " to ten ta te tego sie mi jeszcze bardzo tez lub albo oraz kolorze kolor"
    " kupic kupie pokaz pokazcie pokazesz dzien dobry hej czesc dzieki tani tania tanie najtanszy"
    # Malay / Indonesian
    " ada tak apa adakah apakah berapa harga untuk dengan dan atau yang di ke dari ini"
    " itu saya aku mau ingin cari mencari nak boleh tolong warna dalam punya jual kah"
    " ya tidak nggak gak sih dong ni tu murah kalau lalu sikit sakit tanya stok tunjuk"
    " tunjukkan lihat liat"
    # Finnish
    " onko teilla sinulla minulla on ja tai se ne mita paljonko maksaa maksavat hinta"
    " kuinka etsin haluan tarvitsen jokin jotain myyttekö myytteko ostaa varia halpa halpoja"
    " loytyyko loytyy saako saisiko sita sen enta entas miten missa mista mika milloin kuka"
    " miksi varastossa varastosta saatavilla nayta nayttakaa naytatko"
    # Ukrainian
    " чи є у вас ви маєте скільки коштує коштують ціна для з і та або в на що який яка"
    " яке які має мають шукаю хочу потрібен потрібна потрібно будь ласка колір кольору"
    " привіт дешевий продається продаються продаєте покажіть покажи показати"
)

SIZE_KEYWORDS = folded(
    "size sizes sz rozmiar rozmiarze rozmiarem rozm ukuran saiz koko kokoa koon kokoja koossa"
    " розмір розміру розмірі"
)
SIZE_WORDS = {
    **dict.fromkeys(folded("xs xxs"), ""),
    "small": "S",
    "medium": "M",
    "large": "L",
    "maly": "S",
    "sredni": "M",
    "duzy": "L",
    "kecil": "S",
    "sedang": "M",
    "besar": "L",
    "pieni": "S",
    "keskikokoinen": "M",
    "iso": "L",
}
# Letter sizes that cannot be mistaken for words, accepted without a size keyword.
STANDALONE_SIZES = frozenset({"xxs", "xs", "xl", "xxl", "xxxl", "2xl", "3xl"})

PRICE_MAX = folded(
    "under below less cheaper max maximum upto within ponizej do taniej mniej maks"
    " maksymalnie bawah kurang maksimal alle enintaan korkeintaan halvempi до дешевше"
    " менше максимум"
)
PRICE_MIN = folded(
    "over above more from least min minimum powyzej od drozej wiecej atas lebih minimal"
    " yli vahintaan kalliimpi від понад більше дорожче"
)
RANGE_JOINERS = folded("and to do dan hingga sampai ja до - –")

CURRENCIES = {
    **dict.fromkeys(folded("eur euro euros euroa euron €  євро"), "EUR"),
    **dict.fromkeys(folded("usd dollar dollars $"), "USD"),
    **dict.fromkeys(folded("pln zl zloty zlotych zlote"), "PLN"),
    **dict.fromkeys(folded("gbp £ pound pounds"), "GBP"),
    **dict.fromkeys(folded("myr rm ringgit"), "MYR"),
    **dict.fromkeys(folded("idr rp rupiah"), "IDR"),
    **dict.fromkeys(folded("uah грн гривень гривні"), "UAH"),
}

# Colour families: a question naming the family matches any of its shades in the
# catalog ("blue" finds Navy). First entry of each tuple is the family name.
_FAMILIES: dict[str, tuple[str, str]] = {
    # family: (shade names used in catalogs, words for the family in our languages)
    "blue": (
        "blue navy sky cobalt denim indigo azure royal teal",
        "niebieski niebieska niebieskie niebieskiego niebieskiej niebieskim granatowy"
        " granatowa granatowe biru sininen sinisen sinisena siniset sinista sinisia tummansininen"
        " tummansinisen tummansinisena tummansiniset tummansinista vaaleansininen"
        " vaaleansinisen vaaleansinisena синій синя синє сині"
        " синього блакитний блакитна",
    ),
    "red": (
        "red burgundy maroon crimson wine brick cherry",
        "czerwony czerwona czerwone czerwonego czerwonej merah punainen punaisen punaisena"
        " punaiset punaista punaisia"
        " червоний червона червоне червоні",
    ),
    "green": (
        "green olive sage forest mint emerald khaki moss",
        "zielony zielona zielone zielonego zielonej oliwkowy oliwkowa hijau vihrea vihrean"
        " vihreana vihreat vihreaa oliivinvihrea oliivinvihrean oliivinvihreana oliivinvihreat"
        " oliivi"
        " зелений зелена зелене зелені оливковий",
    ),
    "black": (
        "black jet onyx",
        "czarny czarna czarne czarnego czarnej hitam musta mustan mustana mustat mustaa mustia"
        " чорний чорна чорне чорні",
    ),
    "white": (
        "white ivory ecru snow",
        "bialy biala biale bialego bialej putih valkoinen valkoisen valkoisena valkoiset valkoista"
        " білий біла біле білі",
    ),
    "grey": (
        "grey gray charcoal slate silver ash graphite",
        "szary szara szare szarego szarej kelabu abu harmaa harmaan harmaana harmaat harmaata"
        " сірий сіра сіре сірі",
    ),
    "yellow": (
        "yellow mustard lemon gold",
        "zolty zolta zolte zoltego zoltej kuning keltainen keltaisen keltaisena keltaiset"
        " жовтий жовта жовте",
    ),
    "brown": (
        "brown tan chocolate camel cognac coffee tobacco chestnut",
        "brazowy brazowa brazowe brazowego coklat cokelat ruskea ruskean ruskeana ruskeat"
        " коричневий коричнева",
    ),
    "beige": (
        "beige sand stone oat natural cream",
        "bezowy bezowa bezowe piaskowy krem kremowy krim beige beigen бежевий бежева",
    ),
    "pink": (
        "pink rose blush fuchsia",
        "rozowy rozowa rozowe rozowego jambu pinkki pinkin pinkit vaaleanpunainen рожевий рожева",
    ),
    "purple": (
        "purple violet lilac lavender plum",
        "fioletowy fioletowa fioletowe ungu violetti liila фіолетовий фіолетова",
    ),
    "orange": (
        "orange rust terracotta coral amber",
        "pomaranczowy pomaranczowa pomaranczowe oren oranye oranssi помаранчевий помаранчева",
    ),
}

SHADES: dict[str, frozenset[str]] = {
    family: folded(shades) | {family} for family, (shades, _words) in _FAMILIES.items()
}


def _inflected(word: str) -> list[str]:
    """A colour adjective with the endings "in black" gives it: Polish w czarnym,
    czarnej; Ukrainian у чорному, чорній, чорним, синьому. (Stray forms of words of
    other languages are harmless: nobody types them.)"""
    if word.endswith("ий"):
        stem = word[:-2]
        return [word, stem + "ому", stem + "им", stem + "ій", stem + "ого", stem + "ої"]
    if word.endswith("ій"):
        stem = word[:-2]
        return [word, stem + "ьому", stem + "ім", stem + "ьої"]
    if word.isascii() and word.endswith("y"):
        return [word, word + "m", word[:-1] + "ej"]
    if word.isascii() and word.endswith("i"):
        return [word, word + "m", word + "ej"]
    return [word]


COLOR_WORDS: dict[str, str] = {
    fold(form): family
    for family, (shades, words) in _FAMILIES.items()
    for word in f"{family} {words}".split()
    for form in _inflected(word)
}

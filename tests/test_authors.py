"""Author names: parsing, keys and the merging of spellings of one person."""

from __future__ import annotations

import pytest

from site_builder.authors import (
    NameKey,
    display_name,
    merge_names,
    name_key,
    parse_name,
    short_authors,
)


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("Jürgen Schmidhuber", ("Jürgen", "Schmidhuber")),
        ("Schmidhuber, Jürgen", ("Jürgen", "Schmidhuber")),
        ("  J.   Schmidhuber ", ("J.", "Schmidhuber")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Yann Le Cun", ("Yann", "Le Cun")),
        ("van Beethoven, Ludwig", ("Ludwig", "van Beethoven")),
        ("Martin Luther King Jr.", ("Martin Luther", "King")),
        ("Martin Luther King, Jr.", ("Martin Luther", "King")),
        ("King, Jr., Martin Luther", ("Martin Luther", "King")),
        ("OpenAI", ("", "OpenAI")),
        ("de la Cruz", ("", "de la Cruz")),
    ],
)
def test_parse_name(name: str, parsed: tuple[str, str]) -> None:
    assert parse_name(name) == parsed


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Jürgen Schmidhuber", NameKey("schmidhuber", ("jurgen",))),
        ("J. Schmidhuber", NameKey("schmidhuber", ("j",))),
        ("Schmidhuber, J.", NameKey("schmidhuber", ("j",))),
        ("Jean-Pierre Dupont", NameKey("dupont", ("jean", "pierre"))),
        ("J.-P. Dupont", NameKey("dupont", ("j", "p"))),
        ("José M. Álvarez", NameKey("alvarez", ("jose", "m"))),
        ("Yann LeCun", NameKey("lecun", ("yann",))),
        ("Yann Le Cun", NameKey("lecun", ("yann",))),
        ("Łukasz Kaiser", NameKey("kaiser", ("lukasz",))),
        ("Søren Hauberg", NameKey("hauberg", ("soren",))),
    ],
)
def test_name_key_folds_accents_initials_and_order(name: str, key: NameKey) -> None:
    assert name_key(name) == key


MERGED = [
    ("Jürgen Schmidhuber", "J. Schmidhuber", "Schmidhuber, Jürgen", "Jurgen Schmidhuber", "J Schmidhuber"),
    ("Yann LeCun", "Y. LeCun", "LeCun, Yann", "yann lecun"),
    ("Ludwig van Beethoven", "van Beethoven, Ludwig", "L. van Beethoven"),
    ("Jean Pierre Dupont", "Jean-Pierre Dupont", "J.-P. Dupont", "Dupont, Jean-Pierre"),
    ("José M. Álvarez", "Jose Alvarez", "J. M. Álvarez", "Álvarez, José"),
    ("Łukasz Kaiser", "Lukasz Kaiser", "L. Kaiser"),
    ("Martin Luther King", "Martin Luther King Jr.", "King, Martin Luther"),
]


@pytest.mark.parametrize("spellings", MERGED, ids=[group[0] for group in MERGED])
def test_spellings_of_one_name_merge(spellings: tuple[str, ...]) -> None:
    people = merge_names(spellings)
    assert len({people[name].slug for name in spellings}) == 1
    person = people[spellings[0]]
    # The fullest spelling, in "First Last" order, accents kept; ties go to the first in order.
    assert person.name == spellings[0]
    assert person.spellings == tuple(sorted(spellings))


KEPT_APART = [
    # An initial that fits two people joins neither.
    (("John Smith", "Jane Smith", "J. Smith"), 3),
    # Two different middle initials are two people; the name without one fits both.
    (("John A. Smith", "John B. Smith", "John Smith"), 3),
    # Different first names, different family names, other order without a comma.
    (("Wei Zhang", "Wei Wang", "Zhang Wei"), 3),
    (("Alice Martin", "Bob Martin"), 2),
    # A single name only merges with itself.
    (("OpenAI", "OpenAI Team", "O. OpenAI"), 3),
    # An initial that fits one of two people only when the other is ruled out by a middle name.
    (("John A. Smith", "J. B. Smith"), 2),
]


@pytest.mark.parametrize(("spellings", "people"), KEPT_APART)
def test_different_people_stay_apart(spellings: tuple[str, ...], people: int) -> None:
    merged = merge_names(spellings)
    assert len({merged[name].slug for name in spellings}) == people


def test_an_initial_joins_the_only_person_it_fits() -> None:
    merged = merge_names(["John Smith", "J. Smith", "Jane Doe", "J. Doe", "Jim Doe"])
    assert merged["J. Smith"] is merged["John Smith"]
    assert merged["J. Doe"].spellings == ("J. Doe",)  # Jane or Jim: ambiguous
    assert merged["Jane Doe"] is not merged["Jim Doe"]


def test_slugs_are_unique_and_independent_of_input_order() -> None:
    names = ["Anna Müller", "Anna Muller", "Anna-Maria Müller", "Hans Müller", "Hans M. Müller", "A. Müller"]
    first = merge_names(names)
    second = merge_names(list(reversed(names)))
    assert first == second
    people = {author.slug: author for author in first.values()}
    # "Anna Müller" fits "Anna-Maria Müller" as "John Smith" fits "John A. Smith"; "A. Müller"
    # fits only her, "Hans Müller" only "Hans M. Müller".
    assert sorted(people) == ["anna-maria-muller", "hans-m-muller"]
    assert people["anna-maria-muller"].spellings == ("A. Müller", "Anna Muller", "Anna Müller", "Anna-Maria Müller")
    assert people["hans-m-muller"].spellings == ("Hans M. Müller", "Hans Müller")


def test_colliding_slugs_are_numbered() -> None:
    # "Zoë Ng" and "Zoe-Ng" are different keys (a single name vs first and last) with one slug.
    merged = merge_names(["Zoë Ng", "Zoe-Ng"])
    assert sorted(author.slug for author in merged.values()) == ["zoe-ng", "zoe-ng-2"]


@pytest.mark.parametrize(
    ("count", "shown", "more"), [(0, 0, 0), (1, 1, 0), (4, 4, 0), (5, 3, 2), (40, 3, 37)]
)
def test_short_authors(count: int, shown: int, more: int) -> None:
    names = tuple(f"Author {i}" for i in range(count))
    assert short_authors(names) == (names[:shown], more)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Schmidhuber, Jürgen", "Jürgen Schmidhuber"),
        ("van Beethoven,  Ludwig", "Ludwig van Beethoven"),
        ("King, Jr., Martin Luther", "Martin Luther King Jr."),
        ("Martin Luther King, Jr.", "Martin Luther King, Jr."),
        ("Ada  Lovelace", "Ada Lovelace"),
    ],
)
def test_display_name_puts_first_names_first(name: str, shown: str) -> None:
    assert display_name(name) == shown

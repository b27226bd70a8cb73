"""Reference codes: readable, random, found however they are typed, never found in ordinary words."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from services.nlu.text import fold
from services.requests.codes import ALPHABET, LENGTH, find_codes, new_code, random_code

FORMAT = re.compile(rf"^PA-[{ALPHABET}]{{{LENGTH}}}$")
# Letters a person writes in Vietnamese, folded as the router sees them.
WORDS = st.lists(st.text(alphabet="abcdeghiklmnopqrstuvxy", min_size=1, max_size=9), min_size=1, max_size=12)


def test_the_alphabet_has_no_look_alike_characters() -> None:
    assert not set("01ILO") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_random_codes_are_well_formed_with_a_digit() -> None:
    for _ in range(2000):
        code = random_code()
        assert FORMAT.match(code)
        assert any(ch.isdigit() for ch in code[3:])


def test_every_character_is_used_in_every_position() -> None:
    """A sanity check of the random source (a character missing from 5000 draws has odds of about e^-160)."""
    bodies = [random_code()[3:] for _ in range(5000)]
    for position in range(LENGTH):
        assert {body[position] for body in bodies} == set(ALPHABET)


def test_a_taken_code_is_never_given_again() -> None:
    taken: set[str] = set()
    first = new_code(taken.__contains__)
    taken.add(first)
    tries: list[str] = []

    def busy_then_free(code: str) -> bool:
        tries.append(code)
        return len(tries) < 3 or code in taken

    second = new_code(busy_then_free)
    assert second != first and len(tries) >= 3


@given(
    body=st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH).filter(lambda b: any(c.isdigit() for c in b)),
    separator=st.sampled_from(["-", " ", "", "_", ".", ":"]),
    lower=st.booleans(),
    before=st.sampled_from(["", "kiểm tra ", "ma ", "mã phản ánh: ", "tra cuu giup "]),
    after=st.sampled_from(["", " giúp em", "?", " nhé", "."]),
)
def test_a_code_is_found_however_it_is_typed(body: str, separator: str, lower: bool, before: str, after: str) -> None:
    typed = f"PA{separator}{body}"
    typed = typed.lower() if lower else typed
    message = before + typed + after
    assert find_codes(message) == [f"PA-{body}"]
    assert find_codes(fold(message)) == [f"PA-{body}"]


@given(WORDS)
def test_ordinary_words_are_never_codes(words: list[str]) -> None:
    assert find_codes(" ".join(["pa", *words])) == []


def test_numbers_and_longer_tokens_are_not_codes() -> None:
    assert find_codes("pa 2 ngay chua ve") == []
    assert find_codes("PA-7K3Q9PX") == []
    assert find_codes("XPA-7K3Q9P") == []
    assert find_codes("PA-7K3Q9P và PA-7K3Q9P, pa-22BBCC") == ["PA-7K3Q9P", "PA-22BBCC"]

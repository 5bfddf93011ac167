"""The name matcher's rules, each pinned by the pair of names that motivates it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.matching import Known, NameIndex, Thresholds, normalize_name
from streams.matching.aliases import seed_aliases
from streams.matching.normal import Normalizer
from streams.matching.similarity import name_score

KO = datetime(2026, 5, 6, 11, 0, tzinfo=UTC)
NAMES = Normalizer(seed_aliases())


def score(a: str, b: str, sport: str = "soccer") -> float:
    return name_score(NAMES(a, sport), NAMES(b, sport), sport)


def test_fold_drops_case_accents_punctuation_affixes_and_years() -> None:
    name = normalize_name("  PFC Montana-1921 ", "soccer")
    assert (name.key, name.markers) == ("montana", frozenset())
    assert normalize_name("Atlético Mineiro", "soccer").key == "atletico mineiro"
    assert normalize_name("Bodø/Glimt", "soccer").key == "bodo glimt"
    assert normalize_name("Rinderknech, Arthur", "tennis").key == "arthur rinderknech"


@pytest.mark.parametrize(
    ("name", "markers"),
    [
        ("Arsenal W", {"women"}),
        ("Arsenal Women", {"women"}),
        ("Arsenal (W)", {"women"}),
        ("Atletico Madrid U-21", {"u21"}),
        ("Atletico Madrid Under 21", {"u21"}),
        ("Barcelona B", {"reserves"}),
        ("Barcelona II", {"reserves"}),
        ("Jong Ajax", {"reserves"}),
    ],
)
def test_markers_are_kept_as_distinguishing_tokens(name: str, markers: set[str]) -> None:
    assert normalize_name(name, "soccer").markers == markers


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Man United", "Man City"),  # difflib rates these 84% alike
        ("Barrie Colts", "Erie Otters"),  # no shared token at all
        ("Ashford United", "Ashford City"),
        ("Arsenal", "Arsenal Women"),
        ("Barcelona", "Barcelona B"),
        ("Atletico Madrid U21", "Atletico Madrid U23"),
    ],
)
def test_different_teams_score_low(a: str, b: str) -> None:
    assert score(a, b) <= 40


@pytest.mark.parametrize(
    ("a", "b", "sport"),
    [
        ("Man Utd", "Manchester United FC", "soccer"),
        ("Tokyo", "FC Tokyo", "soccer"),
        ("Dynamo Kiev", "Dinamo Kyiv", "soccer"),
        ("Wuhan Three Towns FC", "Wuhan 3 Towns", "soccer"),
        ("Ichihara Chiba", "JEF United Chiba", "soccer"),  # through the alias table
        ("Rinderknech A.", "Arthur Rinderknech", "tennis"),
        ("Tirante T. A.", "Thiago Agustin Tirante", "tennis"),
        ("Medvedev D.", "Daniil Medvedew", "tennis"),
    ],
)
def test_same_teams_written_differently_score_high(a: str, b: str, sport: str) -> None:
    assert score(a, b, sport) >= 90


def test_a_shared_surname_with_another_initial_is_another_player() -> None:
    assert score("Zverev A.", "Zverev M.", "tennis") <= 40
    assert score("Zverev A.", "Mischa Zverev", "tennis") <= 40


def index(*known: tuple[str, str, str, datetime]) -> NameIndex:
    ix = NameIndex(aliases=seed_aliases())
    for n, (sport, home, away, kickoff) in enumerate(known, 1):
        ix.add(Known(f"sr:{n}", sport, home, away, kickoff, n))
    return ix


def test_match_review_and_unmatched_follow_the_two_thresholds() -> None:
    ix = index(
        ("soccer", "Wuhan Three Towns FC", "Qingdao Hainiu FC", KO),
        ("soccer", "Ashford United", "Bexbach Royals", KO),
    )
    hit = ix.match("soccer", "Wuhan Three Towns", "Qingdao Hainiu", KO + timedelta(minutes=5))
    assert (hit.status, hit.candidate and hit.candidate.event_key, hit.swapped) == ("matched", "sr:1", False)
    # one team the same, the other only alike: between the thresholds
    review = ix.match("soccer", "Ashford United", "Bexbach Rovers", KO)
    assert review.status == "review" and 70 <= review.score < 88
    assert ix.match("soccer", "Ashford City", "Calw", KO).status == "unmatched"
    # same names, another sport or outside the kickoff window
    assert ix.match("basketball", "Wuhan Three Towns", "Qingdao Hainiu", KO).status == "unmatched"
    assert (
        ix.match("soccer", "Wuhan Three Towns", "Qingdao Hainiu", KO + timedelta(hours=4)).status
        == "unmatched"
    )


def test_home_away_swap_is_detected() -> None:
    ix = index(("tennis", "Rinderknech, Arthur", "Tirante, Thiago Agustin", KO))
    found = ix.match("tennis", "Thiago Agustin Tirante", "Arthur Rinderknech", KO)
    assert (found.status, found.swapped) == ("matched", True)


def test_two_equally_good_candidates_go_to_review_not_to_a_guess() -> None:
    ix = index(
        ("soccer", "Ashford", "Bexbach", KO), ("soccer", "Ashford", "Bexbach", KO + timedelta(minutes=3))
    )
    found = ix.match("soccer", "Ashford", "Bexbach", KO)
    assert found.status == "review" and found.score >= 88


def test_decide_memoizes_matches_and_rechecks_the_rest_when_the_index_changes() -> None:
    ix = NameIndex(thresholds=Thresholds())
    assert ix.decide(("b", "1"), "soccer", "Calw", "Dole", KO).status == "unmatched"
    ix.add(Known("sr:9", "soccer", "Calw", "Dole", KO, 9))
    assert ix.decide(("b", "1"), "soccer", "Calw", "Dole", KO).status == "matched"
    ix.discard("sr:9")
    assert ix.decide(("b", "1"), "soccer", "Calw", "Dole", KO).status == "unmatched"

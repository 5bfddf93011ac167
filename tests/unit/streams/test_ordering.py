"""The seek ledger's admission rule (streams.kafka.ordering): order, stale batches, skips, gaps."""

from __future__ import annotations

from aiokafka import TopicPartition

from streams.kafka.ordering import SeekLedger, Verdict

TP = TopicPartition("raw", 0)


def test_nothing_is_read_before_the_partition_is_sought() -> None:
    ledger = SeekLedger()
    assert ledger.admit(ledger.stamp([TP]), TP, 0) is Verdict.DROP
    ledger.sought({TP: 5})
    assert ledger.admit(ledger.stamp([TP]), TP, 5) is Verdict.READ


def test_records_are_read_in_order_and_never_twice() -> None:
    ledger = SeekLedger()
    ledger.sought({TP: 5})
    stamp = ledger.stamp([TP])
    assert [ledger.admit(stamp, TP, o) for o in (5, 6, 6, 4, 7)] == [
        Verdict.READ,
        Verdict.READ,
        Verdict.DROP,
        Verdict.DROP,
        Verdict.READ,
    ]
    assert ledger.next_offset(TP) == 8


def test_a_batch_fetched_before_a_seek_is_dropped() -> None:
    ledger = SeekLedger()
    ledger.sought({TP: 5})
    old = ledger.stamp([TP])
    ledger.sought({TP: 5})  # sought again, same offset: the old batch is still stale
    assert ledger.admit(old, TP, 5) is Verdict.DROP
    assert ledger.admit(ledger.stamp([TP]), TP, 5) is Verdict.READ


def test_a_skip_seeks_back_once_then_a_real_gap_is_read() -> None:
    ledger = SeekLedger()
    ledger.sought({TP: 5})
    stamp = ledger.stamp([TP])
    assert ledger.admit(stamp, TP, 9) is Verdict.RESEEK and ledger.next_offset(TP) == 5
    ledger.sought({TP: 5})  # the caller seeks back; the log has nothing at 5..8
    assert ledger.admit(ledger.stamp([TP]), TP, 9) is Verdict.READ
    assert ledger.next_offset(TP) == 10


def test_a_seek_to_the_log_start_reads_whatever_comes_first() -> None:
    ledger = SeekLedger()
    ledger.sought({TP: None})
    assert ledger.admit(ledger.stamp([TP]), TP, 42) is Verdict.READ
    assert ledger.admit(ledger.stamp([TP]), TP, 44) is Verdict.RESEEK


def test_a_revoked_partition_waits_for_its_next_seek() -> None:
    ledger = SeekLedger()
    ledger.sought({TP: 5})
    ledger.forget([TP])
    assert ledger.admit(ledger.stamp([TP]), TP, 5) is Verdict.DROP


def test_a_compacted_changelog_gap_is_read_at_once() -> None:
    """Recovery reads a compacted changelog: its gaps are admitted without a seek back and
    fetch again each (a restart after a simulated week met thousands of them)."""
    changelog = TopicPartition("oddsflow-last_prices-changelog", 3)
    ledger = SeekLedger()
    ledger.sought({changelog: 0, TP: 0})
    stamp = ledger.stamp([changelog, TP])
    assert [ledger.admit(stamp, changelog, o) for o in (0, 7, 8, 30)] == [Verdict.READ] * 4
    assert ledger.next_offset(changelog) == 31
    assert ledger.admit(stamp, changelog, 12) is Verdict.DROP  # behind: still never read twice
    assert ledger.admit(stamp, TP, 0) is Verdict.READ
    assert ledger.admit(stamp, TP, 7) is Verdict.RESEEK  # a raw topic's jump is still checked


def test_a_changelog_batch_fetched_before_a_seek_is_still_dropped() -> None:
    changelog = TopicPartition("oddsflow-last_prices-changelog", 3)
    ledger = SeekLedger()
    ledger.sought({changelog: 0})
    old = ledger.stamp([changelog])
    ledger.sought({changelog: 0})
    assert ledger.admit(old, changelog, 9) is Verdict.DROP

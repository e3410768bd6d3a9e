"""The resolver on fixed cases: DESIGN.md "What a display shows at instant t", rules 1–6
and "Timeline", checked instant by instant. Pure inputs: no app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from signage.core.model import (
    AlertShown,
    AlertSpec,
    Entry,
    Recurrence,
    Severity,
    Target,
    TargetKind,
    Tier,
)
from signage.core.timeline import Resolver
from tests.unit.core.timeline_helpers import (
    CPH,
    alert,
    content,
    display,
    expected_index,
    local,
    playing,
    playlist,
    schedule,
    segment_at,
    slide,
    slides_of,
    spans,
    spans_where,
    utc,
)

WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
OFFICE_HOURS = (7 * 60, 18 * 60)
NIGHT = (22 * 60, 6 * 60)


def one_playlist(recurrence: Recurrence | None = None, **extra: object) -> Resolver:
    """Playlist 1 with slide 1, on everywhere by `recurrence`."""
    return Resolver(
        content([schedule(1, 1, recurrence=recurrence)], [playlist(1, 1)], [slide(1)], **extra)
    )


# -- rule 3: occurrences ------------------------------------------------------------------------
def test_a_weekday_window_is_on_from_seven_to_eighteen_local_and_off_at_the_weekend() -> None:
    resolver = one_playlist(Recurrence(rrule=WEEKDAYS, window=OFFICE_HOURS))
    monday = date(2026, 5, 4)
    assert monday.isoweekday() == 1

    segments = resolver.timeline(display(), local(2026, 5, 4), local(2026, 5, 11))

    expected = [
        (local(2026, 5, day, 7), local(2026, 5, day, 18)) for day in range(4, 9)
    ]  # Monday 4th to Friday 8th, CEST: 05:00Z–16:00Z
    assert spans_where(segments, playing) == expected
    assert expected[0] == (utc(2026, 5, 4, 5), utc(2026, 5, 4, 16))
    weekend = [s for s in segments if s.start.astimezone(UTC) >= local(2026, 5, 9)]
    assert weekend
    assert all(s.tier is Tier.BRAND and s.loop == () for s in weekend)


def test_a_night_shift_into_the_spring_change_lasts_seven_real_hours() -> None:
    resolver = one_playlist(Recurrence(window=NIGHT))

    segments = resolver.timeline(display(), utc(2026, 3, 28, 12), utc(2026, 3, 29, 12))

    # 22:00 CET is 21:00Z; midnight CET is 23:00Z; 06:00 CEST is 04:00Z.
    assert spans(segments) == [
        (utc(2026, 3, 28, 12), utc(2026, 3, 28, 21)),
        (utc(2026, 3, 28, 21), utc(2026, 3, 28, 23)),
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 4)),
        (utc(2026, 3, 29, 4), utc(2026, 3, 29, 12)),
    ]
    [(start, end)] = spans_where(segments, playing)
    assert end - start == timedelta(hours=7)


def test_a_night_shift_into_the_autumn_change_lasts_nine_real_hours() -> None:
    resolver = one_playlist(Recurrence(window=NIGHT))

    segments = resolver.timeline(display(), utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))

    # 22:00 CEST is 20:00Z; midnight CEST is 22:00Z; 06:00 CET is 05:00Z.
    assert spans(segments) == [
        (utc(2026, 10, 24, 12), utc(2026, 10, 24, 20)),
        (utc(2026, 10, 24, 20), utc(2026, 10, 24, 22)),
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 5)),
        (utc(2026, 10, 25, 5), utc(2026, 10, 25, 12)),
    ]
    [(start, end)] = spans_where(segments, playing)
    assert end - start == timedelta(hours=9)


def test_a_window_starting_in_the_spring_gap_begins_at_the_offset_before_the_gap() -> None:
    resolver = one_playlist(
        Recurrence(window=(2 * 60 + 30, 12 * 60), starts=date(2026, 3, 29), ends=date(2026, 3, 30))
    )

    segments = resolver.timeline(display(), utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))

    # 02:30 does not exist; with +01:00 it is 01:30Z, shown as 03:30 CEST.
    assert spans_where(segments, playing) == [(utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 10))]


def test_an_ambiguous_autumn_time_takes_its_first_instant() -> None:
    resolver = one_playlist(
        Recurrence(
            window=(2 * 60 + 30, 12 * 60), starts=date(2026, 10, 25), ends=date(2026, 10, 26)
        )
    )

    segments = resolver.timeline(display(), utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))

    # 02:30 happens twice; the first is 02:30 CEST = 00:30Z. 12:00 CET is 11:00Z.
    assert spans_where(segments, playing) == [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 11))]


def test_windows_starting_in_and_just_after_the_spring_gap_start_in_instant_order() -> None:
    on_day = {"starts": date(2026, 3, 29), "ends": date(2026, 3, 30)}
    resolver = Resolver(
        content(
            [
                schedule(1, 1, recurrence=Recurrence(window=(150, 720), **on_day)),  # type: ignore[arg-type]
                schedule(2, 2, recurrence=Recurrence(window=(180, 720), **on_day)),  # type: ignore[arg-type]
            ],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )

    segments = resolver.timeline(display(), utc(2026, 3, 28, 23), utc(2026, 3, 29, 12))

    assert [
        (span, slides_of(s.loop)) for span, s in zip(spans(segments), segments, strict=True)
    ] == [
        ((utc(2026, 3, 28, 23), utc(2026, 3, 29, 1)), []),
        ((utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)), [2]),  # 03:00 CEST
        ((utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 10)), [1, 2]),  # 02:30 → 03:30 CEST
        ((utc(2026, 3, 29, 10), utc(2026, 3, 29, 12)), []),
    ]


@pytest.mark.parametrize(
    ("zone", "on_from", "on_until", "midnight"),
    [
        ("America/New_York", utc(2026, 7, 1, 11), utc(2026, 7, 1, 22), utc(2026, 7, 1, 4)),
        ("Atlantic/Faroe", utc(2026, 7, 1, 6), utc(2026, 7, 1, 17), utc(2026, 6, 30, 23)),
        ("Europe/Copenhagen", utc(2026, 7, 1, 5), utc(2026, 7, 1, 16), utc(2026, 6, 30, 22)),
    ],
)
def test_a_display_reads_windows_and_midnights_on_its_own_wall_clock(
    zone: str, on_from: datetime, on_until: datetime, midnight: datetime
) -> None:
    resolver = one_playlist(Recurrence(window=OFFICE_HOURS))

    segments = resolver.timeline(display(zone), utc(2026, 6, 30, 12), utc(2026, 7, 2, 0))

    assert (on_from, on_until) in spans_where(segments, playing)
    assert midnight in [start for start, _ in spans(segments)]


def test_christmas_day_is_skipped_with_the_danish_holidays() -> None:
    resolver = one_playlist(
        Recurrence(window=OFFICE_HOURS, holidays="dk"),
        holidays={"dk": frozenset({date(2026, 12, 25), date(2026, 12, 26)})},
    )

    segments = resolver.timeline(display(), local(2026, 12, 24), local(2026, 12, 28))

    assert spans_where(segments, playing) == [
        (local(2026, 12, 24, 7), local(2026, 12, 24, 18)),
        (local(2026, 12, 27, 7), local(2026, 12, 27, 18)),
    ]


def test_an_exdate_skips_its_date() -> None:
    resolver = one_playlist(Recurrence(window=OFFICE_HOURS, exdates=frozenset({date(2026, 6, 11)})))

    segments = resolver.timeline(display(), local(2026, 6, 10), local(2026, 6, 13))

    assert spans_where(segments, playing) == [
        (local(2026, 6, 10, 7), local(2026, 6, 10, 18)),
        (local(2026, 6, 12, 7), local(2026, 6, 12, 18)),
    ]


def test_starts_and_ends_as_dates_filter_dates_and_never_cut_an_occurrence() -> None:
    resolver = one_playlist(
        Recurrence(window=NIGHT, starts=date(2026, 6, 10), ends=date(2026, 6, 12))
    )

    segments = resolver.timeline(display(), local(2026, 6, 9), local(2026, 6, 14))

    # Nights of the 10th and 11th; the 11th's runs into the 12th, past `ends`.
    assert spans_where(segments, playing) == [
        (local(2026, 6, 10, 22), local(2026, 6, 11, 6)),
        (local(2026, 6, 11, 22), local(2026, 6, 12, 6)),
    ]


def test_starts_and_ends_as_date_times_clip_the_occurrences() -> None:
    resolver = one_playlist(
        Recurrence(
            window=OFFICE_HOURS,
            starts=datetime(2026, 6, 10, 9, 30),  # noqa: DTZ001 - local wall-clock by design
            ends=datetime(2026, 6, 11, 12, 0),  # noqa: DTZ001 - local wall-clock by design
        )
    )

    segments = resolver.timeline(display(), local(2026, 6, 9), local(2026, 6, 14))

    assert spans_where(segments, playing) == [
        (local(2026, 6, 10, 9, 30), local(2026, 6, 10, 18)),
        (local(2026, 6, 11, 7), local(2026, 6, 11, 12)),
    ]


# -- rules 4 and 5: targets and tiers -----------------------------------------------------------
NOON = local(2026, 6, 10, 12)


def loop_at(resolver: Resolver, instant: datetime = NOON, **shown_on: object) -> list[int]:
    return slides_of(resolver.now(display(**shown_on), instant).segment.loop)


def test_an_active_campaign_hides_normal_content() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1), schedule(2, 2, tier=Tier.CAMPAIGN)],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )

    now = resolver.now(display(), NOON)

    assert now.segment.tier is Tier.CAMPAIGN
    assert slides_of(now.segment.loop) == [2]


def test_a_campaign_whose_slides_have_all_expired_falls_through_to_normal() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1), schedule(2, 2, tier=Tier.CAMPAIGN)],
            [playlist(1, 1), playlist(2, 2, 3)],
            [
                slide(1),
                slide(2, valid_until=date(2026, 1, 1)),
                slide(3, valid_until=date(2026, 6, 1)),
            ],
        )
    )

    now = resolver.now(display(), NOON)

    assert now.segment.tier is Tier.NORMAL
    assert slides_of(now.segment.loop) == [1]


def test_campaign_playlists_play_at_weight_one_whatever_their_weight() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1, tier=Tier.CAMPAIGN, weight=5), schedule(2, 2, tier=Tier.CAMPAIGN)],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )

    assert loop_at(resolver) == [1, 2]


def test_weights_one_and_two_interleave_one_to_two() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1, weight=1), schedule(2, 2, weight=2)],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )

    # Smooth weighted round robin: B (2 > 1), A (2 > 1), B (3 > 0).
    assert loop_at(resolver) == [2, 1, 2]


def test_a_loop_is_k_times_w_picks_each_playing_the_playlists_next_slide() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1, weight=1), schedule(2, 2, weight=2)],
            [playlist(1, 11, 12, 13), playlist(2, 21, 22)],
            [slide(11), slide(12), slide(13), slide(21), slide(22)],
        )
    )

    # W = 3, K = max(⌈3/1⌉, ⌈2/2⌉) = 3: nine picks of B A B, every playlist restarting after.
    assert loop_at(resolver) == [21, 11, 22, 21, 12, 22, 21, 13, 22]


def test_equal_weights_tie_to_the_lower_playlist_id() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 5), schedule(2, 3)],
            [playlist(5, 50), playlist(3, 30)],
            [slide(50), slide(30)],
        )
    )

    assert loop_at(resolver) == [30, 50]


def test_a_playlist_reached_twice_counts_once_at_its_largest_weight() -> None:
    resolver = Resolver(
        content(
            [
                schedule(1, 1, Target(TargetKind.LOCATION, 10), weight=1),
                schedule(2, 1, Target(TargetKind.GROUP, 5), weight=3),
                schedule(3, 2, weight=1),
            ],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )

    # Weights {1: 3, 2: 1}: W = 4, K = 1; 1 (3), 1 (tie 2:2 to id 1), 2 (3), 1 (4).
    assert loop_at(resolver, locations=(10,), groups=frozenset({5})) == [1, 1, 2, 1]


def test_a_schedule_for_another_display_location_or_group_does_not_reach() -> None:
    resolver = Resolver(
        content(
            [
                schedule(1, 1, Target(TargetKind.DISPLAY, 2)),
                schedule(2, 1, Target(TargetKind.LOCATION, 99)),
                schedule(3, 1, Target(TargetKind.GROUP, 6)),
            ],
            [playlist(1, 1)],
            [slide(1)],
        )
    )

    now = resolver.now(display(locations=(10, 20), groups=frozenset({5})), NOON)

    assert now.segment.tier is Tier.BRAND


def test_a_fallback_on_the_display_beats_one_on_its_location() -> None:
    resolver = Resolver(
        content(
            [
                schedule(1, 2, Target(TargetKind.LOCATION, 10), tier=Tier.FALLBACK),
                schedule(2, 1, Target(TargetKind.DISPLAY, 1), tier=Tier.FALLBACK),
            ],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )

    now = resolver.now(display(locations=(10,)), NOON)

    assert now.segment.tier is Tier.FALLBACK
    assert slides_of(now.segment.loop) == [1]


FALLBACK_LEVELS = [
    Target(TargetKind.DISPLAY, 1),
    Target(TargetKind.GROUP, 5),
    Target(TargetKind.LOCATION, 10),  # its own location
    Target(TargetKind.LOCATION, 20),  # the parent
    Target(TargetKind.LOCATION, 30),  # the root
    Target(TargetKind.ALL),
]


@pytest.mark.parametrize("most_specific", range(len(FALLBACK_LEVELS)))
def test_only_the_most_specific_fallback_level_plays(most_specific: int) -> None:
    # Listed least specific first, so that neither ids nor order decide.
    levels = list(enumerate(FALLBACK_LEVELS))[most_specific:][::-1]
    resolver = Resolver(
        content(
            [schedule(60 - n, n + 1, target, tier=Tier.FALLBACK) for n, target in levels],
            [playlist(n + 1, n + 1) for n, _ in levels],
            [slide(n + 1) for n, _ in levels],
        )
    )

    now = resolver.now(display(locations=(10, 20, 30), groups=frozenset({5})), NOON)

    assert now.segment.tier is Tier.FALLBACK
    assert slides_of(now.segment.loop) == [most_specific + 1]


def test_a_fallback_plays_only_when_no_normal_playlist_does() -> None:
    resolver = Resolver(
        content(
            [
                schedule(1, 1, recurrence=Recurrence(window=OFFICE_HOURS)),
                schedule(2, 2, Target(TargetKind.DISPLAY, 1), tier=Tier.FALLBACK),
            ],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1), slide(2)],
        )
    )

    assert loop_at(resolver, NOON) == [1]
    evening = resolver.now(display(), local(2026, 6, 10, 20)).segment
    assert (evening.tier, slides_of(evening.loop)) == (Tier.FALLBACK, [2])


def test_with_nothing_playable_the_brand_slide_shows() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1), schedule(2, 2, tier=Tier.FALLBACK)],
            [playlist(1, 1), playlist(2, 2)],
            [slide(1, ready_for=frozenset()), slide(2, valid_from=date(2027, 1, 1))],
        )
    )

    now = resolver.now(display(), NOON)

    assert (now.segment.tier, now.segment.blank, now.segment.loop, now.index) == (
        Tier.BRAND,
        False,
        (),
        None,
    )


# -- rule 6: slides -----------------------------------------------------------------------------
def test_expired_future_wrong_orientation_unready_and_unapproved_slides_are_skipped() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)],
            [playlist(1, 1, 2, 3, 4, 5, 6)],
            [
                slide(1),
                slide(2, valid_until=date(2026, 6, 10)),  # ended at local midnight
                slide(3, orientation="portrait"),
                slide(4, ready_for=frozenset()),
                # 5 has no approved revision, so the database layer does not pass it
                slide(6, valid_from=datetime(2026, 6, 10, 12, 1)),  # noqa: DTZ001 - local
            ],
        )
    )

    assert loop_at(resolver, orientation="landscape") == [1]


def test_a_picture_plays_only_on_screens_its_renditions_are_ready_for() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)],
            [playlist(1, 1, 2)],
            [slide(1, ready_for=frozenset({(1920, 1080), (3840, 2160)})), slide(2)],
        )
    )

    assert loop_at(resolver, resolution=(1920, 1080)) == [1, 2]
    assert loop_at(resolver, resolution=(3840, 2160)) == [1, 2]
    assert loop_at(resolver, resolution=(1280, 720)) == [2]


def test_slides_for_the_displays_orientation_or_any_play() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)],
            [playlist(1, 1, 2, 3)],
            [slide(1), slide(2, orientation="portrait"), slide(3, orientation="landscape")],
        )
    )

    assert loop_at(resolver, orientation="portrait") == [1, 2]


def test_a_slide_validity_bound_splits_the_timeline_at_that_local_instant() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)],
            [playlist(1, 1, 2)],
            [slide(1), slide(2, valid_until=datetime(2026, 6, 10, 12, 0))],  # noqa: DTZ001
        )
    )

    segments = resolver.timeline(display(), local(2026, 6, 10, 6), local(2026, 6, 10, 18))

    assert [
        (span, slides_of(s.loop)) for span, s in zip(spans(segments), segments, strict=True)
    ] == [
        ((local(2026, 6, 10, 6), local(2026, 6, 10, 12)), [1, 2]),
        ((local(2026, 6, 10, 12), local(2026, 6, 10, 18)), [1]),
    ]


def test_an_edit_waiting_for_approval_leaves_the_approved_revision_on_screen() -> None:
    # The slide's pending revision 42 is not given; the approved 41 is.
    resolver = Resolver(content([schedule(1, 1)], [playlist(1, 7)], [slide(7, revision=41)]))

    now = resolver.now(display(), NOON)

    assert now.segment.loop == (Entry(slide=7, revision=41, duration=10, language="da"),)


@pytest.mark.parametrize(
    ("item", "slide_seconds", "media_seconds", "expected"),
    [
        (15, 20, 33.2, 15),
        (None, 20, 33.2, 20),
        (None, None, 33.2, 34),
        (None, None, 0.2, 1),
        (None, None, None, 10),
        (0, None, None, 1),
        (None, 0, None, 1),
        (100_000, None, None, 86_400),
        (None, None, 90_000.5, 86_400),
    ],
)
def test_a_duration_is_the_items_else_the_slides_else_the_videos_in_whole_seconds(
    item: int | None, slide_seconds: int | None, media_seconds: float | None, expected: int
) -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)],
            [playlist(1, (1, item))],
            [slide(1, duration=slide_seconds, media_duration_s=media_seconds)],
        )
    )

    [entry] = resolver.now(display(), NOON).segment.loop

    assert entry.duration == expected


def test_a_slide_expands_to_one_full_entry_per_display_language_that_has_it() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)], [playlist(1, 1)], [slide(1, duration=8, languages=frozenset({"uk"}))]
        )
    )

    loop = resolver.now(display(languages=("da", "en", "uk")), NOON).segment.loop

    assert loop == (Entry(1, 1001, 8, "da"), Entry(1, 1001, 8, "uk"))


def test_a_slide_without_variants_shows_its_base_alone() -> None:
    resolver = Resolver(content([schedule(1, 1)], [playlist(1, 1)], [slide(1, duration=8)]))

    loop = resolver.now(display(languages=("en",)), NOON).segment.loop

    assert loop == (Entry(1, 1001, 8, "da"),)


def test_languages_expand_within_each_pick_in_the_displays_order() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)],
            [playlist(1, 1, 2)],
            [slide(1, languages=frozenset({"uk", "en"})), slide(2)],
        )
    )

    loop = resolver.now(display(languages=("uk", "da", "en")), NOON).segment.loop

    assert [(e.slide, e.language) for e in loop] == [(1, "uk"), (1, "da"), (1, "en"), (2, "da")]


# -- rules 1 and 2: power and alerts ------------------------------------------------------------
POWERED_BY_DAY = (Recurrence(window=OFFICE_HOURS),)
SINCE_JANUARY = utc(2026, 1, 1)


def test_outside_its_power_windows_a_display_is_blank_with_no_loop_and_no_tier() -> None:
    resolver = one_playlist()

    segments = resolver.timeline(
        display(power=POWERED_BY_DAY), local(2026, 6, 10), local(2026, 6, 11)
    )

    assert [
        (start, end, s.blank, s.tier)
        for (start, end), s in zip(spans(segments), segments, strict=True)
    ] == [
        (local(2026, 6, 10), local(2026, 6, 10, 7), True, None),
        (local(2026, 6, 10, 7), local(2026, 6, 10, 18), False, Tier.NORMAL),
        (local(2026, 6, 10, 18), local(2026, 6, 11), True, None),
    ]
    assert all(s.loop == () for s in segments if s.blank)


def test_critical_and_warning_alerts_show_outside_power_windows() -> None:
    resolver = one_playlist(
        alerts=(
            alert(1, Severity.CRITICAL, SINCE_JANUARY),
            alert(2, Severity.WARNING, SINCE_JANUARY),
        )
    )

    now = resolver.now(display(power=POWERED_BY_DAY), local(2026, 6, 10, 3))

    assert now.segment.blank
    assert {a.id: a.shown for a in now.segment.alerts} == {1: "fullscreen", 2: "waiting"}


def test_a_warning_is_a_banner_outside_power_windows() -> None:
    resolver = one_playlist(alerts=(alert(2, Severity.WARNING, SINCE_JANUARY),))

    now = resolver.now(display(power=POWERED_BY_DAY), local(2026, 6, 10, 3))

    assert now.segment.blank
    assert now.segment.alerts == (AlertShown(2, Severity.WARNING, "banner"),)


def test_an_info_alert_does_not_run_its_ticker_over_a_blank_screen() -> None:
    resolver = one_playlist(alerts=(alert(3, Severity.INFO, SINCE_JANUARY),))

    now = resolver.now(display(power=POWERED_BY_DAY), local(2026, 6, 10, 3))

    assert now.segment.blank
    assert all(a.shown != "ticker" for a in now.segment.alerts)


def test_the_newest_critical_is_fullscreen_and_every_other_alert_waits() -> None:
    resolver = one_playlist(
        alerts=(
            alert(1, Severity.CRITICAL, utc(2026, 6, 10, 8)),
            alert(2, Severity.CRITICAL, utc(2026, 6, 10, 9)),
            alert(3, Severity.WARNING, utc(2026, 6, 10, 9, 30)),
            alert(4, Severity.INFO, utc(2026, 6, 10, 9, 45)),
        )
    )

    now = resolver.now(display(), utc(2026, 6, 10, 10))

    assert {a.id: a.shown for a in now.segment.alerts} == {
        1: "waiting",
        2: "fullscreen",
        3: "waiting",
        4: "waiting",
    }
    assert slides_of(now.segment.loop) == [1]


def test_without_a_critical_the_newest_warning_is_the_banner_and_infos_tick() -> None:
    resolver = one_playlist(
        alerts=(
            alert(1, Severity.WARNING, utc(2026, 6, 10, 9)),
            alert(2, Severity.WARNING, utc(2026, 6, 10, 8)),
            alert(3, Severity.INFO, utc(2026, 6, 10, 7)),
            alert(4, Severity.INFO, utc(2026, 6, 10, 6)),
            alert(5, Severity.CRITICAL, utc(2026, 6, 10, 5), utc(2026, 6, 10, 6)),  # over
            alert(6, Severity.CRITICAL, utc(2026, 6, 10, 11)),  # not yet
        )
    )

    now = resolver.now(display(), utc(2026, 6, 10, 10))

    assert {a.id: a.shown for a in now.segment.alerts} == {
        1: "banner",
        2: "waiting",
        3: "ticker",
        4: "ticker",
    }


def test_an_alert_for_another_display_does_not_reach() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1)],
            [playlist(1, 1)],
            [slide(1)],
            alerts=(
                AlertSpec(
                    1, Severity.CRITICAL, SINCE_JANUARY, None, (Target(TargetKind.DISPLAY, 2),)
                ),
            ),
        )
    )

    assert resolver.now(display(), NOON).segment.alerts == ()


def test_an_alert_starting_and_ending_splits_the_timeline() -> None:
    resolver = one_playlist(
        alerts=(alert(1, Severity.WARNING, utc(2026, 6, 10, 9), utc(2026, 6, 10, 10)),)
    )

    segments = resolver.timeline(display(), utc(2026, 6, 10, 8), utc(2026, 6, 10, 11))

    assert [
        (start, end, len(s.alerts))
        for (start, end), s in zip(spans(segments), segments, strict=True)
    ] == [
        (utc(2026, 6, 10, 8), utc(2026, 6, 10, 9), 0),
        (utc(2026, 6, 10, 9), utc(2026, 6, 10, 10), 1),
        (utc(2026, 6, 10, 10), utc(2026, 6, 10, 11), 0),
    ]


# -- the timeline: midnights, anchors and the entry playing -------------------------------------
def test_segments_split_at_local_midnight_even_when_nothing_changes() -> None:
    resolver = one_playlist()

    segments = resolver.timeline(display(), utc(2026, 3, 28, 12), utc(2026, 3, 31, 12))

    assert spans(segments) == [
        (utc(2026, 3, 28, 12), utc(2026, 3, 28, 23)),  # midnight CET
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)),  # a 23-hour day, then midnight CEST
        (utc(2026, 3, 29, 22), utc(2026, 3, 30, 22)),
        (utc(2026, 3, 30, 22), utc(2026, 3, 31, 12)),
    ]
    assert [s.anchor.astimezone(UTC) for s in segments] == [
        utc(2026, 3, 27, 23),  # clipped: the run began at the day's midnight
        utc(2026, 3, 28, 23),
        utc(2026, 3, 29, 22),
        utc(2026, 3, 30, 22),
    ]


def test_a_segment_is_anchored_where_its_constant_run_starts_and_clipping_keeps_it() -> None:
    resolver = one_playlist(Recurrence(window=OFFICE_HOURS))

    [segment] = resolver.timeline(display(), local(2026, 6, 10, 10), local(2026, 6, 10, 12))

    assert (segment.start, segment.end) == (local(2026, 6, 10, 10), local(2026, 6, 10, 12))
    assert segment.anchor == local(2026, 6, 10, 7)


def test_an_anchor_looks_back_no_further_than_local_midnight() -> None:
    resolver = one_playlist(Recurrence(window=NIGHT))

    [segment] = resolver.timeline(display(), local(2026, 6, 11, 2), local(2026, 6, 11, 4))

    assert segment.anchor == local(2026, 6, 11)


def test_now_plays_the_entry_at_the_time_since_the_anchor_modulo_the_loop() -> None:
    resolver = Resolver(
        content(
            [schedule(1, 1, recurrence=Recurrence(window=OFFICE_HOURS))],
            [playlist(1, 1, 2)],
            [slide(1, duration=7), slide(2, duration=6)],
        )
    )
    anchor = local(2026, 6, 10, 7)
    loops = 1000 * 13

    cases = {0: 0, 6: 0, 7: 1, 12: 1, 13: 0}
    for offset, index in cases.items():
        now = resolver.now(display(), anchor + timedelta(seconds=loops + offset))
        assert now.segment.anchor == anchor
        assert now.index == index


def test_now_agrees_with_the_timeline_around_a_dst_change() -> None:
    resolver = Resolver(
        content([schedule(1, 1)], [playlist(1, 1, 2)], [slide(1, duration=7), slide(2, duration=6)])
    )
    segments = resolver.timeline(display(), utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))

    for hour in range(4, 12):
        instant = utc(2026, 3, 29, hour, 0, 3)
        now = resolver.now(display(), instant)
        assert now.index == expected_index(segment_at(segments, instant), instant)


def test_now_is_the_same_whatever_zone_the_instant_is_written_in() -> None:
    resolver = Resolver(
        content([schedule(1, 1)], [playlist(1, 1, 2)], [slide(1, duration=7), slide(2, duration=6)])
    )
    instant = utc(2026, 3, 29, 2, 0, 3)  # 04:00:03 CEST, 3 h 0 min 3 s after midnight

    in_utc = resolver.now(display(), instant)
    in_copenhagen = resolver.now(display(), instant.astimezone(CPH))

    assert in_utc.index == expected_index(in_utc.segment, instant) == 0
    assert in_copenhagen.index == in_utc.index

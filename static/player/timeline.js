/* Infotavle kiosk: the pure part. Which entry of the manifest plays at an instant, and
 * the corrected clock. No DOM and no network here, so every kiosk of a group computes
 * the same answer from the same manifest and the same time. */
"use strict";

window.Infotavle = window.Infotavle || {};

Infotavle.timeline = (function () {
  function parse(iso) {
    return iso ? Date.parse(iso) : NaN;
  }

  /* The segment of `region` that covers t (ms since the epoch). Past the horizon the
   * last segment keeps looping (DESIGN: "Past valid_until a kiosk loops its last
   * segment"); before it, the first one. */
  function segmentAt(manifest, t, region) {
    const segments = (manifest.segments || []).filter(function (s) {
      return (s.region || "main") === (region || "main");
    });
    if (!segments.length) {
      return null;
    }
    for (let i = 0; i < segments.length; i += 1) {
      const s = segments[i];
      if (parse(s.start) <= t && t < parse(s.end)) {
        return s;
      }
    }
    if (t >= parse(segments[segments.length - 1].end)) {
      return segments[segments.length - 1];
    }
    return segments[0];
  }

  /* What shows at t: {kind: "blank"|"brand"|"slide", entry, index, startsAt, endsAt,
   * segment}. startsAt/endsAt bound this answer, so a player knows when to look again. */
  function entryAt(manifest, t, region) {
    const segment = segmentAt(manifest, t, region);
    if (!segment) {
      return { kind: "brand", startsAt: t, endsAt: t + 60000, segment: null };
    }
    const segStart = parse(segment.start);
    let segEnd = parse(segment.end);
    if (t >= segEnd) {
      segEnd = Infinity; // looping the last segment past the horizon
    }
    const loop = segment.loop || [];
    if (segment.blank) {
      return { kind: "blank", startsAt: segStart, endsAt: segEnd, segment: segment };
    }
    if (segment.tier === "brand" || !loop.length) {
      return { kind: "brand", startsAt: segStart, endsAt: segEnd, segment: segment };
    }
    let totalMs = 0;
    for (let i = 0; i < loop.length; i += 1) {
      totalMs += loop[i].duration * 1000;
    }
    const anchor = parse(segment.anchor);
    const elapsed = t - anchor;
    const position = ((elapsed % totalMs) + totalMs) % totalMs;
    const cycleStart = t - position;
    let offset = 0;
    for (let i = 0; i < loop.length; i += 1) {
      const length = loop[i].duration * 1000;
      if (position < offset + length) {
        const startsAt = cycleStart + offset;
        return {
          kind: "slide",
          entry: loop[i],
          index: i,
          startsAt: startsAt,
          endsAt: Math.min(startsAt + length, segEnd),
          segment: segment,
        };
      }
      offset += length;
    }
    return { kind: "brand", startsAt: t, endsAt: t + 1000, segment: segment };
  }

  /* A key that changes exactly when a different showing begins. */
  function showingKey(showing) {
    if (showing.kind !== "slide") {
      return showing.kind + "@" + showing.startsAt;
    }
    const e = showing.entry;
    return [e.slide, e.revision, e.language, showing.startsAt].join("|");
  }

  /* The fields of a slide as an entry shows them: the language's variant over the base. */
  function fieldsFor(slide, language) {
    const fields = Object.assign({}, slide.fields || {});
    const variant = (slide.variants || {})[language];
    if (variant) {
      Object.keys(variant).forEach(function (name) {
        if (variant[name] !== null && variant[name] !== "") {
          fields[name] = variant[name];
        }
      });
    }
    return fields;
  }

  return {
    parse: parse,
    segmentAt: segmentAt,
    entryAt: entryAt,
    showingKey: showingKey,
    fieldsFor: fieldsFor,
  };
})();

/* The kiosk's clock, corrected by the server's: now() = local clock + skew. */
Infotavle.clock = (function () {
  const KEY = "infotavle.clock_skew_ms";
  let skew = 0;
  try {
    skew = Number(window.localStorage.getItem(KEY)) || 0;
  } catch (error) {
    // no storage (an opaque origin): start uncorrected
  }

  /* sentAt/receivedAt: local ms around the request that returned serverTime. */
  function correct(serverTime, sentAt, receivedAt) {
    const server = Date.parse(serverTime);
    if (isNaN(server)) {
      return;
    }
    skew = Math.round(server - (sentAt + receivedAt) / 2);
    try {
      window.localStorage.setItem(KEY, String(skew));
    } catch (error) {
      // kept in memory only
    }
  }

  return {
    now: function () {
      return Date.now() + skew;
    },
    skew: function () {
      return skew;
    },
    correct: correct,
  };
})();

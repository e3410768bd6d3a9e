/* Infotavle kiosk: how each slide kind looks. `render` builds a slide into a layer and
 * resolves once its pictures are decoded and its video can play, so the cross-fade
 * never shows a half-loaded slide. Brand-locked: slides choose fields, not styles. */
"use strict";

window.Infotavle = window.Infotavle || {};

Infotavle.slides = (function () {
  const PREPARE_TIMEOUT_MS = 4000;
  const TICKER_PX_S = 90; // a readable, constant scrolling speed
  const TICKER_STEP_MS = 5000; // with reduced motion: each item this long, one at a time
  const TICKER_REGION = "ticker";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null && text !== "") {
      node.textContent = String(text);
    }
    return node;
  }

  function pictogram(name) {
    const node = el("span", "pictogram");
    node.setAttribute("aria-hidden", "true");
    // A mask, so the icon takes the brand colour (CSSOM, which the CSP allows).
    const url = "url(/player/icons/" + encodeURIComponent(name) + ".svg)";
    node.style.webkitMaskImage = url;
    node.style.maskImage = url;
    return node;
  }

  function textBlock(fields, slide, names) {
    const box = el("div", "text");
    if (slide.pictogram) {
      box.appendChild(pictogram(slide.pictogram));
    }
    if (fields.heading) {
      box.appendChild(el("h1", "heading", fields.heading));
    }
    names.forEach(function (name) {
      if (fields[name]) {
        box.appendChild(el("div", name, fields[name]));
      }
    });
    if (fields.footer) {
      box.appendChild(el("footer", "footer", fields.footer));
    }
    return box;
  }

  function picture(slide, fields, ready) {
    const asset = (slide.assets || [])[0];
    const img = el("img", "media " + (fields.fit === "fill" ? "fill" : "fit"));
    img.alt = slide.alt || "";
    if (asset) {
      img.src = asset.url;
      ready.push(
        img.decode ? img.decode().catch(function () {}) : Promise.resolve()
      );
    }
    return img;
  }

  function video(slide, ready) {
    const asset = (slide.assets || [])[0];
    const node = el("video", "media fit");
    node.muted = true;
    node.defaultMuted = true;
    node.setAttribute("muted", "");
    node.setAttribute("playsinline", "");
    node.loop = true;
    node.preload = "auto";
    if (asset) {
      node.src = asset.url;
      ready.push(
        new Promise(function (resolve) {
          node.addEventListener("canplay", resolve, { once: true });
          node.addEventListener("error", resolve, { once: true });
        })
      );
    }
    return node;
  }

  function qrSvg(text) {
    if (typeof qrcode === "undefined") {
      return ""; // the library did not load: the code as text still pairs
    }
    const code = qrcode(0, "M");
    code.addData(text);
    code.make();
    return code.createSvgTag({ cellSize: 8, margin: 2, scalable: true });
  }

  function clockFace(timeZone) {
    const face = el("div", "clock-face");
    face.appendChild(el("div", "clock-time"));
    face.appendChild(el("div", "clock-date"));
    face.dataset.timeZone = timeZone || "";
    return face;
  }

  /* A feed slide's items: plain text from the server (never markup), set as text. */
  function feedList(slide, fields, entries) {
    const box = textBlock({ heading: fields.heading, footer: fields.footer }, slide, []);
    const list = el("ul", "feed-items");
    entries.forEach(function (parts) {
      const item = el("li", "feed-item");
      parts.forEach(function (part) {
        if (part[1]) {
          item.appendChild(el("div", part[0], part[1]));
        }
      });
      list.appendChild(item);
    });
    box.insertBefore(list, box.querySelector(".footer"));
    return box;
  }

  function feedItems(slide) {
    return Array.isArray(slide.items) ? slide.items : [];
  }

  function hasEnded(item, now) {
    const end = Date.parse(item.ends || item.starts || "");
    return !isNaN(end) && end <= now && Boolean(item.ends);
  }

  function eventTime(item, timeZone) {
    const start = new Date(item.starts);
    if (isNaN(start.getTime())) {
      return "";
    }
    // An all-day event is a date: read it as that day, whatever the display's zone.
    return item.all_day
      ? formatter("UTC", "day").format(start)
      : formatter(timeZone, "event").format(start);
  }

  function lines(text) {
    return String(text || "")
      .split("\n")
      .map(function (line) {
        return line.trim();
      })
      .filter(Boolean);
  }

  /* The texts a slide shows in a ticker region, one per item: a ticker's lines, the
   * headlines of news and feeds, the events of a calendar; else its heading. */
  function tickerItems(slide, fields, context) {
    const kind = slide.kind;
    let items = [];
    if (kind === "ticker") {
      items = lines(fields.items);
    } else if (kind === "calendar") {
      items = lines(fields.events);
    } else if (kind === "feed_news" || kind === "feed_events") {
      const now = Infotavle.clock.now();
      items = feedItems(slide)
        .filter(function (item) {
          return kind === "feed_news" || !hasEnded(item, now);
        })
        .map(function (item) {
          const when = kind === "feed_events" ? eventTime(item, context.timeZone) : "";
          return [when, item.title].filter(Boolean).join(" ");
        })
        .filter(Boolean);
    }
    if (!items.length) {
      items = [fields.heading || fields.caption].filter(Boolean);
    }
    return items;
  }

  /* A strip the items scroll through (player.css; start() sets the speed). */
  function tickerStrip(items) {
    const strip = el("div", "ticker");
    const text = el("div", "ticker-text");
    items.forEach(function (item) {
      text.appendChild(el("span", "ticker-item", item));
    });
    strip.appendChild(text);
    return strip;
  }

  function reducedMotion() {
    return Boolean(
      window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches
    );
  }

  /* Scroll at TICKER_PX_S whatever the text's length: the text enters at the right edge
   * and leaves at the left, so the distance is the strip's width plus the text's (the
   * text's padding-left is the strip's width). With reduced motion, no movement: each
   * item shows alone for a while. */
  function startTicker(strip, timers) {
    const text = strip.querySelector(".ticker-text");
    const items = strip.querySelectorAll(".ticker-item");
    if (reducedMotion()) {
      strip.classList.add("stepped");
      let current = 0;
      const step = function () {
        items.forEach(function (item, index) {
          item.hidden = index !== current;
        });
        current = (current + 1) % Math.max(items.length, 1);
      };
      step();
      if (items.length > 1) {
        timers.push(setInterval(step, TICKER_STEP_MS));
      }
      return;
    }
    const distance = text.offsetWidth;
    text.style.animationDuration = Math.max(distance, 1) / TICKER_PX_S + "s";
    text.dataset.pxPerS = String(TICKER_PX_S);
    text.classList.add("scrolling");
  }

  const BUILDERS = {
    text: function (slide, fields) {
      return textBlock(fields, slide, ["body"]);
    },
    news: function (slide, fields) {
      const box = textBlock(fields, slide, ["body"]);
      const meta = [fields.source, fields.date].filter(Boolean).join(" · ");
      if (meta) {
        box.appendChild(el("div", "meta", meta));
      }
      return box;
    },
    calendar: function (slide, fields) {
      const box = textBlock({ heading: fields.heading, footer: fields.footer }, slide, []);
      const list = el("ul", "events");
      String(fields.events || "")
        .split("\n")
        .filter(function (line) {
          return line.trim();
        })
        .forEach(function (line) {
          list.appendChild(el("li", "", line));
        });
      box.insertBefore(list, box.querySelector(".footer"));
      return box;
    },
    image: function (slide, fields, ready) {
      const frag = el("div", "picture");
      frag.appendChild(picture(slide, fields, ready));
      if (fields.caption) {
        frag.appendChild(el("div", "caption", fields.caption));
      }
      return frag;
    },
    pdf_page: function (slide, fields, ready) {
      return BUILDERS.image(slide, fields, ready);
    },
    image_text: function (slide, fields, ready) {
      const box = el("div", "image-text");
      const side = el("div", "picture");
      side.appendChild(picture(slide, fields, ready));
      box.appendChild(side);
      box.appendChild(textBlock(fields, slide, ["body"]));
      return box;
    },
    video: function (slide, fields, ready) {
      const frag = el("div", "picture");
      frag.appendChild(video(slide, ready));
      if (fields.caption) {
        frag.appendChild(el("div", "caption", fields.caption));
      }
      return frag;
    },
    webpage: function (slide, fields) {
      const frame = el("iframe", "webpage");
      // Scripts may run, but the page gets a unique origin: no access to the kiosk.
      frame.setAttribute("sandbox", "allow-scripts");
      frame.setAttribute("referrerpolicy", "no-referrer");
      frame.src = fields.url || "about:blank";
      frame.dataset.refreshS = fields.refresh_s || "";
      return frame;
    },
    qr: function (slide, fields) {
      const box = el("div", "qr-slide");
      box.appendChild(textBlock({ heading: fields.heading, body: fields.body }, slide, ["body"]));
      const code = el("div", "qr");
      if (fields.url) {
        code.innerHTML = qrSvg(fields.url); // markup made by the QR library from our text
      }
      box.appendChild(code);
      if (fields.url) {
        box.appendChild(el("div", "qr-url", fields.url));
      }
      return box;
    },
    feed_news: function (slide, fields) {
      return feedList(
        slide,
        fields,
        feedItems(slide).map(function (item) {
          return [
            ["feed-title", item.title],
            ["feed-summary", item.summary],
          ];
        })
      );
    },
    feed_events: function (slide, fields, ready, context) {
      const now = Infotavle.clock.now();
      return feedList(
        slide,
        fields,
        feedItems(slide)
          .filter(function (item) {
            return !hasEnded(item, now);
          })
          .map(function (item) {
            return [
              ["feed-when", eventTime(item, context.timeZone)],
              ["feed-title", item.title],
              ["feed-place", item.place],
            ];
          })
      );
    },
    ticker: function (slide, fields) {
      const box = textBlock({}, slide, []);
      const list = el("ul", "ticker-list");
      lines(fields.items).forEach(function (line) {
        list.appendChild(el("li", "", line));
      });
      box.appendChild(list);
      return box;
    },
    clock: function (slide, fields, ready, context) {
      const box = el("div", "clock-slide");
      if (slide.pictogram) {
        box.appendChild(pictogram(slide.pictogram));
      }
      if (fields.heading) {
        box.appendChild(el("h1", "heading", fields.heading));
      }
      box.appendChild(clockFace(context.timeZone));
      return box;
    },
  };

  function withTimeout(promises) {
    return Promise.race([
      Promise.all(promises),
      new Promise(function (resolve) {
        setTimeout(resolve, PREPARE_TIMEOUT_MS);
      }),
    ]);
  }

  /* Build a showing into `layer`; resolves when it is ready to be seen. */
  function render(layer, showing, manifest, context) {
    layer.textContent = "";
    layer.className = "layer";
    const ready = [];
    let content;
    if (showing.kind === "empty") {
      layer.classList.add("kind-empty"); // a region with nothing to play: its background
      return Promise.resolve();
    }
    if (showing.kind === "slide") {
      const slide = (manifest.slides || {})[String(showing.entry.slide)];
      if (!slide) {
        content = brandSlide(manifest, context);
      } else {
        const language = showing.entry.language;
        const fields = Infotavle.timeline.fieldsFor(slide, language);
        if (context.region === TICKER_REGION) {
          content = tickerStrip(tickerItems(slide, fields, context));
        } else {
          const build = BUILDERS[slide.kind] || BUILDERS.text;
          content = build(slide, fields, ready, context);
        }
        layer.classList.add("kind-" + slide.kind);
        if (language) {
          layer.setAttribute("lang", language);
        }
      }
    } else {
      content = brandSlide(manifest, context);
      layer.classList.add("kind-brand");
    }
    layer.appendChild(content);
    updateClocks(layer);
    return withTimeout(ready);
  }

  function brandSlide(manifest, context) {
    const brand = manifest.brand || {};
    const box = el("div", "brand-slide");
    box.appendChild(el("h1", "heading", brand.name || "Infotavle"));
    box.appendChild(clockFace(context.timeZone));
    return box;
  }

  const timeFormats = {};
  function formatter(timeZone, kind) {
    const key = timeZone + "|" + kind;
    if (!timeFormats[key]) {
      const options = {
        time: { hour: "2-digit", minute: "2-digit" },
        date: { weekday: "long", day: "numeric", month: "long", year: "numeric" },
        event: { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" },
        day: { weekday: "short", day: "numeric", month: "short" },
      }[kind];
      try {
        timeFormats[key] = new Intl.DateTimeFormat(
          "da-DK",
          Object.assign({ timeZone: timeZone || undefined }, options)
        );
      } catch (error) {
        timeFormats[key] = new Intl.DateTimeFormat("da-DK", options);
      }
    }
    return timeFormats[key];
  }

  /* Every clock in `root` shows the corrected time in its display's zone. */
  function updateClocks(root) {
    const now = new Date(Infotavle.clock.now());
    root.querySelectorAll(".clock-face").forEach(function (face) {
      const zone = face.dataset.timeZone;
      face.querySelector(".clock-time").textContent = formatter(zone, "time").format(now);
      face.querySelector(".clock-date").textContent = formatter(zone, "date").format(now);
    });
  }

  function formatTime(timeZone) {
    return formatter(timeZone, "time").format(new Date(Infotavle.clock.now()));
  }

  /* Start what moves once a layer becomes visible (video, page refresh). */
  function start(layer) {
    layer.querySelectorAll("video").forEach(function (node) {
      try {
        node.currentTime = 0;
      } catch (error) {
        // not seekable yet: it starts from the beginning anyway
      }
      const playing = node.play();
      if (playing && playing.catch) {
        playing.catch(function () {});
      }
    });
    const timers = [];
    layer.querySelectorAll("iframe.webpage").forEach(function (frame) {
      const seconds = Number(frame.dataset.refreshS);
      if (seconds > 0) {
        timers.push(
          setInterval(function () {
            frame.src = frame.src; // eslint-disable-line no-self-assign -- reloads the page
          }, seconds * 1000)
        );
      }
    });
    layer.querySelectorAll(".ticker").forEach(function (strip) {
      startTicker(strip, timers);
    });
    layer._timers = timers;
  }

  /* Stop and release a layer that is no longer visible. */
  function stop(layer) {
    (layer._timers || []).forEach(clearInterval);
    layer._timers = [];
    layer.querySelectorAll("video").forEach(function (node) {
      node.pause();
    });
  }

  return {
    render: render,
    start: start,
    stop: stop,
    updateClocks: updateClocks,
    formatTime: formatTime,
    qrSvg: qrSvg,
    tickerItems: tickerItems,
  };
})();

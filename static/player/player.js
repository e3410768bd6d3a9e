/* Infotavle kiosk: pairing, playback, alerts, and staying in touch with the server.
 * The screen must never go blank because of the network: everything it needs is kept
 * (localStorage and the service worker) and the timeline plays from what is kept. Only
 * `token_revoked` sends a kiosk back to pairing. */
"use strict";

window.Infotavle = window.Infotavle || {};

(function () {
  const T = Infotavle.timeline;
  const clock = Infotavle.clock;
  const slides = Infotavle.slides;

  const KEYS = {
    token: "infotavle.token",
    manifest: "infotavle.manifest",
    alerts: "infotavle.alerts",
    plays: "infotavle.plays",
    reloadedFor: "infotavle.reloaded_for",
  };
  const CLAIM_POLL_MS = 1000;
  const HEARTBEAT_MS = 30000;
  const ALERT_POLL_MS = 30000;
  const MANIFEST_POLL_MS = 5 * 60 * 1000;
  const MANIFEST_RETRY_DEFAULT_S = 10; // after a 503 without Retry-After
  const MANIFEST_RETRY_MAX_S = 300;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 60000;
  const PREPARE_AHEAD_MS = 2500;
  const TICK_MS = 200;
  const FADE_MS = 1000; // player.css --fade, and a margin
  const IDENTIFY_MS = 10000;
  const MAX_QUEUED_PLAYS = 5000;
  const PLAYS_BATCH = 200;
  const MAX_PLAY_MS = 86400000; // the server takes plays of at most a day

  const body = document.body;
  const PLAYER_VERSION = body.dataset.playerVersion || "";
  const $ = function (id) {
    return document.getElementById(id);
  };

  const state = {
    token: null,
    manifest: null,
    manifestFetched: false,
    socket: null,
    connected: false,
    backoffMs: BACKOFF_MIN_MS,
    reconnectTimer: null,
    manifestRetryTimer: null,
    pollTimers: [],
    alerts: {}, // id → alert, de-duplicated by id
    acked: {},
    stages: [], // one per region of the layout, `main` first
    layoutKey: null, // the regions the stages were built for
    critical: null, // {id, startedAt}: the critical alert filling the screen
    tickTimer: null,
    heartbeatTimer: null,
    pairingTimers: [],
    pairingRun: 0,
  };

  /* ---------- storage ---------- */

  function load(key, fallback) {
    try {
      const text = window.localStorage.getItem(key);
      return text === null ? fallback : JSON.parse(text);
    } catch (error) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // storage full: the service worker still has the manifest
    }
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function jitter(ms, fraction) {
    return ms * (1 - fraction + Math.random() * 2 * fraction);
  }

  /* ---------- HTTP ---------- */

  function request(method, path, payload, extraHeaders) {
    const headers = Object.assign({ Accept: "application/json" }, extraHeaders || {});
    if (state.token) {
      headers.Authorization = "Bearer " + state.token;
    }
    const options = { method: method, headers: headers, cache: "no-store" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return fetch(path, options).then(function (response) {
      const type = response.headers.get("Content-Type") || "";
      const parsed = type.indexOf("json") >= 0 ? response.json().catch(function () {
        return null;
      }) : Promise.resolve(null);
      return parsed.then(function (json) {
        if (
          response.status === 401 &&
          json &&
          json.error &&
          json.error.code === "token_revoked"
        ) {
          revoked();
        }
        return { status: response.status, json: json, headers: response.headers };
      });
    });
  }

  /* ---------- pairing ---------- */

  function clearPairingTimers() {
    state.pairingTimers.forEach(clearTimeout);
    state.pairingTimers = [];
  }

  function later(fn, ms) {
    state.pairingTimers.push(setTimeout(fn, ms));
  }

  function showPairing() {
    stopPlayer();
    body.dataset.state = "pairing";
    $("pairing").hidden = false;
    $("brand-bar").hidden = true;
    hideCode();
    state.pairingRun += 1;
    register(state.pairingRun);
  }

  function register(run) {
    clearPairingTimers();
    $("pairing-status").textContent = "Henter en kode …";
    request("POST", "/player/api/register", {})
      .then(function (answer) {
        if (run !== state.pairingRun) {
          return;
        }
        if (answer.status === 201 && answer.json) {
          showCode(answer.json);
          pollClaim(run, answer.json);
        } else if (answer.status === 429) {
          const wait = Number(answer.headers.get("Retry-After")) || 30;
          $("pairing-status").textContent =
            "For mange forsøg. Prøver igen om " + wait + " sekunder.";
          later(function () {
            register(run);
          }, wait * 1000);
        } else {
          $("pairing-status").textContent = "Serveren svarer ikke. Prøver igen …";
          later(function () {
            register(run);
          }, 5000);
        }
      })
      .catch(function () {
        $("pairing-status").textContent = "Ingen forbindelse til serveren. Prøver igen …";
        later(function () {
          register(run);
        }, 5000);
      });
  }

  /* A code that is no longer valid must not be shown: nobody could pair with it. */
  function hideCode() {
    $("pairing-code").textContent = "";
    delete $("pairing-code").dataset.code;
    $("pairing-qr").textContent = "";
    delete $("pairing-qr").dataset.url;
  }

  function showCode(registration) {
    const code = registration.code;
    $("pairing-code").textContent = code;
    $("pairing-code").dataset.code = code;
    const url = location.origin + "/console/displays/pair?code=" + encodeURIComponent(code);
    $("pairing-qr").innerHTML = slides.qrSvg(url); // markup made by the QR library
    $("pairing-qr").dataset.url = url;
    $("pairing-status").textContent = "Venter på at skærmen bliver parret …";
  }

  function pollClaim(run, registration) {
    const expiresAt = Date.parse(registration.expires_at);
    function poll() {
      if (run !== state.pairingRun) {
        return;
      }
      if (!isNaN(expiresAt) && Date.now() >= expiresAt) {
        hideCode();
        register(run);
        return;
      }
      request("POST", "/player/api/claim", { claim_secret: registration.claim_secret })
        .then(function (answer) {
          if (run !== state.pairingRun) {
            return;
          }
          if (answer.status === 200 && answer.json && answer.json.token) {
            claimed(answer.json.token);
          } else if (answer.status === 410 || answer.status === 404) {
            hideCode();
            register(run);
          } else {
            later(poll, CLAIM_POLL_MS);
          }
        })
        .catch(function () {
          later(poll, CLAIM_POLL_MS);
        });
    }
    later(poll, CLAIM_POLL_MS);
  }

  function claimed(token) {
    state.pairingRun += 1;
    clearPairingTimers();
    save(KEYS.token, token);
    startPlayer(token);
  }

  function revoked() {
    if (!state.token) {
      return;
    }
    state.token = null;
    [KEYS.token, KEYS.manifest, KEYS.alerts, KEYS.plays].forEach(function (key) {
      window.localStorage.removeItem(key);
    });
    tellServiceWorker({ type: "forget" });
    showPairing();
  }

  /* ---------- the player ---------- */

  function startPlayer(token) {
    state.token = token;
    $("pairing").hidden = true;
    body.dataset.state = "playing";
    const kept = load(KEYS.manifest, null);
    if (kept) {
      useManifest(kept, false);
    }
    Object.values(load(KEYS.alerts, {})).forEach(function (alert) {
      state.alerts[alert.id] = alert;
    });
    renderAlerts();
    tick();
    fetchManifest();
    fetchAlerts();
    connect();
    state.heartbeatTimer = setInterval(function () {
      heartbeat();
      flushPlays();
    }, HEARTBEAT_MS);
  }

  function stopPlayer() {
    clearTimeout(state.tickTimer);
    clearInterval(state.heartbeatTimer);
    clearTimeout(state.reconnectTimer);
    clearTimeout(state.manifestRetryTimer);
    stopPolling();
    if (state.socket) {
      state.socket.off();
      state.socket.close();
      state.socket = null;
    }
    state.connected = false;
    state.manifest = null;
    state.manifestFetched = false;
    state.alerts = {};
    removeStages();
    ["slideId", "revision", "language", "entryStart", "kind"].forEach(function (name) {
      delete $("stage").dataset[name];
    });
    body.dataset.blank = "false";
    renderAlerts();
    $("blank").hidden = true;
    $("offline-mark").hidden = true;
  }

  function fetchManifest() {
    if (!state.token) {
      return Promise.resolve();
    }
    const headers = {};
    // The first fetch of a page asks for the whole manifest: its server_time sets the clock.
    if (state.manifestFetched && state.manifest && state.manifest.version) {
      headers["If-None-Match"] = '"' + state.manifest.version + '"';
    }
    const sentAt = Date.now();
    const token = state.token;
    return request("GET", "/player/api/manifest", undefined, headers)
      .then(function (answer) {
        if (state.token !== token) {
          return; // revoked meanwhile
        }
        const fromCache = answer.headers.get("X-Infotavle-Cache") === "1";
        if (answer.status === 503) {
          retryManifest(answer.headers.get("Retry-After"));
          return; // the database is briefly away: keep the token, play what we have
        }
        if (answer.status === 200 && answer.json && answer.json.segments) {
          if (!fromCache) {
            state.manifestFetched = true;
            clock.correct(answer.json.server_time, sentAt, Date.now());
          }
          useManifest(answer.json, true);
        }
      })
      .catch(function () {
        // offline: keep playing what we have
      });
  }

  /* The server answered 503 (its database is briefly away): ask again when it says. */
  function retryManifest(retryAfter) {
    clearTimeout(state.manifestRetryTimer);
    const seconds = Number(retryAfter) || MANIFEST_RETRY_DEFAULT_S;
    const wait = jitter(Math.min(Math.max(seconds, 1), MANIFEST_RETRY_MAX_S) * 1000, 0.2);
    state.manifestRetryTimer = setTimeout(fetchManifest, wait);
  }

  function useManifest(manifest, fresh) {
    if (
      fresh &&
      manifest.player_version &&
      PLAYER_VERSION &&
      manifest.player_version !== PLAYER_VERSION
    ) {
      maybeReload(manifest.player_version);
    }
    const changed = !state.manifest || state.manifest.version !== manifest.version;
    state.manifest = manifest;
    if (fresh) {
      save(KEYS.manifest, manifest);
      precache(manifest);
    }
    applyBrand(manifest.brand || {});
    const rebuilt = applyLayout(manifest.layout || FULL_LAYOUT);
    if (changed || rebuilt) {
      // Show the new content at once: an edited slide is on screen within seconds.
      state.stages.forEach(function (stage) {
        stage.shownKey = null;
        stage.prepared = null;
      });
      tick();
    }
  }

  /* A new player is deployed: reload once for that version (never in a loop, should
   * the server announce a version this page can never become). */
  let checkedVersion = null;
  function maybeReload(version) {
    if (checkedVersion === version || window.sessionStorage.getItem(KEYS.reloadedFor) === version) {
      return;
    }
    checkedVersion = version;
    // Reload only when the server really serves another player than this page.
    fetch("/player/sw.js", { cache: "no-store" })
      .then(function (response) {
        const served = response.ok && response.headers.get("X-Player-Version");
        if (served && served !== PLAYER_VERSION) {
          window.sessionStorage.setItem(KEYS.reloadedFor, version);
          reloadPage();
        }
      })
      .catch(function () {});
  }

  function reloadPage() {
    const go = function () {
      window.location.reload();
    };
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistration) {
      navigator.serviceWorker
        .getRegistration("/player")
        .then(function (registration) {
          return registration ? registration.update() : null;
        })
        .then(go, go);
    } else {
      go();
    }
  }

  function applyBrand(brand) {
    const root = document.documentElement.style;
    const palette = brand.palette || {};
    Object.keys(palette).forEach(function (name) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(String(palette[name]))) {
        root.setProperty("--brand-" + name, palette[name]);
      }
    });
    if (brand.font) {
      root.setProperty("--brand-font", String(brand.font));
    }
    $("brand-name").textContent = brand.name || "";
    $("brand-bar").hidden = false;
  }

  /* ---------- regions: one stage each ---------- */

  /* A manifest without a layout (kept from before layouts) is one full-screen `main`. */
  const FULL_LAYOUT = { key: "full", grid: 12, regions: [{ name: "main", x: 0, y: 0, w: 12, h: 12 }] };
  // Size classes for player.css, in cells of a 12 x 12 grid: a region this wide (or
  // less) is a column; this low, a band (a portrait side area); lower still, a strip.
  const NARROW_CELLS = 4;
  const LOW_CELLS = 4;
  const SHORT_CELLS = 2;

  /* Build one stage per region of `layout` (only when its regions change); true when
   * the stages were built anew. */
  function applyLayout(layout) {
    const grid = Number(layout.grid) || 12;
    const regions = (layout.regions || []).filter(function (region) {
      return region && region.name;
    });
    if (!regions.length || regions[0].name !== "main") {
      return applyLayout(FULL_LAYOUT);
    }
    const key = JSON.stringify([grid, regions]);
    if (key === state.layoutKey) {
      return false;
    }
    state.stages.forEach(finishPlay); // what played so far counts
    removeStages();
    state.layoutKey = key;
    const root = $("stage");
    root.dataset.layout = layout.key || "";
    state.stages = regions.map(function (region) {
      const stage = makeStage(region, grid);
      root.appendChild(stage.element);
      return stage;
    });
    placeChrome(regions[0], grid);
    return true;
  }

  function makeStage(region, grid) {
    const element = document.createElement("div");
    element.className = "region region-" + region.name;
    element.dataset.region = region.name;
    // CSSOM (allowed by the CSP, unlike style attributes): the region's grid cells.
    element.style.gridColumn = region.x + 1 + " / span " + region.w;
    element.style.gridRow = region.y + 1 + " / span " + region.h;
    element.style.setProperty("--region-w", String(region.w / grid));
    element.style.setProperty("--region-h", String(region.h / grid));
    if (region.w <= (NARROW_CELLS * grid) / 12) {
      element.classList.add("narrow");
    }
    if (region.h <= (SHORT_CELLS * grid) / 12) {
      element.classList.add("short");
    } else if (region.h <= (LOW_CELLS * grid) / 12) {
      element.classList.add("low");
    }
    const layers = [0, 1].map(function () {
      const layer = document.createElement("div");
      layer.className = "layer";
      layer.setAttribute("aria-hidden", "true");
      element.appendChild(layer);
      return layer;
    });
    return {
      name: region.name,
      element: element,
      layers: layers,
      visible: 0, // index of the visible layer
      shownKey: null,
      shown: null, // {showing, startedAt}
      prepared: null, // {key, promise, layer}
    };
  }

  function removeStages() {
    state.stages.forEach(function (stage) {
      stage.layers.forEach(slides.stop);
      stage.element.remove();
    });
    state.stages = [];
    state.layoutKey = null;
  }

  /* The brand bar and the info ticker lie along the bottom of `main`, never over
   * another region (a news ticker below, a column beside). */
  function placeChrome(main, grid) {
    const root = document.documentElement.style;
    root.setProperty("--main-left", (100 * main.x) / grid + "vw");
    root.setProperty("--main-right", (100 * (grid - main.x - main.w)) / grid + "vw");
    root.setProperty("--main-bottom", (100 * (grid - main.y - main.h)) / grid + "vh");
  }

  function mainStage() {
    return state.stages[0] || null;
  }

  /* What a region shows at t: the brand slide belongs to `main` alone; elsewhere
   * nothing to play leaves the region empty (its background shows). */
  function showingAt(stage, t) {
    const showing = T.entryAt(state.manifest, t, stage.name);
    if (showing.kind === "brand" && stage.name !== "main") {
      return Object.assign({}, showing, { kind: "empty" });
    }
    return showing;
  }

  /* What plays now, and what plays next, by the corrected clock, in every region. */
  function tick() {
    clearTimeout(state.tickTimer);
    state.tickTimer = setTimeout(tick, TICK_MS);
    slides.updateClocks(document);
    $("brand-clock").textContent = state.manifest
      ? slides.formatTime(state.manifest.timezone)
      : "";
    expireAlerts();
    if (!state.manifest) {
      return;
    }
    const now = clock.now();
    const showings = state.stages.map(function (stage) {
      return showingAt(stage, now);
    });
    // Power is the display's: a blank segment in any region blanks the whole screen.
    const blank = showings.some(function (showing) {
      return showing.kind === "blank";
    });
    if ((body.dataset.blank === "true") !== blank) {
      $("blank").hidden = !blank;
      body.dataset.blank = blank ? "true" : "false";
      renderAlerts();
    }
    state.stages.forEach(function (stage, index) {
      tickStage(stage, showings[index], now);
    });
  }

  function tickStage(stage, showing, now) {
    const key = T.showingKey(showing);
    if (key !== stage.shownKey) {
      show(stage, showing, key);
    } else if (
      isFinite(showing.endsAt) &&
      showing.endsAt - now < PREPARE_AHEAD_MS &&
      stage.shown &&
      now - stage.shown.startedAt > FADE_MS // the other layer has faded out
    ) {
      const next = showingAt(stage, showing.endsAt);
      prepare(stage, next, T.showingKey(next));
    }
  }

  function prepare(stage, showing, key) {
    if (stage.prepared && stage.prepared.key === key) {
      return stage.prepared;
    }
    const layer = stage.layers[1 - stage.visible];
    slides.stop(layer);
    layer.classList.remove("visible");
    const prepared = {
      key: key,
      layer: layer,
      showing: showing,
      promise: slides.render(layer, showing, state.manifest, context(stage)),
    };
    stage.prepared = prepared;
    return prepared;
  }

  function context(stage) {
    return {
      timeZone: state.manifest ? state.manifest.timezone : undefined,
      region: stage.name,
    };
  }

  function show(stage, showing, key) {
    finishPlay(stage);
    stage.shownKey = key;
    const prepared = prepare(stage, showing, key);
    const swap = function () {
      if (stage.shownKey !== key || stage.prepared !== prepared) {
        return; // overtaken while loading
      }
      const old = stage.layers[stage.visible];
      stage.visible = 1 - stage.visible;
      prepared.layer.classList.add("visible");
      prepared.layer.setAttribute("aria-hidden", "false");
      old.classList.remove("visible");
      old.setAttribute("aria-hidden", "true");
      slides.start(prepared.layer);
      setTimeout(function () {
        if (!old.classList.contains("visible")) {
          slides.stop(old);
        }
      }, 1200);
      stage.prepared = null;
      markStage(stage, showing);
    };
    // If it is already decoded this is immediate; else at most a few seconds late.
    prepared.promise.then(swap, swap);
    stage.shown = { showing: showing, startedAt: clock.now() };
  }

  /* What a region shows, on the region (and for `main` on #stage too): the kiosk's
   * tests and the console's preview read it there. */
  function markStage(stage, showing) {
    const marks = [stage.element];
    if (stage === mainStage()) {
      marks.push($("stage"));
    }
    const layer = stage.layers[stage.visible];
    marks.forEach(function (node) {
      const data = node.dataset;
      if (showing.kind === "slide") {
        data.slideId = String(showing.entry.slide);
        data.revision = String(showing.entry.revision);
        data.language = showing.entry.language || "";
      } else {
        data.slideId = showing.kind;
        delete data.revision;
        delete data.language;
      }
      data.entryStart = new Date(showing.startsAt).toISOString();
      data.kind = showing.kind;
    });
    layer.dataset.slideId = showing.kind === "slide" ? String(showing.entry.slide) : showing.kind;
  }

  /* ---------- proof of play ---------- */

  function finishPlay(stage) {
    const shown = stage.shown;
    stage.shown = null;
    if (!shown || shown.showing.kind !== "slide" || $("alert-critical").hidden === false) {
      return;
    }
    const entry = shown.showing.entry;
    const duration = Math.max(0, Math.round(clock.now() - shown.startedAt));
    if (duration < 500) {
      return;
    }
    const queue = load(KEYS.plays, []);
    queue.push({
      id: uuid(),
      slide: entry.slide,
      revision: entry.revision,
      language: entry.language,
      region: stage.name,
      started_at: new Date(shown.startedAt).toISOString(),
      duration_ms: duration,
    });
    save(KEYS.plays, queue.slice(-MAX_QUEUED_PLAYS));
  }

  /* A critical alert's time on screen is proof of play too, counted apart from slides. */
  function trackCritical(critical) {
    const was = state.critical;
    if (was && (!critical || critical.id !== was.id)) {
      state.critical = null;
      const duration = Math.round(clock.now() - was.startedAt);
      if (duration >= 500) {
        const queue = load(KEYS.plays, []);
        queue.push({
          id: uuid(),
          alert: was.id,
          started_at: new Date(was.startedAt).toISOString(),
          duration_ms: Math.min(duration, MAX_PLAY_MS),
        });
        save(KEYS.plays, queue.slice(-MAX_QUEUED_PLAYS));
      }
    }
    if (critical && !state.critical) {
      state.critical = { id: critical.id, startedAt: clock.now() };
    }
  }

  function dropPlays(sent) {
    const ids = {};
    sent.forEach(function (play) {
      ids[play.id] = true;
    });
    save(
      KEYS.plays,
      load(KEYS.plays, []).filter(function (play) {
        return !ids[play.id];
      })
    );
  }

  let flushing = false;
  function flushPlays() {
    const batch = load(KEYS.plays, []).slice(0, PLAYS_BATCH);
    if (!batch.length || flushing || !state.token) {
      return;
    }
    flushing = true;
    const done = function () {
      flushing = false;
    };
    if (state.connected && state.socket) {
      state.socket.timeout(10000).emit("plays", batch, function (error, answer) {
        done();
        // Only an answer that counts them means they are stored; {error} keeps them.
        if (!error && answer && typeof answer.accepted === "number") {
          dropPlays(batch);
        }
      });
      return;
    }
    request("POST", "/player/api/plays", batch)
      .then(function (answer) {
        done();
        // 422 names plays that were refused; sending them again would not change that,
        // and the rest of the batch is stored.
        const counted = answer.json && typeof answer.json.accepted === "number";
        if (answer.status === 202 || answer.status === 200 || (answer.status === 422 && counted)) {
          dropPlays(batch);
        }
      })
      .catch(done);
  }

  /* ---------- alerts ---------- */

  function addAlert(alert) {
    if (!alert || alert.id === undefined || alert.id === null) {
      return;
    }
    state.alerts[alert.id] = alert; // the same id again replaces, never duplicates
    save(KEYS.alerts, state.alerts);
    renderAlerts();
  }

  function clearAlert(id) {
    delete state.alerts[id];
    save(KEYS.alerts, state.alerts);
    renderAlerts();
  }

  function expireAlerts() {
    const now = clock.now();
    let changed = false;
    Object.keys(state.alerts).forEach(function (id) {
      const expires = Date.parse(state.alerts[id].expires_at);
      if (!isNaN(expires) && expires <= now) {
        delete state.alerts[id];
        changed = true;
      }
    });
    if (changed) {
      save(KEYS.alerts, state.alerts);
      renderAlerts();
    }
  }

  function newest(severity) {
    return Object.values(state.alerts)
      .filter(function (a) {
        return a.severity === severity;
      })
      .sort(function (a, b) {
        return Number(b.id) - Number(a.id);
      });
  }

  /* The display's languages: the base (the page's) and those its loop expands to. */
  function displayLanguages() {
    const found = [];
    ((state.manifest && state.manifest.segments) || []).forEach(function (segment) {
      (segment.loop || []).forEach(function (entry) {
        if (entry.language && found.indexOf(entry.language) < 0) {
          found.push(entry.language);
        }
      });
    });
    return found;
  }

  function alertTexts(alert, all) {
    const texts = [{ lang: null, title: alert.title, body: alert.body }];
    const variants = alert.variants || {};
    const languages = displayLanguages();
    Object.keys(variants).forEach(function (lang) {
      if (all && (!languages.length || languages.indexOf(lang) >= 0)) {
        const v = variants[lang] || {};
        texts.push({ lang: lang, title: v.title || alert.title, body: v.body || alert.body });
      }
    });
    return texts;
  }

  function renderAlerts() {
    const critical = newest("critical")[0];
    const warning = newest("warning")[0];
    const infos = newest("info").reverse();
    const blank = body.dataset.blank === "true";
    const onScreen = [];

    const box = $("alert-critical");
    box.textContent = "";
    if (critical) {
      box.dataset.alertId = String(critical.id);
      alertTexts(critical, true).forEach(function (text) {
        const part = document.createElement("div");
        part.className = "alert-text";
        if (text.lang) {
          part.setAttribute("lang", text.lang);
        }
        const title = document.createElement("h1");
        title.textContent = text.title || "";
        const message = document.createElement("p");
        message.textContent = text.body || "";
        part.appendChild(title);
        part.appendChild(message);
        box.appendChild(part);
      });
      onScreen.push(critical.id);
    } else {
      delete box.dataset.alertId;
    }
    box.hidden = !critical;
    trackCritical(critical);

    const banner = $("alert-banner");
    if (warning && !critical) {
      banner.textContent = "";
      const title = document.createElement("strong");
      title.textContent = warning.title || "";
      banner.appendChild(title);
      banner.appendChild(document.createTextNode(" " + (warning.body || "")));
      banner.dataset.alertId = String(warning.id);
      banner.hidden = false;
      onScreen.push(warning.id);
    } else {
      banner.hidden = true;
      delete banner.dataset.alertId;
    }

    const ticker = $("alert-ticker");
    if (infos.length && !critical && !blank) {
      $("alert-ticker-text").textContent = infos
        .map(function (a) {
          return (a.title || "") + (a.body ? ": " + a.body : "");
        })
        .join("   •   ");
      ticker.dataset.alertIds = infos
        .map(function (a) {
          return a.id;
        })
        .join(",");
      ticker.hidden = false;
      infos.forEach(function (a) {
        onScreen.push(a.id);
      });
    } else {
      ticker.hidden = true;
      delete ticker.dataset.alertIds;
    }
    onScreen.forEach(ack);
  }

  function ack(id) {
    if (state.acked[id] || !state.connected || !state.socket) {
      return; // acknowledged on the next connect, when the server sends it again
    }
    state.acked[id] = true;
    state.socket.emit("ack", { alert_id: id });
  }

  function fetchAlerts() {
    if (!state.token) {
      return;
    }
    const token = state.token;
    request("GET", "/player/api/alerts")
      .then(function (answer) {
        if (state.token !== token || answer.status !== 200 || !answer.json || !answer.json.items) {
          return;
        }
        const active = {};
        answer.json.items.forEach(function (alert) {
          active[alert.id] = alert;
        });
        state.alerts = active; // the server's list is the whole active set
        save(KEYS.alerts, state.alerts);
        renderAlerts();
      })
      .catch(function () {});
  }

  /* ---------- socket, heartbeats and the fallback to polling ---------- */

  function status() {
    const main = mainStage();
    const shown = main && main.shown && main.shown.showing;
    return {
      version: state.manifest ? state.manifest.version : null,
      slide: shown && shown.kind === "slide" ? shown.entry.slide : null,
      player_version: PLAYER_VERSION,
      screen: screenSize(),
      clock_skew_ms: clock.skew(),
    };
  }

  function screenSize() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(window.screen.width * ratio);
    const height = Math.round(window.screen.height * ratio);
    return width > 0 && height > 0 ? [width, height] : null;
  }

  function heartbeat() {
    if (!state.token) {
      return;
    }
    if (state.connected && state.socket) {
      state.socket.emit("heartbeat", status());
    } else {
      request("POST", "/player/api/heartbeat", status()).catch(function () {});
    }
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    if (!state.token) {
      return;
    }
    if (typeof io === "undefined") {
      startPolling(); // the library did not load: HTTP only
      return;
    }
    if (state.socket) {
      state.socket.off();
      state.socket.close();
    }
    const socket = io(location.origin + "/player", {
      transports: ["websocket"],
      auth: { token: state.token },
      reconnection: false, // our own backoff, with jitter, 1 s to 60 s
      forceNew: true,
      timeout: 10000,
    });
    state.socket = socket;
    socket.on("connect", function () {
      state.connected = true;
      state.backoffMs = BACKOFF_MIN_MS;
      state.acked = {};
      $("offline-mark").hidden = true;
      stopPolling();
      heartbeat();
      flushPlays();
    });
    socket.on("connect_error", function (error) {
      if (error && error.message === "token_revoked") {
        revoked();
        return;
      }
      lost();
    });
    socket.on("disconnect", function () {
      lost();
    });
    socket.on("manifest", function (payload) {
      if (!state.manifest || !payload || payload.version !== state.manifest.version) {
        fetchManifest();
      }
    });
    socket.on("alert", addAlert);
    socket.on("alert_cleared", function (payload) {
      if (payload) {
        clearAlert(payload.id);
      }
    });
    socket.on("command", function (payload) {
      const action = payload && payload.action;
      if (action === "reload") {
        reloadPage();
      } else if (action === "identify") {
        identify(payload.name);
      }
    });
    socket.on("token_revoked", revoked);
  }

  function lost() {
    if (state.socket) {
      state.socket.off();
      state.socket.close();
      state.socket = null;
    }
    state.connected = false;
    if (!state.token) {
      return;
    }
    $("offline-mark").hidden = false;
    startPolling();
    clearTimeout(state.reconnectTimer);
    const wait = jitter(state.backoffMs, 0.5);
    state.backoffMs = Math.min(state.backoffMs * 2, BACKOFF_MAX_MS);
    state.reconnectTimer = setTimeout(connect, Math.min(wait, BACKOFF_MAX_MS));
  }

  function startPolling() {
    if (state.pollTimers.length) {
      return;
    }
    heartbeat(); // over HTTP: the server learns at once that this kiosk has no socket
    const manifestLoop = function () {
      const timer = setTimeout(function () {
        fetchManifest().then(manifestLoop, manifestLoop);
      }, jitter(MANIFEST_POLL_MS, 0.2));
      state.pollTimers.push(timer);
    };
    manifestLoop();
    state.pollTimers.push(setInterval(fetchAlerts, ALERT_POLL_MS));
  }

  function stopPolling() {
    state.pollTimers.forEach(function (timer) {
      clearTimeout(timer);
      clearInterval(timer);
    });
    state.pollTimers = [];
  }

  /* The display's name, large, for 10 s: staff find which screen is which. */
  function identify(name) {
    const box = $("identify");
    const manifest = state.manifest || {};
    box.textContent = name || manifest.display_name || "Skærm " + (manifest.display || "");
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () {
      box.hidden = true;
    }, IDENTIFY_MS);
  }

  /* ---------- service worker ---------- */

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker
      .register("/player/sw.js?v=" + encodeURIComponent(PLAYER_VERSION), { scope: "/player" })
      .catch(function () {
        // no secure context or no support: the screen still plays while online
      });
  }

  function tellServiceWorker(message) {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) {
        registration.active.postMessage(message);
      }
    });
  }

  function precache(manifest) {
    const urls = [];
    const pictograms = [];
    Object.keys(manifest.slides || {}).forEach(function (id) {
      const slide = manifest.slides[id];
      (slide.assets || []).forEach(function (asset) {
        if (asset.url) {
          urls.push(asset.url);
        }
      });
      if (slide.pictogram) {
        pictograms.push("/player/icons/" + encodeURIComponent(slide.pictogram) + ".svg");
      }
    });
    tellServiceWorker({ type: "assets", urls: urls, extra: pictograms });
  }

  /* ---------- start ---------- */

  function tokenFromAddress() {
    const params = new URLSearchParams(window.location.search);
    const token = params.get("token");
    if (token) {
      params.delete("token");
      const rest = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
    }
    return token;
  }

  function boot() {
    registerServiceWorker();
    const given = tokenFromAddress();
    if (given) {
      save(KEYS.token, given);
    }
    const token = load(KEYS.token, null);
    if (token) {
      startPlayer(token);
    } else {
      showPairing();
    }
  }

  Infotavle.player = { state: state, status: status, identify: identify, flushPlays: flushPlays };
  boot();
})();

// The public page follows its screens: it listens on the /public socket for a bare
// "refresh", fetches the page's live part again and swaps it in when it changed, and
// says so in the polite status region. It also looks again when the screens' current
// answer runs out (data-valid-until), and every few minutes while the socket is down.
// Without this script the page is complete as served, with a link to reload it.
(function () {
  "use strict";

  const body = document.body;
  let source = body.dataset.source;
  const status = document.getElementById("status");
  const POLL_MS = 2 * 60 * 1000; // while the socket is down
  const MAX_WAIT_MS = 60 * 60 * 1000;
  let timer = null; // the next fetch, when one is due
  let dueAt = 0; // when that is (this browser's clock)
  let running = false;
  let again = false; // another refresh came in while fetching
  let socket = null;
  let clockSkewMs = 0; // server time minus this browser's time

  if (!source || !document.getElementById("live")) {
    return;
  }

  function live() {
    return document.getElementById("live");
  }

  function fill(element, node) {
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
    element.appendChild(node);
  }

  function say(text) {
    status.textContent = text;
  }

  function sayHtml(template) {
    // The server's own sentence with its <time> element; a <template> holds no script.
    fill(status, document.importNode(template.content, true));
  }

  function soon(delayMs) {
    // Fetch within `delayMs`: keeps a pending fetch that is due sooner.
    const at = Date.now() + delayMs;
    if (timer !== null && dueAt <= at) {
      return;
    }
    later(delayMs);
  }

  function later(delayMs) {
    // Fetch at `delayMs`, in place of any pending fetch.
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    const wait = Math.max(0, Math.min(delayMs, MAX_WAIT_MS));
    dueAt = Date.now() + wait;
    timer = window.setTimeout(function () {
      timer = null;
      fetchLive();
    }, wait);
  }

  function jitter(maxMs) {
    return Math.floor(Math.random() * maxMs);
  }

  function plan(region) {
    // Look again when the screens' current answer ends (corrected for clock skew), or
    // after a while without a socket.
    const serverTime = Date.parse(region.dataset.serverTime || "");
    if (!isNaN(serverTime)) {
      clockSkewMs = serverTime - Date.now();
    }
    const until = Date.parse(region.dataset.validUntil || "");
    let wait = isNaN(until) ? POLL_MS : until - clockSkewMs - Date.now() + 500 + jitter(2000);
    if (!socket || !socket.connected) {
      wait = Math.min(wait, POLL_MS + jitter(10000));
    }
    later(wait);
  }

  function swap(html) {
    const parsed = new DOMParser().parseFromString(html, "text/html");
    const fresh = parsed.getElementById("live");
    const current = live();
    if (!fresh) {
      return;
    }
    const template = fresh.querySelector("template.status");
    if (fresh.dataset.version !== current.dataset.version) {
      const hadFocus = current.contains(document.activeElement);
      current.replaceWith(document.adoptNode(fresh));
      if (hadFocus) {
        fresh.focus();
      }
      body.dataset.version = fresh.dataset.version;
    } else {
      current.dataset.validUntil = fresh.dataset.validUntil;
      current.dataset.serverTime = fresh.dataset.serverTime;
    }
    if (template) {
      sayHtml(template);
    }
    plan(live());
  }

  function fetchLive() {
    if (!source) {
      return;
    }
    if (running) {
      again = true;
      return;
    }
    running = true;
    fetch(source, { headers: { Accept: "text/html" }, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 404) {
          gone();
          return null;
        }
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          swap(html);
        }
      })
      .catch(function () {
        say(body.dataset.failed || "");
        later(30000 + jitter(30000));
      })
      .then(function () {
        running = false;
        if (again) {
          again = false;
          soon(jitter(1000));
        }
      });
  }

  function gone() {
    const region = live();
    const note = document.createElement("p");
    note.textContent = body.dataset.gone || "";
    fill(region, note);
    say(body.dataset.gone || "");
    if (socket) {
      socket.close();
    }
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
    source = null;
  }

  function connect() {
    if (typeof io !== "function") {
      return; // no socket library: the timers alone keep the page fresh
    }
    let first = true;
    socket = io("/public", {
      transports: ["websocket"],
      auth: { location: body.dataset.location },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 60000,
    });
    socket.on("connect", function () {
      body.dataset.socket = "connected";
      if (!first) {
        soon(jitter(2000)); // something may have changed while we were away
      }
      first = false;
    });
    socket.on("disconnect", function () {
      body.dataset.socket = "disconnected";
      plan(live());
    });
    socket.on("refresh", function () {
      // Many pages hear the same refresh: spread their fetches a little.
      soon(200 + jitter(1500));
    });
  }

  body.dataset.version = live().dataset.version;
  connect();
  plan(live());
})();

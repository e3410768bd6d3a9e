// What every console page shares: the CSRF header on htmx requests, form errors swapped
// in like any answer, and the live events of the /console namespace.
//
// Live events: every Socket.IO event arrives as a DOM event `console:<name>` on document
// (page scripts listen there). `displays_updated {ids}` also re-fetches every element
// marked `data-live-display="<id>"` by triggering `display-updated` on it (an element
// declares `hx-get` and `hx-trigger="display-updated"`); bursts are coalesced.
"use strict";

window.SignageConsole = (function () {
  const REFRESH_GAP_MS = 1000;
  const due = new Map(); // element → timer: at most one refresh per element a second

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // A form answered with 4xx carries its own explanation: show it, as for a 200. So do
  // 503 (the database is not answering) and 507 (the server's storage is full).
  document.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if ((status >= 400 && status < 500) || status === 503 || status === 507) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function refresh(element) {
    if (due.has(element)) {
      return;
    }
    due.set(
      element,
      setTimeout(function () {
        due.delete(element);
        if (element.isConnected && window.htmx) {
          htmx.trigger(element, "display-updated");
        }
      }, REFRESH_GAP_MS)
    );
  }

  function displaysUpdated(ids) {
    (ids || []).forEach(function (id) {
      document.querySelectorAll('[data-live-display="' + Number(id) + '"]').forEach(refresh);
    });
  }

  function connect() {
    if (!window.io || document.body.dataset.live !== "on") {
      return null;
    }
    const socket = io("/console", { transports: ["websocket"] });
    socket.onAny(function (name, payload) {
      document.dispatchEvent(new CustomEvent("console:" + name, { detail: payload }));
    });
    socket.on("displays_updated", function (message) {
      displaysUpdated(message && message.ids);
    });
    socket.on("connect", function () {
      document.body.dataset.socket = "connected";
    });
    socket.on("disconnect", function () {
      document.body.dataset.socket = "disconnected";
    });
    return socket;
  }

  const api = { csrfToken: csrfToken, socket: null };
  document.addEventListener("DOMContentLoaded", function () {
    api.socket = connect();
  });
  return api;
})();

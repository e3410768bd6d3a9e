/* Infotavle kiosk service worker: keeps what the screen needs to play without a server.
 * The shell (page, scripts, styles, libraries) per player version; the manifest and the
 * alerts network-first with the last good answer as fallback; media cache-first (their
 * addresses name their content, so they never change). */
"use strict";

const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const SHELL_CACHE = "infotavle-shell-" + VERSION;
const DATA_CACHE = "infotavle-data";
const MEDIA_CACHE = "infotavle-media";
const SHELL = [
  "/player",
  "/static/player/player.css?v=" + VERSION,
  "/static/player/timeline.js?v=" + VERSION,
  "/static/player/slides.js?v=" + VERSION,
  "/static/player/player.js?v=" + VERSION,
  "/player/lib/socket.io.min.js?v=" + VERSION,
  "/player/lib/qrcode.js?v=" + VERSION,
];
const DATA = ["/player/api/manifest", "/player/api/alerts"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then(function (cache) {
        return Promise.all(
          SHELL.map(function (url) {
            return fetch(url, { cache: "no-store" }).then(function (response) {
              if (response.ok) {
                return cache.put(url, response);
              }
              return null;
            });
          })
        );
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("infotavle-shell-") === 0 && name !== SHELL_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function fromCache(response) {
  // Tell the page this is a kept answer (its server_time is old: no clock correction).
  const headers = new Headers(response.headers);
  headers.set("X-Infotavle-Cache", "1");
  return response.blob().then(function (blob) {
    return new Response(blob, { status: 200, statusText: "OK", headers: headers });
  });
}

/* The page: network first (a deployment shows at once), the kept shell when offline. */
function page(request) {
  return fetch(request).then(
    function (response) {
      if (response.ok) {
        const copy = response.clone();
        caches.open(SHELL_CACHE).then(function (cache) {
          cache.put("/player", copy);
        });
      }
      return response;
    },
    function () {
      return caches.match("/player", { ignoreSearch: true }).then(function (kept) {
        return kept || Response.error();
      });
    }
  );
}

/* The manifest and the alerts: network first; the last 200 when the server is away. */
function data(request, path) {
  return fetch(request).then(
    function (response) {
      if (response.status === 200) {
        const copy = response.clone();
        caches.open(DATA_CACHE).then(function (cache) {
          cache.put(path, copy);
        });
      }
      return response;
    },
    function () {
      return caches.open(DATA_CACHE).then(function (cache) {
        return cache.match(path).then(function (kept) {
          return kept ? fromCache(kept) : Response.error();
        });
      });
    }
  );
}

/* Media and icons: cache first. A Range request is answered from the whole file. */
function media(request, url) {
  const key = url.pathname;
  return caches.open(MEDIA_CACHE).then(function (cache) {
    return cache.match(key).then(function (kept) {
      if (kept) {
        return kept;
      }
      return fetch(key).then(function (response) {
        if (response.status === 200) {
          cache.put(key, response.clone());
        }
        return response;
      });
    });
  });
}

/* Shell files: cache first by their versioned address, else the network. */
function shell(request) {
  return caches.match(request).then(function (kept) {
    return kept || fetch(request);
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && url.pathname === "/player") {
    event.respondWith(page(request));
  } else if (DATA.indexOf(url.pathname) >= 0) {
    event.respondWith(data(request, url.pathname));
  } else if (url.pathname.indexOf("/media/") === 0 || url.pathname.indexOf("/player/icons/") === 0) {
    event.respondWith(media(request, url));
  } else if (url.pathname.indexOf("/static/player/") === 0 || url.pathname.indexOf("/player/lib/") === 0) {
    event.respondWith(shell(request));
  }
});

/* The page names the assets of its manifest: fetch the missing ones, drop the rest. */
function keepAssets(urls, extra) {
  const wanted = {};
  urls.concat(extra).forEach(function (u) {
    wanted[new URL(u, self.location.origin).pathname] = true;
  });
  return caches.open(MEDIA_CACHE).then(function (cache) {
    return cache.keys().then(function (requests) {
      const have = {};
      const drops = requests
        .filter(function (r) {
          const path = new URL(r.url).pathname;
          have[path] = true;
          // icons are few and small: keep them; media leave with their manifest
          return path.indexOf("/media/") === 0 && !wanted[path];
        })
        .map(function (r) {
          return cache.delete(r);
        });
      const fetches = Object.keys(wanted)
        .filter(function (path) {
          return !have[path];
        })
        .map(function (path) {
          return fetch(path)
            .then(function (response) {
              return response.status === 200 ? cache.put(path, response) : null;
            })
            .catch(function () {});
        });
      return Promise.all(drops.concat(fetches));
    });
  });
}

self.addEventListener("message", function (event) {
  const message = event.data || {};
  if (message.type === "assets") {
    event.waitUntil(keepAssets(message.urls || [], message.extra || []));
  } else if (message.type === "forget") {
    event.waitUntil(
      Promise.all([caches.delete(DATA_CACHE), caches.delete(MEDIA_CACHE)])
    );
  }
});

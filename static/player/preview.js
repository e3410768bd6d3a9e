/* Infotavle preview: the kiosk's own renderer (slides.js) showing one slide inside a
 * console page. The slide comes with the page (data-slide, a stored revision) or from the
 * editor page that embeds it (postMessage, same origin only). Nothing here plays a
 * timeline, fetches a manifest or reports to the server: the kiosk is not involved. */
"use strict";

(function () {
  const body = document.body;
  const layer = document.getElementById("preview-layer");
  const state = {
    slide: parseJson(body.dataset.slide),
    language: body.dataset.language || "",
  };

  function parseJson(text) {
    if (!text) {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      return null;
    }
  }

  /* The brand's palette and font, as the kiosk sets them from its manifest. */
  function applyBrand(brand) {
    const root = document.documentElement.style;
    const palette = (brand && brand.palette) || {};
    Object.keys(palette).forEach(function (name) {
      if (/^#[0-9a-fA-F]{3,8}$/.test(String(palette[name]))) {
        root.setProperty("--brand-" + name, palette[name]);
      }
    });
    if (brand && brand.font) {
      root.setProperty("--brand-font", String(brand.font));
    }
    root.setProperty("--fade", "0s"); // a preview changes at once
  }

  function show() {
    Infotavle.slides.stop(layer);
    layer.removeAttribute("lang");
    if (!state.slide) {
      layer.textContent = "";
      return;
    }
    const manifest = { slides: { preview: state.slide }, brand: {} };
    const showing = {
      kind: "slide",
      entry: { slide: "preview", language: state.language || null },
    };
    const context = { timeZone: body.dataset.timeZone || undefined };
    Infotavle.slides.render(layer, showing, manifest, context).then(function () {
      Infotavle.slides.start(layer);
    });
    layer.classList.add("visible");
    layer.dataset.rendered = String(Number(layer.dataset.rendered || 0) + 1);
    document.documentElement.lang = state.language || body.dataset.baseLanguage || "da";
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || event.source !== window.parent) {
      return;
    }
    const message = event.data || {};
    if (message.type !== "infotavle-preview") {
      return;
    }
    if (message.slide !== undefined) {
      state.slide = message.slide;
    }
    if (typeof message.language === "string") {
      state.language = message.language;
    }
    show();
  });

  applyBrand(parseJson(body.dataset.brand));
  show();
  setInterval(function () {
    Infotavle.slides.updateClocks(layer);
  }, 1000);
  if (window.parent !== window) {
    window.parent.postMessage({ type: "infotavle-preview-ready" }, window.location.origin);
  }
})();

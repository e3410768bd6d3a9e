// The content pages: upload progress in the media library, the rendition progress that
// follows it (console:media_progress), and the slide editor's fields and live preview in
// the kiosk's renderer (an iframe of /console/slides/preview, fed by postMessage).
"use strict";

(function () {
  const PREVIEW_DELAY_MS = 120;

  // -- the media library ---------------------------------------------------------------
  function uploadProgress() {
    const form = document.getElementById("upload-form");
    if (!form) {
      return;
    }
    const line = document.getElementById("upload-progress-line");
    const bar = document.getElementById("upload-progress");
    const percent = document.getElementById("upload-percent");

    function set(value) {
      bar.value = value;
      percent.textContent = value + " %";
    }

    form.addEventListener("htmx:beforeRequest", function () {
      line.hidden = false;
      set(0);
    });
    form.addEventListener("htmx:xhr:progress", function (event) {
      const detail = event.detail || {};
      if (detail.lengthComputable && detail.total > 0) {
        // The upload's progress, then the answer's: the bar only ever moves forward.
        set(Math.max(bar.value, Math.round((detail.loaded / detail.total) * 100)));
      }
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) {
        set(100);
        form.querySelector('input[type="file"]').value = "";
      } else {
        line.hidden = true;
      }
    });
  }

  const progress = new Map(); // media id → its last progress event
  const refreshed = new Set(); // cards re-fetched once their renditions were done

  function showProgress(report) {
    const id = Number(report.media_id);
    document.querySelectorAll('[data-media-progress="' + id + '"]').forEach(function (box) {
      box.dataset.state = report.status;
      const bar = box.querySelector("progress");
      if (bar && report.total > 0) {
        bar.max = report.total;
        bar.value = report.status === "ready" ? report.total : report.ready;
      }
      box.querySelectorAll("[data-when]").forEach(function (text) {
        text.hidden = text.dataset.when !== report.status;
      });
    });
    if (report.status !== "processing") {
      refreshCard(id);
    }
  }

  // A finished card is fetched again once, for its thumbnail and its final state.
  function refreshCard(id) {
    const card = document.getElementById("media-" + id);
    if (!card || refreshed.has(id) || !window.htmx || !card.dataset.cardUrl) {
      return;
    }
    refreshed.add(id);
    htmx.ajax("GET", card.dataset.cardUrl, { target: card, swap: "outerHTML" });
  }

  document.addEventListener("console:media_progress", function (event) {
    const report = event.detail || {};
    if (report.status === "processing") {
      refreshed.delete(Number(report.media_id));
    }
    progress.set(Number(report.media_id), report);
    showProgress(report);
  });

  // A report can arrive before the answer that shows its file: apply it once it is there.
  document.addEventListener("htmx:afterSettle", function () {
    progress.forEach(showProgress);
  });

  // -- the slide editor ----------------------------------------------------------------
  function editor() {
    const form = document.getElementById("slide-form");
    const frame = document.getElementById("slide-preview");
    if (!form || !frame) {
      return;
    }
    const templates = JSON.parse(form.dataset.templates || "{}");
    const kind = form.querySelector("#kind");
    const orientation = form.querySelector("#orientation");
    const language = document.getElementById("preview-language");
    const picker = form.querySelector("[data-media-picker]");
    const variants = form.querySelector("[data-variants]");
    let timer = null;

    function template() {
      return templates[kind.value] || { fields: [], translatable: [], media: null };
    }

    function text(name) {
      const input = form.elements.namedItem(name);
      return input && typeof input.value === "string" ? input.value : "";
    }

    function showFields() {
      const chosen = template();
      form.querySelectorAll("[data-field]").forEach(function (field) {
        field.hidden = chosen.fields.indexOf(field.dataset.field) < 0;
      });
      form.querySelectorAll("[data-variant-field]").forEach(function (field) {
        field.hidden = chosen.translatable.indexOf(field.dataset.variantField) < 0;
      });
      picker.hidden = !chosen.media;
      picker.querySelectorAll("[data-media-kind]").forEach(function (choice) {
        choice.hidden = choice.dataset.mediaKind !== chosen.media;
      });
      variants.hidden = chosen.translatable.length === 0;
      frame.parentElement.dataset.orientation = orientation.value;
    }

    // The slide as the manifest would carry it, from what is typed now.
    function slide() {
      const chosen = template();
      const fields = {};
      chosen.fields.forEach(function (name) {
        const value = text("field-" + name);
        if (value.trim()) {
          fields[name] = value;
        }
      });
      const translations = {};
      form.querySelectorAll('input[name="variant"]').forEach(function (input) {
        const values = {};
        chosen.translatable.forEach(function (name) {
          const value = text("variant-" + input.value + "-" + name);
          if (value.trim()) {
            values[name] = value;
          }
        });
        translations[input.value] = values;
      });
      const media = form.querySelector('input[name="media_id"]:checked');
      let url = "";
      if (chosen.media && media) {
        url = (fields.fit === "fill" && media.dataset.assetFill) || media.dataset.assetFit;
      }
      return {
        kind: kind.value,
        fields: fields,
        variants: translations,
        pictogram: text("pictogram") || null,
        alt: text("alt"),
        assets: url ? [{ url: url }] : [],
      };
    }

    function sendNow() {
      clearTimeout(timer);
      if (frame.contentWindow) {
        frame.contentWindow.postMessage(
          { type: "infotavle-preview", slide: slide(), language: language.value },
          window.location.origin
        );
      }
    }

    function send() {
      clearTimeout(timer);
      timer = setTimeout(sendNow, PREVIEW_DELAY_MS);
    }

    window.addEventListener("message", function (event) {
      const message = event.data || {};
      if (
        event.origin === window.location.origin &&
        event.source === frame.contentWindow &&
        message.type === "infotavle-preview-ready"
      ) {
        sendNow();
      }
    });
    frame.addEventListener("load", sendNow);
    kind.addEventListener("change", showFields);
    orientation.addEventListener("change", showFields);
    form.addEventListener("input", send);
    form.addEventListener("change", send);
    language.addEventListener("change", sendNow);
    showFields();
    sendNow();
  }

  // -- the approval page: one language switch for every preview ---------------------------
  function approvalPreviews() {
    const language = document.getElementById("preview-language");
    if (!language || document.getElementById("slide-form")) {
      return;
    }
    language.addEventListener("change", function () {
      document.querySelectorAll(".previews iframe").forEach(function (frame) {
        frame.contentWindow.postMessage(
          { type: "infotavle-preview", language: language.value },
          window.location.origin
        );
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    uploadProgress();
    editor();
    approvalPreviews();
  });
})();

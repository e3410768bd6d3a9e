// Administration pages: colour pickers kept in step with their #rrggbb text fields,
// colour swatches, short names suggested from names, and the group form showing only
// the kind of membership chosen. Every form also works without this script.
"use strict";

(function () {
  const HEX = /^#[0-9a-fA-F]{6}$/;

  function colourPickers() {
    document.querySelectorAll("input[data-colour-for]").forEach(function (picker) {
      const field = document.getElementById(picker.dataset.colourFor);
      if (!field) {
        return;
      }
      picker.hidden = false;
      if (HEX.test(field.value)) {
        picker.value = field.value.toLowerCase();
      }
      picker.addEventListener("input", function () {
        field.value = picker.value;
      });
      field.addEventListener("input", function () {
        if (HEX.test(field.value.trim())) {
          picker.value = field.value.trim().toLowerCase();
        }
      });
    });
  }

  function swatches() {
    // CSSOM, which the Content Security Policy allows (a style attribute it would not).
    document.querySelectorAll("[data-swatch]").forEach(function (swatch) {
      if (HEX.test(swatch.dataset.swatch)) {
        swatch.style.backgroundColor = swatch.dataset.swatch;
      }
    });
  }

  function slugOf(name) {
    const danish = { æ: "ae", ø: "oe", å: "aa" };
    return name
      .toLowerCase()
      .replace(/[æøå]/g, function (letter) {
        return danish[letter];
      })
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80);
  }

  function suggestedSlugs() {
    // Only on a new entry: an existing short name may already be in addresses.
    document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
      const name = document.getElementById(slug.dataset.slugFrom);
      if (!name || slug.value !== "") {
        return;
      }
      let touched = false;
      slug.addEventListener("input", function () {
        touched = true;
      });
      name.addEventListener("input", function () {
        if (!touched) {
          slug.value = slugOf(name.value);
        }
      });
    });
  }

  function membershipChoices() {
    const radios = document.querySelectorAll("input[type=radio][data-shows]");
    function update() {
      radios.forEach(function (radio) {
        const part = document.getElementById(radio.dataset.shows);
        if (part) {
          part.hidden = !radio.checked;
        }
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    if (radios.length) {
      update();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    colourPickers();
    swatches();
    suggestedSlugs();
    membershipChoices();
  });
})();

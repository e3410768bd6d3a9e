// The displays dashboard: the online/offline counts follow the rows, which refresh
// themselves when a screen reports (see console.js for how rows stay live).
"use strict";

(function () {
  function recount() {
    const counts = document.getElementById("display-counts");
    if (!counts) {
      return;
    }
    const rows = document.querySelectorAll("#dashboard [data-live-display]");
    let online = 0;
    rows.forEach(function (row) {
      if (row.dataset.online === "true") {
        online += 1;
      }
    });
    counts.querySelector('[data-count="online"]').textContent = String(online);
    counts.querySelector('[data-count="offline"]').textContent = String(rows.length - online);
  }

  document.addEventListener("htmx:afterSettle", recount);
})();

// An alert's page: receipts arrive live. The counts change at once from the event; the
// list of screens that have not shown the alert is fetched again (htmx).
"use strict";

document.addEventListener("console:alert_receipts", function (event) {
  const receipt = event.detail || {};
  const box = document.querySelector('[data-alert-receipts="' + Number(receipt.id) + '"]');
  if (!box) {
    return;
  }
  ["delivered", "acknowledged"].forEach(function (name) {
    const count = box.querySelector('[data-count="' + name + '"]');
    if (count && typeof receipt[name] === "number") {
      count.textContent = String(receipt[name]);
    }
  });
  if (window.htmx) {
    htmx.trigger(box, "receipts-updated");
  }
});

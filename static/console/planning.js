// The planning pages: calendar blocks drawn where their times are, playlist slides
// ordered by drag and drop (SortableJS) with the focus kept across saves, and the
// schedule form's day shortcuts, night-shift note and delete confirmation, and the
// layout previews of a display turning with its orientation.
//
// Every control works without this file except dragging; the arrow buttons are the
// keyboard's way to order slides.
"use strict";

(function () {
  const MINUTES_PER_DAY = 1440;

  // -- calendars: blocks sit where their minutes are (styles set here, not in markup,
  // so the strict CSP allows them).
  function drawBlocks(root) {
    root.querySelectorAll(".block[data-start]").forEach(function (block) {
      const start = Number(block.dataset.start);
      const end = Number(block.dataset.end);
      const lanes = Math.max(Number(block.dataset.lanes) || 1, 1);
      const lane = Number(block.dataset.lane) || 0;
      block.style.left = (start / MINUTES_PER_DAY) * 100 + "%";
      block.style.width = ((end - start) / MINUTES_PER_DAY) * 100 + "%";
      block.style.top = (lane / lanes) * 100 + "%";
      block.style.height = 100 / lanes + "%";
    });
  }

  // -- playlists ---------------------------------------------------------------------
  function saveButton(form) {
    return form.querySelector('button[value="save"]');
  }

  function makeSortable(root) {
    if (!window.Sortable) {
      return;
    }
    root.querySelectorAll("[data-sortable]").forEach(function (list) {
      if (list.dataset.sortableReady) {
        return;
      }
      list.dataset.sortableReady = "yes";
      Sortable.create(list, {
        handle: ".handle",
        animation: 150,
        onEnd: function (event) {
          const form = list.closest("form");
          const save = form && saveButton(form);
          if (save && event.oldIndex !== event.newIndex) {
            save.click(); // the rows are in their new order: save them as they are
          }
        },
      });
    });
  }

  // After a save swaps the editor, the keyboard focus returns to the control the server
  // names (the same arrow on the moved slide, or its neighbour after a removal).
  function restoreFocus() {
    const editor = document.getElementById("playlist-editor");
    const id = editor && editor.dataset.focus;
    const target = id && document.getElementById(id);
    if (target && !target.disabled) {
      target.focus();
    }
  }

  // Enter in a duration saves them all (the first button of the form is an arrow).
  document.addEventListener("keydown", function (event) {
    const field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches('.playlist-form input[name="duration"]')) {
      return;
    }
    const save = saveButton(field.form);
    if (save) {
      event.preventDefault();
      save.click();
    }
  });

  // -- the schedule form -------------------------------------------------------------
  function dayShortcuts(root) {
    root.querySelectorAll("[data-day-shortcuts][hidden]").forEach(function (shortcuts) {
      shortcuts.hidden = false;
      shortcuts.querySelectorAll("button[data-days]").forEach(function (button) {
        button.addEventListener("click", function () {
          const wanted = button.dataset.days.split(",");
          shortcuts.closest("fieldset").querySelectorAll('input[name="days"]').forEach(function (box) {
            box.checked = wanted.indexOf(box.value) >= 0;
          });
        });
      });
    });
  }

  function overnightNote(root) {
    const start = root.querySelector("#window_start");
    const end = root.querySelector("#window_end");
    const note = root.querySelector("[data-overnight]");
    if (!start || !end || !note || note.dataset.watching) {
      return;
    }
    note.dataset.watching = "yes";
    function update() {
      note.hidden = !(start.value && end.value && end.value < start.value);
    }
    start.addEventListener("input", update);
    end.addEventListener("input", update);
    update();
  }

  // -- the display's settings: the layout previews follow the orientation field ------
  function layoutOrientation(root) {
    const field = root.querySelector("#orientation");
    const chooser = root.querySelector("#layout-chooser");
    if (!field || !chooser || chooser.dataset.watching) {
      return;
    }
    chooser.dataset.watching = "yes";
    field.addEventListener("change", function () {
      chooser.dataset.orientation = field.value;
    });
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  function enhance(root) {
    drawBlocks(root);
    makeSortable(root);
    dayShortcuts(root);
    overnightNote(root);
    layoutOrientation(root);
  }

  // htmx:load comes for the page once htmx has started, and for every swapped fragment.
  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail.elt);
  });
  document.addEventListener("htmx:afterSettle", restoreFocus);
})();

// Moves the progress bars of report jobs that are not finished yet: polls each job's
// JSON status (reports:status) and updates its <progress>, its state, and reveals the
// download link or the error when the job is done. No inline script or style (CSP).
(function () {
  "use strict";

  var INTERVAL_MS = 2000;

  function update(box, data) {
    var bar = box.querySelector("[data-report-progress]");
    var state = box.querySelector("[data-report-state]");
    var link = box.querySelector("[data-report-download]");
    var error = box.querySelector("[data-report-error]");
    if (bar) {
      bar.value = data.progress;
      bar.textContent = data.progress + " %";
      bar.hidden = data.finished;
    }
    if (state) {
      state.textContent = data.status_label;
      if (data.status_tone) {
        // The pill's colour follows its state (core/labels.py): one tone-* class.
        Array.prototype.slice.call(state.classList).forEach(function (name) {
          if (name.indexOf("tone-") === 0) {
            state.classList.remove(name);
          }
        });
        state.classList.add("tone-" + data.status_tone);
      }
    }
    if (link && data.download_url) {
      link.href = data.download_url;
      link.hidden = false;
    }
    if (error && data.error) {
      error.textContent = data.error;
      error.hidden = false;
    }
    if (data.finished) {
      box.setAttribute("data-report-finished", "1");
      var finishedAt = document.querySelector("[data-report-finished-at]");
      if (finishedAt && data.finished_at) {
        finishedAt.textContent = data.finished_at;
      }
    }
  }

  function poll(box) {
    var url = box.getAttribute("data-report-status-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        update(box, data);
        if (!data.finished) {
          window.setTimeout(function () { poll(box); }, INTERVAL_MS);
        }
      })
      .catch(function () {
        // Network hiccup or signed out: try again a little later, a few times only.
        var failures = Number(box.getAttribute("data-report-failures") || "0") + 1;
        box.setAttribute("data-report-failures", String(failures));
        if (failures < 5) {
          window.setTimeout(function () { poll(box); }, INTERVAL_MS * failures);
        }
      });
  }

  function start() {
    var boxes = document.querySelectorAll('[data-report-status-url][data-report-finished="0"]');
    Array.prototype.forEach.call(boxes, function (box) {
      window.setTimeout(function () { poll(box); }, INTERVAL_MS);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

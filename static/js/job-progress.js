// The progress of a background job (an import or an export): polls its JSON once a second and updates the
// bar, the note and, when the job ends, the page (reloaded once to show the result).
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var bar = box.querySelector(".progress-bar");
  var track = box.querySelector(".progress");
  var note = document.getElementById("job-note");
  var seen = 0;
  bar.style.width = (bar.getAttribute("data-percent") || "0") + "%";  // set here: the policy allows no style attribute

  function show(data) {
    var percent = data.percent || 0;
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    track.setAttribute("aria-valuenow", String(percent));
    note.textContent = data.note || "";
    seen += 1;
    box.setAttribute("data-updates", String(seen));
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.state === "done" || data.state === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
}());

// Behaviour shared by every page; the Content-Security-Policy forbids inline handlers, so they live here.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) { return; }
    // <button data-confirm="…">: ask first, and send nothing if the user says no.
    var confirmed = event.target.closest("[data-confirm]");
    if (confirmed && !window.confirm(confirmed.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
    // <button data-print>: print the page.
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  // <input data-select-on-focus>: select the whole value (a token to copy).
  document.addEventListener("focusin", function (event) {
    if (event.target instanceof Element && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();

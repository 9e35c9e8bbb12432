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
  // 大字版 / 高对比度: the buttons at the top switch at once, keep the choice in a cookie (read by display.js
  // before the next page is drawn) and, for a signed-in user, store it with the account.
  var root = document.documentElement;
  var toggles = document.querySelectorAll("[data-display-toggle]");
  function chosen() {
    return ["large", "contrast"].filter(function (mode) { return root.classList.contains("display-" + mode); });
  }
  function show() {
    toggles.forEach(function (button) {
      button.hidden = false;
      button.setAttribute("aria-pressed", String(root.classList.contains("display-" + button.getAttribute("data-display-toggle"))));
    });
  }
  toggles.forEach(function (button) {
    button.addEventListener("click", function () {
      root.classList.toggle("display-" + button.getAttribute("data-display-toggle"));
      var modes = chosen();
      var secure = location.protocol === "https:" ? "; secure" : "";
      document.cookie = "display=" + modes.join("_") + "; path=/; samesite=lax" + secure +
        (modes.length ? "; max-age=31536000" : "; max-age=0");
      show();
      var token = document.querySelector('meta[name="csrf-token"]');
      if (token) {
        var body = new URLSearchParams({csrf_token: token.content});
        modes.forEach(function (mode) { body.append(mode, "y"); });
        fetch(button.getAttribute("data-display-url"), {method: "POST", body: body, credentials: "same-origin",
                                                         headers: {"X-Requested-With": "fetch"}});
      }
    });
  });
  show();
})();


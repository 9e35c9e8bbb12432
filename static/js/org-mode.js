// Account forms (sign-up, admin's new account): show only the organisation fields the chosen mode needs.
// The page's <script data-default-mode="…"> names the mode used while no radio button is checked.
(function () {
  "use strict";
  var fallback = document.currentScript.getAttribute("data-default-mode") || "new";
  function sync() {
    var mode = (document.querySelector('input[name="org_mode"]:checked') || {}).value || fallback;
    document.querySelectorAll("[data-org-mode]").forEach(function (el) {
      el.hidden = el.getAttribute("data-org-mode") !== mode;
    });
  }
  document.querySelectorAll('input[name="org_mode"]').forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();

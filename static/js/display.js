// 大字版 / 高对比度 before the page is drawn: the choice is a cookie (marketplace/account/display.py).
(function () {
  "use strict";
  var found = document.cookie.match(/(?:^|;\s*)display=([a-z_]+)/);
  if (!found) { return; }
  found[1].split("_").forEach(function (mode) {
    if (mode === "large" || mode === "contrast") { document.documentElement.classList.add("display-" + mode); }
  });
})();

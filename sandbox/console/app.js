// Live updates for the sandbox console: the server sends the same HTML it
// renders for the page (already escaped by html/template) whenever the
// state changes; this swaps it in, keeping open <details> open.
"use strict";
(function () {
  var live = document.getElementById("live");
  var status = document.getElementById("status");
  if (!live || !window.EventSource) return;
  var src = new EventSource("/_sandbox/console/events" + window.location.search);
  function show(text, cls) { status.textContent = text; status.className = "status " + cls; }
  src.addEventListener("open", function () { show("live", "on"); });
  src.addEventListener("error", function () { show("reconnecting…", "off"); });
  src.addEventListener("page", function (e) {
    var open = {};
    live.querySelectorAll("details[open][id]").forEach(function (d) { open[d.id] = true; });
    live.innerHTML = e.data;
    Object.keys(open).forEach(function (id) {
      var d = document.getElementById(id);
      if (d) d.open = true;
    });
    show("live", "on");
    document.body.setAttribute("data-updates", String(Number(document.body.getAttribute("data-updates") || 0) + 1));
  });
})();

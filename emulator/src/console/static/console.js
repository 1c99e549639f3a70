// The console's only script: elements with data-poll are refreshed from that URL (an
// HTML fragment rendered by the server) every two seconds while the page is visible.
// Nothing polls when no console page is open.
"use strict";
document.querySelectorAll("[data-poll]").forEach(function (element) {
  var busy = false;
  setInterval(function () {
    if (document.hidden || busy) {
      return;
    }
    busy = true;
    fetch(element.getAttribute("data-poll"), { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null) {
          // What the user opened stays open across refreshes.
          var open = Array.prototype.map.call(
            element.querySelectorAll("details[open][id]"),
            function (d) { return d.id; });
          element.innerHTML = html;
          open.forEach(function (id) {
            var details = document.getElementById(id);
            if (details) {
              details.open = true;
            }
          });
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
      });
  }, 2000);
});

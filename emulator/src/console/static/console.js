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
          element.innerHTML = html;
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
      });
  }, 2000);
});

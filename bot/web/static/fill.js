// A drive day's fill on /sessions/{id}: the figures are rewritten from its fill.json every few seconds,
// so a sign-up made in the chat shows without reloading. Without JavaScript the page shows them as loaded.
(function () {
  "use strict";
  var box = document.querySelector("[data-fill]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-fill");
  var EVERY_MS = 5000;

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== String(value)) {
      el.textContent = String(value);
    }
  }

  function bar(id, step) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    el.className = el.className.replace(/\bw\d+\b/g, "").trim() + " w" + step;
  }

  function show(fill) {
    text("fill-taken", fill.taken);
    text("fill-capacity", fill.capacity);
    bar("fill-bar", fill.bar);
    fill.slots.forEach(function (slot) {
      var id = "slot-" + slot.id;
      text(id + "-taken", slot.taken);
      text(id + "-capacity", slot.capacity);
      text(id + "-free", slot.free);
      bar(id + "-bar", slot.bar);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(show)
      .catch(function () {
        // a session ended or the network gone: keep the last figures, try again later
      })
      .then(function () {
        window.setTimeout(poll, EVERY_MS);
      });
  }

  window.setTimeout(poll, EVERY_MS);
})();

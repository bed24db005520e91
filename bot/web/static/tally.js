// The call-out page's live tally: asks /callouts/{id}/tally.json every few seconds (same origin, the
// session cookie) and rewrites the figures and the list of who accepted in place. Without script the
// page shows the figures as of its loading, with a reload link.
(function () {
  "use strict";
  var tally = document.getElementById("tally");
  if (!tally || !window.fetch) {
    return;
  }
  var src = tally.getAttribute("data-src");
  var every = Math.max(2, parseInt(tally.getAttribute("data-every"), 10) || 5) * 1000;
  var nobody = tally.getAttribute("data-nobody") || "";
  var figures = {
    "tally-accepted": "accepted",
    "tally-units": "units",
    "tally-matched": "matched",
    "tally-messaged": "messaged",
    "tally-waves": "waves",
    "tally-declined": "declined",
    "tally-no-answer": "no_answer",
    "tally-deadline": "deadline",
    "tally-erased": "erased",
    "tally-as-of": "as_of"
  };

  function set(id, value) {
    var element = document.getElementById(id);
    if (element && element.textContent !== String(value)) {
      element.textContent = String(value);
    }
  }

  function people(list) {
    var element = document.getElementById("tally-people");
    if (!element) {
      return;
    }
    var items = [];
    if (list.length === 0) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = nobody;
      items.push(empty);
    }
    list.forEach(function (person) {
      var item = document.createElement("li");
      item.textContent = person.name + " · " + person.phone;
      items.push(item);
    });
    while (element.firstChild) {
      element.removeChild(element.firstChild);
    }
    items.forEach(function (item) {
      element.appendChild(item);
    });
  }

  function groups(list) {
    var body = document.getElementById("tally-by-group");
    if (!body) {
      return;
    }
    var rows = list.map(function (group) {
      var row = document.createElement("tr");
      row.setAttribute("data-group", group.group);
      [group.label, group.messaged, group.accepted, group.declined, group.no_answer].forEach(function (value, i) {
        var cell = document.createElement("td");
        if (i > 0) {
          cell.className = "num";
        }
        cell.textContent = String(value);
        row.appendChild(cell);
      });
      return row;
    });
    while (body.firstChild) {
      body.removeChild(body.firstChild);
    }
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  function show(data) {
    Object.keys(figures).forEach(function (id) {
      set(id, data[figures[id]]);
    });
    var status = document.getElementById("tally-status");
    if (status) {
      status.textContent = data.status_label;
      status.setAttribute("data-status", data.status);
    }
    groups(data.by_group || []);
    people(data.people || []);
    var actions = document.getElementById("callout-actions"); // extend and close: a running one's only
    if (actions && !data.running) {
      actions.parentNode.removeChild(actions);
    }
    tally.setAttribute("data-live", "1");
  }

  function poll() {
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status)); // logged out or refused: the reload link says why
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.running) {
          window.setTimeout(poll, every); // closed or expired: the figures are final
        }
      })
      .catch(function () {
        tally.setAttribute("data-live", "0");
      });
  }

  if (document.getElementById("callout-actions")) {
    window.setTimeout(poll, every); // a running call-out's page (a closed one's figures are final)
  }
})();

// Price matrix: a cell's form saves without reloading the page (the form works without this script).
(function () {
  "use strict";
  var csrf = function () { return document.querySelector("meta[name=csrf-token]").content; };
  var status = function (text, bad) {
    var el = document.getElementById("cell-status");
    if (el) { el.textContent = text; el.className = bad ? "error" : "hint"; }
  };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("cell-form") || !window.fetch) { return; }
    event.preventDefault();
    event.stopPropagation();  // the page's generic handler would mark the form submitted for good
    var cell = form.closest("td");
    var data = new FormData(form);
    var submitter = event.submitter;
    data.set("action", submitter && submitter.value ? submitter.value : "set");
    cell.classList.add("pending");
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
    fetch(form.getAttribute("action"), {method: "POST", body: data, credentials: "same-origin",
                        headers: {"Accept": "application/json", "X-CSRF-Token": csrf()}})
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        var ok = result[0], body = result[1];
        if (ok) {
          var holder = document.createElement("tbody");
          holder.innerHTML = "<tr>" + body.html + "</tr>";
          var fresh = holder.querySelector("td");
          cell.replaceWith(fresh);
          fresh.classList.add("updated");
          status(body.message, false);
        } else {
          cell.classList.remove("pending");
          Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = false; });
          status(typeof body.error === "string" ? body.error : (body.error && body.error.message) || "?", true);
        }
      })
      .catch(function () { form.submit(); });  // no answer as JSON: fall back to the plain form
  }, true);
})();

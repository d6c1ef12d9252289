// The merchant console's only script: progressive enhancement, every page works without it.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    // One submission per click: a slow refund or reprice is not sent twice.
    if (form.dataset.submitted) { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    // A disabled button is not sent: keep the clicked one's name and value (action=apply ...).
    var by = event.submitter;
    if (by && by.name && !form.querySelector('input[type=hidden][data-submitter]')) {
      var keep = document.createElement("input");
      keep.type = "hidden"; keep.name = by.name; keep.value = by.value; keep.setAttribute("data-submitter", "");
      form.appendChild(keep);
    }
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
      b.disabled = true;
      if (b.dataset.busy) { b.textContent = b.dataset.busy; }
    });
  });
  // Back/forward cache: a restored page's forms are usable again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submitted]"), function (f) {
      delete f.dataset.submitted;
      Array.prototype.forEach.call(f.querySelectorAll("input[data-submitter]"), function (i) { i.remove(); });
      Array.prototype.forEach.call(f.querySelectorAll("button[type=submit]"), function (b) { b.disabled = false; });
    });
  });
})();

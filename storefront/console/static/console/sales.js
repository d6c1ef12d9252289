// Sales form: the time zone defaults to the browser's (the server's default is the market's).
(function () {
  "use strict";
  var select = document.getElementById("f-time_zone");
  if (!select || select.dataset.chosen) { return; }
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  if (zone && select.querySelector('option[value="' + zone + '"]')) { select.value = zone; }
})();

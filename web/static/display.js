/* The lobby display refreshes its tiles itself: every `data-refresh` seconds it fetches its own
   page and swaps in the new tiles, without reloading (a screen reader's place, the page's
   scroll and a flaky network are left alone: a failed fetch keeps the tiles shown). */
(function () {
  "use strict";
  var tiles = document.querySelector("[data-refresh]");
  if (!tiles || !window.fetch || !window.DOMParser) { return; }
  var every = Math.max(15, parseInt(tiles.getAttribute("data-refresh"), 10) || 60) * 1000;

  function refresh() {
    fetch(window.location.href, { credentials: "omit", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
        if (fresh) {
          tiles.innerHTML = fresh.innerHTML;
          tiles.setAttribute("data-refreshed", new Date().toISOString());
        }
      })
      .catch(function () { /* keep what is shown; try again next time */ });
  }

  window.setInterval(refresh, every);
}());

/* Live updates without a reload: every [data-live] element re-fetches its own HTML fragment. */
(function () {
  "use strict";
  function busy(el) {
    var active = document.activeElement;
    return el.contains(active) && /^(SELECT|INPUT|TEXTAREA)$/.test(active.tagName);
  }
  function refresh(el) {
    if (document.hidden || busy(el)) { return; }
    fetch(el.getAttribute("data-live"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || html === el.getAttribute("data-last") || busy(el)) { return; }
        el.innerHTML = html;
        el.setAttribute("data-last", html);
        el.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  document.querySelectorAll("[data-live]").forEach(function (el) {
    var seconds = parseInt(el.getAttribute("data-live-seconds") || "15", 10);
    window.setInterval(function () { refresh(el); }, Math.max(1, seconds) * 1000);
  });
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
})();

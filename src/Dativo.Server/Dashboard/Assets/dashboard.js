// Dativo dashboard: buttons that call the API, live refresh of server-rendered fragments, attempt logs.
// Text from the server is only ever set with textContent or as server-escaped HTML fragments.
(function () {
  "use strict";
  var flash = function (msg, bad) {
    var f = document.getElementById("flash");
    if (!f) return;
    f.textContent = msg;
    f.className = bad ? "bad" : "ok";
  };

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-post]");
    if (b) {
      ev.preventDefault();
      if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
      b.disabled = true;
      fetch(b.dataset.post, { method: "POST", headers: { "X-Dativo-Action": "1", "Content-Type": "application/json" }, body: "{}", credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          b.disabled = false;
          if (!res.ok) { flash(res.body.error || "refused", true); return; }
          flash(res.body.message || ("started " + (res.body.run_id || "")), false);
          if (b.dataset.trigger || b.id === "retry") {
            startRefresh(true);
          } else {
            refreshAll(true);
          }
        })
        .catch(function (e) { b.disabled = false; flash(String(e), true); });
      return;
    }
    var l = ev.target.closest("a[data-log]");
    if (l) {
      ev.preventDefault();
      showLog(l.dataset.log, l.closest("tr") ? l.closest("tr").dataset.item + " " + l.textContent : l.textContent);
    }
  });

  function showLog(url, title) {
    var pre = document.getElementById("log-text");
    var t = document.getElementById("log-title");
    if (!pre) return;
    t.textContent = title;
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
      if (j.error) { pre.textContent = j.error; return; }
      pre.textContent = (j.logs || []).map(function (x) { return x.text !== null && x.text !== undefined ? x.text : (x.missing || ""); }).join("\n");
      pre.dataset.loaded = "true";
    });
  }

  var timer = null;
  function refreshAll(force) {
    var nodes = document.querySelectorAll("[data-refresh]");
    var pending = 0, live = false;
    nodes.forEach(function (n) {
      if (!force && n.dataset.live !== "true") return;
      pending++;
      fetch(n.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var tpl = document.createElement("template");
          tpl.innerHTML = html; // server-rendered, every value escaped on the server
          var fresh = tpl.content.firstElementChild;
          if (fresh) { n.replaceWith(fresh); if (fresh.dataset.live === "true") live = true; }
        })
        .finally(function () { if (--pending === 0) schedule(live); });
    });
    if (pending === 0) schedule(false);
  }
  // a live block may ask for a slower refresh (data-every, ms); the fastest live block sets the pace
  function period() {
    var ms = 0;
    document.querySelectorAll("[data-refresh][data-live='true']").forEach(function (n) {
      var every = parseInt(n.dataset.every || "1000", 10);
      if (!ms || every < ms) ms = every;
    });
    return ms || 1000;
  }
  function schedule(live) {
    clearTimeout(timer);
    if (live) timer = setTimeout(function () { refreshAll(false); }, period());
  }
  function startRefresh(force) { refreshAll(force); }

  document.addEventListener("DOMContentLoaded", function () {
    var live = Array.prototype.some.call(document.querySelectorAll("[data-refresh]"), function (n) { return n.dataset.live === "true"; });
    schedule(live);
  });
})();

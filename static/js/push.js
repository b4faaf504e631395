/* "Browser notifications" on the notification settings page: subscribe this
   browser with the VAPID key of the page, post the subscription to the server.
   Only shown where the browser has service workers and the Push API. */
(function () {
  var box = document.getElementById("push-box");
  if (!box) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    box.querySelector("[data-push-unsupported]").hidden = false;
    return;
  }
  var on = box.querySelector("[data-push-on]");
  var off = box.querySelector("[data-push-off]");
  var status = box.querySelector("[data-push-status]");
  var csrf = box.querySelector("input[name=csrfmiddlewaretoken]").value;

  function key(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
  }
  function show(subscribed) {
    on.hidden = subscribed; off.hidden = !subscribed;
    status.textContent = subscribed ? box.dataset.textOn : box.dataset.textOff;
  }
  navigator.serviceWorker.register(box.dataset.worker).then(function (reg) {
    return reg.pushManager.getSubscription().then(function (sub) { show(!!sub); return reg; });
  }).then(function (reg) {
    on.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { status.textContent = box.dataset.textDenied; return; }
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.dataset.key) })
          .then(function (sub) { return post(box.dataset.subscribe, sub.toJSON()); })
          .then(function () { show(true); });
      });
    });
    off.addEventListener("click", function () {
      reg.pushManager.getSubscription().then(function (sub) {
        if (!sub) return show(false);
        return post(box.dataset.unsubscribe, { endpoint: sub.endpoint })
          .then(function () { return sub.unsubscribe(); })
          .then(function () { show(false); });
      });
    });
  });
})();

// The console's live parts: a handed-over conversation refreshes itself, and assist mode talks to
// the assistant. Everything is inserted as text, never as HTML.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var WHO = { user: "用户", bot: "助手", staff: "工作人员", system: "系统" };

  function api(method, url, body) {
    var opts = { method: method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      if (r.status === 401) { location.href = "/console/login?next=" + encodeURIComponent(location.pathname); }
      return r.json().then(function (data) { data._status = r.status; return data; });
    });
  }

  function turn(list, role, text, by) {
    var li = document.createElement("li");
    li.className = "turn " + role;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = by || WHO[role] || role;
    li.appendChild(who);
    li.appendChild(document.createTextNode(" " + text));
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  var transcript = document.getElementById("transcript");
  if (transcript && transcript.dataset.handoff) {
    var shown = transcript.children.length;
    setInterval(function () {
      api("GET", "/console/api/handoffs/" + transcript.dataset.handoff).then(function (h) {
        if (!h.transcript) { return; }
        for (var i = shown; i < h.transcript.length; i++) {
          var t = h.transcript[i];
          turn(transcript, t.role, t.text, t.role === "staff" ? t.by : null);
        }
        shown = h.transcript.length;
        var status = document.getElementById("handoff-status");
        if (status) { status.textContent = h.status; }
      });
    }, 3000);
  }

  var form = document.getElementById("assist-form");
  if (form) {
    var conversation = null;
    var log = document.getElementById("assist-log");
    var input = document.getElementById("assist-text");
    var buttons = document.getElementById("assist-buttons");
    var send = function (text) {
      turn(log, "user", text, "来电人");
      var body = { text: text, conversation: conversation, caller: document.getElementById("assist-caller").value };
      api("POST", "/console/api/assist/message", body).then(function (res) {
        if (res.conversation) { conversation = res.conversation; }
        if (res.error) { turn(log, "system", res.error); return; }
        buttons.textContent = "";
        (res.messages || []).forEach(function (m) {
          if (m.text) { turn(log, "bot", m.text); }
          (m.buttons || []).forEach(function (b) {
            var btn = document.createElement("button");
            btn.type = "button";
            btn.textContent = b.title;
            btn.addEventListener("click", function () { send(b.payload); });
            buttons.appendChild(btn);
          });
        });
        document.getElementById("assist-next").textContent = "建议下一步：" + res.next_step;
        var u = res.understood || {};
        document.getElementById("assist-understood").textContent =
          "助手理解为：" + (u.intent_label || "—") + (u.confidence ? "（" + u.confidence + "）" : "") +
          (u.form ? " · 正在办理" + u.form : "");
      });
    };
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (text) { input.value = ""; send(text); }
    });
    document.getElementById("assist-new").addEventListener("click", function () {
      conversation = null; log.textContent = ""; buttons.textContent = "";
      document.getElementById("assist-next").textContent = "";
      document.getElementById("assist-understood").textContent = "";
      input.focus();
    });
  }
})();

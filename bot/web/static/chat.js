// The citizen's chat page. It talks to the web server's JSON API (bot/web/chat.py):
//   POST /api/chat                 a message to the assistant, its replies and the handoff state
//   GET  /api/chat/updates         what arrived since: an operator's words, a ticket's new status
// The conversation (its random id, the rendered messages, the last bot message's buttons, the
// outbox cursor) and the chosen script are kept in localStorage, so a reload continues it.
// Every text from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";

  var KEY_PAGE = "xinyong.chat.page";
  var KEY_CONVERSATION = "xinyong.chat.conversation";
  var KEY_SCRIPT = "xinyong.chat.script";
  var MAX_ITEMS = 300;            // what is kept of a long conversation
  var POLL_HANDOFF = 3000;        // while a person is (about to be) in the conversation
  var POLL_IDLE = 20000;          // otherwise: a ticket's status may still change
  var REQUEST_TIMEOUT = 75000;    // the server gives up on the assistant after 60 s
  var WAITING = "待处理", TAKEN = "处理中";

  var LABELS = {
    simplified: {
      skip: "跳到输入框",
      title: "信用助手",
      subtitle: "信用信息查询、异议与信用修复",
      scriptGroup: "字形",
      newChat: "新对话",
      note: "您正在与自动应答的信用助手对话，不是人工客服。需要人工服务时，请发送【转人工】，或拨打信用服务热线。",
      intro: "您好！我可以帮您查询企业和组织公示的行政处罚、行政许可和名单信息，对错误信息提出异议、申请信用修复，" +
             "并查询办理进度。请输入企业名称或统一社会信用代码，或直接说出您要办的事。",
      messages: "对话记录",
      typing: "正在输入…",
      inputLabel: "输入您的问题",
      placeholder: "输入企业名称、信用代码或您的问题",
      send: "发送",
      user: "我",
      bot: "信用助手",
      staff: "工作人员",
      progress: "办理进度",
      notice: "提示",
      error: "系统提示",
      options: "可选操作",
      unsent: "未发送",
      network: "网络连接失败，请检查网络后重试",
      failed: "抱歉，系统暂时出现问题，请稍后再试。",
      handoffWaiting: "已转人工，工作人员接入后会在这里回复您",
      handoffTaken: "人工服务中",
      toStaff: "您的留言已发送给工作人员，请稍候。"
    },
    traditional: {
      skip: "跳到輸入框",
      title: "信用助手",
      subtitle: "信用信息查詢、異議與信用修復",
      scriptGroup: "字形",
      newChat: "新對話",
      note: "您正在與自動應答的信用助手對話，不是人工客服。需要人工服務時，請發送【轉人工】，或撥打信用服務熱線。",
      intro: "您好！我可以幫您查詢企業和組織公示的行政處罰、行政許可和名單信息，對錯誤信息提出異議、申請信用修復，" +
             "並查詢辦理進度。請輸入企業名稱或統一社會信用代碼，或直接說出您要辦的事。",
      messages: "對話記錄",
      typing: "正在輸入…",
      inputLabel: "輸入您的問題",
      placeholder: "輸入企業名稱、信用代碼或您的問題",
      send: "發送",
      user: "我",
      bot: "信用助手",
      staff: "工作人員",
      progress: "辦理進度",
      notice: "提示",
      error: "系統提示",
      options: "可選操作",
      unsent: "未發送",
      network: "網絡連接失敗，請檢查網絡後重試",
      failed: "抱歉，系統暫時出現問題，請稍後再試。",
      handoffWaiting: "已轉人工，工作人員接入後會在這裡回覆您",
      handoffTaken: "人工服務中",
      toStaff: "您的留言已發送給工作人員，請稍候。"
    }
  };
  // Whose words a message is: shown for a person, a ticket's status and notices; for the user and
  // the assistant the label is read by screen readers only (the bubbles show who is who).
  var VISIBLE_WHO = { staff: true, progress: true, notice: true, error: true };
  var ROLES = { user: true, bot: true, staff: true, progress: true, notice: true };

  // ------------------------------------------------------------------ storage (may be unavailable)
  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode or full: the page still works */ }
  }

  function newPageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) { hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return hex;
  }

  function loadPageId() {
    var id = storageGet(KEY_PAGE);
    if (!id || !/^[0-9a-f]{32}$/.test(id)) {
      id = newPageId();
      storageSet(KEY_PAGE, id);
    }
    return id;
  }

  function defaultScript() {
    var langs = [].concat(navigator.languages || [], navigator.language || []);
    return /^zh-(hant|tw|hk|mo)(-|$)/i.test(String(langs[0] || "")) ? "traditional" : "simplified";
  }

  function loadScript() {
    var s = storageGet(KEY_SCRIPT);
    return LABELS.hasOwnProperty(s) ? s : defaultScript();
  }

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) { return []; }
    return buttons.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string" && b.title && b.payload;
    }).map(function (b) { return { title: b.title, payload: b.payload }; });
  }

  function emptyConversation() {
    return { pageId: pageId, items: [], lastId: 0, handoff: null };
  }

  function loadConversation() {
    var c = null;
    try { c = JSON.parse(storageGet(KEY_CONVERSATION) || "null"); } catch (e) { c = null; }
    if (!c || c.pageId !== pageId || !Array.isArray(c.items)) { return emptyConversation(); }
    return {
      pageId: pageId,
      items: c.items.filter(function (it) { return it && ROLES[it.role] && typeof it.text === "string"; })
        .map(function (it) { return { role: it.role, text: it.text, buttons: cleanButtons(it.buttons) }; }),
      lastId: typeof c.lastId === "number" && c.lastId >= 0 ? c.lastId : 0,
      handoff: c.handoff === WAITING || c.handoff === TAKEN ? c.handoff : null
    };
  }

  function save() {
    if (convo.items.length > MAX_ITEMS) { convo.items = convo.items.slice(-MAX_ITEMS); }
    storageSet(KEY_CONVERSATION, JSON.stringify(convo));
  }

  // ------------------------------------------------------------------ state and elements
  var pageId = loadPageId();
  var script = loadScript();
  var convo = loadConversation();
  var busy = false;
  var generation = 0;  // a new conversation makes late answers of the old one void
  var pollTimer = null, polling = false, pollAgain = false;

  var list = document.getElementById("messages");
  var intro = document.getElementById("intro");
  var typing = document.getElementById("typing");
  var bar = document.getElementById("handoff");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
  var scriptButtons = document.querySelectorAll("button[data-script]");
  var newChat = document.getElementById("new-chat");

  function L() { return LABELS[script]; }

  // ------------------------------------------------------------------ rendering
  function el(tag, className) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    return node;
  }

  function renderItem(item, unsaved) {
    var li = el("li", "msg msg-" + item.role);
    var who = el("span", VISIBLE_WHO[item.role] ? "who" : "who visually-hidden");
    who.textContent = L()[item.role] + (VISIBLE_WHO[item.role] ? "" : "：");
    li.appendChild(who);
    var text = el("div", "text");
    text.textContent = item.text;
    li.appendChild(text);
    if (item.buttons && item.buttons.length) {
      var group = el("div", "options");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", L().options);
      item.buttons.forEach(function (b) {
        var button = el("button", "option");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function (ev) { choose(b, ev); });
        group.appendChild(button);
      });
      li.appendChild(group);
    }
    if (unsaved) { li.setAttribute("data-unsaved", ""); }
    list.appendChild(li);
    intro.hidden = true;
    return li;
  }

  // Only the newest assistant message's buttons can be used, and none while a request is out.
  function refreshButtons() {
    var bots = list.querySelectorAll(".msg-bot");
    var last = bots.length ? bots[bots.length - 1] : null;
    var buttons = list.querySelectorAll("button.option");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = busy || !last || !last.contains(buttons[i]);
    }
  }

  function add(item) {
    convo.items.push(item);
    return renderItem(item, false);
  }

  function notice(role, text) {
    return renderItem({ role: role, text: text }, true);
  }

  function scrollToShow(first) {
    var root = document.documentElement;
    var bottom = root.scrollHeight - window.innerHeight;
    var target = bottom;
    if (first) {
      // A long answer is read from its beginning: do not scroll past its first line.
      var top = first.getBoundingClientRect().top + window.pageYOffset - 12;
      target = Math.min(bottom, Math.max(top, 0));
    }
    window.scrollTo(0, Math.max(target, 0));
  }

  function setBusy(on) {
    busy = on;
    document.body.classList.toggle("busy", on);
    typing.hidden = !on;
    sendButton.disabled = on;
    refreshButtons();
  }

  function setHandoff(state) {
    state = state === WAITING || state === TAKEN ? state : null;
    var changed = state !== convo.handoff;
    convo.handoff = state;
    bar.hidden = !state;
    bar.textContent = state === TAKEN ? L().handoffTaken : state === WAITING ? L().handoffWaiting : "";
    bar.className = "handoff" + (state === TAKEN ? " taken" : "");
    document.body.classList.toggle("with-handoff", !!state);
    if (changed && !polling) { schedulePoll(); }
  }

  function applyLabels() {
    var labels = L();
    document.documentElement.lang = script === "traditional" ? "zh-Hant" : "zh-CN";
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) { nodes[i].textContent = labels[nodes[i].getAttribute("data-i18n")]; }
    nodes = document.querySelectorAll("[data-i18n-label]");
    for (i = 0; i < nodes.length; i++) { nodes[i].setAttribute("aria-label", labels[nodes[i].getAttribute("data-i18n-label")]); }
    nodes = document.querySelectorAll("[data-i18n-placeholder]");
    for (i = 0; i < nodes.length; i++) { nodes[i].setAttribute("placeholder", labels[nodes[i].getAttribute("data-i18n-placeholder")]); }
    for (i = 0; i < scriptButtons.length; i++) {
      scriptButtons[i].setAttribute("aria-pressed", String(scriptButtons[i].getAttribute("data-script") === script));
    }
    setHandoff(convo.handoff);
  }

  // ------------------------------------------------------------------ the server
  function request(method, url, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT) : null;
    var options = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin",
                    cache: "no-store" };
    if (controller) { options.signal = controller.signal; }
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return data; }, function () { return null; })
        .then(function (data) {
          clearTimeout(timer);
          if (response.ok && data && typeof data === "object") { return { ok: true, data: data }; }
          var error = data && typeof data.error === "string" && data.error ? data.error : L().failed;
          return { ok: false, error: error };
        });
    }, function (err) {
      clearTimeout(timer);
      throw err;
    });
  }

  // One message to the assistant. `shown` is what the user's bubble says (a button's title for a
  // button, whose payload is sent); `typed` is true when it came from the input box.
  function send(message, shown, typed) {
    if (busy) { return false; }
    var gen = generation;
    var item = { role: "user", text: shown };
    var li = add(item);
    setBusy(true);
    scrollToShow(null);
    var failed = function (error) {
      // Not sent: the bubble goes, the typed text comes back to the box, the reason is shown.
      var at = convo.items.indexOf(item);
      if (at >= 0) { convo.items.splice(at, 1); }
      if (typed && !input.value) {
        list.removeChild(li);
        input.value = message;
      } else {
        li.setAttribute("data-unsaved", "");
        li.classList.add("failed");
        var mark = el("span", "unsent");
        mark.textContent = L().unsent;
        li.appendChild(mark);
      }
      notice("error", error);
    };
    var body = { sender: pageId, message: message, script: script };
    if (!typed && shown !== message) { body.shown = shown; }  // a button: the operator reads its title
    request("POST", "/api/chat", body).then(function (res) {
      if (gen !== generation) { return; }
      var first = null;
      if (!res.ok) {
        failed(res.error);
      } else {
        var messages = Array.isArray(res.data.messages) ? res.data.messages : [];
        messages.forEach(function (m) {
          if (!m) { return; }
          var buttons = cleanButtons(m.buttons);
          var text = typeof m.text === "string" ? m.text : "";
          if (!text && !buttons.length) { return; }
          var node = add({ role: "bot", text: text, buttons: buttons });
          first = first || node;
        });
        if (!first && res.data.handoff === TAKEN) { first = add({ role: "notice", text: L().toStaff }); }
        setHandoff(res.data.handoff);
        // Something from a person or about a ticket is waiting: fetch it now (never skip it).
        if (typeof res.data.last_id === "number" && res.data.last_id > convo.lastId) { poll(); }
      }
      setBusy(false);
      save();
      scrollToShow(first);
    }, function () {
      if (gen !== generation) { return; }
      failed(L().network);
      setBusy(false);
      save();
      scrollToShow(null);
    });
    return true;
  }

  function choose(button, ev) {
    if (busy) { return; }
    send(button.payload, button.title, false);
    // A keyboard user goes on typing; a tap does not pop the phone's keyboard up.
    if (ev && ev.detail === 0) { input.focus(); }
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (document.hidden) { return; }
    pollTimer = setTimeout(poll, convo.handoff ? POLL_HANDOFF : POLL_IDLE);
  }

  function poll() {
    clearTimeout(pollTimer);
    pollTimer = null;
    if (polling) { pollAgain = true; return; }
    polling = true;
    var gen = generation;
    var url = "/api/chat/updates?sender=" + encodeURIComponent(pageId) + "&after=" + convo.lastId +
              "&script=" + encodeURIComponent(script);
    request("GET", url).then(function (res) {
      if (gen !== generation || !res.ok) { return; }
      var messages = Array.isArray(res.data.messages) ? res.data.messages : [];
      var first = null;
      messages.forEach(function (m) {
        if (!m || typeof m.id !== "number" || m.id <= convo.lastId) { return; }
        convo.lastId = m.id;
        if (typeof m.text !== "string" || !m.text) { return; }
        var node = add({ role: m.kind === "ticket_status" ? "progress" : "staff", text: m.text });
        first = first || node;
      });
      if (typeof res.data.last_id === "number" && res.data.last_id > convo.lastId) { convo.lastId = res.data.last_id; }
      if (messages.length >= 50) { pollAgain = true; }
      setHandoff(res.data.handoff);
      save();
      if (first) { scrollToShow(first); }
    }).catch(function () { /* the next poll tries again */ }).then(function () {
      polling = false;
      if (pollAgain) {
        pollAgain = false;
        poll();
      } else {
        schedulePoll();
      }
    });
  }

  // ------------------------------------------------------------------ the user's actions
  function sendTyped() {
    var text = input.value.trim();
    if (text && !busy) {
      input.value = "";
      send(text, text, true);
    }
    input.focus();
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    sendTyped();
  });

  // Enter sends, except the Enter with which an input method picks its characters (keyCode 229:
  // Safari reports that one after the composition has ended).
  input.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || ev.shiftKey || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    ev.preventDefault();
    if (ev.isComposing || ev.keyCode === 229) { return; }
    sendTyped();
  });

  for (var i = 0; i < scriptButtons.length; i++) {
    scriptButtons[i].addEventListener("click", function () {
      script = this.getAttribute("data-script");
      storageSet(KEY_SCRIPT, script);
      applyLabels();
    });
  }

  newChat.addEventListener("click", function () {
    if (convo.handoff) {
      // A person may be about to answer the old conversation: tell them the user has left it.
      request("POST", "/api/chat/leave", { sender: pageId }).catch(function () {});
    }
    generation += 1;
    pageId = newPageId();
    storageSet(KEY_PAGE, pageId);
    convo = emptyConversation();
    save();
    list.textContent = "";
    intro.hidden = false;
    input.value = "";
    setBusy(false);
    setHandoff(null);
    schedulePoll();
    input.focus();
  });

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(pollTimer);
      pollTimer = null;
    } else {
      poll();
    }
  });

  // ------------------------------------------------------------------ start: the kept conversation
  list.setAttribute("aria-busy", "true");
  convo.items.forEach(function (item) { renderItem(item, false); });
  list.setAttribute("aria-busy", "false");
  intro.hidden = convo.items.length > 0;
  applyLabels();
  refreshButtons();
  save();
  if (convo.items.length) { scrollToShow(null); }
  if (!document.hidden) { poll(); }
}());

"""The citizen's chat page end to end: Debian's Chromium (Playwright, headless) on the web server's
page at /, the web server talking to the real `xinyong serve` of the session fixture `demo_bot`
(the test model, the action server, the demo data). Every assertion is about what the user sees on
the page. Screenshots go to tests/artifacts/ (gitignored)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from actions.services import demo_data
from tests.botserver import PAGED_CODE, _free_port

pytestmark = pytest.mark.slow

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
HONGTAI = "912306047LY7DWQT7J"  # 大庆市鸿泰石油技术服务有限公司: 庆环罚〔YYYY〕37号 under objection
TICKET = re.compile(r"YY-\d{8}-\d{4}")
REPLY_MS = 60_000  # the assistant's answer, at worst (the web server gives up on Rasa after 60 s)
PAGE_KEY = "xinyong.chat.page"


# ------------------------------------------------------------------ the web server and the browser

def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def web_url(demo_bot, tmp_path_factory):
    """The web server of `xinyong serve` when the fixture gives it a WEB_PORT; else one of our own
    next to it (same Rasa, same database), stopped at the end."""
    port = demo_bot.env.get("WEB_PORT")
    if port:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not _healthy(url):
            assert time.monotonic() < deadline, f"the web server of xinyong serve does not answer on {url}"
            time.sleep(0.3)
        yield url
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("web") / "web.log"
    env = dict(demo_bot.env, WEB_PORT=str(port), WEB_HOST="127.0.0.1", RASA_PORT=demo_bot.env["RASA_PORT"],
               DATABASE_URL=demo_bot.database_url)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.web.app"], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the web server did not start:\n" + log_path.read_text(encoding="utf-8")[-3000:])
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, web_url):
    """Pages in fresh browser contexts (empty localStorage); each page records what would be a bug
    on any page: an uncaught script error, a Content-Security-Policy violation."""
    contexts, problems = [], []

    def make(locale: str = "zh-CN", **options):
        ctx = browser.new_context(locale=locale, viewport=options.pop("viewport", {"width": 1024, "height": 768}),
                                  **options)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
        page.on("console", lambda m: problems.append(f"console: {m.text}")
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)
        page.goto(web_url + "/")
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not problems, problems


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def db_env(demo_bot, monkeypatch):
    """The services in this process talk to the demo bot's database."""
    from actions.db import engine as engine_mod

    monkeypatch.setenv("DATABASE_URL", demo_bot.database_url)
    yield demo_bot.database_url
    engine_mod.dispose_engines()


# ------------------------------------------------------------------ what a user does on the page

def _bot_texts(page, start: int = 0) -> list[str]:
    texts = page.locator("#messages .msg-bot .text").all_inner_texts()
    return texts[start:]


def _wait_reply(page, bots_before: int) -> str:
    """Until a new assistant message is shown and nothing is in flight; the new messages' text."""
    page.wait_for_function(
        "n => document.querySelectorAll('#messages .msg-bot').length > n && !document.body.classList.contains('busy')",
        arg=bots_before, timeout=REPLY_MS)
    return "\n".join(_bot_texts(page, bots_before))


def say(page, text: str) -> str:
    """Type a message, press Enter, wait for the reply; returns the reply as shown."""
    before = page.locator("#messages .msg-bot").count()
    page.fill("#input", text)
    page.press("#input", "Enter")
    reply = _wait_reply(page, before)
    expect(page.locator("#messages .msg-user").last).to_contain_text(text[:40])
    return reply


def buttons(page) -> list[str]:
    """Titles of the buttons that can be clicked now (the newest assistant message's)."""
    return page.locator("#messages button.option:enabled").all_inner_texts()


def click(page, title_part: str) -> str:
    """Click the newest assistant message's button whose title contains `title_part`."""
    before = page.locator("#messages .msg-bot").count()
    button = page.locator("#messages .msg-bot").last.locator("button.option", has_text=title_part).first
    title = button.inner_text()
    button.click()
    reply = _wait_reply(page, before)
    # the user's bubble shows the button's title, never its payload
    expect(page.locator("#messages .msg-user").last.locator(".text")).to_have_text(title)
    return reply


def page_id(page) -> str:
    return page.evaluate(f"localStorage.getItem('{PAGE_KEY}')")


def _no_horizontal_scroll(page) -> None:
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"horizontal scrolling at {page.viewport_size}: {sizes}"


def _has_focus_outline(page) -> bool:
    return page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    }""")


def _tab_until(page, predicate_js: str, shift: bool = False, limit: int = 40) -> int:
    """Press Tab (or Shift+Tab) until `predicate_js(document.activeElement)` holds; the presses used."""
    for n in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        if page.evaluate(f"(el => {predicate_js})(document.activeElement)"):
            return n
    pytest.fail(f"{limit} presses of Tab did not reach {predicate_js}")


# ------------------------------------------------------------------ the tests

def test_a_lookup_by_code_shows_the_records_on_desktop_and_phone(page):
    expect(page).to_have_title("信用助手")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.locator("header")).to_contain_text("信用信息查询、异议与信用修复")
    expect(page.locator("#note")).to_contain_text("自动应答")
    expect(page.locator("#intro")).to_be_visible()
    reply = say(page, f"帮我查下 {HONGTAI} 这家公司")
    objection_doc = demo_data.showcase_refs().docs["objection"]
    assert "大庆市鸿泰石油技术服务有限公司" in reply and objection_doc in reply and "异议处理中" in reply
    assert "联合惩戒措施在信息核实期间暂不执行" in reply
    messages = page.locator("#messages")
    expect(messages).to_contain_text("大庆市鸿泰石油技术服务有限公司")
    expect(page.locator("#intro")).to_be_hidden()
    expect(page.locator("#typing")).to_be_hidden()
    # the reply keeps its line breaks (text, white-space: pre-wrap), and nothing came in as markup
    assert any("\n" in t for t in _bot_texts(page))
    assert page.locator("#messages .msg-bot .text *").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_chat_lookup.png"), full_page=True)
    _no_horizontal_scroll(page)

    page.set_viewport_size({"width": 375, "height": 667})
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    _no_horizontal_scroll(page)
    bar = page.locator("#composer").bounding_box()
    assert abs(bar["y"] + bar["height"] - 667) <= 2, bar  # the input bar sits on the bottom edge
    assert page.locator("#input").bounding_box()["width"] >= 180
    reply = say(page, "有没有行政许可")  # the phone layout works, not only looks right
    assert "排污许可证" in reply
    _no_horizontal_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "web_chat_phone.png"))


def _objection_candidate(url: str) -> tuple[str, list[str]]:
    """(code, displayed penalties' document numbers) of a company with two or more displayed
    penalties that no other test files on: test_workflows takes them from the oldest subjects,
    test_telegram the newest record, the conversation tests the showcase subjects (id ≤ 12)."""
    from actions.db.models import Record, Subject

    eng = sa.create_engine(url, future=True)
    try:
        with eng.connect() as c:
            rows = c.execute(sa.select(Subject.id, Subject.uscc, Record.doc_number)
                             .join(Subject, Subject.id == Record.subject_id)
                             .where(Record.kind == "penalty", Record.display_status == "公示中", Subject.id > len(demo_data.SHOWCASE),
                                    Subject.uscc.is_not(None), Subject.uscc != PAGED_CODE)
                             .order_by(Subject.id.desc(), Record.id)).all()
    finally:
        eng.dispose()
    docs: dict[int, tuple[str, list[str]]] = {}
    for row in rows:
        docs.setdefault(row.id, (row.uscc, []))[1].append(row.doc_number)
    several = [v for v in docs.values() if len(v[1]) >= 2]
    if len(several) < 6:
        pytest.fail("the demo data has too few companies with several displayed penalties")
    return several[len(several) // 2]


def test_an_objection_filed_on_the_page_gives_a_receipt_and_a_web_ticket(page, demo_bot, db_env):
    from actions.services import tickets

    code, docs = _objection_candidate(demo_bot.database_url)
    reply = say(page, f"我要对{code}的一条行政处罚提出异议")
    if "异议理由" not in reply:
        assert "请选择" in reply, reply
        offered = [d for d in docs if any(d in title for title in buttons(page))]
        assert offered, (docs, buttons(page))
        reply = click(page, offered[0])
    assert "异议理由" in reply, reply
    assert any("信息错误" in t for t in buttons(page))
    assert "说明" in click(page, "信息错误")
    # buttons of the earlier messages can no longer be used
    assert page.locator("#messages .msg-bot").nth(0).locator("button.option:enabled").count() == 0
    assert "材料" in say(page, "罚款金额登记错了，决定书上是2.5万元，公示成了25万元")
    assert "联系人" in say(page, "有处罚决定书原件和缴款凭证")
    assert "电话" in say(page, "张伟")
    assert "不是有效的电话号码" in say(page, "12345")
    summary = say(page, "13912345678")
    assert "请核对" in summary and "13912345678" in summary and "张伟" in summary and "信息错误" in summary
    assert "确认提交" in buttons(page)
    receipt = click(page, "确认提交")
    found = TICKET.search(receipt)
    assert found and "异议处理中" in receipt, receipt
    ticket_no = found.group(0)
    expect(page.locator("#messages .msg-bot").last).to_contain_text(ticket_no)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_chat_objection.png"), full_page=True)
    ticket = tickets.get(ticket_no)
    assert ticket is not None and ticket.channel == "web" and ticket.status == "已提交"
    assert ticket.sender_id == "web-" + page_id(page)


def test_a_reload_shows_the_conversation_and_continues_it(page, new_page):
    first = say(page, f"查 {HONGTAI}")
    assert "大庆市鸿泰石油技术服务有限公司" in first
    before = page.locator("#messages .msg").all_inner_texts()
    pid = page_id(page)
    assert re.fullmatch(r"[0-9a-f]{32}", pid)
    page.reload()
    expect(page.locator("#messages .msg")).to_have_count(len(before))
    assert page.locator("#messages .msg").all_inner_texts() == before
    expect(page.locator("#intro")).to_be_hidden()
    assert page_id(page) == pid
    reply = say(page, "有没有行政许可")  # the same conversation: the subject in focus is remembered
    assert "排污许可证" in reply and "庆环罚" not in reply
    # a second visitor (another browser) has a conversation of its own
    other = new_page()
    assert page_id(other) != pid and other.locator("#messages .msg").count() == 0
    # 新对话: an empty page and a new conversation id, kept over a reload
    page.get_by_role("button", name="新对话").click()
    expect(page.locator("#messages .msg")).to_have_count(0)
    expect(page.locator("#intro")).to_be_visible()
    new_id = page_id(page)
    assert new_id != pid and re.fullmatch(r"[0-9a-f]{32}", new_id)
    assert page.evaluate("document.activeElement.id") == "input"
    page.reload()
    expect(page.locator("#messages .msg")).to_have_count(0)
    assert page_id(page) == new_id
    assert "排污许可证" not in say(page, "有没有行政许可")  # no subject in focus in the new conversation


def test_traditional_script_switch(page, new_page):
    traditional = page.get_by_role("button", name="繁體")
    simplified = page.get_by_role("button", name="简体")
    expect(simplified).to_have_attribute("aria-pressed", "true")
    traditional.click()
    expect(traditional).to_have_attribute("aria-pressed", "true")
    expect(simplified).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#send")).to_have_text("發送")
    expect(page.locator("#new-chat")).to_have_text("新對話")
    expect(page.locator("header")).to_contain_text("信用信息查詢、異議與信用修復")
    assert page.evaluate("document.documentElement.lang") == "zh-Hant"
    reply = say(page, f"查一下 {HONGTAI}")  # no Han characters to go by: the page's choice decides
    assert "鴻泰石油" in reply and "異議處理中" in reply and "处罚" not in reply and "异议" not in reply
    assert any(w in reply for w in ("記錄", "查詢", "處罰"))
    page.reload()  # remembered
    expect(page.get_by_role("button", name="繁體")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#send")).to_have_text("發送")
    # back to Simplified: the next answer is in Simplified again
    page.get_by_role("button", name="简体").click()
    assert "异议处理中" in say(page, f"查一下 {HONGTAI}")
    # a browser set to Traditional Chinese starts in Traditional
    hk = new_page(locale="zh-HK")
    expect(hk.get_by_role("button", name="繁體")).to_have_attribute("aria-pressed", "true")
    expect(hk.locator("#input")).to_have_attribute("placeholder", re.compile("輸入"))


def test_keyboard_only(page):
    presses = _tab_until(page, "el.id === 'input'")  # a fresh page: Tab starts at the top
    assert presses <= 6  # skip link, 简体, 繁體, 新对话, then the input
    assert _has_focus_outline(page)
    label = page.evaluate("document.getElementById('input').labels[0].textContent")
    assert label == "输入您的问题"
    expect(page.get_by_role("button", name="发送")).to_be_visible()
    before = page.locator("#messages .msg-bot").count()
    page.keyboard.type("帮我查查有限公司")
    # the Enter with which an input method confirms its characters does not send
    page.evaluate("""() => document.getElementById('input').dispatchEvent(new KeyboardEvent('keydown',
        {key: 'Enter', keyCode: 229, isComposing: true, bubbles: true, cancelable: true}))""")
    assert page.locator("#messages .msg-user").count() == 0
    assert page.input_value("#input") == "帮我查查有限公司"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "input"  # focus stays in the input
    _wait_reply(page, before)
    assert page.evaluate("document.activeElement.id") == "input"
    assert 1 <= len(buttons(page)) <= 5
    # the candidates are right above the input: Shift+Tab reaches them, Space picks one
    _tab_until(page, "el.matches('button.option')", shift=True, limit=3)
    assert _has_focus_outline(page)
    title = page.evaluate("document.activeElement.textContent")
    before = page.locator("#messages .msg-bot").count()
    page.keyboard.press("Space")
    reply = _wait_reply(page, before)
    assert title.split("（")[0] in reply
    expect(page.locator("#messages .msg-user").last).to_have_text(re.compile(re.escape(title)))
    assert page.evaluate("document.activeElement.id") == "input"
    # again, then from the top of the reloaded page with Tab alone, and Enter on the button
    page.keyboard.type("帮我查查有限公司")
    before = page.locator("#messages .msg-bot").count()
    page.keyboard.press("Enter")
    _wait_reply(page, before)
    page.reload()
    _tab_until(page, "el.matches('button.option') && !el.disabled")
    title = page.evaluate("document.activeElement.textContent")
    before = page.locator("#messages .msg-bot").count()
    page.keyboard.press("Enter")
    assert title.split("（")[0] in _wait_reply(page, before)


def test_bad_input_and_a_lost_connection_are_explained_politely(page):
    too_long = "查" * 1001
    page.fill("#input", too_long)
    page.press("#input", "Enter")
    error = page.locator("#messages .msg-error").last
    expect(error).to_contain_text("消息太长了，请控制在 1000 字以内")
    expect(error).to_contain_text("系统提示")
    content = page.content()
    assert "Traceback" not in content and "Exception" not in content
    assert page.input_value("#input") == too_long  # kept, to shorten
    expect(page.locator("#messages .msg-user")).to_have_count(0)
    # the network goes away: the user is told, and what was typed is still there
    page.route("**/api/chat", lambda route: route.abort())
    page.fill("#input", "你好")
    page.press("#input", "Enter")
    expect(page.locator("#messages .msg-error").last).to_have_text(re.compile("网络连接失败，请检查网络后重试"))
    assert page.input_value("#input") == "你好"
    expect(page.locator("#typing")).to_be_hidden()
    page.unroute("**/api/chat")
    # still usable: the same text sent again is answered
    assert "信用助手" in say(page, "你好")
    # one message cannot be sent twice while its answer is on the way
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/api/chat") else None)
    before = page.locator("#messages .msg-bot").count()
    page.fill("#input", "你好")
    page.evaluate("() => { const f = document.getElementById('composer'); f.requestSubmit(); f.requestSubmit(); }")
    page.press("#input", "Enter")
    _wait_reply(page, before)
    page.wait_for_timeout(300)
    assert len(posts) == 1, posts
    assert page.locator("#messages .msg-user").count() == 2


def test_the_page_asks_nothing_of_other_sites(browser, web_url, new_page):
    requests: list[str] = []
    page = new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.reload()
    say(page, f"查 {HONGTAI}")
    page.get_by_role("button", name="繁體").click()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert requests and any(u.endswith("/static/chat.js") for u in requests)
    outside = [u for u in requests if not u.startswith(web_url + "/")]
    assert outside == [], outside
    # and the page could not load anything else if it tried
    with urllib.request.urlopen(web_url + "/") as resp:
        csp = resp.headers["Content-Security-Policy"]
        html = resp.read().decode("utf-8")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "<script>" not in html and "style=" not in html and "<style" not in html and "http" not in html


def test_an_operators_reply_reaches_the_page(page, db_env):
    from actions.services import handoff, staff

    reply = say(page, "转人工")
    assert "0459-12345" in reply
    bar = page.locator("#handoff")
    expect(bar).to_be_visible()
    expect(bar).to_have_text("已转人工，工作人员接入后会在这里回复您")
    sender = "web-" + page_id(page)
    request = next(r for r in handoff.queue() if r.sender_id == sender)
    assert request.channel == "web" and request.status == "待处理"

    # a hidden tab does not poll; it asks once when it is shown again
    updates: list[float] = []
    page.on("request", lambda r: updates.append(time.monotonic()) if "/api/chat/updates" in r.url else None)
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    page.wait_for_timeout(300)
    updates.clear()
    page.wait_for_timeout(4000)  # more than the 3 s of a handed-over conversation
    assert updates == []
    shown_at = time.monotonic()
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    page.wait_for_timeout(1000)
    assert updates and updates[0] - shown_at < 1.0

    op, _ = staff.add("op_test", "a-strong-pass-123", display_name="测试员")
    handoff.reply(request.id, op.id, "测试员", "您好，我是工作人员")
    said = page.locator("#messages .msg-staff", has_text="您好，我是工作人员")
    expect(said).to_be_visible(timeout=10_000)
    expect(said.locator(".who")).to_have_text("工作人员")
    expect(bar).to_have_text("人工服务中")
    # now the user's words go to the operator, and the page says so
    page.fill("#input", "我的营业执照信息公示错了")
    page.press("#input", "Enter")
    expect(page.locator("#messages .msg-notice").last).to_contain_text("已发送给工作人员")
    assert any(t.get("text") == "我的营业执照信息公示错了" for t in handoff.get(request.id).transcript)
    # the operator closes: the page says so and the bar goes
    handoff.close(request.id, op.id, "测试员")
    expect(page.locator("#messages .msg-staff", has_text="结束本次人工服务")).to_be_visible(timeout=10_000)
    expect(bar).to_be_hidden()
    # a reload shows all of it, labelled
    page.reload()
    expect(page.locator("#messages .msg-staff", has_text="您好，我是工作人员")).to_be_visible()
    expect(bar).to_be_hidden()
    assert "信用助手" in say(page, "你好")  # the assistant answers again


def test_a_new_conversation_during_a_handoff_tells_the_operator(page, db_env):
    from actions.services import handoff

    say(page, "转人工")
    expect(page.locator("#handoff")).to_be_visible()
    sender = "web-" + page_id(page)
    request = next(r for r in handoff.queue() if r.sender_id == sender)
    page.get_by_role("button", name="新对话").click()
    expect(page.locator("#handoff")).to_be_hidden()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "用户已离开对话" in handoff.get(request.id).transcript[-1]["text"]:
            break
        time.sleep(0.2)
    assert "用户已离开对话" in handoff.get(request.id).transcript[-1]["text"]
    assert page_id(page) != sender[len("web-"):]

"""The load balancer in front of several Rasa servers, action servers and web servers: a config for
the distribution's nginx, written into the run folder by `xinyong serve --replicas N`.

Round robin, no stickiness: any Rasa server can take any message, because conversations live in the
database (tracker store) and are serialised by the Redis lock store. Only socket.io is pinned by
client address, since its long-polling handshake must reach the server that opened it.
A request that could not be sent to a dead replica (connection refused) goes to another one; one
that was sent is not repeated by nginx (POSTs are not idempotent in general; the assistant tells the
user to send the message again, and filings are idempotent).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


def nginx_binary() -> str | None:
    for name in NGINX_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class Balancer:
    run_dir: Path
    rasa_port: int
    action_port: int
    web_port: int
    rasa: list[int]
    actions: list[int]
    web: list[int]
    web_host: str = "0.0.0.0"
    # Per client address on the chat page's API: a person types far slower than this; a script
    # hammering the page is slowed down before it reaches the assistant.
    chat_rate: str = "5r/s"
    chat_burst: int = 20

    def command(self, nginx: str) -> list[str]:
        return [nginx, "-p", str(self.run_dir), "-c", str(self.conf_path), "-g", "daemon off;"]

    @property
    def conf_path(self) -> Path:
        return self.run_dir / "nginx.conf"

    def write(self) -> Path:
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(self.render(), encoding="utf-8")
        return self.conf_path

    def render(self) -> str:
        run = self.run_dir

        def upstream(name: str, ports: list[int], extra: str = "") -> str:
            servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;\n" for p in ports)
            # No keepalive pool: a pooled connection to a replica that has just died fails after the
            # request was sent, and nginx does not resend a POST, so the user would get an error;
            # a fresh loopback connection to a dead replica is refused and goes to the next one.
            return f"  upstream {name} {{\n{extra}{servers}  }}\n"

        upstreams = (upstream("xinyong_actions", self.actions) + upstream("xinyong_rasa", self.rasa)
                     + upstream("xinyong_rasa_socketio", self.rasa, "    hash $remote_addr consistent;\n")
                     + upstream("xinyong_web", self.web))
        return f"""# Written by `xinyong serve --replicas`; edits are overwritten at the next start.
worker_processes 2;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {run}/tmp/client_body;
  proxy_temp_path {run}/tmp/proxy;
  fastcgi_temp_path {run}/tmp/fastcgi;
  uwsgi_temp_path {run}/tmp/uwsgi;
  scgi_temp_path {run}/tmp/scgi;
  server_tokens off;
  # A chat message is at most a few kilobytes; a larger body is refused before any server reads it.
  # Bodies and answers are kept in memory, never in temporary files (the workers may run as a user
  # who cannot write to the run folder).
  client_max_body_size 64k;
  client_body_buffer_size 64k;
  proxy_buffers 32 64k;
  proxy_max_temp_file_size 0;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Real-IP $remote_addr;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_read_timeout 300s;
  proxy_next_upstream error timeout;
  proxy_next_upstream_tries 3;
  limit_req_zone $binary_remote_addr zone=chat:10m rate={self.chat_rate};
  limit_req_status 429;
  map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}

{upstreams}
  # Action servers: only Rasa servers call them, on loopback. Rasa's X-Xinyong-Action-Token header
  # goes through unchanged (nginx passes request headers on), and each action server checks it.
  server {{
    listen 127.0.0.1:{self.action_port};
    # Rasa sends the whole conversation with each call: allow far more than a chat message.
    client_max_body_size 8m;
    client_body_buffer_size 8m;
    location / {{ proxy_pass http://xinyong_actions; }}
  }}

  # Rasa: the REST channel, socket.io and the token-protected HTTP API.
  server {{
    listen {self.rasa_port};
    location /socket.io/ {{
      proxy_pass http://xinyong_rasa_socketio;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
    }}
    location / {{
      proxy_pass http://xinyong_rasa;
      # A message that met a replica as it died (nginx does not resend a POST): the user is asked
      # to send it again, in the REST channel's own format, instead of an HTML error page.
      error_page 502 504 = @rasa_unavailable;
    }}
    location @rasa_unavailable {{
      default_type application/json;
      add_header Retry-After 2 always;
      return 503 '[{{"recipient_id": "", "text": "抱歉，系统暂时繁忙，您刚才的消息没有处理成功，请稍后重新发送一次。"}}]';
    }}
  }}

  # The chat page and the staff console.
  server {{
    listen {_listen(self.web_host, self.web_port)};
    location = /api/chat {{
      limit_req zone=chat burst={self.chat_burst} nodelay;
      error_page 429 = @too_many;
      proxy_pass http://xinyong_web;
    }}
    location @too_many {{
      default_type application/json;
      add_header Retry-After 10 always;
      return 429 '{{"error": "您发送得太快了，请稍等几秒再试。"}}';
    }}
    location / {{ proxy_pass http://xinyong_web; }}
  }}
}}
"""


def _listen(host: str, port: int) -> str:
    if host in ("", "0.0.0.0", "*"):
        return str(port)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

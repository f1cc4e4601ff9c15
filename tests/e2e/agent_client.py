"""The agent's end of the agent protocol (api/agent-protocol.md), for end-to-end
tests: a SigV4-signed WebSocket to ecsd's /ws, frames in and out, a reader
thread collecting what ecsd sends, and heartbeats answered unless told not to.

Standard library only, plus botocore for signing (the `websockets` package is
not available).

    agent = AgentClient(ecsd.url, ecsd.ca, key, secret, "us-east-1",
                        cluster_arn, container_instance_arn)
    payload = agent.wait_for("PayloadMessage")
    agent.ack(payload)
    agent.answer_heartbeats = False   # play a silent agent
    agent.drop()                      # or close()

TelemetryClient plays the agent's other session, telemetry (TCS): the URL and
the signed frames of Amazon's agent.

    telemetry = TelemetryClient(telemetry_endpoint, ecsd.ca, key, secret, "us-east-1",
                                cluster_name, container_instance_arn)
    telemetry.publish("PublishMetricsRequest", {...})
    telemetry.wait_for("AckPublishMetric")
"""

import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class UpgradeRefused(Exception):
    """ecsd answered the upgrade with an HTTP error instead of 101."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.error = json.loads(body)  # {"__type": ..., "message": ...}
        except ValueError:
            self.error = {}
        super().__init__(f"upgrade refused: HTTP {status} {body!r}")

    @property
    def type(self):
        """The error type: the API's {"__type": ...}, or a session refusal's
        {"type": ..., "message": {"message": ...}} (as Amazon's agent decodes it)."""
        return self.error.get("__type") or self.error.get("type")


def _mask(data, key):
    if not data:
        return b""
    repeated = (key * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(data), "big")


class AgentClient:
    """One agent session. Connects in the constructor; raises UpgradeRefused
    when ecsd refuses. `params` replaces the default query parameters (use
    None values to leave one out); `seq_num` is reported as the URL's seqNum.

    `path` is the session's path below the URL; `query` replaces the whole
    query (in order) instead of the ACS defaults. With `plus_for_space` the
    query is dialed as Go's url.Values encodes it ("+" for a space) but signed
    with "%20", as Amazon's agent does (aws-sdk-go's signer rewrites "+")."""

    def __init__(self, url, ca_file, access_key, secret_key, region, cluster_arn,
                 container_instance_arn, *, seq_num=1, params=None, auto_ack=False,
                 timeout=10, session_token=None, path="/ws", query=None,
                 plus_for_space=False):
        self.cluster_arn = cluster_arn
        self.container_instance_arn = container_instance_arn
        self.answer_heartbeats = True
        self.auto_ack = auto_ack
        self.close_code = None
        self.close_reason = ""
        self.closed = threading.Event()
        self.history = []  # every (type, message) received, in order
        self._inbox = []  # frames not yet taken by wait_for
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._buffer = b""
        self._close_sent = False
        default_query = {
            "clusterArn": cluster_arn,
            "containerInstanceArn": container_instance_arn,
            "agentVersion": "ecsd-test-agent",
            "agentHash": "0000000",
            "dockerVersion": "DockerVersion: 24.0.7",
            "protocolVersion": "2",
            "sendCredentials": "true",
            "seqNum": str(seq_num),
        }
        query = dict(query) if query is not None else default_query
        if params is not None:
            query.update(params)
        query = {k: v for k, v in query.items() if v is not None}
        self.path = path
        self.query = query
        self.plus_for_space = plus_for_space
        self._connect(url, ca_file, Credentials(access_key, secret_key, session_token), region,
                      query, timeout)
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name="agent-client-reader")
        self._reader.start()

    # -- what the tests use -------------------------------------------------
    def wait_for(self, type, predicate=None, timeout=10):
        """Takes the oldest received message of `type` (and matching
        `predicate(message)`) not taken before, waiting up to `timeout`
        seconds; returns its "message" object."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, (kind, message) in enumerate(self._inbox):
                    if kind == type and (predicate is None or predicate(message)):
                        del self._inbox[i]
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed.is_set():
                    seen = [kind for kind, _ in self.history]
                    state = f"closed ({self.close_code})" if self.closed.is_set() else "open"
                    raise TimeoutError(f"no {type} within {timeout}s; connection {state}; "
                                       f"received {seen}")
                self._cond.wait(remaining)

    def messages(self, type=None):
        """Everything received so far (taken or not), optionally of one type."""
        with self._cond:
            return [m for kind, m in self.history if type is None or kind == type]

    def ack(self, message):
        """Acknowledges a PayloadMessage (its "message" object)."""
        self.send("AckRequest", {"messageId": message["messageId"],
                                 "cluster": self.cluster_arn,
                                 "containerInstance": self.container_instance_arn})

    def send(self, type, message):
        self.send_text(json.dumps({"type": type, "message": message}))

    def send_text(self, text):
        self._send_frame(OP_TEXT, text.encode())

    def close(self, code=1000, timeout=10):
        """Closes as the protocol wants: a close frame, ecsd's answer, then TCP."""
        if not self.closed.is_set():
            try:
                self._send_close(code)
            except OSError:
                pass
            self.closed.wait(timeout)
        self._shutdown()

    def drop(self):
        """Closes TCP at once, without a WebSocket close (a crashed agent)."""
        self._shutdown()

    def wait_closed(self, timeout=10):
        """True once the connection ended (by ecsd or by us)."""
        return self.closed.wait(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the upgrade ----------------------------------------------------------
    def signed_target(self):
        """The session URL's path and query as signed (a space as %20)."""
        return self.path + "?" + urllib.parse.urlencode(self.query, quote_via=urllib.parse.quote)

    def dialed_target(self):
        """The path and query the upgrade request is sent to."""
        if not self.plus_for_space:
            return self.signed_target()
        return self.path + "?" + urllib.parse.urlencode(self.query)  # quote_plus: "+"

    def _connect(self, url, ca_file, credentials, region, query, timeout):
        base = urllib.parse.urlsplit(url)
        tls = base.scheme in ("https", "wss")
        host = base.hostname
        port = base.port or (443 if tls else 80)
        self.netloc = base.netloc
        self.http_scheme = "https" if tls else "http"
        target = self.dialed_target()
        signed = AWSRequest(method="GET",
                            url=f"{self.http_scheme}://{base.netloc}{self.signed_target()}",
                            headers={"Host": base.netloc})
        SigV4Auth(credentials, "ecs", region).add_auth(signed)

        raw = socket.create_connection((host, port), timeout=timeout)
        if tls:
            context = ssl.create_default_context(cafile=ca_file)
            raw = context.wrap_socket(raw, server_hostname=host)
        self._sock = raw
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {target} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in signed.headers.items()]
        lines += ["Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                  "Sec-WebSocket-Version: 13"]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status, headers = self._read_response_head()
        if status != 101:
            body = self._read_exact(int(headers.get("content-length", "0")))
            self._shutdown()
            raise UpgradeRefused(status, headers, body.decode(errors="replace"))
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            self._shutdown()
            raise ConnectionError("bad Sec-WebSocket-Accept in the 101 response")
        self._sock.settimeout(None)  # the reader blocks; drop() and close() wake it

    def _read_response_head(self):
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split(" ")[1]), headers

    # -- frames ---------------------------------------------------------------
    def _fill(self):
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by ecsd")
        self._buffer += chunk

    def _read_exact(self, n):
        while len(self._buffer) < n:
            self._fill()
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _read_frame(self):
        first, second = self._read_exact(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exact(8))
        key = self._read_exact(4) if second & 0x80 else None
        payload = self._read_exact(length)
        return bool(first & 0x80), first & 0x0F, _mask(payload, key) if key else payload

    def _send_frame(self, opcode, payload):
        key = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        with self._send_lock:
            self._sock.sendall(header + key + _mask(payload, key))

    def _send_close(self, code):
        with self._send_lock:
            if self._close_sent:
                return
            self._close_sent = True
        self._send_frame(OP_CLOSE, struct.pack("!H", code))

    def _read_loop(self):
        message = b""
        try:
            while True:
                fin, opcode, payload = self._read_frame()
                if opcode == OP_PING:
                    self._send_frame(OP_PONG, payload)
                elif opcode == OP_CLOSE:
                    self._on_close(payload)
                    self._shutdown()  # both closes sent: TCP may go
                    return
                elif opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                    message += payload
                    if fin:
                        self._on_message(message.decode())
                        message = b""
        except (OSError, ConnectionError, ValueError):
            pass  # dropped, or closed under us
        finally:
            self.closed.set()
            with self._cond:
                self._cond.notify_all()

    def _on_close(self, payload):
        if len(payload) >= 2:
            (self.close_code,) = struct.unpack("!H", payload[:2])
            self.close_reason = payload[2:].decode(errors="replace")
        try:
            self._send_close(self.close_code or 1000)  # answer ecsd's close
        except OSError:
            pass

    def _on_message(self, text):
        frame = json.loads(text)
        kind, message = frame.get("type"), frame.get("message", {})
        with self._cond:
            self.history.append((kind, message))
            self._inbox.append((kind, message))
            self._cond.notify_all()
        if kind == "HeartbeatMessage" and self.answer_heartbeats and "messageId" in message:
            self.send("HeartbeatAckRequest", {"messageId": message["messageId"]})
        elif kind == "PayloadMessage" and self.auto_ack:
            self.ack(message)

    def _shutdown(self):
        try:
            # The plain socket's shutdown: wakes the reader without touching TLS state.
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        reader = getattr(self, "_reader", None)
        if reader is not None and reader is not threading.current_thread():
            reader.join(5)


class TelemetryClient(AgentClient):
    """The telemetry session (TCS) as Amazon's agent opens it: a signed upgrade
    to <telemetryEndpoint>/ws?agentHash=..&agentVersion=..&cluster=..
    &containerInstance=..&dockerVersion=.. (url.Values encoding, "+" for a
    space), then frames that are each a signed request's header lines, a
    blank line and the JSON message. ecsd's heartbeats are not answered (the
    agent does not answer them on this session)."""

    def __init__(self, telemetry_endpoint, ca_file, access_key, secret_key, region, cluster,
                 container_instance_arn, *, agent_version="1.74.1", agent_hash="fa4da21a",
                 docker_version="DockerVersion: 20.10.24", timeout=10, session_token=None):
        base = urllib.parse.urlsplit(telemetry_endpoint)
        self.credentials = Credentials(access_key, secret_key, session_token)
        self.region = region
        super().__init__(
            f"{base.scheme}://{base.netloc}", ca_file, access_key, secret_key, region, cluster,
            container_instance_arn, timeout=timeout, session_token=session_token,
            path=base.path.rstrip("/") + "/ws", plus_for_space=True,
            query={"agentHash": agent_hash, "agentVersion": agent_version, "cluster": cluster,
                   "containerInstance": container_instance_arn,
                   "dockerVersion": docker_version})
        self.answer_heartbeats = False

    def signed_frame(self, type, message, *, secret=None, region=None):
        """The frame as the agent writes it (tcs/client signRequest): GET of the
        session URL with the JSON as its body, SigV4-signed (service ecs), then
        the request's headers as Go's Header.Write writes them (sorted), a
        blank line and the JSON."""
        body = json.dumps({"type": type, "message": message})
        request = AWSRequest(method="GET",
                             url=f"{self.http_scheme}://{self.netloc}{self.signed_target()}",
                             data=body.encode(), headers={"Host": self.netloc})
        credentials = self.credentials
        if secret is not None:
            credentials = Credentials(credentials.access_key, secret, credentials.token)
        SigV4Auth(credentials, "ecs", region or self.region).add_auth(request)
        headers = dict(request.headers.items())
        headers["Host"] = self.netloc
        lines = "".join(f"{name}: {value}\r\n" for name, value in sorted(headers.items()))
        return lines + "\r\n" + body

    def publish(self, type, message, **signing):
        """Sends one signed frame (see signed_frame for the keyword arguments)."""
        self.send_text(self.signed_frame(type, message, **signing))

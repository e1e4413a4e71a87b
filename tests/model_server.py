"""An OpenAI-compatible chat completions server on 127.0.0.1 for re-run tests and the demo.

It answers multiple-choice prompts as Inspect's `multiple_choice` solver renders them
(choice lines `A) text`) in the format the `choice` scorer reads (`ANSWER: X`). Each
question is answered right with probability `accuracy`, drawn once per question from
`seed`, so epochs of one item agree and a run's true accuracy is known in advance.

Drive it through Inspect's own provider: `openai-api/<name>/<model>` with
`<NAME>_BASE_URL` set to `server.base_url` and `<NAME>_API_KEY` set to any value.
"""

import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHOICE_LINE = re.compile(r"^([A-Z])\) (.*)$", re.MULTILINE)


class ModelServer:
    """A seeded fake model behind `/v1/chat/completions` and `/v1/models`.

    Args:
        answers: question text -> text of its correct choice. The server finds the
            question in the prompt and the correct letter among the rendered choices,
            so shuffled choices are answered right too.
        accuracy: probability in [0, 1] that a question is answered right.
        seed: seed of the per-question draw.
        fail_status: when set, every completion request fails with this HTTP status.
    """

    def __init__(
        self,
        answers: Mapping[str, str],
        *,
        accuracy: float,
        seed: int = 0,
        fail_status: int | None = None,
        model: str = "local-model",
    ) -> None:
        if not 0.0 <= accuracy <= 1.0:
            raise ValueError(f"accuracy '{accuracy}' is outside [0, 1]; pass a probability")
        self.answers = dict(answers)
        self.accuracy = accuracy
        self.seed = seed
        self.fail_status = fail_status
        self.model = model
        self.requests = 0
        self.authorizations: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "ModelServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "ModelServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def is_right(self, question: str) -> bool:
        """Return whether the server answers `question` right (fixed per seed and question)."""
        digest = hashlib.sha256(f"{self.seed}\x1f{question}".encode()).digest()
        return random.Random(digest).random() < self.accuracy

    def reply(self, prompt: str) -> str:
        """Return the completion text for one prompt."""
        # The longest match wins, so "What is 1 + 2?" never answers "What is 11 + 2?".
        question = max((q for q in self.answers if q in prompt), key=len, default=None)
        letters = {text.strip(): letter for letter, text in CHOICE_LINE.findall(prompt)}
        if question is None or not letters:
            return "ANSWER: A"
        right = letters.get(self.answers[question].strip(), "A")
        if self.is_right(question):
            return f"ANSWER: {right}"
        wrong = sorted(letter for letter in letters.values() if letter != right)
        return f"ANSWER: {wrong[0] if wrong else right}"

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = "\n".join(_message_text(message) for message in body.get("messages", []))
        text = self.reply(prompt)
        return {
            "id": f"chatcmpl-{self.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            # Inspect counts tokens itself when usage is missing, which can fetch a
            # tokenizer from the internet; sending usage keeps the test offline.
            "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": 2, "total_tokens": len(prompt.split()) + 2},
        }


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    return ""


def _handler_for(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            # Keep test output quiet; pytest shows failures with their own context.
            pass

        def _send_json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._send_json(HTTPStatus.OK, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
            else:
                self._send_json(HTTPStatus.NOT_FOUND, {"error": {"message": f"no route '{self.path}'"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with server._lock:
                server.requests += 1
                server.authorizations.append(self.headers.get("Authorization", ""))
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send_json(HTTPStatus.NOT_FOUND, {"error": {"message": f"no route '{self.path}'"}})
                return
            if server.fail_status is not None:
                self._send_json(server.fail_status, {"error": {"message": "the test server fails on purpose", "type": "server_error"}})
                return
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                self._send_json(HTTPStatus.BAD_REQUEST, {"error": {"message": "the request body is not JSON"}})
                return
            self._send_json(HTTPStatus.OK, server.completion(body))

    return Handler

# Test cases for python.yml, run by `semgrep --test security/semgrep` (see the scan executor's
# semgrep-rules.spec.ts): `ruleid:` marks a line the rule must flag, `ok:` one it must not.
import hashlib
import os
import pickle
import subprocess
import tempfile

import httpx
import jwt
import requests
import uvicorn
import yaml
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text


def shell(command: str, args: list[str]) -> None:
    # ruleid: python-subprocess-shell-true
    subprocess.run(command, shell=True)
    # ruleid: python-subprocess-shell-true
    os.system(command)
    # ok: python-subprocess-shell-true
    subprocess.run(args, check=True)


def dynamic(code: str) -> None:
    # ruleid: python-eval-exec
    eval(code)
    # ruleid: python-eval-exec
    exec(code)


def load(data: bytes, doc: str) -> None:
    # ruleid: python-unsafe-deserialisation
    pickle.loads(data)
    # ruleid: python-unsafe-deserialisation
    yaml.load(doc)
    # ok: python-unsafe-deserialisation
    yaml.load(doc, Loader=yaml.SafeLoader)
    # ok: python-unsafe-deserialisation
    yaml.safe_load(doc)


def query(conn, name: str) -> None:
    # ruleid: python-sql-string-formatting
    conn.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ruleid: python-sql-string-formatting
    conn.execute("SELECT * FROM users WHERE name = '%s'" % name)
    # ruleid: python-sql-string-formatting
    text(f"SELECT * FROM users WHERE name = '{name}'")
    # ok: python-sql-string-formatting
    conn.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})


def fetch(url: str) -> None:
    # ruleid: python-requests-verify-false
    requests.get(url, verify=False)
    # ruleid: python-requests-verify-false
    httpx.Client(verify=False)
    # ok: python-requests-verify-false
    requests.get(url, timeout=5)


def tokens(token: str, key: str) -> None:
    # ruleid: python-jwt-verify-disabled
    jwt.decode(token, options={"verify_signature": False})
    # ok: python-jwt-verify-disabled
    jwt.decode(token, key, algorithms=["HS256"])


def digests(data: bytes) -> None:
    # ruleid: python-weak-hash-for-secrets
    hashlib.md5(data)
    # ok: python-weak-hash-for-secrets
    hashlib.md5(data, usedforsecurity=False)
    # ok: python-weak-hash-for-secrets
    hashlib.sha256(data)


def cors(app) -> None:
    # ruleid: python-cors-wildcard-with-credentials
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    # ok: python-cors-wildcard-with-credentials
    app.add_middleware(CORSMiddleware, allow_origins=["https://shop.example"], allow_credentials=True)


def temp() -> None:
    # ruleid: python-insecure-tempfile
    tempfile.mktemp()
    # ok: python-insecure-tempfile
    tempfile.mkstemp()


def serve(app) -> None:
    # ruleid: python-bind-all-interfaces-debug
    uvicorn.run(app, host="0.0.0.0", reload=True)
    # ok: python-bind-all-interfaces-debug
    uvicorn.run(app, host="127.0.0.1", port=8000)

"""The Python peer of the token benchmark (`cargo xtask bench tokens`).

What a Python team would write for the three uses of the auth service's keys, with
PyJWT and `cryptography` (from PyPI), on the key set, claims and token the Rust
benchmark wrote:

- `pyjwt sign: <us> us per token`: an access token issued, RS256 with the active
  key's `kid` in the header; the key loaded from its PEM once, as PyJWT's
  documentation advises for repeated signing.
- `pyjwt jwks: <us> us per key set`: a cold start's work on the key set: each key
  loaded from its PEM (`cryptography` checks an RSA key as it loads it) and its
  public half written as a JWK.
- `pyjwt verify: <us> us per token`: a token verified as a gateway verifies each
  request's (RS256 only, issuer, audience, expiry), the public key loaded once.
"""
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm


def measure(label, unit, seconds, work):
    for _ in range(20):  # warm up
        work()
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(10):
            work()
        runs += 10
    per_run = (time.perf_counter() - started) / runs
    print(f"{label}: {per_run * 1e6:.2f} us per {unit}", flush=True)


def main():
    bench = json.load(open(sys.argv[1]))
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    key_set, claims = bench["key_set"], bench["claims"]
    active = next(k for k in key_set["keys"] if k["kid"] == key_set["active_kid"])
    private_key = serialization.load_pem_private_key(active["private_key_pem"].encode(), password=None)
    headers = {"kid": active["kid"]}

    def jwks():
        keys = []
        for k in key_set["keys"]:
            loaded = serialization.load_pem_private_key(k["private_key_pem"].encode(), password=None)
            jwk = RSAAlgorithm.to_jwk(loaded.public_key(), as_dict=True)
            keys.append({**jwk, "kid": k["kid"], "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    measure("pyjwt sign", "token", seconds, lambda: jwt.encode(claims, private_key, algorithm="RS256", headers=headers))
    measure("pyjwt jwks", "key set", seconds, jwks)

    token, expected = bench["token"], bench["settings"]
    public_key = private_key.public_key()
    measure(
        "pyjwt verify",
        "token",
        seconds,
        lambda: jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            issuer=expected["issuer"],
            audience=expected["audience"],
            options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub"]},
        ),
    )


if __name__ == "__main__":
    main()

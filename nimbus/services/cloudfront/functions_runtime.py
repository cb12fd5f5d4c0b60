"""CloudFront Functions run in a real JavaScript engine: V8, embedded through mini-racer. Each published
version of a function gets a context of its own (kept while the code is unchanged, one invocation at a
time), with ``console.log`` gathered per invocation and a time budget that stands for CloudFront's
compute-utilization limit: past it V8 stops the function."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from py_mini_racer import JSEvalException, JSPromise, JSTimeoutException, MiniRacer

from .functions_modules import MODULES_JS, with_modules

MAX_CODE_BYTES = 10 * 1024  # AWS's limit on a function's code
MAX_CONTEXTS = 64  # live V8 contexts kept, the least recently used closed first

_PRELUDE = r"""
var __nimbus_logs = [];
var console = {log: function () {
  __nimbus_logs.push(Array.prototype.map.call(arguments, function (a) {
    return typeof a === 'string' ? a : JSON.stringify(a); }).join(' '));
}};
console.info = console.warn = console.error = console.debug = console.log;
var __nimbus_kvs = {};
var __nimbus_cf = {kvs: function (id) {
  function value(key) {
    if (!Object.prototype.hasOwnProperty.call(__nimbus_kvs, key)) { throw new Error('Key ' + key + ' not found'); }
    return __nimbus_kvs[key];
  }
  return {
    get: function (key, options) {
      return new Promise(function (resolve) {
        var found = value(key);
        resolve(options && options.format === 'json' ? JSON.parse(found) : found);
      });
    },
    exists: function (key) {
      return Promise.resolve(Object.prototype.hasOwnProperty.call(__nimbus_kvs, key));
    },
    meta: function () { return Promise.resolve({keyCount: Object.keys(__nimbus_kvs).length}); }
  };
}};
function __nimbus_done(value) { return JSON.stringify({value: value, logs: __nimbus_logs}); }
function __nimbus_failed(error) {
  return JSON.stringify({error: String(error && error.stack ? error : error), logs: __nimbus_logs});
}
function __nimbus_run(eventJson, kvsJson) {
  __nimbus_logs = [];
  __nimbus_kvs = JSON.parse(kvsJson);
  try {
    var out = handler(JSON.parse(eventJson));
    if (out && typeof out.then === 'function') { return out.then(__nimbus_done, __nimbus_failed); }
    return __nimbus_done(out);
  } catch (e) {
    return __nimbus_failed(e);
  }
}
"""


class InvalidFunctionCode(Exception):
    """The code does not compile, or defines no ``handler``."""


@dataclass
class FunctionOutcome:
    value: object = None  # what the handler returned (JSON-decoded)
    logs: list[str] = field(default_factory=list)
    error: str | None = None  # why it failed: thrown, or over its time budget
    utilization: int = 0  # the share of the time budget used, 0 to 100


class _Context:
    def __init__(self, code: str):
        self.lock = threading.Lock()
        self.racer = MiniRacer()
        try:
            self.racer.eval(_PRELUDE + MODULES_JS)
            self.racer.eval(with_modules(code), timeout=1000)
            if self.racer.eval("typeof handler") != "function":
                raise InvalidFunctionCode("The function code must define a function named handler.")
        except (JSEvalException, JSTimeoutException) as error:
            self.racer.close()
            raise InvalidFunctionCode(str(error).strip().splitlines()[0]) from error
        except InvalidFunctionCode:
            self.racer.close()
            raise


class FunctionRunner:
    def __init__(self, budget_ms: float):
        self.budget_ms = budget_ms
        self._contexts: dict[str, _Context] = {}  # by code, in order of use
        self._lock = threading.Lock()

    def check(self, code: str) -> None:
        """Raise InvalidFunctionCode unless the code compiles and defines ``handler``."""
        self._context(code)

    def run(self, code: str, event: dict, kvs: dict[str, str] | None = None) -> FunctionOutcome:
        context = self._context(code)
        with context.lock:
            started = time.perf_counter()
            timeout = self.budget_ms
            try:
                # eval, not call: call would hand back an async handler's promise JSON-encoded ({}).
                arguments = f"{json.dumps(json.dumps(event))}, {json.dumps(json.dumps(kvs or {}))}"
                out = context.racer.eval(f"__nimbus_run({arguments})", timeout=timeout)
                if isinstance(out, JSPromise):
                    left = max(timeout - (time.perf_counter() - started) * 1000, 1.0)
                    out = out.get(timeout=left / 1000)
            except JSTimeoutException:
                return FunctionOutcome(error="The function exceeded its compute utilization limit.",
                                       utilization=100)
            except JSEvalException as error:
                return FunctionOutcome(error=str(error).strip().splitlines()[0], utilization=100)
            used = (time.perf_counter() - started) * 1000 / self.budget_ms
        result = json.loads(str(out))
        return FunctionOutcome(result.get("value"), result.get("logs", []), result.get("error"),
                               max(1, min(100, round(used * 100))))

    def close(self) -> None:
        with self._lock:
            for context in self._contexts.values():
                context.racer.close()
            self._contexts.clear()

    def _context(self, code: str) -> _Context:
        with self._lock:
            found = self._contexts.pop(code, None)
            if found is None:
                found = _Context(code)
                while len(self._contexts) >= MAX_CONTEXTS:
                    self._contexts.pop(next(iter(self._contexts))).racer.close()
            self._contexts[code] = found
            return found

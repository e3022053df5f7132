#!/usr/bin/env bash
# scripts/prom-export against a fake Prometheus (query_range only): the replay it writes is read by kiln predict
# and alerts; a server error is exit 3 naming the status and message; bad usage is exit 2; nothing is left behind.
#   prom_export_test.sh KILN SOURCE_DIR
set -euo pipefail
kiln=$1
source_dir=$2
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$work/server.py" <<'PY'
import http.server, json, sys, urllib.parse
class Fake(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        metric = q.get("query", [""])[0]
        if url.path != "/api/v1/query_range":
            return self.answer(404, {"status": "error", "error": "not found"})
        if metric == "BROKEN":
            return self.answer(400, {"status": "error", "errorType": "bad_data", "error": "parse error: BROKEN"})
        result = []
        if metric == "DCGM_FI_DEV_XID_ERRORS":  # two GSP errors an hour apart: the xid rule
            start = float(q["start"][0])
            result = [{"metric": {"__name__": metric, "Hostname": "gn01", "gpu": "0", "UUID": "GPU-1"},
                       "values": [[start, "119"], [start + 3600, "120"], [start + 7200, "120"],
                                  [start + 10800, "NaN"]]},
                      {"metric": {"__name__": metric, "instance": "10.0.0.2:9400", "gpu": "1"},
                       "values": [[start, "0"]]}]
        self.answer(200, {"status": "success", "data": {"resultType": "matrix", "result": result}})
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Fake)
open(sys.argv[1], "w").write(str(server.server_port))
server.serve_forever()
PY
python3 "$work/server.py" "$work/port" &
server_pid=$!
for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the fake server did not start"
url=http://127.0.0.1:$(cat "$work/port")
export_=("$source_dir/scripts/prom-export" --url "$url" --start 1767225600 --end 2026-01-01T06:00:00Z --step 1h)

"${export_[@]}" --out "$work/samples.jsonl" >"$work/log" 2>&1 || fail "export: $(cat "$work/log")"
grep -q '^prom-export: 4 samples' "$work/log" || fail "count: $(cat "$work/log")"
grep -q '"node": "gn01"' "$work/samples.jsonl" || fail "Hostname not the node: $(cat "$work/samples.jsonl")"
grep -q '"node": "10.0.0.2"' "$work/samples.jsonl" || fail "instance without port not the node"
grep -q NaN "$work/samples.jsonl" && fail "NaN written"
"$kiln" predict --replay "$work/samples.jsonl" --out "$work/out" >"$work/log" 2>&1 || fail "predict: $(cat "$work/log")"
grep -q '"rule":"xid"' "$work/out/alerts.jsonl" || fail "no xid alert: $(cat "$work/out/alerts.jsonl")"

set +e
"${export_[@]}" --metric BROKEN --out "$work/broken.jsonl" >"$work/log" 2>&1
code=$?
set -e
[ "$code" = 3 ] || fail "server error exit $code: $(cat "$work/log")"
grep -q 'HTTP 400 for BROKEN.*parse error: BROKEN' "$work/log" || fail "message: $(cat "$work/log")"
[ -e "$work/broken.jsonl" ] && fail "a failed export left a file"
ls -a "$work" | grep -q '^\.prom-export\.' && fail "a temporary file was left behind"

for bad in "--start soon" "--step 0s" "--end 1767225600"; do
  set +e
  # shellcheck disable=SC2086
  "$source_dir/scripts/prom-export" --url "$url" --start 1767225600 --end 1767300000 $bad --out "$work/x.jsonl" \
    >"$work/log" 2>&1
  code=$?
  set -e
  [ "$code" = 2 ] || fail "$bad: exit $code: $(cat "$work/log")"
done

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
set +e
"${export_[@]}" --out "$work/gone.jsonl" >"$work/log" 2>&1
code=$?
set -e
[ "$code" = 3 ] || fail "unreachable server: exit $code: $(cat "$work/log")"
echo "prom-export: all checks passed"
